/**
 * VaultBootstrap: a one-shot job that waits for every node's API, initializes the cluster once,
 * writes the init material (unseal shares, initial root token) to the operator directory as a
 * 0600 file (never stdout, logs or Terraform state), and unseals every node. Idempotent: it is
 * re-created (and so re-run) whenever a node container is replaced, and `docker start -a
 * <env>-vault-bootstrap` (scripts/unseal.sh) re-runs it after a restart. The apply fails if it
 * fails (postcondition on the exit code).
 */
import { Construct } from "constructs";
import { UserInputError } from "../../kernel/errors";
import { HardenedContainer } from "../docker/hardened-container";
import { VolumeSeed, type SeedFile } from "../docker/volume-seed";
import { operatorDirExpression, OPERATOR_FILES } from "../operator-directory";
import { readProjectFile } from "../project-files";
import { vaultCliEnv, type VaultCli } from "./vault-server-flavour";
import type { CertificateAuthority } from "../pki/certificate-authority";
import type { LeafCertificate } from "../pki/leaf-certificate";
import type { VaultNode } from "./vault-cluster";
import type { ITerraformDependable } from "cdktf";
import type { NetworkHandle } from "../docker/environment-networks";

export const BOOTSTRAP_SCRIPT = "constructs/vault/scripts/bootstrap.sh";

export interface VaultBootstrapProps {
  /** Environment name. */
  readonly environment: string;
  /** The cluster's nodes; node 1 is initialized. */
  readonly nodes: readonly VaultNode[];
  /** Image with the vault CLI and /bin/sh (node 1's image). */
  readonly image: string;
  /** Network where clients reach Vault. */
  readonly clientsNetwork: NetworkHandle;
  /** The environment CA. */
  readonly ca: CertificateAuthority;
  /** The bootstrap's own client certificate (used when mTLS is on). */
  readonly clientCertificate: LeafCertificate;
  /** Whether the listeners require client certificates. */
  readonly mtls: boolean;
  /** Unseal key shares and threshold. */
  readonly keyShares: number;
  readonly keyThreshold: number;
  /** Base64 PGP public keys, one per share. @default [] (plaintext shares in a 0600 file) */
  readonly pgpKeys?: readonly string[];
  /** The operator directory and its owner (the job runs as that uid to write there). */
  readonly operatorDir: string;
  readonly operatorUid: number;
  readonly operatorGid: number;
  /** Resources that create the operator directory. */
  readonly operatorDirReady: readonly ITerraformDependable[];
  /** The CLI in the image: `vault`, or OpenBao's `bao`. @default "vault" */
  readonly cli?: VaultCli;
}

const MOUNT = "/bootstrap";

export class VaultBootstrap extends Construct {
  public readonly job: HardenedContainer;
  public readonly files: VolumeSeed;

  constructor(scope: Construct, id: string, props: VaultBootstrapProps) {
    super(scope, id);
    const pgpKeys = props.pgpKeys ?? [];
    if (props.keyThreshold < 1 || props.keyThreshold > props.keyShares || (props.keyShares > 1 && props.keyThreshold < 2)) {
      throw UserInputError.of(
        this.node.path,
        "keyThreshold",
        `${props.keyThreshold} must be between 2 and keyShares (${props.keyShares}) (1 only with a single share), as Vault requires`,
      );
    }
    if (pgpKeys.length > 0 && pgpKeys.length !== props.keyShares) {
      throw UserInputError.of(this.node.path, "pgpKeys", `has ${pgpKeys.length} keys for ${props.keyShares} shares`);
    }
    const files: SeedFile[] = [
      { path: "bootstrap.sh", content: readProjectFile(BOOTSTRAP_SCRIPT), mode: "0444" },
      { path: "tls/ca.pem", content: props.ca.certPem, mode: "0444" },
      { path: "tls/client.pem", content: props.clientCertificate.certPem, mode: "0444" },
      { path: "tls/client-key.pem", content: props.clientCertificate.keyPem, mode: "0400" },
      ...pgpKeys.map((key, i) => ({ path: `pgp/share-${i + 1}.asc`, content: key, mode: "0444" as const })),
    ];
    const container = `${props.environment}-vault-bootstrap`;
    this.files = new VolumeSeed(this, "files", {
      volumeName: `${container}-files`,
      image: props.image,
      owner: { uid: props.operatorUid, gid: props.operatorGid },
      files,
      labels: { "uyoop.environment": props.environment, "uyoop.component": "vault-bootstrap" },
    });
    const rootReason = "writes the init material into the operator directory, owned by root on this host (set host.operatorUid)";
    this.job = new HardenedContainer(this, "job", {
      name: container,
      image: props.image,
      user: `${props.operatorUid}:${props.operatorGid}`,
      ...(props.operatorUid === 0 ? { runAsRoot: { reason: rootReason } } : {}),
      entrypoint: ["/bin/sh"],
      command: [`${MOUNT}/bootstrap.sh`],
      env: {
        VAULT_NODES: props.nodes.map((n) => n.names.apiAddr).join(" "),
        VAULT_CACERT: `${MOUNT}/tls/ca.pem`,
        ...(props.mtls ? { VAULT_CLIENT_CERT: `${MOUNT}/tls/client.pem`, VAULT_CLIENT_KEY: `${MOUNT}/tls/client-key.pem` } : {}),
        KEY_SHARES: String(props.keyShares),
        KEY_THRESHOLD: String(props.keyThreshold),
        ...(pgpKeys.length > 0 ? { PGP_KEYS: pgpKeys.map((_, i) => `${MOUNT}/pgp/share-${i + 1}.asc`).join(",") } : {}),
        INIT_FILE: `/operator/${OPERATOR_FILES.initMaterial}`,
        TOKEN_FILE: `/operator/${OPERATOR_FILES.terraformToken}`,
        HOME: "/tmp",
        ...vaultCliEnv(props.cli),
      },
      networks: [{ name: props.clientsNetwork.name }],
      volumes: [{ volume: this.files.volume.name, target: MOUNT, readOnly: true }],
      hostPaths: [{ hostPath: operatorDirExpression(props.operatorDir), target: "/operator", readOnly: false }],
      tmpfs: { "/tmp": { sizeMb: 16, uid: props.operatorUid, gid: props.operatorGid, mode: "0700" } },
      memoryMb: 64,
      oneShot: true,
      stopTimeoutSeconds: 10,
      labels: { "uyoop.environment": props.environment, "uyoop.component": "vault-bootstrap" },
      dependsOn: [...props.nodes.map((n) => n.container.container), this.files.seeder.container, ...props.operatorDirReady],
      replaceTriggeredBy: [...props.nodes.map((n) => n.container.container), this.files.seeder.container],
    });
  }
}
