/**
 * A leaf certificate signed by the environment CA: private key, CSR (subject and SANs) and the
 * locally signed certificate. Its private key lives in Terraform state (docs/SECURITY.md).
 */
import { Construct } from "constructs";
import { PrivateKey } from "@cdktf/provider-tls/lib/private-key";
import { CertRequest } from "@cdktf/provider-tls/lib/cert-request";
import { LocallySignedCert } from "@cdktf/provider-tls/lib/locally-signed-cert";
import { UserInputError, show } from "../../kernel/errors";
import { isIpv4Address } from "../../kernel/cidr";
import type { CertificateAuthority } from "./certificate-authority";
import { privateKeyArgs, type KeySpec } from "./key-spec";

/** What the certificate is for; decides its extended key usages. */
export type CertificateUsage = "server" | "client" | "server-and-client";

/** Key usages per purpose. `server-and-client` serves Vault nodes, whose Raft joins present their certificate as clients. */
export const ALLOWED_USES: Readonly<Record<CertificateUsage, readonly string[]>> = {
  server: ["digital_signature", "key_encipherment", "server_auth"],
  client: ["digital_signature", "key_encipherment", "client_auth"],
  "server-and-client": ["digital_signature", "key_encipherment", "server_auth", "client_auth"],
};

export interface LeafCertificateProps {
  /** The signing CA. */
  readonly ca: CertificateAuthority;
  /** Subject common name (also the identity Vault and PostgreSQL log for clients). */
  readonly commonName: string;
  /** Subject organization. */
  readonly organization: string;
  /** What the certificate is for. */
  readonly usage: CertificateUsage;
  /** DNS SANs: every name peers and clients use to reach a server. @default [] (clients) */
  readonly dnsNames?: readonly string[];
  /** IP SANs. @default [] */
  readonly ipAddresses?: readonly string[];
  /** Key algorithm and size. */
  readonly key: KeySpec;
  /** Lifetime in hours. */
  readonly validityHours: number;
  /** Renew when fewer hours than this remain (at the next apply); below validityHours. */
  readonly earlyRenewalHours: number;
}

const DNS_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

export class LeafCertificate extends Construct {
  public readonly privateKey: PrivateKey;
  public readonly certificate: LocallySignedCert;
  /** The DNS SANs, as requested. */
  public readonly dnsNames: readonly string[];
  /** The IP SANs, as requested. */
  public readonly ipAddresses: readonly string[];
  public readonly usage: CertificateUsage;
  /** Subject common name: a client's identity in Vault's cert auth and audit log. */
  public readonly commonName: string;

  constructor(scope: Construct, id: string, props: LeafCertificateProps) {
    super(scope, id);
    const dnsNames = [...(props.dnsNames ?? [])];
    const ipAddresses = [...(props.ipAddresses ?? [])];
    const fail = (field: string, message: string) => UserInputError.of(this.node.path, field, message);
    for (const name of dnsNames) {
      if (!DNS_NAME.test(name)) throw fail("dnsNames", `${show(name)} is not a lowercase DNS name`);
    }
    for (const ip of ipAddresses) {
      if (!isIpv4Address(ip)) throw fail("ipAddresses", `${show(ip)} is not an IPv4 address`);
    }
    if (props.usage !== "client" && dnsNames.length + ipAddresses.length === 0) {
      throw fail("dnsNames", "a server certificate needs at least one SAN: list every name clients use to reach it");
    }
    if (new Set(dnsNames).size !== dnsNames.length) throw fail("dnsNames", `${show(dnsNames)} lists a name twice`);
    if (props.earlyRenewalHours >= props.validityHours) {
      throw fail(
        "earlyRenewalHours",
        `${props.earlyRenewalHours} is not below validityHours (${props.validityHours}); the certificate would be replaced on every apply`,
      );
    }
    this.dnsNames = dnsNames;
    this.ipAddresses = ipAddresses;
    this.usage = props.usage;
    this.commonName = props.commonName;

    this.privateKey = new PrivateKey(this, "key", privateKeyArgs(props.key));
    const request = new CertRequest(this, "csr", {
      privateKeyPem: this.privateKey.privateKeyPem,
      subject: [{ commonName: props.commonName, organization: props.organization }],
      ...(dnsNames.length > 0 ? { dnsNames } : {}),
      ...(ipAddresses.length > 0 ? { ipAddresses } : {}),
    });
    this.certificate = new LocallySignedCert(this, "cert", {
      certRequestPem: request.certRequestPem,
      caCertPem: props.ca.certificate.certPem,
      caPrivateKeyPem: props.ca.privateKey.privateKeyPem,
      validityPeriodHours: props.validityHours,
      earlyRenewalHours: props.earlyRenewalHours,
      setSubjectKeyId: true,
      allowedUses: [...ALLOWED_USES[props.usage]],
    });
  }

  /** Certificate PEM. */
  get certPem(): string {
    return this.certificate.certPem;
  }

  /** Private key PEM (PKCS#8: accepted by Vault, PostgreSQL and every client library we use). */
  get keyPem(): string {
    return this.privateKey.privateKeyPemPkcs8;
  }

  /** Fails unless every name is a SAN of this certificate. */
  requireNames(names: readonly string[], why: string): void {
    const missing = names.filter((n) => !this.dnsNames.includes(n) && !this.ipAddresses.includes(n));
    if (missing.length > 0) {
      throw UserInputError.of(
        this.node.path,
        "dnsNames",
        `${show(this.dnsNames)} lacks ${show(missing)}, which ${why}; add them to the certificate's SANs`,
      );
    }
  }
}
