/**
 * OperatorDirectory: writes what Terraform and the operator need into the operator directory on
 * the Terraform host (0700): the CA certificate and the Vault provider's client certificate and
 * key (0600), and the secrets later stacks read at plan time instead of through a stack output
 * (`handOver`). The bootstrap job adds the init material. The path is expanded at apply time.
 */
import { Construct } from "constructs";
import { Fn } from "cdktf";
import { File } from "@cdktf/provider-local/lib/file";
import { SensitiveFile } from "@cdktf/provider-local/lib/sensitive-file";
import { OPERATOR_FILES, operatorFileExpression, type OperatorFile } from "./operator-dir";
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

/**
 * A secret handed to a later stack as a 0600 file in the operator directory. What crosses the
 * stack boundary is the file's path (not a secret); the consumer reads the content at plan time
 * (`content`) into a write-only argument, so its own state never holds the value.
 */
export class HandedOverSecret {
  constructor(
    /** The local_sensitive_file that writes it (in the producing stack). */
    public readonly file: SensitiveFile,
  ) {}

  /** `file(<path>)`: the content, read by the consuming stack at plan time. Use it only in write-only arguments. */
  get content(): string {
    return Fn.file(this.file.filename);
  }
}

const DIRECTORY = { directoryPermission: "0700" } as const;

export class OperatorDirectory extends Construct {
  /** Resources that create the directory and its files: depend on these before using it. */
  public readonly files: readonly (File | SensitiveFile)[];
  private readonly operatorDir: string;

  constructor(scope: Construct, id: string, props: OperatorDirectoryProps) {
    super(scope, id);
    this.operatorDir = props.operatorDir;
    this.files = [
      new File(this, "ca", {
        ...DIRECTORY,
        filename: operatorFileExpression(props.operatorDir, "caCert"),
        content: props.ca.certPem,
        filePermission: "0644",
      }),
      new File(this, "terraform-client-cert", {
        ...DIRECTORY,
        filename: operatorFileExpression(props.operatorDir, "terraformClientCert"),
        content: props.terraformClient.certPem,
        filePermission: "0644",
      }),
      new SensitiveFile(this, "terraform-client-key", {
        ...DIRECTORY,
        filename: operatorFileExpression(props.operatorDir, "terraformClientKey"),
        content: props.terraformClient.keyPem,
        filePermission: "0600",
      }),
    ];
  }

  /** Writes a secret for a later stack into `file` (0600); its handle reads it there. */
  handOver(file: OperatorFile, content: string): HandedOverSecret {
    const name = OPERATOR_FILES[file];
    return new HandedOverSecret(
      new SensitiveFile(this, name, {
        ...DIRECTORY,
        filename: operatorFileExpression(this.operatorDir, file),
        content,
        filePermission: "0600",
      }),
    );
  }
}
