/**
 * VaultCliJob: a hardened container that runs one of the project's scripts with the vault CLI,
 * proving who it is with its own client certificate (Vault's cert auth method) so that no
 * credential is ever handed to it. The script, the CA and the job's certificate and key reach it
 * through a VolumeSeed mounted read-only at /job. Used by the SecretID issuer and the Raft
 * snapshot job.
 */
import { Construct } from "constructs";
import type { ITerraformDependable } from "cdktf";
import { HardenedContainer, type HealthCheck, type VolumeAttachment } from "../docker/hardened-container";
import { VolumeSeed } from "../docker/volume-seed";
import { readProjectFile } from "../project-files";
import { vaultCliEnv, type VaultCli } from "./vault-server-flavour";

/** Where the job's files are mounted. */
export const JOB_MOUNT = "/job";

export interface VaultCliJobProps {
  /** Container name (the seeded volume is `<name>-files`). */
  readonly name: string;
  /** Image with the vault CLI and /bin/sh. */
  readonly image: string;
  /** Numeric uid and gid the job runs as (and owns its files). */
  readonly owner: { readonly uid: number; readonly gid: number };
  /** The script to run, relative to the project root. */
  readonly script: string;
  /** Vault address and the network it is reached on. */
  readonly vaultAddr: string;
  readonly clientsNetwork: string;
  /** The environment CA and the job's client certificate and key (PEM). */
  readonly caCertPem: string;
  readonly clientCertPem: string;
  readonly clientKeyPem: string;
  /** The job's role in the cert auth method (CERT_ROLE). */
  readonly certRole: string;
  /** More non-secret environment variables for the script. @default {} */
  readonly env?: Readonly<Record<string, string>>;
  /** More volumes (e.g. where it writes). @default none */
  readonly volumes?: readonly VolumeAttachment[];
  /** Run once per apply (a job) rather than as a long-running loop with a health check. */
  readonly oneShot: boolean;
  /** Health check of a long-running job. */
  readonly healthCheck?: HealthCheck;
  /** Memory limit (MiB). @default 64 */
  readonly memoryMb?: number;
  readonly labels: Readonly<Record<string, string>>;
  /** @default none */
  readonly dependsOn?: readonly ITerraformDependable[];
  /** The CLI in the image: `vault`, or OpenBao's `bao`. @default "vault" */
  readonly cli?: VaultCli;
}

export class VaultCliJob extends Construct {
  public readonly files: VolumeSeed;
  public readonly job: HardenedContainer;

  constructor(scope: Construct, id: string, props: VaultCliJobProps) {
    super(scope, id);
    const scriptName = props.script.split("/").pop()!;
    this.files = new VolumeSeed(this, "files", {
      volumeName: `${props.name}-files`,
      image: props.image,
      owner: props.owner,
      labels: props.labels,
      files: [
        { path: scriptName, content: readProjectFile(props.script), mode: "0444" },
        { path: "ca.pem", content: props.caCertPem, mode: "0444" },
        { path: "client.pem", content: props.clientCertPem, mode: "0444" },
        { path: "client-key.pem", content: props.clientKeyPem, mode: "0400" },
      ],
    });
    this.job = new HardenedContainer(this, "job", {
      name: props.name,
      image: props.image,
      user: `${props.owner.uid}:${props.owner.gid}`,
      entrypoint: ["/bin/sh"],
      command: [`${JOB_MOUNT}/${scriptName}`],
      env: {
        VAULT_ADDR: props.vaultAddr,
        VAULT_CACERT: `${JOB_MOUNT}/ca.pem`,
        VAULT_CLIENT_CERT: `${JOB_MOUNT}/client.pem`,
        VAULT_CLIENT_KEY: `${JOB_MOUNT}/client-key.pem`,
        CERT_ROLE: props.certRole,
        HOME: "/tmp",
        ...vaultCliEnv(props.cli),
        ...(props.env ?? {}),
      },
      networks: [{ name: props.clientsNetwork }],
      volumes: [{ volume: this.files.volume.name, target: JOB_MOUNT, readOnly: true }, ...(props.volumes ?? [])],
      tmpfs: { "/tmp": { sizeMb: 16, uid: props.owner.uid, gid: props.owner.gid, mode: "0700" } },
      memoryMb: props.memoryMb ?? 64,
      oneShot: props.oneShot,
      ...(props.healthCheck ? { healthCheck: props.healthCheck } : {}),
      stopTimeoutSeconds: 10,
      labels: props.labels,
      dependsOn: [this.files.seeder.container, ...(props.dependsOn ?? [])],
      // New files (script, certificate) re-create the job, so it runs them: a one-shot job runs
      // again, a loop restarts with them instead of keeping the old script in memory.
      replaceTriggeredBy: [this.files.seeder.container],
    });
  }
}
