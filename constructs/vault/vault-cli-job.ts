/**
 * VaultCliJob: a hardened container that runs one of the project's scripts with the vault CLI,
 * proving who it is with its own client certificate (Vault's cert auth method) so that no
 * credential is ever handed to it. The script reaches it through a VolumeSeed mounted read-only at
 * /job; the CA, its certificate and key through its ClientIdentity's volume (seeded by the stack
 * that issued the certificate), mounted read-only at /identity. Used by the SecretID issuer and
 * the Raft snapshot job.
 */
import { Construct } from "constructs";
import type { ITerraformDependable } from "cdktf";
import { HardenedContainer, type HealthCheck, type VolumeAttachment } from "../docker/hardened-container";
import { VolumeSeed } from "../docker/volume-seed";
import type { CertLogin, VaultCliTool, VaultEndpoint } from "./vault-access";
import { readProjectFile } from "../project-files";
import { vaultCliEnv } from "./vault-server-flavour";

/** Where the job's files are mounted. */
export const JOB_MOUNT = "/job";
/** Where its identity (CA, certificate, key) is mounted. */
export const JOB_IDENTITY_MOUNT = "/identity";

export interface VaultCliJobProps {
  /** Container name (the seeded volume is `<name>-files`). */
  readonly name: string;
  /** Image (an id or a pinned reference) with the vault CLI and /bin/sh, and the CLI's name in it. */
  readonly cli: VaultCliTool;
  /** The script to run, relative to the project root. */
  readonly script: string;
  /** Where Vault is. */
  readonly vault: VaultEndpoint;
  /** The job's identity and cert auth role (from `VaultAccess.grantCertLogin`). */
  readonly login: CertLogin;
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
}

export class VaultCliJob extends Construct {
  public readonly files: VolumeSeed;
  public readonly job: HardenedContainer;

  constructor(scope: Construct, id: string, props: VaultCliJobProps) {
    super(scope, id);
    // The job runs as the owner of its identity (granted for it), so it can read its own key.
    const owner = props.login.identity.owner;
    const scriptName = props.script.split("/").pop()!;
    this.files = new VolumeSeed(this, "files", {
      volumeName: `${props.name}-files`,
      image: props.cli.image,
      owner: owner,
      labels: props.labels,
      files: [
        { path: scriptName, content: readProjectFile(props.script), mode: "0444" },
      ],
    });
    const identity = props.login.identity.mountAt(JOB_IDENTITY_MOUNT);
    this.job = new HardenedContainer(this, "job", {
      name: props.name,
      image: props.cli.image,
      user: `${owner.uid}:${owner.gid}`,
      entrypoint: ["/bin/sh"],
      command: [`${JOB_MOUNT}/${scriptName}`],
      env: {
        VAULT_ADDR: props.vault.address,
        ...identity.env,
        CERT_ROLE: props.login.role,
        HOME: "/tmp",
        ...vaultCliEnv(props.cli.binary),
        ...(props.env ?? {}),
      },
      networks: [{ name: props.vault.network.name }],
      volumes: [{ volume: this.files.volume.name, target: JOB_MOUNT, readOnly: true }, identity.volume, ...(props.volumes ?? [])],
      tmpfs: { "/tmp": { sizeMb: 16, uid: owner.uid, gid: owner.gid, mode: "0700" } },
      memoryMb: props.memoryMb ?? 64,
      oneShot: props.oneShot,
      ...(props.healthCheck ? { healthCheck: props.healthCheck } : {}),
      stopTimeoutSeconds: 10,
      labels: { ...props.labels, ...identity.labels },
      dependsOn: [this.files.seeder.container, ...(props.dependsOn ?? [])],
      // A new script re-creates the job, so it runs it: a one-shot job runs again, a loop restarts
      // with it instead of keeping the old script in memory. A new identity does the same through
      // its label (its seeder lives in another stack).
      replaceTriggeredBy: [this.files.seeder.container],
    });
  }
}
