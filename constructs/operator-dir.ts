/**
 * The operator directory: the one directory on the Terraform host that receives what Terraform
 * and the operator need (CA certificate, the Vault provider's client certificate and key, the
 * bootstrap's init material). Its path is a Terraform expression, expanded at apply time, so no
 * machine path is ever synthesized.
 */
import { Fn } from "cdktf";

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
