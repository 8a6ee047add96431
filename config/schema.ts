/**
 * The environment configuration: one typed object that says everything that varies between
 * environments. Every field is documented with the default of the `dev` profile (and of `prod`
 * where it differs); docs/CONFIGURATION.md is the user-facing version of this file.
 *
 * The schema is strict: unknown keys are rejected, so a typo in an environment file is an error,
 * not a silently ignored setting. Cross-field rules (overlapping subnets, duplicate host ports,
 * image pinning, ...) live in validate.ts.
 */
import { z } from "zod";

const positiveHours = z.number().int().positive();
const hostPort = z.number().int();
const memoryMb = z.number().int().min(64).max(65536);

const network = z.strictObject({
  /** IPv4 subnet of the Docker network, e.g. `172.30.0.0/24`. Must not overlap any other network's. */
  subnet: z.string(),
});

export const environmentSchema = z.strictObject({
  /**
   * Environment name: prefix of every Docker object (containers, networks, volumes) and of the
   * operator directory. Lowercase letters, digits and dashes.
   * @default "uyoop-dev" (dev), "uyoop-prod" (prod)
   */
  name: z.string(),
  /**
   * Profile whose defaults this environment starts from.
   * `prod` tightens them: TLS 1.3 only, images pinned by digest, RSA 3072 minimum, longer-lived CA.
   * @default "dev"
   */
  profile: z.enum(["dev", "prod"]),

  host: z.strictObject({
    /**
     * Host interface every published port binds to. Never 0.0.0.0: name the interface.
     * @default "127.0.0.1"
     */
    bindAddress: z.string(),
    /**
     * Directory on the Terraform host that receives the files Terraform and the operator need
     * (CA certificate, the Vault provider's client certificate, the bootstrap's init material).
     * `~` is expanded at apply time with Terraform's pathexpand(), so no machine path is baked
     * into the synthesized JSON.
     * @default "~/.uyoop-cal/<name>"
     */
    operatorDir: z.string(),
    /**
     * Numeric uid and gid that own the operator directory on the (Docker = Terraform) host. The
     * bootstrap job runs as them to write the init material there. 0 (root) is a recorded
     * weakening; set your own `id -u`/`id -g` when Terraform does not run as root. At most
     * 4294967294 (2^32 - 1 is "no id" to the kernel).
     * @default 0, 0
     */
    operatorUid: z.number().int().min(0).max(4294967294),
    operatorGid: z.number().int().min(0).max(4294967294),
  }),

  networks: z.strictObject({
    /** Public-facing network of the app's published port. @default 172.30.0.0/24 */
    edge: network,
    /** Non-internal network that exists only so Docker can publish the Vault API ports; inter-container traffic disabled. @default 172.30.1.0/24 */
    vaultPublish: network,
    /** Internal network for Raft traffic between Vault nodes only. @default 172.30.2.0/24 */
    raft: network,
    /** Internal network where clients (app, jobs) reach Vault. @default 172.30.3.0/24 */
    vaultClients: network,
    /** Internal network of PostgreSQL and its clients (app, Vault's database engine). @default 172.30.4.0/24 */
    data: network,
  }),

  tls: z.strictObject({
    /** Key algorithm of every key in the PKI. @default "ECDSA" */
    algorithm: z.enum(["ECDSA", "RSA"]),
    /** Curve when `algorithm` is ECDSA (the tls provider's own default, P224, is never used). @default "P256" */
    ecdsaCurve: z.enum(["P256", "P384"]),
    /** Key size when `algorithm` is RSA. @default 3072 */
    rsaBits: z.literal([2048, 3072, 4096]),
    /** CA certificate lifetime in hours. @default 43800 (5 years); prod 87600 */
    caValidityHours: positiveHours,
    /** Renew the CA when it has less than this many hours left (at the next apply). @default 8760 (1 year) */
    caEarlyRenewalHours: z.number().int().min(0),
    /** Leaf certificate lifetime in hours. @default 2160 (90 days) */
    leafValidityHours: positiveHours,
    /** Renew a leaf when it has less than this many hours left (at the next apply). @default 720 (30 days) */
    leafEarlyRenewalHours: z.number().int().min(0),
    /** Organization in every certificate subject. @default "uyoop-cal" */
    organization: z.string().min(1).max(64),
  }),

  vault: z.strictObject({
    /**
     * Which server runs the cluster: HashiCorp Vault (BUSL-1.1) or OpenBao, its MPL-2.0 fork with
     * the same API. `openbao` renders what differs: the `bao` binary and the official OpenBao
     * image's paths (/openbao/...), audit devices declared in each node's configuration (OpenBao
     * refuses to enable them through the API), no `disable_mlock` (OpenBao has no mlock), and the
     * database engine's CA in the connection URL (OpenBao's PostgreSQL plugin has no `tls_ca`).
     * @default "vault"
     */
    server: z.enum(["vault", "openbao"]),
    /** Number of Raft voters: odd, 3 to 7. @default 3 */
    nodeCount: z.number().int(),
    /**
     * Image of every node, pinned by tag (and digest in prod). Official Vault images must come
     * from a release that starts without IPC_LOCK (1.19.18+, 1.20.12+, 1.21.7+, 2.0.2+).
     * @default "hashicorp/vault:1.21.7"; "openbao/openbao:2.6.2" when `server` is "openbao"
     */
    image: z.string(),
    /**
     * Per-node image override, keyed by node number ("1".."nodeCount"), so an upgrade can roll one
     * node at a time without losing quorum.
     * @default {}
     */
    nodeImages: z.record(z.string(), z.string()),
    /** Host port of each node's API, one per node, all distinct. @default [8200, 8210, 8220] */
    hostPorts: z.array(hostPort),
    /** Minimum TLS version of the API listener. @default "tls12"; prod "tls13" */
    tlsMinVersion: z.enum(["tls12", "tls13"]),
    /** Require and verify a client certificate signed by the CA on every API connection. @default true */
    mtls: z.boolean(),
    /**
     * Why mutual TLS is off (at least 10 characters): required with `mtls: false` in prod, refused
     * with `mtls: true`. Nothing is rendered from it; it makes the opt-out explicit.
     * @default undefined
     */
    mtlsOffReason: z.string().optional(),
    /** Memory limit per node in MiB (swap is set equal, i.e. none). @default 512; prod 1024 */
    memoryMb,
    /**
     * Where Terraform's Vault token comes from: "file" reads <operatorDir>/terraform-token (the
     * bootstrap writes the initial root token there, so `cdktf deploy '*'` runs end to end; after
     * revoking root, put an operator token there); "environment" reads VAULT_TOKEN.
     * @default "file"
     */
    terraformToken: z.enum(["file", "environment"]),
    /** Vault server log level. @default "info" */
    logLevel: z.enum(["trace", "debug", "info", "warn", "error"]),
    unseal: z.strictObject({
      /** Number of unseal key shares `vault operator init` creates. @default 5 */
      keyShares: z.number().int(),
      /** Shares needed to unseal. @default 3 */
      keyThreshold: z.number().int(),
      /**
       * Base64 PGP public keys, one per share: each share is then encrypted to its holder and
       * the init material holds no plaintext key. @default [] (plaintext shares in a 0600 file)
       */
      pgpKeys: z.array(z.string()),
    }),
    audit: z.strictObject({
      /** File audit device on the node's audit volume. @default true */
      file: z.boolean(),
      /** Audit device writing to stdout (docker logs), a second device so Vault never blocks on one. @default true */
      stdout: z.boolean(),
      /** Mode of the audit log file (never executable). @default "0600" */
      fileMode: z.string(),
    }),
    snapshots: z.strictObject({
      /** Minutes between two Raft snapshots. @default 60 */
      intervalMinutes: z.number().int(),
      /** Snapshots kept on the protected snapshot volume. @default 48 (two days) */
      retain: z.number().int(),
    }),
    kv: z.strictObject({
      /** Versions KV v2 keeps per secret. @default 10 */
      maxVersions: z.number().int(),
    }),
    appRole: z.strictObject({
      /** TTL of tokens issued to the app, seconds. @default 3600 (the seeds' 1 h) */
      tokenTtlSeconds: z.number().int(),
      /** Max TTL of tokens issued to the app, seconds. @default 14400 (4 h) */
      tokenMaxTtlSeconds: z.number().int(),
      /** Lifetime of a SecretID, seconds. @default 691200 (8 days: weekly rotation plus a day of grace) */
      secretIdTtlSeconds: z.number().int(),
      /** Logins one SecretID allows (0 = unlimited, refused). @default 0 is refused; default 1000 */
      secretIdNumUses: z.number().int(),
    }),
  }),

  postgres: z.strictObject({
    /** PostgreSQL image (official image contract: uid 999, POSTGRES_*_FILE). @default "postgres:15.14-bookworm" */
    image: z.string(),
    /** The app's database. @default "devops_calendar" */
    database: z.string(),
    /** Memory limit in MiB. @default 512 */
    memoryMb,
  }),

  app: z.strictObject({
    /** The uyoop-cal image. @default "uyoop-cal:1.0.0" */
    image: z.string(),
    /** Numeric "uid:gid" the app image runs as (the seeds' image: appuser 1000). @default "1000:1000" */
    user: z.string(),
    /** Port the app listens on inside the container. @default 8000 */
    port: z.number().int(),
    /** HTTP path of the app's health endpoint. @default "/health" */
    healthPath: z.string(),
    /** Number of app containers. Replica i (0-based) is published on `hostPort + i`. @default 1 */
    replicas: z.number().int(),
    /** Host port of replica 0. @default 8000 */
    hostPort,
    /** Memory limit per replica in MiB. @default 256 */
    memoryMb,
  }),

  /**
   * The only way to lift destroy protection on stateful resources (Raft, audit and PostgreSQL
   * volumes; the KV, TOTP and database mounts), e.g. for a teardown. Must carry a reason of at
   * least 10 characters; it is printed in every synth and audit report.
   * @default undefined (protected)
   */
  allowDataLoss: z.strictObject({ reason: z.string() }).optional(),
});

/** The environment configuration, fully resolved (every default applied). */
export type EnvironmentConfig = z.infer<typeof environmentSchema>;
export type Profile = EnvironmentConfig["profile"];
export type NetworkName = keyof EnvironmentConfig["networks"];
export const NETWORK_NAMES: readonly NetworkName[] = ["edge", "vaultPublish", "raft", "vaultClients", "data"];
