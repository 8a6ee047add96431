/**
 * A real PostgreSQL 15 (Debian's postgresql-15) running exactly the rendered postgresql.conf and
 * pg_hba.conf (only paths, port and the client CIDR adapted), with a server certificate made by
 * openssl to the project PKI's parameters, checked with the real psql client. Vault's statements
 * are substituted and sent the way Vault's PostgreSQL plugin sends them.
 *
 * One server for the whole file. It never skips: if PostgreSQL cannot start, every test fails
 * (CI installs postgresql-15 and postgresql-client-15).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { renderPostgresHba, renderPostgresServerSettings, postgresServerSettingsEntries, type PostgresServerSettings, type PostgresHba } from "../constructs/postgres/postgres-settings";
import { dynamicCredentialsSql } from "../constructs/postgres/dynamic-credentials-sql";

const PG_BIN = "/usr/lib/postgresql/15/bin";
const PSQL = `${PG_BIN}/psql`;
const DATABASE = "devops_calendar";
const ADMIN = "postgres";
const GROUP = "uyoop_app";
const SCHEMA = "uyoop";

const sql = dynamicCredentialsSql({ database: DATABASE });

// ---- the server --------------------------------------------------------------------------------

interface Server {
  dir: string;
  port: number;
  socketDir: string;
  caFile: string;
  confFile: string;
  hbaFile: string;
  logFile: string;
  adminPassword: string;
  settings: PostgresServerSettings;
  proc?: ChildProcess;
  exited?: Promise<void>;
}

let server: Server | undefined;
const isRoot = process.getuid?.() === 0;

/** Runs a command as the server's uid: postgres when we are root (the server refuses root), else ourselves. */
function asServerUser(cmd: string, args: readonly string[]): [string, string[]] {
  return isRoot ? ["setpriv", ["--reuid=postgres", "--regid=postgres", "--init-groups", cmd, ...args]] : [cmd, [...args]];
}

function run(cmd: string, args: readonly string[], input?: string): string {
  const r = spawnSync(cmd, args, { input, encoding: "utf8", env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", LANG: "C" } });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

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

/** A CA and a server certificate to the project PKI's parameters (P-256, SANs, server_auth). */
function makeCertificates(tlsDir: string): { caFile: string; certFile: string; keyFile: string } {
  const p = (f: string) => path.join(tlsDir, f);
  const ec = ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"];
  run("openssl", [...ec, "-out", p("ca-key.pem")]);
  run("openssl", ["req", "-x509", "-new", "-key", p("ca-key.pem"), "-sha256", "-days", "1", "-subj", "/O=uyoop test/CN=uyoop test CA",
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", p("ca.pem")]);
  // genpkey writes PKCS#8, as LeafCertificate.keyPem does.
  run("openssl", [...ec, "-out", p("server-key.pem")]);
  run("openssl", ["req", "-new", "-key", p("server-key.pem"), "-subj", "/O=uyoop test/CN=localhost", "-out", p("server.csr")]);
  fs.writeFileSync(p("server.ext"), [
    "basicConstraints = critical, CA:FALSE",
    "keyUsage = critical, digitalSignature, keyEncipherment",
    "extendedKeyUsage = serverAuth",
    "subjectAltName = DNS:localhost, DNS:postgres, IP:127.0.0.1",
    "subjectKeyIdentifier = hash",
    "authorityKeyIdentifier = keyid",
    "",
  ].join("\n"));
  run("openssl", ["x509", "-req", "-in", p("server.csr"), "-CA", p("ca.pem"), "-CAkey", p("ca-key.pem"), "-set_serial", "0x1001",
    "-days", "1", "-sha256", "-extfile", p("server.ext"), "-out", p("server.pem")]);
  return { caFile: p("ca.pem"), certFile: p("server.pem"), keyFile: p("server-key.pem") };
}

function chownToServer(file: string, mode: number): void {
  if (isRoot) run("chown", ["postgres:postgres", file]);
  fs.chmodSync(file, mode);
}

async function startServer(): Promise<Server> {
  if (!fs.existsSync(`${PG_BIN}/postgres`) || !fs.existsSync(PSQL)) {
    throw new Error(`PostgreSQL 15 is not installed at ${PG_BIN}: apt-get install postgresql-15 postgresql-client-15`);
  }
  if (isRoot && spawnSync("id", ["-u", "postgres"]).status !== 0) {
    throw new Error("running as root but there is no 'postgres' user to run the server as (Debian's postgresql-common creates it)");
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "uyoop-pg-"));
  const s: Server = {
    dir,
    port: await freePort(),
    socketDir: path.join(dir, "run"),
    caFile: "",
    confFile: path.join(dir, "conf", "postgresql.conf"),
    hbaFile: path.join(dir, "conf", "pg_hba.conf"),
    logFile: path.join(dir, "server.log"),
    adminPassword: randomPassword(),
    settings: undefined as unknown as PostgresServerSettings,
  };
  server = s;
  chownToServer(dir, 0o700);
  for (const d of ["conf", "tls", "run", "home"]) {
    fs.mkdirSync(path.join(dir, d));
    chownToServer(path.join(dir, d), 0o700);
  }
  const tls = makeCertificates(path.join(dir, "tls"));
  s.caFile = tls.caFile;
  for (const f of fs.readdirSync(path.join(dir, "tls"))) chownToServer(path.join(dir, "tls", f), 0o600);

  // The deployment's settings; only paths and the port differ.
  s.settings = {
    tls: { certFile: tls.certFile, keyFile: tls.keyFile, caFile: tls.caFile },
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
  chownToServer(s.confFile, 0o600);
  chownToServer(s.hbaFile, 0o600);

  // initdb as the e2e image runs it (POSTGRES_INITDB_ARGS=--auth-host=scram-sha-256): its own
  // pg_hba.conf trusts local connections, which must not matter since hba_file points at ours.
  const pwFile = path.join(dir, "conf", "pwfile");
  fs.writeFileSync(pwFile, `${s.adminPassword}\n`);
  chownToServer(pwFile, 0o600);
  run(...asServerUser(`${PG_BIN}/initdb`, ["-D", path.join(dir, "data"), `--username=${ADMIN}`, `--pwfile=${pwFile}`,
    "--auth-host=scram-sha-256", "--no-sync", "--no-instructions", "--encoding=UTF8", "--locale=C"]));
  fs.rmSync(pwFile);

  const log = fs.openSync(s.logFile, "a");
  const [cmd, args] = asServerUser(`${PG_BIN}/postgres`, ["-D", path.join(dir, "data"), "-c", `config_file=${s.confFile}`]);
  const proc = spawn(cmd, args, { stdio: ["ignore", log, log], env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", LANG: "C" } });
  fs.closeSync(log);
  s.proc = proc;
  let exitCode: number | null | undefined;
  s.exited = new Promise((resolve) => proc.once("exit", (code) => { exitCode = code; resolve(); }));

  const deadline = Date.now() + 20000;
  for (;;) {
    if (exitCode !== undefined) throw new Error(`PostgreSQL exited with ${exitCode} at start:\n${serverLog().slice(-3000)}`);
    if (spawnSync(`${PG_BIN}/pg_isready`, ["-q", "-h", s.socketDir, "-p", String(s.port)]).status === 0) break;
    if (Date.now() > deadline) throw new Error(`PostgreSQL did not become ready in 20 s:\n${serverLog().slice(-3000)}`);
    await sleep(50);
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
  return server ? fs.readFileSync(server.logFile, "utf8") : "";
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
  extra?: Record<string, string>;
}

function conninfo(c: Conn): string {
  const s = srv();
  const kv: Record<string, string> = { port: String(s.port), dbname: c.database ?? DATABASE, user: c.user, connect_timeout: "5" };
  if (c.via === "socket") {
    kv["host"] = s.socketDir;
  } else {
    Object.assign(kv, { host: c.host ?? "localhost", hostaddr: "127.0.0.1" });
    Object.assign(kv, c.via === "plain" ? { sslmode: "disable" } : { sslmode: "verify-full", sslrootcert: s.caFile });
  }
  Object.assign(kv, c.extra ?? {});
  return Object.entries(kv).map(([k, v]) => `${k}='${v.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`).join(" ");
}

function clientEnv(c: Conn): NodeJS.ProcessEnv {
  // Nothing from the caller's environment: no PGSSLMODE, ~/.pgpass or client certificate.
  return {
    PATH: process.env["PATH"] ?? "/usr/bin:/bin",
    LANG: "C",
    HOME: path.join(srv().dir, "home"),
    ...(c.password !== undefined ? { PGPASSWORD: c.password } : {}),
  };
}

function psqlArgs(c: Conn, extra: readonly string[] = []): string[] {
  // -w: never prompt (a prompt would read the script from stdin as the password).
  return ["-X", "-q", "-w", "-A", "-t", "-v", "ON_ERROR_STOP=1", ...extra, "-d", conninfo(c)];
}

/** Runs a script (psql sends each statement as its own query) and returns the result. */
function psql(c: Conn, script: string, extra: readonly string[] = []): { ok: boolean; out: string; err: string } {
  const r = spawnSync(PSQL, [...psqlArgs(c, extra), "-f", "-"], { input: script, encoding: "utf8", env: clientEnv(c), timeout: 20000 });
  if (r.error) throw r.error;
  return { ok: r.status === 0, out: r.stdout.trim(), err: r.stderr.trim() };
}

function query(c: Conn, script: string): string {
  const r = psql(c, script);
  if (!r.ok) throw new Error(`psql as ${c.user} failed: ${r.err}\n--- script:\n${script}`);
  return r.out;
}

function refused(c: Conn, script: string): string {
  const r = psql(c, script);
  if (r.ok) throw new Error(`psql as ${c.user} succeeded but must fail:\n${script}\n--- output:\n${r.out}`);
  return r.err;
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
function vaultRun(statements: readonly string[], vars: Record<string, string>): void {
  const queries = statements
    .flatMap((s) => s.split(";"))
    .map((q) => q.trim())
    .filter((q) => q !== "")
    .map((q) => Object.entries(vars).reduce((acc, [k, v]) => acc.split(`{{${k}}}`).join(v), q));
  // psql -1: BEGIN, each statement as its own query message (like ExecContext), COMMIT.
  const r = psql(admin(), queries.map((q) => `${q};\n`).join(""), ["-1"]);
  if (!r.ok) throw new Error(`Vault statements failed: ${r.err}`);
}

function createLease(password = randomPassword()): Lease {
  const name = vaultUsername();
  vaultRun(sql.creationStatements, { name, username: name, password, expiration: vaultExpiration(3600) });
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
    query(adminSocket("postgres"), `CREATE DATABASE ${DATABASE};`);
    query(adminSocket(), sql.setupSql);
    query(adminSocket(), "CREATE TABLE public.admin_only (secret text); INSERT INTO public.admin_only VALUES ('x');");
  }, 60000);

  afterAll(async () => {
    await stopServer();
  }, 30000);

  test("every rendered setting is applied from our file, without errors; pg_hba.conf is ours and parses", () => {
    const s = srv();
    const fromFile = query(admin(), `SELECT name || '|' || coalesce(error, '') || '|' || applied FROM pg_file_settings WHERE sourcefile = '${s.confFile}' ORDER BY seqno;`);
    const names = postgresServerSettingsEntries(s.settings).map(([n]) => n);
    expect(fromFile.split("\n")).toEqual(names.map((n) => `${n}||true`));
    expect(query(admin(), "SELECT count(*) FROM pg_file_settings WHERE error IS NOT NULL OR NOT applied;")).toBe("0");

    const show = (n: string) => query(admin(), `SHOW ${n};`);
    expect(show("config_file")).toBe(s.confFile);
    expect(show("hba_file")).toBe(s.hbaFile);
    expect(show("ssl")).toBe("on");
    expect(show("ssl_min_protocol_version")).toBe("TLSv1.2");
    expect(show("password_encryption")).toBe("scram-sha-256");
    expect(show("log_statement")).toBe("ddl");
    expect(show("shared_buffers")).toBe("128MB"); // a quarter of 512 MiB
    expect(show("unix_socket_permissions")).toBe("0700");

    const rules = query(
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

  test("plain-text TCP connections are refused (sslmode=disable)", () => {
    expect(refused({ ...admin(), via: "plain" }, "SELECT 1;")).toContain(
      `pg_hba.conf rejects connection for host "127.0.0.1", user "${ADMIN}", database "${DATABASE}", no encryption`,
    );
  });

  test("SCRAM over TLS with verify-full works (channel binding, AEAD ciphers); a wrong host name is refused", () => {
    // channel_binding=require succeeds only with SCRAM-SHA-256-PLUS: proof that SCRAM was used.
    const row = query({ ...admin(), extra: { channel_binding: "require" } }, "SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid();");
    expect(row).toMatch(/^t\|TLSv1\.[23]$/);
    // A TLS 1.2 client gets forward secrecy and AEAD (ssl_ciphers), signed with the P-256 key.
    const tls12 = query({ ...admin(), extra: { ssl_max_protocol_version: "TLSv1.2" } }, "SELECT version || ' ' || cipher FROM pg_stat_ssl WHERE pid = pg_backend_pid();");
    expect(tls12).toMatch(/^TLSv1\.2 ECDHE-ECDSA-(AES(128|256)-GCM-SHA(256|384)|CHACHA20-POLY1305)$/);
    expect(refused({ ...admin(), host: "wrong.example" }, "SELECT 1;")).toMatch(/server certificate for "localhost".* does not match host name "wrong.example"/);
    expect(refused({ ...admin(), password: "not-the-password" }, "SELECT 1;")).toContain(`password authentication failed for user "${ADMIN}"`);
  });

  test("passwords are stored as SCRAM verifiers; a role with an md5 password cannot log in; the socket needs a password too", () => {
    query(admin(), `CREATE ROLE scram_check LOGIN PASSWORD 'Scram-check-pw1' IN ROLE ${GROUP}; GRANT CONNECT ON DATABASE ${DATABASE} TO scram_check;`);
    expect(query(admin(), "SELECT rolpassword FROM pg_authid WHERE rolname = 'scram_check';")).toMatch(/^SCRAM-SHA-256\$4096:[^$]+\$[^:]+:.+$/);
    expect(query({ user: "scram_check", password: "Scram-check-pw1" }, "SELECT current_user;")).toBe("scram_check");

    query(admin(), `SET password_encryption = 'md5'; CREATE ROLE md5_legacy LOGIN PASSWORD 'Md5-legacy-pw1' IN ROLE ${GROUP}; GRANT CONNECT ON DATABASE ${DATABASE} TO md5_legacy;`);
    expect(query(admin(), "SELECT left(rolpassword, 3) FROM pg_authid WHERE rolname = 'md5_legacy';")).toBe("md5");
    expect(refused({ user: "md5_legacy", password: "Md5-legacy-pw1" }, "SELECT 1;")).toContain('password authentication failed for user "md5_legacy"');
    expect(serverLog()).toContain('User "md5_legacy" does not have a valid SCRAM secret.');

    // initdb's own pg_hba.conf trusts local connections; ours does not.
    expect(refused({ user: ADMIN, via: "socket" }, "SELECT 1;")).toContain("no password supplied");
    expect(query(adminSocket(), "SELECT 1;")).toBe("1");
    query(admin(), `DROP OWNED BY scram_check, md5_legacy; DROP ROLE scram_check, md5_legacy;`);
  });

  test("a lease made by the creation statements works in its schema as the group role, and a second lease shares its tables", () => {
    leaseA = createLease();
    leaseB = createLease();
    expect(query(as(leaseA), "SELECT session_user || ' ' || current_user || ' ' || current_schema();")).toBe(`${leaseA.name} ${GROUP} ${SCHEMA}`);
    // Connection-pool resets keep the session's role: it is the lease's default, not a SET.
    expect(query(as(leaseA), "RESET ALL; SELECT current_user;")).toBe(GROUP);
    expect(query(as(leaseA), "DISCARD ALL; SELECT current_user;")).toBe(GROUP);
    expect(query(as(leaseA), "RESET ROLE; SELECT current_user;")).toBe(GROUP);
    query(
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
    expect(query(as(leaseA), "SELECT title FROM events;")).toBe("review");
    expect(query(admin(), `SELECT schemaname || '.' || tablename || ' ' || tableowner FROM pg_tables WHERE tablename = 'events';`)).toBe(`${SCHEMA}.events ${GROUP}`);
    // Another lease (another replica, or after renewal) reads, writes and migrates the same table.
    query(as(leaseB), "INSERT INTO events (title) VALUES ('planning'); ALTER TABLE events ADD COLUMN room text; UPDATE events SET room = 'a';");
    expect(query(as(leaseA), "SELECT count(*) FROM events WHERE room = 'a';")).toBe("2");

    const attributes = query(
      admin(),
      "SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls, rolinherit, rolconnlimit, rolvaliduntil IS NOT NULL " +
        `FROM pg_roles WHERE rolname = '${leaseA.name}';`,
    );
    expect(attributes).toBe("f|f|f|f|f|f|20|t");
    const groups = "SELECT string_agg(g.rolname, ',') FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member";
    expect(query(admin(), `${groups} WHERE u.rolname = '${leaseA.name}';`)).toBe(GROUP);
    // It owns nothing itself: revocation has nothing to reassign.
    expect(query(admin(), `SELECT count(*) FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = '${leaseA.name}');`)).toBe("0");
  });

  test("a lease cannot create roles or databases, leave its role, or touch other schemas and databases", () => {
    const denied = (script: string) => refused(as(leaseA), script);
    expect(denied("CREATE ROLE intruder;")).toContain("permission denied to create role");
    expect(denied("CREATE DATABASE intruder;")).toContain("permission denied to create database");
    expect(denied("CREATE SCHEMA intruder;")).toContain(`permission denied for database ${DATABASE}`);
    expect(denied("CREATE TABLE public.intruder (i int);")).toContain("permission denied for schema public");
    expect(denied("SELECT * FROM public.admin_only;")).toContain("permission denied for schema public");
    expect(denied(`DROP SCHEMA ${SCHEMA};`)).toContain(`must be owner of schema ${SCHEMA}`);
    expect(denied(`SET ROLE ${ADMIN};`)).toContain(`permission denied to set role "${ADMIN}"`);
    expect(denied("CREATE TEMP TABLE t (i int);")).toContain("permission denied to create temporary tables");
    expect(denied("SELECT pg_read_file('/etc/hostname');")).toContain("permission denied for function pg_read_file");
    expect(denied("COPY (SELECT 1) TO PROGRAM 'true';")).toContain("pg_execute_server_program");
    expect(denied(`ALTER ROLE "${leaseA.name}" CREATEROLE;`)).toContain("permission denied");
    // As itself (NOINHERIT) the lease has no privileges at all: it cannot create objects it would own.
    expect(denied(`SET ROLE NONE; CREATE TABLE ${SCHEMA}.mine (i int);`)).toContain(`permission denied for schema ${SCHEMA}`);
    expect(query(as(leaseA), "SET ROLE NONE; SELECT current_user;")).toBe(leaseA.name);
    // pg_hba.conf admits leases to the app's database only, and CONNECT elsewhere is revoked too.
    expect(refused(as(leaseA, { database: "postgres" }), "SELECT 1;")).toContain(`pg_hba.conf rejects connection for host "127.0.0.1", user "${leaseA.name}", database "postgres", SSL encryption`);
    const connect = (db: string) => query(admin(), `SELECT has_database_privilege('${leaseA.name}', '${db}', 'CONNECT');`);
    expect([connect(DATABASE), connect("postgres"), connect("template1")]).toEqual(["t", "f", "f"]);
  });

  test("the server log never shows a lease's password, although log_statement = 'ddl' does log CREATE ROLE", () => {
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
    vaultRun(loud, { name: "loud_check", password: leaked, expiration: vaultExpiration(60) });
    expect(serverLog()).toContain(leaked);
    query(admin(), "DROP OWNED BY loud_check; DROP ROLE loud_check;");

    // Vault's password_authentication = "scram-sha-256": {{password}} is a SCRAM verifier.
    const plain = randomPassword();
    const viaVerifier = createLease(scramVerifier(plain));
    expect(query(as({ name: viaVerifier.name, password: plain }), "SELECT session_user;")).toBe(viaVerifier.name);
    vaultRun(sql.revocationStatements, { name: viaVerifier.name });

    // Root rotation: the new password is not logged either.
    query(admin(), `CREATE ROLE rotation_check LOGIN PASSWORD '${randomPassword()}' IN ROLE ${GROUP}; GRANT CONNECT ON DATABASE ${DATABASE} TO rotation_check;`);
    const rotated = randomPassword();
    vaultRun(sql.rootRotationStatements, { name: "rotation_check", username: "rotation_check", password: rotated });
    expect(query({ user: "rotation_check", password: rotated }, "SELECT 1;")).toBe("1");
    query(admin(), "DROP OWNED BY rotation_check; DROP ROLE rotation_check;");

    const after = serverLog();
    expect(after).not.toContain(plain);
    expect(after).not.toContain(viaVerifier.password.split("$")[2]); // the verifier's StoredKey
    expect(after).not.toContain(rotated);
  });

  test("revocation terminates the lease's sessions and drops it; its tables stay with the group", async () => {
    // A session that would outlive the lease.
    const session = spawn(PSQL, [...psqlArgs(as(leaseA)), "-c", "SELECT pg_sleep(30);"], { env: clientEnv(as(leaseA)) });
    let stderr = "";
    session.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const ended = new Promise<number | null>((resolve) => session.once("exit", (code) => resolve(code)));
    const deadline = Date.now() + 10000;
    while (query(admin(), `SELECT count(*) FROM pg_stat_activity WHERE usename = '${leaseA.name}' AND query LIKE 'SELECT pg_sleep%';`) !== "1") {
      if (Date.now() > deadline) throw new Error(`the lease's session did not start: ${stderr}`);
      await sleep(50);
    }

    vaultRun(sql.revocationStatements, { name: leaseA.name });

    expect(await Promise.race([ended, timeout(10000, "still running")])).not.toBe(0);
    expect(stderr).toContain("terminating connection due to administrator command");
    expect(query(admin(), `SELECT count(*) FROM pg_roles WHERE rolname = '${leaseA.name}';`)).toBe("0");
    expect(query(admin(), `SELECT count(*) FROM pg_stat_activity WHERE usename = '${leaseA.name}';`)).toBe("0");
    // Gone from the group, so pg_hba.conf no longer admits the name at all.
    expect(refused(as(leaseA), "SELECT 1;")).toContain(`pg_hba.conf rejects connection for host "127.0.0.1", user "${leaseA.name}"`);
    // The data outlives the lease; the other lease is untouched.
    expect(query(admin(), `SELECT tableowner FROM pg_tables WHERE schemaname = '${SCHEMA}' AND tablename = 'events';`)).toBe(GROUP);
    expect(query(as(leaseB), "SELECT count(*) FROM events;")).toBe("2");
    vaultRun(sql.revocationStatements, { name: leaseB.name });
    expect(query(admin(), `SELECT count(*) FROM pg_roles WHERE rolname LIKE 'v-%';`)).toBe("0");
  }, 30000);
});
