/**
 * Vault configuration stack (vault provider): the seeds' init-vault.sh as declarative code.
 * Policies from policies/, KV v2 at secret/ (bounded versions), TOTP at totp/, AppRole with the
 * uyoop-app role, the app's credential-less configuration, two audit devices, Raft autopilot.
 * Applied after the platform stack has created, initialized and unsealed the cluster.
 *
 * The provider talks to node 1's published port over TLS, verifying the environment's CA, and
 * presents its own client certificate when mTLS is on. Its token comes from the operator
 * directory's token file or VAULT_TOKEN, never from synthesized JSON.
 */
import type { Construct } from "constructs";
import { VaultProvider } from "@cdktf/provider-vault/lib/provider";
import { Mount } from "@cdktf/provider-vault/lib/mount";
import { KvSecretBackendV2 } from "@cdktf/provider-vault/lib/kv-secret-backend-v2";
import { KvSecretV2 } from "@cdktf/provider-vault/lib/kv-secret-v2";
import { AuthBackend } from "@cdktf/provider-vault/lib/auth-backend";
import { ApproleAuthBackendRole } from "@cdktf/provider-vault/lib/approle-auth-backend-role";
import { Audit } from "@cdktf/provider-vault/lib/audit";
import { RaftAutopilot } from "@cdktf/provider-vault/lib/raft-autopilot";
import { operatorFileExpression } from "../constructs/operator-dir";
import { VaultPolicies } from "../constructs/vault/vault-policies";
import { auditDevices } from "../constructs/vault/audit-devices";
import type { PlatformStack } from "./platform-stack";
import { VaultDatabaseEngine } from "../constructs/vault/database-engine";
import { CertAuth, VaultAccess } from "../constructs/vault/vault-access";
import { UyoopStack, type UyoopStackProps } from "./uyoop-stack";
import { APP_ROLE, appDatabaseUrl } from "../constructs/app/app-contract";
import type { AppRoleHandle } from "../constructs/app/uyoop-app";

/** The address Terraform uses for Vault: node 1 on the published interface. */
export function vaultAddressForTerraform(bindAddress: string, hostPort: number): string {
  // 127.0.0.1 is an IP SAN of every node certificate; "localhost" reads better in audit logs.
  const host = bindAddress === "127.0.0.1" ? "localhost" : bindAddress;
  return `https://${host}:${hostPort}`;
}

export interface VaultConfigStackProps extends UyoopStackProps {
  /** The platform stack: its CA is trusted by the cert auth method. */
  readonly platform: PlatformStack;
}

export class VaultConfigStack extends UyoopStack {
  public readonly kv: Mount;
  public readonly totp: Mount;
  public readonly approle: AuthBackend;
  public readonly appRole: ApproleAuthBackendRole;
  /** The app's AppRole role, as the app receives it. */
  public readonly appRoleHandle: AppRoleHandle;
  public readonly policies: VaultPolicies;
  public readonly certAuth: CertAuth;
  public readonly database: VaultDatabaseEngine;
  /** How later stacks' constructs reach Vault and get their logins granted. */
  public readonly access: VaultAccess;

  constructor(scope: Construct, id: string, props: VaultConfigStackProps) {
    super(scope, id, props);
    const c = this.config;
    const v = c.vault;
    new VaultProvider(this, "vault", {
      address: vaultAddressForTerraform(c.host.bindAddress, v.hostPorts[0]!),
      caCertFile: operatorFileExpression(c.host.operatorDir, "caCert"),
      ...(v.mtls
        ? {
            clientAuth: [
              {
                certFile: operatorFileExpression(c.host.operatorDir, "terraformClientCert"),
                keyFile: operatorFileExpression(c.host.operatorDir, "terraformClientKey"),
              },
            ],
          }
        : {}),
      ...(v.terraformToken === "file"
        ? { authLoginTokenFile: [{ filename: operatorFileExpression(c.host.operatorDir, "terraformToken") }] }
        : {}),
      skipTlsVerify: false,
      skipChildToken: false,
      tokenName: `terraform-${c.name}`,
      maxLeaseTtlSeconds: 1200,
    });

    this.policies = new VaultPolicies(this, "policies");

    // Secrets engines: data lives here, so destruction is refused unless allowDataLoss says why.
    this.kv = new Mount(this, "kv", {
      path: "secret",
      type: "kv",
      options: { version: "2" },
      description: "uyoop-cal application configuration (KV v2)",
      lifecycle: this.protection.lifecycle(),
    });
    new KvSecretBackendV2(this, "kv-settings", { mount: this.kv.path, maxVersions: v.kv.maxVersions, casRequired: false });
    this.totp = new Mount(this, "totp", {
      path: "totp",
      type: "totp",
      description: "uyoop-cal users' TOTP keys",
      lifecycle: this.protection.lifecycle(),
    });

    // The app's configuration: where the database is, never who to log in as (that comes from
    // the database engine), so it is not a secret and may sit in state.
    new KvSecretV2(this, "app-config", {
      mount: this.kv.path,
      name: "app/config",
      dataJson: JSON.stringify({ database_url: appDatabaseUrl(c.name, c.postgres.database) }),
    });

    // AppRole: the app logs in with a RoleID (delivered by Terraform) and a SecretID (issued at
    // run time by a job, never through Terraform state or env: docs/APP-CONTRACT.md).
    this.approle = new AuthBackend(this, "approle", { type: "approle", path: "approle", description: "application logins" });
    const clients = c.networks.vaultClients.subnet;
    this.appRole = new ApproleAuthBackendRole(this, "app-role", {
      backend: this.approle.path,
      roleName: APP_ROLE,
      tokenPolicies: [this.policies.policy("app-policy").name],
      tokenTtl: v.appRole.tokenTtlSeconds,
      tokenMaxTtl: v.appRole.tokenMaxTtlSeconds,
      tokenType: "service",
      tokenBoundCidrs: [clients],
      bindSecretId: true,
      secretIdBoundCidrs: [clients],
      secretIdTtl: v.appRole.secretIdTtlSeconds,
      secretIdNumUses: v.appRole.secretIdNumUses,
    });

    this.appRoleHandle = { name: APP_ROLE, roleId: this.appRole.roleId };

    this.database = new VaultDatabaseEngine(this, "database", {
      server: props.platform.postgres,
      adminPassword: props.platform.postgresAdminPassword.content,
      ca:
        props.platform.vault.flavour.databaseCa === "tls_ca"
          ? { pem: props.platform.pki.ca.certPem }
          : { pathOnServer: props.platform.vault.flavour.paths.caCert },
      defaultTtlSeconds: v.appRole.tokenTtlSeconds,
      maxTtlSeconds: v.appRole.tokenMaxTtlSeconds,
      protection: this.protection,
    });

    this.certAuth = new CertAuth(this, "cert-auth", { ca: props.platform.pki.ca, policies: this.policies, boundCidrs: [clients] });
    this.access = new VaultAccess({
      endpoint: props.platform.vault.endpoint,
      cli: { image: v.image, binary: props.platform.vault.flavour.cli },
      identities: props.platform.vaultClients,
      certAuth: this.certAuth,
    });

    // Two audit devices, so one failing never blocks Vault; raw values are never logged. OpenBao
    // refuses them through the API: the platform stack declares them in each node's configuration.
    const flavour = props.platform.vault.flavour;
    if (flavour.auditDevices === "api") {
      for (const d of auditDevices(v.audit, flavour.paths.logs)) {
        new Audit(this, `audit-${d.path}`, { type: d.type, path: d.path, description: d.description, options: { ...d.options } });
      }
    }

    new RaftAutopilot(this, "autopilot", {
      cleanupDeadServers: true,
      deadServerLastContactThreshold: "24h0m0s",
      lastContactThreshold: "10s",
      maxTrailingLogs: 1000,
      minQuorum: v.nodeCount,
      serverStabilizationTime: "10s",
    });
  }
}
