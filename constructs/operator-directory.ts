/**
 * The operator directory: the one directory on the Terraform host that receives what Terraform
 * and the operator need. OperatorDirectory writes it (0700): the CA certificate and the Vault
 * provider's client certificate and key (0600), and the secrets later stacks read at plan time
 * instead of through a stack output (`handOver`). The bootstrap job adds the init material. Its
 * path is a Terraform expression, expanded at apply time, so no machine path is ever synthesized.
 */
import { Construct } from "constructs";
import { Fn } from "cdktf";
import { File } from "@cdktf/provider-local/lib/file";
import { SensitiveFile } from "@cdktf/provider-local/lib/sensitive-file";
import type { CertificateAuthority } from "./pki/certificate-authority";
import type { LeafCertificate } from "./pki/leaf-certificate";

/** File names inside the operator directory; the platform writes them, later stacks read them. */
export const OPERATOR_FILES = {
  /** The environment's CA certificate (PEM). */
  caCert: "ca.pem",
  /** Client certificate the Terraform Vault provider presents (PEM). */
  terraformClientCert: "terraform-client.pem",
  /** Its private key (PEM, mode 0600). */
  terraformClientKey: "terraform-client-key.pem",
  /** Output of `vault operator init` (JSON, mode 0600): unseal shares and the initial root token. */
  initMaterial: "vault-init.json",
  /** The token Terraform's Vault provider uses (mode 0600): the initial root token, then an operator token. */
  terraformToken: "terraform-token",
  /**
   * PostgreSQL's admin password (mode 0600), for the vault-config stack, which reads it at plan
   * time and hands it to Vault write-only: a file, not a stack output, so it never lands in
   * vault-config's state (docs/SECURITY.md).
   */
  postgresAdminPassword: "postgres-admin-password",
} as const;

export type OperatorFile = keyof typeof OPERATOR_FILES;

/** `pathexpand("<dir>")`: the operator directory, expanded on the Terraform host at apply time. */
export function operatorDirExpression(operatorDir: string): string {
  return Fn.pathexpand(operatorDir);
}

/** Path of one operator file, as a Terraform expression. */
export function operatorFileExpression(operatorDir: string, file: OperatorFile): string {
  return `${operatorDirExpression(operatorDir)}/${OPERATOR_FILES[file]}`;
}

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
