/**
 * OperatorDirectory: writes what Terraform and the operator need into the operator directory on
 * the Terraform host (0700): the CA certificate and the Vault provider's client certificate and
 * key (0600). The bootstrap job adds the init material. The path is expanded at apply time.
 */
import { Construct } from "constructs";
import { File } from "@cdktf/provider-local/lib/file";
import { SensitiveFile } from "@cdktf/provider-local/lib/sensitive-file";
import { operatorFileExpression } from "./operator-dir";
import type { CertificateAuthority } from "./pki/certificate-authority";
import type { LeafCertificate } from "./pki/leaf-certificate";

export interface OperatorDirectoryProps {
  /** The operator directory (`~/...` or absolute). */
  readonly operatorDir: string;
  /** The environment CA. */
  readonly ca: CertificateAuthority;
  /** Terraform's client certificate for the Vault provider. */
  readonly terraformClient: LeafCertificate;
}

export class OperatorDirectory extends Construct {
  /** Resources that create the directory and its files: depend on these before using it. */
  public readonly files: readonly (File | SensitiveFile)[];

  constructor(scope: Construct, id: string, props: OperatorDirectoryProps) {
    super(scope, id);
    const dir = { directoryPermission: "0700" };
    this.files = [
      new File(this, "ca", {
        ...dir,
        filename: operatorFileExpression(props.operatorDir, "caCert"),
        content: props.ca.certPem,
        filePermission: "0644",
      }),
      new File(this, "terraform-client-cert", {
        ...dir,
        filename: operatorFileExpression(props.operatorDir, "terraformClientCert"),
        content: props.terraformClient.certPem,
        filePermission: "0644",
      }),
      new SensitiveFile(this, "terraform-client-key", {
        ...dir,
        filename: operatorFileExpression(props.operatorDir, "terraformClientKey"),
        content: props.terraformClient.keyPem,
        filePermission: "0600",
      }),
    ];
  }
}
