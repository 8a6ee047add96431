/**
 * How Terraform reaches Vault: node 1's published port over TLS verified with the environment CA
 * (a file in the operator directory: the provider takes no inline PEM), presenting its own
 * client certificate when mTLS is on; its token from the operator directory's token file or
 * VAULT_TOKEN, never from synthesized JSON; a 20-minute child token per run, named for the audit
 * log.
 */
import type { Construct } from "constructs";
import { VaultProvider } from "@cdktf/provider-vault/lib/provider";
import { operatorFileExpression } from "../operator-directory";

/** The address Terraform uses for Vault: node 1 on the published interface. */
export function vaultAddressForTerraform(bindAddress: string, hostPort: number): string {
  // 127.0.0.1 is an IP SAN of every node certificate; "localhost" reads better in audit logs.
  const host = bindAddress === "127.0.0.1" ? "localhost" : bindAddress;
  return `https://${host}:${hostPort}`;
}

export interface TerraformVaultProviderProps {
  readonly environment: string;
  /** Host interface and node 1's host port. */
  readonly bindAddress: string;
  readonly hostPort: number;
  /** The operator directory (CA, client certificate and key, token file). */
  readonly operatorDir: string;
  /** Whether Vault requires client certificates. */
  readonly mtls: boolean;
  /** Where the token comes from: the operator directory's file, or VAULT_TOKEN. */
  readonly token: "file" | "environment";
}

export function terraformVaultProvider(scope: Construct, props: TerraformVaultProviderProps): VaultProvider {
  const file = (f: Parameters<typeof operatorFileExpression>[1]) => operatorFileExpression(props.operatorDir, f);
  return new VaultProvider(scope, "vault", {
    address: vaultAddressForTerraform(props.bindAddress, props.hostPort),
    caCertFile: file("caCert"),
    ...(props.mtls ? { clientAuth: [{ certFile: file("terraformClientCert"), keyFile: file("terraformClientKey") }] } : {}),
    ...(props.token === "file" ? { authLoginTokenFile: [{ filename: file("terraformToken") }] } : {}),
    skipTlsVerify: false,
    skipChildToken: false,
    tokenName: `terraform-${props.environment}`,
    maxLeaseTtlSeconds: 1200,
  });
}
