/**
 * The environment's certificate authority: a private key and a self-signed CA certificate.
 * Its private key lives in Terraform state (protect state: docs/SECURITY.md).
 */
import { Construct } from "constructs";
import { PrivateKey } from "@cdktf/provider-tls/lib/private-key";
import { SelfSignedCert } from "@cdktf/provider-tls/lib/self-signed-cert";
import { UserInputError } from "../../kernel/errors";
import { privateKeyArgs, type KeySpec } from "./key-spec";

export interface CertificateAuthorityProps {
  /** Common name of the CA, e.g. "uyoop-cal uyoop-dev CA". */
  readonly commonName: string;
  /** Organization in the subject. */
  readonly organization: string;
  /** Key algorithm and size. */
  readonly key: KeySpec;
  /** Lifetime in hours. */
  readonly validityHours: number;
  /** Renew when fewer hours than this remain (at the next apply); must be below validityHours. */
  readonly earlyRenewalHours: number;
}

export class CertificateAuthority extends Construct {
  public readonly privateKey: PrivateKey;
  public readonly certificate: SelfSignedCert;

  constructor(scope: Construct, id: string, props: CertificateAuthorityProps) {
    super(scope, id);
    if (props.earlyRenewalHours >= props.validityHours) {
      throw UserInputError.of(
        this.node.path,
        "earlyRenewalHours",
        `${props.earlyRenewalHours} is not below validityHours (${props.validityHours}); the CA would be replaced on every apply`,
      );
    }
    this.privateKey = new PrivateKey(this, "key", privateKeyArgs(props.key));
    this.certificate = new SelfSignedCert(this, "cert", {
      privateKeyPem: this.privateKey.privateKeyPem,
      isCaCertificate: true,
      setSubjectKeyId: true,
      setAuthorityKeyId: true,
      subject: [{ commonName: props.commonName, organization: props.organization }],
      validityPeriodHours: props.validityHours,
      earlyRenewalHours: props.earlyRenewalHours,
      allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
    });
  }

  /** The CA certificate, PEM. */
  get certPem(): string {
    return this.certificate.certPem;
  }
}
