/**
 * The server that runs the cluster: HashiCorp Vault or OpenBao (its MPL-2.0 fork with the same
 * HTTP API). Everything that differs between the two is stated here, once, from their official
 * images and sources; constructs and stacks read it instead of testing the server name.
 *
 * Both images run as uid 100 / gid 1000 (Alpine `adduser -S` in a group created first), and the
 * `bao` CLI reads the VAULT_* variables when no BAO_* one is set, so the environment variables,
 * the health check's exit codes and the scripts are shared.
 */

export type VaultServerKind = "vault" | "openbao";

/** Paths inside a node container. */
export interface VaultServerPaths {
  /** Directory of the configuration volume (mounted read-only). */
  readonly config: string;
  readonly configFile: string;
  readonly caCert: string;
  readonly cert: string;
  readonly key: string;
  /** Raft data (a protected named volume). */
  readonly data: string;
  /** Audit log directory (a protected named volume). */
  readonly logs: string;
}

export interface VaultServerFlavour {
  readonly kind: VaultServerKind;
  /** Display name in messages and docs. */
  readonly product: string;
  /** The server and CLI binary on the image's PATH. */
  readonly cli: "vault" | "bao";
  readonly paths: VaultServerPaths;
  /**
   * Whether the configuration states `disable_mlock`. Vault requires an explicit value with Raft
   * (1.20+); OpenBao 2.x removed mlock and warns about the field as unknown.
   */
  readonly mlockSetting: boolean;
  /**
   * Where audit devices are declared. OpenBao refuses to enable one through the API ("use
   * declarative, config-based audit device management") unless `unsafe_allow_api_audit_creation`
   * is set, so its devices go into every node's configuration; Vault's are `vault_audit` resources.
   */
  readonly auditDevices: "api" | "config";
  /**
   * How the database engine learns PostgreSQL's CA. Vault's PostgreSQL plugin takes `tls_ca`;
   * OpenBao's (forked before that field) does not, so the CA is named by path in the connection
   * URL (`sslrootcert`), a file every node has.
   */
  readonly databaseCa: "tls_ca" | "sslrootcert";
}

function pathsUnder(root: string, configFile: string): VaultServerPaths {
  return {
    config: `${root}/config`,
    configFile: `${root}/config/${configFile}`,
    caCert: `${root}/config/tls/ca.pem`,
    cert: `${root}/config/tls/node.pem`,
    key: `${root}/config/tls/node-key.pem`,
    data: `${root}/file`,
    logs: `${root}/logs`,
  };
}

export const VAULT_SERVER_FLAVOURS: Readonly<Record<VaultServerKind, VaultServerFlavour>> = {
  vault: {
    kind: "vault",
    product: "HashiCorp Vault",
    cli: "vault",
    paths: pathsUnder("/vault", "vault.hcl"),
    mlockSetting: true,
    auditDevices: "api",
    databaseCa: "tls_ca",
  },
  openbao: {
    kind: "openbao",
    product: "OpenBao",
    cli: "bao",
    paths: pathsUnder("/openbao", "openbao.hcl"),
    mlockSetting: false,
    auditDevices: "config",
    databaseCa: "sslrootcert",
  },
};

/** The CLI a job runs: `vault`, or OpenBao's `bao`. */
export type VaultCli = VaultServerFlavour["cli"];

/**
 * The job scripts' environment naming their CLI (VAULT_CLI, read by constructs/vault/scripts/*.sh);
 * empty for the default, so Vault's jobs render as they always did.
 */
export function vaultCliEnv(cli: VaultCli | undefined): Record<string, string> {
  return cli && cli !== "vault" ? { VAULT_CLI: cli } : {};
}

export function vaultServerFlavour(kind: VaultServerKind): VaultServerFlavour {
  return VAULT_SERVER_FLAVOURS[kind];
}

/** Exit 0 (unsealed) or 2 (sealed or uninitialized) means the server is up; 1 means it is not. */
export function livenessCommand(flavour: VaultServerFlavour): string {
  return `${flavour.cli} status >/dev/null 2>&1; rc=$?; [ "$rc" -eq 0 ] || [ "$rc" -eq 2 ]`;
}
