/**
 * PostgresServer: the app's database in a HardenedContainer, following the official image's
 * contract (uid 999, PGDATA under /var/lib/postgresql/data, POSTGRES_*_FILE, initdb scripts).
 *
 * - Settings and hba are rendered from typed objects (postgres-settings.ts): TLS on with the PKI
 *   certificate, scram-sha-256 only, hostssl from the data network only, connection logging,
 *   never `log_statement = all`.
 * - The admin password is generated at apply time (random_password) and delivered as a file;
 *   never env, never a literal in synthesized JSON. It lives in state (docs/SECURITY.md) and is
 *   handed to Vault's database engine write-only; `rotate-root` then replaces it.
 * - Data on a protected named volume; read-only rootfs with tmpfs for the socket and /tmp;
 *   not published on the host.
 */
import { Construct } from "constructs";
import { Image } from "@cdktf/provider-docker/lib/image";
import { Volume } from "@cdktf/provider-docker/lib/volume";
import { Password } from "@cdktf/provider-random/lib/password";
import type { DataProtection } from "../data-protection";
import { HardenedContainer } from "../docker/hardened-container";
import { VolumeSeed } from "../docker/volume-seed";
import type { LeafCertificate } from "../pki/leaf-certificate";
import type { CertificateAuthority } from "../pki/certificate-authority";
import type { NetworkHandle } from "../docker/environment-networks";
import { dynamicCredentialsSql, type DynamicCredentialsSql } from "./dynamic-credentials-sql";
import { DEFAULT_SOCKET_DIRECTORY, POSTGRES_PORT, renderPostgresHba, renderPostgresServerSettings } from "./postgres-settings";

/** The official image's postgres user. */
export const POSTGRES_UID = 999;
export const POSTGRES_GID = 999;
/** The superuser Vault's database engine connects as. */
export const POSTGRES_ADMIN = "postgres";

const CONFIG_DIR = "/etc/uyoop-postgres";
export const POSTGRES_PATHS = {
  config: CONFIG_DIR,
  conf: `${CONFIG_DIR}/postgresql.conf`,
  hba: `${CONFIG_DIR}/pg_hba.conf`,
  cert: `${CONFIG_DIR}/tls/server.pem`,
  key: `${CONFIG_DIR}/tls/server-key.pem`,
  ca: `${CONFIG_DIR}/tls/ca.pem`,
  adminPassword: `${CONFIG_DIR}/secrets/admin-password`,
  initdb: "/docker-entrypoint-initdb.d",
  data: "/var/lib/postgresql/data",
  pgdata: "/var/lib/postgresql/data/pgdata",
} as const;

/**
 * PostgreSQL's DNS names on the data network: its container name (the certificate's CN and the
 * name clients use) and a short alias. Stated here; the PKI puts both in its certificate.
 */
export function postgresDnsNames(environment: string): readonly [host: string, alias: string] {
  return [`${environment}-postgres`, "postgres"];
}

/** A connection URL with full TLS verification; `credentials` only as Vault's templates, never values. */
export function postgresUrl(u: { readonly host: string; readonly port: number; readonly database: string; readonly credentials?: "{{username}}:{{password}}"; readonly sslrootcert?: string }): string {
  return `postgresql://${u.credentials ? `${u.credentials}@` : ""}${u.host}:${u.port}/${u.database}?sslmode=verify-full${u.sslrootcert ? `&sslrootcert=${u.sslrootcert}` : ""}`;
}

export interface PostgresServerProps {
  /** Environment name. */
  readonly environment: string;
  /** Image reference (official image contract). */
  readonly image: string;
  /** The app's database. */
  readonly database: string;
  /** Memory limit (MiB). */
  readonly memoryMb: number;
  /** The data network and its subnet (the only clients). */
  readonly dataNetwork: NetworkHandle;
  readonly dataSubnet: string;
  /** Server certificate (SANs must include both `postgresDnsNames`). */
  readonly certificate: LeafCertificate;
  /** The CA that signed it (and the clients' certificates). */
  readonly ca: CertificateAuthority;
  /** Minimum TLS version. */
  readonly tlsMinVersion: "tls12" | "tls13";
  /** Destroy protection of the data volume. */
  readonly protection: DataProtection;
}

export class PostgresServer extends Construct {
  public readonly container: HardenedContainer;
  public readonly dataVolume: Volume;
  public readonly adminPassword: Password;
  public readonly sql: DynamicCredentialsSql;
  /** Container name: the host name clients connect to (a SAN of its certificate). */
  public readonly name: string;
  public readonly port: number = POSTGRES_PORT;
  public readonly database: string;
  /** The superuser Vault's database engine connects as. */
  public readonly adminUser: string = POSTGRES_ADMIN;
  public readonly postgresqlConf: string;
  public readonly pgHbaConf: string;

  constructor(scope: Construct, id: string, props: PostgresServerProps) {
    super(scope, id);
    const [host, alias] = postgresDnsNames(props.environment);
    this.name = host;
    this.database = props.database;
    props.certificate.requireNames([host, alias], "the app and Vault use to reach PostgreSQL");
    this.sql = dynamicCredentialsSql({ database: props.database });

    this.postgresqlConf = renderPostgresServerSettings({
      tls: { certFile: POSTGRES_PATHS.cert, keyFile: POSTGRES_PATHS.key, caFile: POSTGRES_PATHS.ca },
      tlsMinVersion: props.tlsMinVersion,
      hbaFile: POSTGRES_PATHS.hba,
      memoryMb: props.memoryMb,
      unixSocketDirectory: DEFAULT_SOCKET_DIRECTORY,
    });
    this.pgHbaConf = renderPostgresHba({
      rules: [
        // Vault's database engine (admin) and every lease (members of the app's group role).
        { database: props.database, user: { role: POSTGRES_ADMIN }, cidrs: [props.dataSubnet] },
        { database: props.database, user: { membersOf: this.sql.groupRole }, cidrs: [props.dataSubnet] },
      ],
    });

    // 32 characters from letters and digits: ~190 bits, and no character needing escaping in a
    // DSN or a file.
    this.adminPassword = new Password(this, "admin-password", { length: 32, special: false, minLower: 4, minUpper: 4, minNumeric: 4 });

    const image = new Image(this, "image", { name: props.image, keepLocally: true });
    const labels = { "uyoop.environment": props.environment, "uyoop.component": "postgres" };
    const owner = { uid: POSTGRES_UID, gid: POSTGRES_GID };
    const config = new VolumeSeed(this, "config", {
      volumeName: `${this.name}-config`,
      image: image.imageId,
      owner,
      labels,
      files: [
        { path: "postgresql.conf", content: this.postgresqlConf, mode: "0440" },
        { path: "pg_hba.conf", content: this.pgHbaConf, mode: "0440" },
        { path: "tls/server.pem", content: props.certificate.certPem, mode: "0444" },
        { path: "tls/server-key.pem", content: props.certificate.keyPem, mode: "0600" },
        { path: "tls/ca.pem", content: props.ca.certPem, mode: "0444" },
        { path: "secrets/admin-password", content: this.adminPassword.result, mode: "0400" },
      ],
    });
    const initdb = new VolumeSeed(this, "initdb", {
      volumeName: `${this.name}-initdb`,
      image: image.imageId,
      owner,
      labels,
      files: [{ path: "10-uyoop-setup.sql", content: this.sql.setupSql, mode: "0444" }],
    });
    this.dataVolume = new Volume(this, "data", {
      name: `${this.name}-data`,
      labels: [...Object.entries(labels).map(([label, value]) => ({ label, value })), { label: "uyoop.stateful", value: "postgres" }],
      lifecycle: props.protection.lifecycle(),
    });

    this.container = new HardenedContainer(this, "server", {
      name: this.name,
      image: image.imageId,
      user: `${POSTGRES_UID}:${POSTGRES_GID}`,
      command: ["postgres", "-c", `config_file=${POSTGRES_PATHS.conf}`],
      env: {
        PGDATA: POSTGRES_PATHS.pgdata,
        POSTGRES_USER: POSTGRES_ADMIN,
        POSTGRES_PASSWORD_FILE: POSTGRES_PATHS.adminPassword,
        POSTGRES_DB: props.database,
        POSTGRES_INITDB_ARGS: "--auth-host=scram-sha-256 --auth-local=scram-sha-256",
      },
      networks: [{ name: props.dataNetwork.name, aliases: [alias] }],
      volumes: [
        { volume: config.volume.name, target: POSTGRES_PATHS.config, readOnly: true },
        { volume: initdb.volume.name, target: POSTGRES_PATHS.initdb, readOnly: true },
        { volume: this.dataVolume.name, target: POSTGRES_PATHS.data, readOnly: false },
      ],
      tmpfs: {
        [DEFAULT_SOCKET_DIRECTORY]: { sizeMb: 8, uid: POSTGRES_UID, gid: POSTGRES_GID, mode: "0700" },
        "/tmp": { sizeMb: 64, uid: POSTGRES_UID, gid: POSTGRES_GID, mode: "0700" },
      },
      memoryMb: props.memoryMb,
      // pg_isready needs no login: it only asks the server whether it accepts connections.
      healthCheck: {
        test: ["CMD", "pg_isready", "-h", DEFAULT_SOCKET_DIRECTORY, "-p", String(POSTGRES_PORT), "-d", props.database],
        intervalSeconds: 10,
        timeoutSeconds: 5,
        startPeriodSeconds: 60,
        retries: 5,
      },
      stopTimeoutSeconds: 60,
      // Initialized and accepting connections before Vault's database engine verifies its connection.
      waitUntilHealthySeconds: 180,
      labels,
      dependsOn: [config.seeder.container, initdb.seeder.container],
    });
  }
}
