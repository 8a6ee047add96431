/**
 * The environment's PKI: one CA; per Vault node a server-and-client certificate whose SANs
 * cover every name peers and clients use; a PostgreSQL server certificate; and, on request, one
 * client certificate per Vault client (`clientCertificate`), each its own identity in Vault's
 * audit log. It knows names, not what runs under them: callers say which servers and clients
 * exist.
 */
import { Construct } from "constructs";
import type { EnvironmentConfig } from "../../config/schema";
import { UserInputError, show } from "../../kernel/errors";
import { CertificateAuthority } from "./certificate-authority";
import { keySpecOf } from "./key-spec";
import { LeafCertificate, type LeafCertificateProps } from "./leaf-certificate";

/** A server's names: its construct id, its certificate's CN and every DNS name clients and peers use. */
export interface ServerNames {
  readonly id: string;
  readonly commonName: string;
  readonly dnsNames: readonly string[];
}

export interface EnvironmentPkiProps {
  /** Environment name (certificate subjects, client CNs). */
  readonly environment: string;
  /** TLS settings. */
  readonly tls: EnvironmentConfig["tls"];
  /** The Vault nodes, node 1 first. */
  readonly vaultNodes: readonly ServerNames[];
  /** Host interface the nodes are published on: an IP SAN when it is not loopback. */
  readonly bindAddress: string;
  /** DNS names of the PostgreSQL server. */
  readonly postgresDnsNames: readonly string[];
}

const CLIENT_NAME = /^[a-z][a-z0-9-]{0,30}$/;

export class EnvironmentPki extends Construct {
  public readonly ca: CertificateAuthority;
  /** Node certificates, index 0 = node 1. */
  public readonly vaultNodes: readonly LeafCertificate[];
  public readonly postgres: LeafCertificate;
  private readonly environment: string;
  private readonly leaf: Pick<LeafCertificateProps, "organization" | "key" | "validityHours" | "earlyRenewalHours">;
  private readonly clients = new Map<string, LeafCertificate>();

  constructor(scope: Construct, id: string, props: EnvironmentPkiProps) {
    super(scope, id);
    const t = props.tls;
    const key = keySpecOf(t);
    this.environment = props.environment;
    this.leaf = { organization: t.organization, key, validityHours: t.leafValidityHours, earlyRenewalHours: t.leafEarlyRenewalHours };
    this.ca = new CertificateAuthority(this, "ca", {
      commonName: `${t.organization} ${props.environment} CA`,
      organization: t.organization,
      key,
      validityHours: t.caValidityHours,
      earlyRenewalHours: t.caEarlyRenewalHours,
    });
    const ips = ["127.0.0.1", ...(props.bindAddress === "127.0.0.1" ? [] : [props.bindAddress])];
    this.vaultNodes = props.vaultNodes.map(
      (node) =>
        new LeafCertificate(this, node.id, {
          ...this.leaf,
          ca: this.ca,
          commonName: node.commonName,
          usage: "server-and-client",
          dnsNames: node.dnsNames,
          ipAddresses: ips,
        }),
    );
    this.postgres = new LeafCertificate(this, "postgres", {
      ...this.leaf,
      ca: this.ca,
      commonName: props.postgresDnsNames[0] ?? "postgres",
      usage: "server",
      dnsNames: props.postgresDnsNames,
    });
  }

  /**
   * The client certificate of `client`, issued on first request: CN `<environment>-<client>`, the
   * one place a client's identity is derived (its cert auth role allows exactly this CN).
   */
  clientCertificate(client: string): LeafCertificate {
    if (!CLIENT_NAME.test(client)) {
      throw UserInputError.of(this.node.path, "client", `${show(client)} must be a lowercase name (letters, digits, "-"), at most 31 characters`);
    }
    let cert = this.clients.get(client);
    if (!cert) {
      cert = new LeafCertificate(this, `client-${client}`, { ...this.leaf, ca: this.ca, commonName: `${this.environment}-${client}`, usage: "client" });
      this.clients.set(client, cert);
    }
    return cert;
  }
}
