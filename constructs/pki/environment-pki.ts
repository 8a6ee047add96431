/**
 * The environment's PKI: one CA; per Vault node a server-and-client certificate whose SANs
 * cover every name peers and clients use; a PostgreSQL server certificate; and one client
 * certificate per Vault client, each its own identity in Vault's audit log.
 */
import { Construct } from "constructs";
import type { EnvironmentConfig } from "../../config/schema";
import { CertificateAuthority } from "./certificate-authority";
import { keySpecOf } from "./key-spec";
import { LeafCertificate } from "./leaf-certificate";
import { allVaultNodeNames } from "../vault/vault-names";

/** Every Vault client that gets its own certificate. */
export const VAULT_CLIENTS = ["bootstrap", "terraform", "app", "snapshot", "secretid"] as const;
export type VaultClient = (typeof VAULT_CLIENTS)[number];

export interface EnvironmentPkiProps {
  /** Environment name (certificate subjects). */
  readonly environment: string;
  /** TLS settings. */
  readonly tls: EnvironmentConfig["tls"];
  /** Number of Vault nodes. */
  readonly vaultNodeCount: number;
  /** Host interface the nodes are published on: an IP SAN when it is not loopback. */
  readonly bindAddress: string;
  /** DNS names of the PostgreSQL server. */
  readonly postgresDnsNames: readonly string[];
}

export class EnvironmentPki extends Construct {
  public readonly ca: CertificateAuthority;
  /** Node certificates, index 0 = node 1. */
  public readonly vaultNodes: readonly LeafCertificate[];
  public readonly postgres: LeafCertificate;
  public readonly clients: Readonly<Record<VaultClient, LeafCertificate>>;

  constructor(scope: Construct, id: string, props: EnvironmentPkiProps) {
    super(scope, id);
    const t = props.tls;
    const key = keySpecOf(t);
    const leaf = { organization: t.organization, key, validityHours: t.leafValidityHours, earlyRenewalHours: t.leafEarlyRenewalHours };
    this.ca = new CertificateAuthority(this, "ca", {
      commonName: `${t.organization} ${props.environment} CA`,
      organization: t.organization,
      key,
      validityHours: t.caValidityHours,
      earlyRenewalHours: t.caEarlyRenewalHours,
    });
    const ips = ["127.0.0.1", ...(props.bindAddress === "127.0.0.1" ? [] : [props.bindAddress])];
    this.vaultNodes = allVaultNodeNames(props.environment, props.vaultNodeCount).map(
      (names) =>
        new LeafCertificate(this, names.nodeId, {
          ...leaf,
          ca: this.ca,
          commonName: names.container,
          usage: "server-and-client",
          dnsNames: names.dnsNames,
          ipAddresses: ips,
        }),
    );
    this.postgres = new LeafCertificate(this, "postgres", {
      ...leaf,
      ca: this.ca,
      commonName: props.postgresDnsNames[0] ?? "postgres",
      usage: "server",
      dnsNames: props.postgresDnsNames,
    });
    const clients = {} as Record<VaultClient, LeafCertificate>;
    for (const client of VAULT_CLIENTS) {
      clients[client] = new LeafCertificate(this, `client-${client}`, {
        ...leaf,
        ca: this.ca,
        commonName: `${props.environment}-${client}`,
        usage: "client",
      });
    }
    this.clients = clients;
  }
}
