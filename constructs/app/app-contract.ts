/**
 * The application's contract with Vault (docs/APP-CONTRACT.md is its prose form): where the app
 * finds what it needs inside its container, and the environment variables that point there.
 * Only paths and addresses are in the environment; every secret is a read-only file.
 */
import { IDENTITY_FILES } from "../vault/client-identity";
import { postgresDnsNames, postgresUrl } from "../postgres/postgres-server";
import { POSTGRES_PORT } from "../postgres/postgres-settings";

/** The app's role in Vault's AppRole auth method (policies/*.hcl name it too). */
export const APP_ROLE = "uyoop-app";

/** Directory of the app's identity: the CA, its client certificate and key (seeded by the platform stack). */
export const APP_VAULT_DIR = "/run/uyoop/vault";
/** Directory of the AppRole RoleID (delivered by the workloads stack). */
export const APP_ROLE_ID_DIR = "/run/uyoop/approle";
/** Directory of the SecretID file, written by the SecretID issuer job. */
export const APP_SECRET_ID_DIR = "/run/uyoop/secret-id";

export const APP_FILES = {
  caCert: `${APP_VAULT_DIR}/${IDENTITY_FILES.caCert}`,
  clientCert: `${APP_VAULT_DIR}/${IDENTITY_FILES.cert}`,
  clientKey: `${APP_VAULT_DIR}/${IDENTITY_FILES.key}`,
  roleId: `${APP_ROLE_ID_DIR}/role-id`,
  secretId: `${APP_SECRET_ID_DIR}/secret-id`,
} as const;

/** Vault paths the app uses (all granted by policies/app-policy.hcl). */
export const APP_VAULT_PATHS = {
  config: "secret/data/app/config",
  databaseCredentials: "database/creds/uyoop-app",
  totpKeys: "totp/keys/user_<id>",
  totpCode: "totp/code/user_<id>",
  approleLogin: "auth/approle/login",
} as const;

/** The environment variables the app receives: addresses and file paths, never a secret. */
export function appEnvironment(vaultAddr: string, appPort: number): Record<string, string> {
  return {
    VAULT_ADDR: vaultAddr,
    VAULT_CACERT: APP_FILES.caCert,
    VAULT_CLIENT_CERT: APP_FILES.clientCert,
    VAULT_CLIENT_KEY: APP_FILES.clientKey,
    VAULT_ROLE_ID_FILE: APP_FILES.roleId,
    VAULT_SECRET_ID_FILE: APP_FILES.secretId,
    VAULT_CONFIG_PATH: APP_VAULT_PATHS.config,
    VAULT_DB_CREDS_PATH: APP_VAULT_PATHS.databaseCredentials,
    VAULT_TOTP_MOUNT: "totp",
    PORT: String(appPort),
  };
}

/** The app's database DSN (KV `secret/app/config`): host, port, database, full TLS verification with its CA file; never credentials. */
export function appDatabaseUrl(environment: string, database: string): string {
  return postgresUrl({ host: postgresDnsNames(environment)[0], port: POSTGRES_PORT, database, sslrootcert: APP_FILES.caCert });
}
