/**
 * Vault configuration stack (vault provider): mounts, auth methods, policies, audit devices.
 * Applied after the platform stack has created, initialized and unsealed the cluster.
 *
 * The provider talks to node 1's published port over TLS, verifying the environment's CA, and
 * presents its own client certificate when mTLS is on. Files come from the operator directory,
 * expanded at apply time. The token comes from VAULT_TOKEN (never from synthesized JSON).
 */
import type { Construct } from "constructs";
import { VaultProvider } from "@cdktf/provider-vault/lib/provider";
import { Mount } from "@cdktf/provider-vault/lib/mount";
import { operatorFileExpression } from "../constructs/operator-dir";
import { UyoopStack, type UyoopStackProps } from "./uyoop-stack";

/** The address Terraform uses for Vault: node 1 on the published interface. */
export function vaultAddressForTerraform(bindAddress: string, hostPort: number): string {
  // 127.0.0.1 is an IP SAN of every node certificate; "localhost" reads better in audit logs.
  const host = bindAddress === "127.0.0.1" ? "localhost" : bindAddress;
  return `https://${host}:${hostPort}`;
}

export class VaultConfigStack extends UyoopStack {
  public readonly kv: Mount;

  constructor(scope: Construct, id: string, props: UyoopStackProps) {
    super(scope, id, props);
    const c = this.config;
    new VaultProvider(this, "vault", {
      address: vaultAddressForTerraform(c.host.bindAddress, c.vault.hostPorts[0]!),
      caCertFile: operatorFileExpression(c.host.operatorDir, "caCert"),
      ...(c.vault.mtls
        ? {
            clientAuth: [{
              certFile: operatorFileExpression(c.host.operatorDir, "terraformClientCert"),
              keyFile: operatorFileExpression(c.host.operatorDir, "terraformClientKey"),
            }],
          }
        : {}),
      skipTlsVerify: false,
      skipChildToken: false,
      tokenName: `terraform-${c.name}`,
      maxLeaseTtlSeconds: 1200,
    });

    this.kv = new Mount(this, "kv", {
      path: "secret",
      type: "kv",
      options: { version: "2" },
      description: "uyoop-cal application secrets (KV v2)",
      lifecycle: this.protection.lifecycle(),
    });
  }
}
