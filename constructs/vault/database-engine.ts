/**
 * VaultDatabaseEngine: dynamic PostgreSQL credentials for the app (`database/creds/uyoop-app`).
 *
 * - The connection uses TLS with full verification (`sslmode=verify-full`, the environment CA)
 *   and SCRAM; the admin password is handed over write-only (`password_wo`, never stored in this
 *   stack's state) and sent again only when `adminPasswordVersion` changes, so a
 *   `vault write -f database/rotate-root/uyoop-postgres` (docs/RUNBOOK.md) is never undone.
 * - The role's creation and revocation SQL come from dynamic-credentials-sql.ts, proven on a real
 *   PostgreSQL by __tests__/postgres-real.test.ts; leases are short and bounded.
 * - Mount and connection are separate resources although that makes a teardown order-sensitive
 *   (Terraform deletes the connection first, and disabling the mount then fails while a lease is
 *   outstanding: revoke `database/creds/` first, docs/RUNBOOK.md "Tearing down").
 *   vault_database_secrets_mount would avoid it, but provider 5.6.0 never sends its
 *   `root_rotation_statements` (it reads the top-level key), so rotate-root would run Vault's
 *   default statement, which log_statement = 'ddl' logs with the new password (seen in the e2e
 *   deploy as a perpetual diff).
 */
import { Construct } from "constructs";
import { Mount } from "@cdktf/provider-vault/lib/mount";
import { DatabaseSecretBackendConnection } from "@cdktf/provider-vault/lib/database-secret-backend-connection";
import { DatabaseSecretBackendRole } from "@cdktf/provider-vault/lib/database-secret-backend-role";
import { UserInputError } from "../../kernel/errors";
import type { DataProtection } from "../data-protection";
import { postgresUrl, type PostgresServer } from "../postgres/postgres-server";
import { VAULT_DATABASE_ROLE } from "../postgres/dynamic-credentials-sql";

export const DATABASE_CONNECTION = "uyoop-postgres";

export interface VaultDatabaseEngineProps {
  /** The server: host (a SAN of its certificate), port, database, admin role, and the role SQL. */
  readonly server: PostgresServer;
  /** The admin password, read at plan time (a HandedOverSecret's content); write-only here. */
  readonly adminPassword: string;
  /** Bump to send a new admin password (after re-creating it); never needed after rotate-root. @default 1 */
  readonly adminPasswordVersion?: number;
  /**
   * The CA that signed PostgreSQL's certificate: its PEM (sent as `tls_ca`), or, for servers whose
   * PostgreSQL plugin has no `tls_ca` (OpenBao), the path of a copy every server node holds
   * (`sslrootcert` in the connection URL).
   */
  readonly ca: { readonly pem: string } | { readonly pathOnServer: string };
  /** Lease TTL and max TTL (seconds). */
  readonly defaultTtlSeconds: number;
  readonly maxTtlSeconds: number;
  /** Destroy protection of the mount. */
  readonly protection: DataProtection;
}

export class VaultDatabaseEngine extends Construct {
  public readonly mount: Mount;
  public readonly connection: DatabaseSecretBackendConnection;
  public readonly role: DatabaseSecretBackendRole;

  constructor(scope: Construct, id: string, props: VaultDatabaseEngineProps) {
    super(scope, id);
    const server = props.server;
    if (props.defaultTtlSeconds < 60 || props.defaultTtlSeconds > props.maxTtlSeconds || props.maxTtlSeconds > 86400) {
      throw UserInputError.of(this.node.path, "defaultTtlSeconds", `${props.defaultTtlSeconds}/${props.maxTtlSeconds} must satisfy 60 <= default <= max <= 86400`);
    }
    this.mount = new Mount(this, "mount", {
      path: "database",
      type: "database",
      description: "dynamic PostgreSQL credentials",
      lifecycle: props.protection.lifecycle(),
    });
    this.connection = new DatabaseSecretBackendConnection(this, "connection", {
      backend: this.mount.path,
      name: DATABASE_CONNECTION,
      allowedRoles: [VAULT_DATABASE_ROLE],
      verifyConnection: true,
      rootRotationStatements: [...server.sql.rootRotationStatements],
      postgresql: {
        connectionUrl: postgresUrl({
          host: server.name,
          port: server.port,
          database: server.database,
          credentials: "{{username}}:{{password}}",
          ...("pathOnServer" in props.ca ? { sslrootcert: props.ca.pathOnServer } : {}),
        }),
        username: server.adminUser,
        passwordWo: props.adminPassword,
        passwordWoVersion: props.adminPasswordVersion ?? 1,
        passwordAuthentication: "scram-sha-256",
        ...("pem" in props.ca ? { tlsCa: props.ca.pem } : {}),
        maxOpenConnections: 4,
      },
    });
    this.role = new DatabaseSecretBackendRole(this, "role", {
      backend: this.mount.path,
      name: VAULT_DATABASE_ROLE,
      dbName: this.connection.name,
      creationStatements: [...server.sql.creationStatements],
      revocationStatements: [...server.sql.revocationStatements],
      defaultTtl: props.defaultTtlSeconds,
      maxTtl: props.maxTtlSeconds,
    });
  }
}
