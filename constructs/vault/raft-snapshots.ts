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
import type { VaultAccess } from "./vault-access";
import { VAULT_OWNER } from "./vault-cluster";

export const SNAPSHOT_SCRIPT = "constructs/vault/scripts/raft-snapshot.sh";
export const SNAPSHOT_DIR = "/snapshots";

export interface RaftSnapshotsProps {
  readonly environment: string;
  /** Vault: where it is, the CLI image, and the job's login (granted here: snapshot-policy only). */
  readonly vault: VaultAccess;
  readonly intervalMinutes: number;
  readonly retain: number;
  /** Protection of the snapshot volume. */
  readonly protection: DataProtection;
}

/** The job's cert auth role and client name. */
export const SNAPSHOT_JOB = "raft-snapshot";

export class RaftSnapshots extends Construct {
  public readonly job: VaultCliJob;
  public readonly volume: VolumeSeed;

  constructor(scope: Construct, id: string, props: RaftSnapshotsProps) {
    super(scope, id);
    const name = `${props.environment}-raft-snapshots`;
    const labels = { "uyoop.environment": props.environment, "uyoop.component": "raft-snapshots" };
    const owner = VAULT_OWNER;
    const login = props.vault.grantCertLogin({ name: SNAPSHOT_JOB, owner }, "snapshot-policy");
    const image = new Image(this, "image", { name: props.vault.cli.image, keepLocally: true }).imageId;
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
      cli: { image, binary: props.vault.cli.binary },
      script: SNAPSHOT_SCRIPT,
      vault: props.vault.endpoint,
      login,
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
