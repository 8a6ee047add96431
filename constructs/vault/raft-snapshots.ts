/**
 * RaftSnapshots: scheduled Raft snapshots as part of the environment (Vault's open-source
 * edition has no automated snapshots). A long-running hardened container loops: log in with its
 * own client certificate (cert auth role bound to its certificate's CN, snapshot-policy only),
 * save a snapshot from the active node onto a protected volume, keep the newest `retain`. Its
 * health check fails when the last success is older than two intervals.
 *
 * Why cert auth rather than an AppRole: the job already holds its own client certificate for
 * mTLS; an AppRole would need a SecretID delivered by yet another mechanism.
 */
import { Construct } from "constructs";
import { Image } from "@cdktf/provider-docker/lib/image";
import type { DataProtection } from "../data-protection";
import { HardenedContainer } from "../docker/hardened-container";
import { VolumeSeed } from "../docker/volume-seed";
import { readProjectFile } from "../project-files";
import { VAULT_GID, VAULT_UID } from "./vault-cluster";

export const SNAPSHOT_SCRIPT = "constructs/vault/scripts/raft-snapshot.sh";
export const SNAPSHOT_DIR = "/snapshots";

export interface RaftSnapshotsProps {
  readonly environment: string;
  /** Image with the vault CLI and /bin/sh. */
  readonly image: string;
  /** Vault address on the clients network. */
  readonly vaultAddr: string;
  readonly clientsNetwork: string;
  readonly caCertPem: string;
  /** The job's client certificate and key (PEM). */
  readonly clientCertPem: string;
  readonly clientKeyPem: string;
  /** The job's role in the cert auth method. */
  readonly certRole: string;
  readonly intervalMinutes: number;
  readonly retain: number;
  /** Protection of the snapshot volume. */
  readonly protection: DataProtection;
}

export class RaftSnapshots extends Construct {
  public readonly job: HardenedContainer;
  public readonly volume: VolumeSeed;

  constructor(scope: Construct, id: string, props: RaftSnapshotsProps) {
    super(scope, id);
    const name = `${props.environment}-raft-snapshots`;
    const labels = { "uyoop.environment": props.environment, "uyoop.component": "raft-snapshots" };
    const owner = { uid: VAULT_UID, gid: VAULT_GID };
    const image = new Image(this, "image", { name: props.image, keepLocally: true }).imageId;
    const files = new VolumeSeed(this, "files", {
      volumeName: `${name}-files`,
      image,
      owner,
      labels,
      files: [
        { path: "raft-snapshot.sh", content: readProjectFile(SNAPSHOT_SCRIPT), mode: "0444" },
        { path: "ca.pem", content: props.caCertPem, mode: "0444" },
        { path: "client.pem", content: props.clientCertPem, mode: "0444" },
        { path: "client-key.pem", content: props.clientKeyPem, mode: "0400" },
      ],
    });
    this.volume = new VolumeSeed(this, "snapshots", {
      volumeName: `${name}-data`,
      image,
      owner,
      labels: { ...labels, "uyoop.stateful": "raft-snapshots" },
      files: [{ path: "readme", content: "Raft snapshots of the Vault cluster (raft-<UTC>.snap); restore: docs/RUNBOOK.md\n", mode: "0444" }],
      protection: props.protection,
    });
    const interval = props.intervalMinutes * 60;
    this.job = new HardenedContainer(this, "job", {
      name,
      image,
      user: `${VAULT_UID}:${VAULT_GID}`,
      entrypoint: ["/bin/sh"],
      command: ["/job/raft-snapshot.sh"],
      env: {
        VAULT_ADDR: props.vaultAddr,
        VAULT_CACERT: "/job/ca.pem",
        VAULT_CLIENT_CERT: "/job/client.pem",
        VAULT_CLIENT_KEY: "/job/client-key.pem",
        CERT_ROLE: props.certRole,
        SNAPSHOT_DIR,
        INTERVAL_SECONDS: String(interval),
        RETAIN: String(props.retain),
        HOME: "/tmp",
      },
      networks: [{ name: props.clientsNetwork }],
      volumes: [
        { volume: files.volume.name, target: "/job", readOnly: true },
        { volume: this.volume.volume.name, target: SNAPSHOT_DIR, readOnly: false },
      ],
      tmpfs: { "/tmp": { sizeMb: 16, uid: VAULT_UID, gid: VAULT_GID, mode: "0700" } },
      memoryMb: 128,
      healthCheck: {
        test: ["CMD-SHELL", `[ -f ${SNAPSHOT_DIR}/.last-success ] && [ $(( $(date +%s) - $(cat ${SNAPSHOT_DIR}/.last-success) )) -lt ${2 * interval} ]`],
        intervalSeconds: 60,
        timeoutSeconds: 5,
        startPeriodSeconds: 120,
        retries: 2,
      },
      stopTimeoutSeconds: 10,
      labels,
      dependsOn: [files.seeder.container, this.volume.seeder.container],
    });
  }
}
