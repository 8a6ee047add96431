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
import { VolumeSeed } from "../docker/volume-seed";
import { VaultCliJob } from "./vault-cli-job";
import type { ClientIdentity } from "./client-identity";
import type { VaultCli } from "./vault-server-flavour";
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
  /** The job's identity (owned by the vault uid the job runs as). */
  readonly identity: ClientIdentity;
  /** The job's role in the cert auth method. */
  readonly certRole: string;
  readonly intervalMinutes: number;
  readonly retain: number;
  /** Protection of the snapshot volume. */
  readonly protection: DataProtection;
  /** The CLI in the image: `vault`, or OpenBao's `bao`. @default "vault" */
  readonly cli?: VaultCli;
}

export class RaftSnapshots extends Construct {
  public readonly job: VaultCliJob;
  public readonly volume: VolumeSeed;

  constructor(scope: Construct, id: string, props: RaftSnapshotsProps) {
    super(scope, id);
    const name = `${props.environment}-raft-snapshots`;
    const labels = { "uyoop.environment": props.environment, "uyoop.component": "raft-snapshots" };
    const owner = { uid: VAULT_UID, gid: VAULT_GID };
    const image = new Image(this, "image", { name: props.image, keepLocally: true }).imageId;
    this.volume = new VolumeSeed(this, "snapshots", {
      volumeName: `${name}-data`,
      image,
      owner,
      labels: { ...labels, "uyoop.stateful": "raft-snapshots" },
      files: [{ path: "readme", content: "Raft snapshots of the Vault cluster (raft-<UTC>.snap); restore: docs/RUNBOOK.md\n", mode: "0444" }],
      protection: props.protection,
    });
    const interval = props.intervalMinutes * 60;
    // "Default": the job's resources keep the addresses raft-snapshots_job, raft-snapshots_files_*.
    this.job = new VaultCliJob(this, "Default", {
      name,
      image,
      owner,
      script: SNAPSHOT_SCRIPT,
      vaultAddr: props.vaultAddr,
      clientsNetwork: props.clientsNetwork,
      identity: props.identity,
      certRole: props.certRole,
      ...(props.cli ? { cli: props.cli } : {}),
      env: { SNAPSHOT_DIR, INTERVAL_SECONDS: String(interval), RETAIN: String(props.retain) },
      volumes: [{ volume: this.volume.volume.name, target: SNAPSHOT_DIR, readOnly: false }],
      oneShot: false,
      memoryMb: 128,
      healthCheck: {
        test: ["CMD-SHELL", `[ -f ${SNAPSHOT_DIR}/.last-success ] && [ $(( $(date +%s) - $(cat ${SNAPSHOT_DIR}/.last-success) )) -lt ${2 * interval} ]`],
        intervalSeconds: 60,
        timeoutSeconds: 5,
        startPeriodSeconds: 120,
        retries: 2,
      },
      labels,
      dependsOn: [this.volume.seeder.container],
    });
  }
}
