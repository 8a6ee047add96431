/**
 * Names of Vault nodes on each network. Aliases are network-scoped, so a peer resolving
 * `vault-2-raft` always reaches node 2 over the Raft network, and a client resolving `vault-2`
 * (or `vault`, any node) over the clients network. Every node certificate carries all of them.
 */
import { VAULT_API_PORT, VAULT_CLUSTER_PORT } from "./vault-server-config";

/** Alias shared by every node on the clients network: clients reach "any node". */
export const VAULT_SERVICE_ALIAS = "vault";

export interface VaultNodeNames {
  /** 1-based node number. */
  readonly index: number;
  /** Raft node id. */
  readonly nodeId: string;
  /** Docker container name. */
  readonly container: string;
  /** Alias on the clients network. */
  readonly clientAlias: string;
  /** Alias on the Raft network. */
  readonly raftAlias: string;
  /** URL clients use for this node. */
  readonly apiAddr: string;
  /** URL peers use for cluster traffic. */
  readonly clusterAddr: string;
  /** URL peers use to join through this node (API port over the Raft network). */
  readonly joinAddr: string;
  /** Every DNS name the node's certificate must carry. */
  readonly dnsNames: readonly string[];
}

export function vaultNodeNames(environment: string, index: number): VaultNodeNames {
  const clientAlias = `vault-${index}`;
  const raftAlias = `vault-${index}-raft`;
  const container = `${environment}-vault-${index}`;
  return {
    index,
    nodeId: `vault-${index}`,
    container,
    clientAlias,
    raftAlias,
    apiAddr: `https://${clientAlias}:${VAULT_API_PORT}`,
    clusterAddr: `https://${raftAlias}:${VAULT_CLUSTER_PORT}`,
    joinAddr: `https://${raftAlias}:${VAULT_API_PORT}`,
    dnsNames: [container, clientAlias, raftAlias, VAULT_SERVICE_ALIAS, "localhost"],
  };
}

export function allVaultNodeNames(environment: string, nodeCount: number): VaultNodeNames[] {
  return Array.from({ length: nodeCount }, (_, i) => vaultNodeNames(environment, i + 1));
}
