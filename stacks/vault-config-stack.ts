/**
 * Vault configuration stack (vault provider): the seeds' init-vault.sh as declarative code,
 * wired from constructs: policies from policies/, KV v2 and TOTP, AppRole with the app's role and
 * its credential-less configuration, dynamic PostgreSQL credentials, cert auth for jobs (their
 * roles come from VaultAccess grants), audit devices, Raft autopilot. Applied after the platform
 * stack has created, initialized and unsealed the cluster.
 */
import type { Construct } from "constructs";
import { terraformVaultProvider } from "../constructs/vault/terraform-vault-provider";
import { VaultPolicies } from "../constructs/vault/vault-policies";
import { ApiAuditDevices, auditDevices } from "../constructs/vault/audit-devices";
import { SecretsEngines } from "../constructs/vault/secrets-engines";
import { AppRoleAuth } from "../constructs/vault/approle-auth";
import { RaftAutopilotSettings } from "../constructs/vault/raft-autopilot";
import { VaultDatabaseEngine } from "../constructs/vault/database-engine";
import { CertAuth, VaultAccess } from "../constructs/vault/vault-access";
import { APP_ROLE, appDatabaseUrl } from "../constructs/app/app-contract";
import type { PlatformStack } from "./platform-stack";
import { UyoopStack, type UyoopStackProps } from "./uyoop-stack";

export interface VaultConfigStackProps extends UyoopStackProps {
  /** The platform stack: its cluster, CA, PostgreSQL and client identities. */
  readonly platform: PlatformStack;
}

export class VaultConfigStack extends UyoopStack {
  public readonly policies: VaultPolicies;
  public readonly engines: SecretsEngines;
  public readonly appRole: AppRoleAuth;
  public readonly database: VaultDatabaseEngine;
  public readonly certAuth: CertAuth;
  /** How later stacks' constructs reach Vault and get their logins granted. */
  public readonly access: VaultAccess;

  constructor(scope: Construct, id: string, props: VaultConfigStackProps) {
    super(scope, id, props);
    const c = this.config;
    const v = c.vault;
    const platform = props.platform;
    const flavour = platform.vault.flavour;
    const clients = [c.networks.vaultClients.subnet];

    terraformVaultProvider(this, {
      environment: c.name,
      bindAddress: c.host.bindAddress,
      hostPort: v.hostPorts[0]!,
      operatorDir: c.host.operatorDir,
      mtls: v.mtls,
      token: v.terraformToken,
    });
    this.policies = new VaultPolicies(this, "policies");

    this.engines = new SecretsEngines(this, "secrets-engines", { kvMaxVersions: v.kv.maxVersions, protection: this.protection });
    // Where the database is, never who to log in as (the database engine says): not a secret.
    this.engines.kvSecret("app-config", "app/config", { database_url: appDatabaseUrl(c.name, c.postgres.database) });

    this.appRole = new AppRoleAuth(this, "approle-auth", {
      roleName: APP_ROLE,
      policy: "app-policy",
      policies: this.policies,
      boundCidrs: clients,
      tokenTtlSeconds: v.appRole.tokenTtlSeconds,
      tokenMaxTtlSeconds: v.appRole.tokenMaxTtlSeconds,
      secretIdTtlSeconds: v.appRole.secretIdTtlSeconds,
      secretIdNumUses: v.appRole.secretIdNumUses,
    });

    this.database = new VaultDatabaseEngine(this, "database", {
      server: platform.postgres,
      adminPassword: platform.postgresAdminPassword.content,
      ca: flavour.databaseCa === "tls_ca" ? { pem: platform.pki.ca.certPem } : { pathOnServer: flavour.paths.caCert },
      defaultTtlSeconds: v.appRole.tokenTtlSeconds,
      maxTtlSeconds: v.appRole.tokenMaxTtlSeconds,
      protection: this.protection,
    });

    this.certAuth = new CertAuth(this, "cert-auth", { ca: platform.pki.ca, policies: this.policies, boundCidrs: clients });
    this.access = new VaultAccess({
      endpoint: platform.vault.endpoint,
      cli: { image: v.image, binary: flavour.cli },
      identities: platform.vaultClients,
      certAuth: this.certAuth,
    });

    if (flavour.auditDevices === "api") new ApiAuditDevices(this, "audit", { devices: auditDevices(v.audit, flavour.paths.logs) });
    new RaftAutopilotSettings(this, "raft-autopilot", { nodeCount: v.nodeCount });
  }
}
