/**
 * UyoopApp: the uyoop-cal application containers and how their Vault credentials reach them.
 *
 * - The CA and the app's client certificate and key come from its ClientIdentity: a volume the
 *   platform stack seeded (the key never crosses a stack boundary), mounted read-only. The RoleID
 *   (an identifier) is delivered by a VolumeSeed here and mounted read-only.
 * - The SecretID is issued inside the environment by a one-shot job that authenticates with its
 *   own client certificate (Vault cert auth) and writes it to a volume the app mounts read-only.
 *   It never passes through Terraform (so the provider dropping used SecretIDs from state does
 *   not matter), container env, or logs. Re-running the job rotates it.
 * - Each replica is a HardenedContainer on the edge network (its published port), the Vault
 *   clients network and the data network, published at `hostPort + i` on the bind interface.
 */
import { Construct } from "constructs";
import { Image } from "@cdktf/provider-docker/lib/image";
import { UserInputError, show } from "../../kernel/errors";
import { HardenedContainer, parseOwner } from "../docker/hardened-container";
import { VolumeSeed } from "../docker/volume-seed";
import { VaultCliJob } from "../vault/vault-cli-job";
import type { NetworkHandle } from "../docker/environment-networks";
import type { VaultAccess } from "../vault/vault-access";
import type { AppRoleHandle } from "../vault/approle-auth";
import { APP_ROLE_ID_DIR, APP_SECRET_ID_DIR, APP_VAULT_DIR, appEnvironment } from "./app-contract";

export const SECRET_ID_SCRIPT = "constructs/vault/scripts/issue-secret-id.sh";

export interface UyoopAppProps {
  /** Environment name. */
  readonly environment: string;
  /** App image reference. */
  readonly image: string;
  /** Numeric "uid:gid" the image runs as. */
  readonly user: string;
  /** Port the app listens on. */
  readonly port: number;
  /** HTTP path of the health endpoint. */
  readonly healthPath: string;
  /** Number of containers. */
  readonly replicas: number;
  /** Host port of replica 0; replica i is published on hostPort + i. */
  readonly hostPort: number;
  /** Host interface to publish on. */
  readonly bindAddress: string;
  /** Memory limit per replica (MiB). */
  readonly memoryMb: number;
  /** The public-facing network (published port) and the data network (PostgreSQL). */
  readonly networks: { readonly edge: NetworkHandle; readonly data: NetworkHandle };
  /** Vault: the app's identity and the SecretID issuer's login are granted through it. */
  readonly vault: VaultAccess;
  /** The AppRole role the app logs in to, and its RoleID (an identifier). */
  readonly appRole: AppRoleHandle;
}

/** The SecretID issuer's cert auth role and client name. */
export const SECRET_ID_ISSUER_JOB = "secretid-issuer";

/** Health check run inside the app image (python is there: the app is FastAPI). */
export function appHealthCommand(port: number, path: string): string[] {
  return ["CMD", "python3", "-c", `import urllib.request; urllib.request.urlopen("http://127.0.0.1:${port}${path}", timeout=3)`];
}

export class UyoopApp extends Construct {
  public readonly replicas: readonly HardenedContainer[];
  public readonly issuer: VaultCliJob;
  public readonly roleIdFiles: VolumeSeed;
  public readonly secretIdVolume: VolumeSeed;

  constructor(scope: Construct, id: string, props: UyoopAppProps) {
    super(scope, id);
    const owner = parseOwner(props.user);
    if (!owner || owner.uid === 0) throw UserInputError.of(this.node.path, "user", `${show(props.user)} must be a numeric non-root uid:gid`);
    // Both identities belong to the app's uid: the issuer runs as the app's uid to write its SecretID.
    const appIdentity = props.vault.identity("app", owner);
    const issuerLogin = props.vault.grantCertLogin({ name: SECRET_ID_ISSUER_JOB, owner }, "secretid-rotation-policy");
    const labels = { "uyoop.environment": props.environment, "uyoop.component": "app" };

    const image = new Image(this, "image", { name: props.image, keepLocally: true });
    // The issuer and the seeders run the vault CLI image (it has /bin/sh and chown).
    const cli = new Image(this, "vault-cli-image", { name: props.vault.cli.image, keepLocally: true }).imageId;

    this.roleIdFiles = new VolumeSeed(this, "role-id", {
      volumeName: `${props.environment}-app-role-id`,
      image: cli,
      owner,
      labels,
      files: [{ path: "role-id", content: props.appRole.roleId, mode: "0400" }],
    });
    const identity = appIdentity.mountAt(APP_VAULT_DIR);

    // The SecretID volume starts with a note only; its owner is the app's uid, so the issuer
    // (running as that uid, without any capability) can write the SecretID there.
    this.secretIdVolume = new VolumeSeed(this, "secret-id", {
      volumeName: `${props.environment}-app-secret-id`,
      image: cli,
      owner,
      labels,
      files: [{ path: "readme", content: "secret-id is written here by the SecretID issuer job\n", mode: "0444" }],
    });

    this.issuer = new VaultCliJob(this, "secretid-issuer", {
      name: `${props.environment}-secretid-issuer`,
      cli: { image: cli, binary: props.vault.cli.binary },
      script: SECRET_ID_SCRIPT,
      vault: props.vault.endpoint,
      login: issuerLogin,
      env: { APPROLE_ROLE: props.appRole.name, SECRET_ID_FILE: "/out/secret-id" },
      volumes: [{ volume: this.secretIdVolume.volume.name, target: "/out", readOnly: false }],
      oneShot: true,
      labels: { ...labels, "uyoop.component": "secretid-issuer" },
      dependsOn: [this.secretIdVolume.seeder.container],
    });

    this.replicas = Array.from({ length: props.replicas }, (_, i) => {
      return new HardenedContainer(this, `replica-${i}`, {
        name: `${props.environment}-app-${i}`,
        image: image.imageId,
        user: props.user,
        env: appEnvironment(props.vault.endpoint.address, props.port),
        networks: [{ name: props.networks.edge.name }, { name: props.vault.endpoint.network.name }, { name: props.networks.data.name }],
        ports: [{ internal: props.port, external: props.hostPort + i, ip: props.bindAddress }],
        volumes: [
          identity.volume,
          { volume: this.roleIdFiles.volume.name, target: APP_ROLE_ID_DIR, readOnly: true },
          { volume: this.secretIdVolume.volume.name, target: APP_SECRET_ID_DIR, readOnly: true },
        ],
        tmpfs: { "/tmp": { sizeMb: 64, uid: owner.uid, gid: owner.gid, mode: "0700" } },
        memoryMb: props.memoryMb,
        healthCheck: { test: appHealthCommand(props.port, props.healthPath), intervalSeconds: 15, timeoutSeconds: 5, startPeriodSeconds: 30, retries: 3 },
        stopTimeoutSeconds: 20,
        labels: { ...labels, ...identity.labels, "uyoop.app.replica": String(i) },
        dependsOn: [this.roleIdFiles.seeder.container, this.issuer.job.container],
      });
    });
  }
}
