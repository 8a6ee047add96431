/**
 * The Vault server configuration of one node, as a typed object rendered to HCL.
 *
 * What it always says (Vault production-hardening items a Docker deployment can express):
 * Raft storage with an explicit node_id and one retry_join per peer over https with CA and
 * client-certificate files and the TLS server name to verify; a TLS listener with a minimum
 * version, the client CA, and mTLS required unless turned off; api_addr and cluster_addr on
 * stable DNS names; `disable_mlock = true` (required with Raft since Vault 1.20; the container has
 * no IPC_LOCK and no swap; left out for OpenBao, which has no mlock); telemetry without
 * unauthenticated metrics; an HSTS header; for OpenBao, the audit devices (declarative audit).
 */
import { UserInputError, show } from "../../kernel/errors";
import type { AuditDevice } from "./audit-devices";
import { attr, block, renderHcl, type HclBody } from "./hcl";

export interface RetryJoinTarget {
  /** API address of a peer, https, e.g. "https://vault-2-raft:8200" (the API port, never 8201). */
  readonly leaderApiAddr: string;
  /** Name the peer's certificate must carry. */
  readonly leaderTlsServerName: string;
}

export interface VaultTlsFiles {
  /** CA certificate that signed every node (and client) certificate. */
  readonly caCertFile: string;
  /** This node's certificate (server and client usages). */
  readonly certFile: string;
  /** This node's private key. */
  readonly keyFile: string;
}

export interface VaultServerConfig {
  /** Cluster name (shows in `vault status`). */
  readonly clusterName: string;
  /** Raft node id, unique in the cluster. */
  readonly nodeId: string;
  /** URL clients are redirected to for this node, https. */
  readonly apiAddr: string;
  /** URL peers use for cluster traffic, https, port 8201. */
  readonly clusterAddr: string;
  /** Raft data directory. */
  readonly storagePath: string;
  /** Peers to join (every other node; listing this node too is harmless). */
  readonly retryJoin: readonly RetryJoinTarget[];
  /** TLS material, as paths inside the container. */
  readonly tls: VaultTlsFiles;
  /** Minimum TLS version of the listener. */
  readonly tlsMinVersion: "tls12" | "tls13";
  /** Require and verify client certificates on the API. */
  readonly requireClientCert: boolean;
  /** Web UI. @default true */
  readonly ui?: boolean;
  /** @default "info" */
  readonly logLevel?: "trace" | "debug" | "info" | "warn" | "error";
  /** HSTS max-age in seconds. @default 31536000 */
  readonly hstsMaxAgeSeconds?: number;
  /**
   * State `disable_mlock = true` (Vault requires an explicit value with Raft; OpenBao has no
   * mlock and warns about the field). @default true
   */
  readonly disableMlock?: boolean;
  /** Audit devices declared in the configuration (OpenBao's declarative audit). @default none */
  readonly auditDevices?: readonly AuditDevice[];
}

export const VAULT_API_PORT = 8200;
export const VAULT_CLUSTER_PORT = 8201;

function checkUrl(field: string, url: string, port: number): void {
  const m = /^https:\/\/([a-z0-9.-]+):(\d+)$/.exec(url);
  if (!m) throw UserInputError.of("vault server config", field, `${show(url)} must be "https://<dns-name>:<port>"`);
  if (Number(m[2]) !== port) {
    throw UserInputError.of("vault server config", field, `${show(url)} must use port ${port}`);
  }
}

/** The HCL document of one node. */
export function vaultServerConfigBody(c: VaultServerConfig): HclBody {
  checkUrl("apiAddr", c.apiAddr, VAULT_API_PORT);
  checkUrl("clusterAddr", c.clusterAddr, VAULT_CLUSTER_PORT);
  c.retryJoin.forEach((j, i) => checkUrl(`retryJoin[${i}].leaderApiAddr`, j.leaderApiAddr, VAULT_API_PORT));
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(c.nodeId)) {
    throw UserInputError.of("vault server config", "nodeId", `${show(c.nodeId)} must be a lowercase name`);
  }
  if (c.retryJoin.length === 0) {
    throw UserInputError.of("vault server config", "retryJoin", "a Raft node needs at least one peer to join");
  }

  const joinClientCert: HclBody = c.requireClientCert
    ? [attr("leader_client_cert_file", c.tls.certFile), attr("leader_client_key_file", c.tls.keyFile)]
    : [];
  return [
    attr("cluster_name", c.clusterName),
    attr("api_addr", c.apiAddr),
    attr("cluster_addr", c.clusterAddr),
    ...(c.disableMlock ?? true ? [attr("disable_mlock", true)] : []),
    attr("ui", c.ui ?? true),
    attr("log_level", c.logLevel ?? "info"),
    block("storage", ["raft"], [
      attr("path", c.storagePath),
      attr("node_id", c.nodeId),
      attr("performance_multiplier", 1),
      ...c.retryJoin.map((j) =>
        block("retry_join", [], [
          attr("leader_api_addr", j.leaderApiAddr),
          attr("leader_tls_servername", j.leaderTlsServerName),
          attr("leader_ca_cert_file", c.tls.caCertFile),
          ...joinClientCert,
        ]),
      ),
    ]),
    block("listener", ["tcp"], [
      attr("address", `0.0.0.0:${VAULT_API_PORT}`),
      attr("cluster_address", `0.0.0.0:${VAULT_CLUSTER_PORT}`),
      attr("tls_disable", false),
      attr("tls_cert_file", c.tls.certFile),
      attr("tls_key_file", c.tls.keyFile),
      attr("tls_client_ca_file", c.tls.caCertFile),
      attr("tls_min_version", c.tlsMinVersion),
      attr("tls_require_and_verify_client_cert", c.requireClientCert),
      block("telemetry", [], [attr("unauthenticated_metrics_access", false)]),
      block("custom_response_headers", [], [
        attr("default", { "Strict-Transport-Security": [`max-age=${c.hstsMaxAgeSeconds ?? 31536000}; includeSubDomains`] }),
      ]),
    ]),
    block("telemetry", [], [attr("disable_hostname", true), attr("prometheus_retention_time", "12h")]),
    ...(c.auditDevices ?? []).map((d) =>
      block("audit", [d.type, d.path], [attr("description", d.description), attr("options", { ...d.options })]),
    ),
  ];
}

/** The node's configuration file content. */
export function renderVaultServerConfig(c: VaultServerConfig): string {
  return renderHcl(vaultServerConfigBody(c));
}
