/**
 * PostgreSQL's server configuration (`postgresql.conf`) and client authentication (`pg_hba.conf`)
 * as typed objects rendered to text. Every value is validated, then quoted for the file format,
 * so no input can add a setting or a rule. `__tests__/postgres-real.test.ts` runs a real
 * PostgreSQL 15 on exactly these files.
 *
 * What the server always does: TLS only (TLS 1.2+, ECDHE + AEAD ciphers), SCRAM-SHA-256 only,
 * connections and disconnections logged with user, database and client, DDL logged but never
 * bind parameters, no idle transaction holding locks forever.
 *
 * A note on `log_statement = 'ddl'`: PostgreSQL counts CREATE/ALTER ROLE as DDL, so 'ddl' alone
 * WOULD log Vault's `CREATE ROLE ... PASSWORD '...'`. The statements Vault runs
 * (`dynamic-credentials-sql.ts`) therefore start with `SET LOCAL log_statement = 'none'`; the
 * real-server test proves both halves (logged without it, not logged with it).
 */
import { UserInputError, show, type InputProblem } from "../../kernel/errors";
import { parseIpv4Cidr } from "../../kernel/cidr";

const SOURCE = "postgres settings";

// ---- postgresql.conf writer --------------------------------------------------------------------

/** A setting's value: strings are quoted, integers written as is, booleans as on/off. */
export type PgConfValue = string | number | boolean;

/**
 * A quoted postgresql.conf string. The file's lexer treats `''` and `\'` as a quote and processes
 * backslash escapes, so both `'` and `\` are escaped; a line break cannot be represented and is
 * refused (it would end the setting and start another).
 */
export function pgConfString(value: string): string {
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new Error(`postgresql.conf value ${JSON.stringify(value)} contains a control character`);
  return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "''")}'`;
}

function pgConfValue(name: string, value: PgConfValue): string {
  if (typeof value === "boolean") return value ? "on" : "off";
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new Error(`postgresql.conf setting ${name}: ${value} is not an integer`);
    return String(value);
  }
  return pgConfString(value);
}

/** Renders `name = value` lines after a header comment; ends with a newline. */
export function renderPgConf(header: string, settings: readonly (readonly [string, PgConfValue])[]): string {
  const seen = new Set<string>();
  const lines = settings.map(([name, value]) => {
    if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new Error(`invalid postgresql.conf setting name ${JSON.stringify(name)}`);
    // The last occurrence wins in postgresql.conf: a duplicate would silently override.
    if (seen.has(name)) throw new Error(`postgresql.conf setting ${name} is set twice`);
    seen.add(name);
    return `${name} = ${pgConfValue(name, value)}`;
  });
  return `${commentLines(header)}${lines.join("\n")}\n`;
}

function commentLines(text: string): string {
  return text
    .split("\n")
    .map((l) => (l === "" ? "#" : `# ${l}`))
    .join("\n")
    .concat("\n");
}

// ---- validation helpers ------------------------------------------------------------------------

/** Absolute, normalized, conservative characters: nothing a reviewer could misread. */
const ABSOLUTE_PATH = /^(\/[A-Za-z0-9._-]+)+$/;

function checkPath(out: InputProblem[], field: string, value: unknown, maxLength = 255): void {
  if (typeof value !== "string" || !ABSOLUTE_PATH.test(value) || value.split("/").some((s) => s === "." || s === "..")) {
    out.push({ field, message: `${show(value)} must be an absolute path of letters, digits, ".", "_", "-" without "." or ".." segments, e.g. "/etc/postgresql/tls/server.pem"` });
  } else if (value.length > maxLength) {
    out.push({ field, message: `${show(value)} is longer than ${maxLength} characters; use a shorter path` });
  }
}

function checkInt(out: InputProblem[], field: string, value: unknown, min: number, max: number, hint: string): void {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    out.push({ field, message: `${show(value)} must be an integer from ${min} to ${max}; ${hint}` });
  }
}

/**
 * SQL identifiers allowed in pg_hba.conf and in generated SQL: lowercase, unquoted-safe, not a
 * reserved role name, so they mean the same thing quoted or not.
 */
export const SQL_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
const RESERVED_NAMES = new Set(["all", "public", "none", "current_user", "session_user", "current_role", "replication", "samerole", "samegroup", "sameuser"]);

/** The problem with an identifier, or undefined when it is fine. */
export function identifierProblem(value: unknown): string | undefined {
  if (typeof value !== "string" || !SQL_IDENTIFIER.test(value)) {
    return `${show(value)} is not a plain lowercase SQL identifier; use letters, digits and underscores, starting with a letter or "_", at most 63 characters`;
  }
  if (value.startsWith("pg_")) return `${show(value)} starts with "pg_", which PostgreSQL reserves`;
  if (RESERVED_NAMES.has(value)) return `${show(value)} is a reserved name in PostgreSQL or pg_hba.conf; choose another`;
  return undefined;
}

function checkIdentifier(out: InputProblem[], field: string, value: unknown): void {
  const problem = identifierProblem(value);
  if (problem) out.push({ field, message: problem });
}

function fail(out: readonly InputProblem[]): void {
  if (out.length > 0) throw new UserInputError(SOURCE, out);
}

// ---- postgresql.conf ---------------------------------------------------------------------------

/** Statement classes PostgreSQL may log. 'mod' and 'all' are not representable on purpose. */
export type PostgresLogStatement = "ddl" | "none";

export interface PostgresTlsFiles {
  /** Server certificate (PEM), path inside the container. */
  readonly certFile: string;
  /** Server private key (PEM). PostgreSQL refuses it unless it is 0600 and owned by the server's uid (or 0640 and owned by root). */
  readonly keyFile: string;
  /** CA certificate(s) used to verify client certificates when presented. */
  readonly caFile: string;
}

export interface PostgresServerSettings {
  /** TLS material, paths inside the container. */
  readonly tls: PostgresTlsFiles;
  /** Minimum TLS version (the project's spelling, as `vault.tlsMinVersion`). */
  readonly tlsMinVersion: "tls12" | "tls13";
  /** Path of the rendered pg_hba.conf inside the container. */
  readonly hbaFile: string;
  /** Container memory limit in MiB; shared_buffers and effective_cache_size derive from it. */
  readonly memoryMb: number;
  /** TCP port inside the container. @default 5432 */
  readonly port?: number;
  /** Directory of the unix socket, a tmpfs in the container. @default "/var/run/postgresql" */
  readonly unixSocketDirectory?: string;
  /** @default 100 */
  readonly maxConnections?: number;
  /** Which statements are logged. @default "ddl" */
  readonly logStatement?: PostgresLogStatement;
}

export const POSTGRES_PORT = 5432;
export const DEFAULT_SOCKET_DIRECTORY = "/var/run/postgresql";
const TLS_VERSIONS = { tls12: "TLSv1.2", tls13: "TLSv1.3" } as const;
const LOG_STATEMENTS: readonly string[] = ["ddl", "none"] satisfies readonly PostgresLogStatement[];

/**
 * Memory derived from the container limit. The rule (PostgreSQL's documented starting point for
 * a dedicated server): shared_buffers = 1/4 of the limit, effective_cache_size (a planner hint,
 * allocates nothing) = 1/2, both in whole MiB. The rest is left to per-connection work memory and
 * the page cache the kernel charges to the container.
 */
export function memorySettings(memoryMb: number): { sharedBuffersMb: number; effectiveCacheSizeMb: number } {
  return { sharedBuffersMb: Math.floor(memoryMb / 4), effectiveCacheSizeMb: Math.floor(memoryMb / 2) };
}

/** Every setting, in file order. Validates first and reports every problem at once. */
export function postgresServerSettingsEntries(s: PostgresServerSettings): readonly (readonly [string, PgConfValue])[] {
  const out: InputProblem[] = [];
  const port = s.port ?? POSTGRES_PORT;
  const socketDirectory = s.unixSocketDirectory ?? DEFAULT_SOCKET_DIRECTORY;
  const maxConnections = s.maxConnections ?? 100;
  const logStatement: string = s.logStatement ?? "ddl";
  checkPath(out, "tls.certFile", s.tls?.certFile);
  checkPath(out, "tls.keyFile", s.tls?.keyFile);
  checkPath(out, "tls.caFile", s.tls?.caFile);
  checkPath(out, "hbaFile", s.hbaFile);
  // The socket is <dir>/.s.PGSQL.<port>, and a unix socket path is at most 107 bytes.
  checkPath(out, "unixSocketDirectory", socketDirectory, 90);
  checkInt(out, "port", port, 1024, 65535, "PostgreSQL runs without NET_BIND_SERVICE, so use 5432 or another unprivileged port");
  checkInt(out, "memoryMb", s.memoryMb, 64, 1048576, "it is the container's memory limit in MiB");
  checkInt(out, "maxConnections", maxConnections, 10, 5000, "each connection is a process with its own memory");
  if (!Object.hasOwn(TLS_VERSIONS, s.tlsMinVersion)) {
    out.push({ field: "tlsMinVersion", message: `${show(s.tlsMinVersion)} is not allowed; use "tls12" or "tls13"` });
  }
  // The type already excludes them; this catches casts and untyped callers.
  if (!LOG_STATEMENTS.includes(logStatement)) {
    out.push({
      field: "logStatement",
      message: `${show(logStatement)} is not allowed: "mod" and "all" write every statement's text, including passwords in CREATE/ALTER ROLE, to the server log; use "ddl" or "none"`,
    });
  }
  fail(out);
  const memory = memorySettings(s.memoryMb);

  return [
    // Connections: every interface of the container (it is only on the internal data network);
    // pg_hba.conf decides who may connect.
    ["listen_addresses", "*"],
    ["port", port],
    ["max_connections", maxConnections],
    ["superuser_reserved_connections", 3],
    ["unix_socket_directories", socketDirectory],
    ["unix_socket_permissions", "0700"],
    ["hba_file", s.hbaFile],
    ["authentication_timeout", "30s"],
    ["password_encryption", "scram-sha-256"],
    // TLS.
    ["ssl", true],
    ["ssl_cert_file", s.tls.certFile],
    ["ssl_key_file", s.tls.keyFile],
    ["ssl_ca_file", s.tls.caFile],
    ["ssl_min_protocol_version", TLS_VERSIONS[s.tlsMinVersion]],
    // TLS 1.2 suites: forward secrecy and AEAD only (TLS 1.3 suites are all of that already).
    ["ssl_ciphers", "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL"],
    ["ssl_prefer_server_ciphers", true],
    // Memory (see memorySettings).
    ["shared_buffers", `${memory.sharedBuffersMb}MB`],
    ["effective_cache_size", `${memory.effectiveCacheSizeMb}MB`],
    // A forgotten transaction must not hold locks and block vacuum forever. No statement_timeout:
    // it would also cut migrations, dumps and Vault's own statements.
    ["idle_in_transaction_session_timeout", "5min"],
    // Logging to stderr (docker logs): the root filesystem is read-only, no collector.
    ["log_destination", "stderr"],
    ["logging_collector", false],
    ["log_line_prefix", "%m [%p] %quser=%u db=%d client=%h "],
    ["log_timezone", "UTC"],
    ["timezone", "UTC"],
    ["log_connections", true],
    ["log_disconnections", true],
    ["log_hostname", false],
    ["log_statement", logStatement],
    // Statement text reaches the log only through log_statement and errors: no duration logging,
    // and bind parameters (the app's values) are never written.
    ["log_min_duration_statement", -1],
    ["log_min_error_statement", "error"],
    ["log_parameter_max_length", 0],
    ["log_parameter_max_length_on_error", 0],
  ];
}

/** postgresql.conf content. */
export function renderPostgresServerSettings(s: PostgresServerSettings): string {
  return renderPgConf(
    "postgresql.conf, rendered by constructs/postgres/postgres-settings.ts: do not edit.\n" +
      "The data directory is the server's -D / $PGDATA; its own postgresql.conf and pg_hba.conf are unused.",
    postgresServerSettingsEntries(s),
  );
}

// ---- pg_hba.conf -------------------------------------------------------------------------------

/** Who a rule admits: one role, or every member of a group role (pg_hba's `+group`). */
export type HbaUser = { readonly role: string } | { readonly membersOf: string };

/** A `hostssl <database> <user> <cidr> scram-sha-256` rule, once per CIDR. */
export interface HbaRule {
  /** Database the rule admits to. */
  readonly database: string;
  readonly user: HbaUser;
  /** Client networks, IPv4 CIDR (e.g. the data network's subnet). */
  readonly cidrs: readonly string[];
}

export interface PostgresHba {
  /** Allowed connections; anything else is rejected. */
  readonly rules: readonly HbaRule[];
}

/** The only authentication method written: no trust, md5, password, peer or ident. */
export const HBA_METHOD = "scram-sha-256";

/** Every line of pg_hba.conf (without comments), in match order. */
export function postgresHbaLines(hba: PostgresHba): string[] {
  const out: InputProblem[] = [];
  if (!Array.isArray(hba.rules) || hba.rules.length === 0) {
    out.push({ field: "rules", message: "no rule admits anyone over TCP; add one for the app's group role and one for Vault's admin role" });
  }
  const lines: string[] = [];
  (hba.rules ?? []).forEach((rule, i) => {
    const at = `rules[${i}]`;
    checkIdentifier(out, `${at}.database`, rule.database);
    let user = "";
    if (rule.user && "membersOf" in rule.user) {
      checkIdentifier(out, `${at}.user.membersOf`, rule.user.membersOf);
      user = `+${rule.user.membersOf}`;
    } else {
      checkIdentifier(out, `${at}.user.role`, rule.user?.role);
      user = String(rule.user?.role);
    }
    if (!Array.isArray(rule.cidrs) || rule.cidrs.length === 0) {
      out.push({ field: `${at}.cidrs`, message: "lists no network; give the client subnet, e.g. the data network's \"172.30.4.0/24\"" });
    }
    (rule.cidrs ?? []).forEach((cidr, j) => {
      const block = typeof cidr === "string" ? parseIpv4Cidr(cidr) : undefined;
      if (!block) {
        out.push({ field: `${at}.cidrs[${j}]`, message: `${show(cidr)} is not an IPv4 network in CIDR form with its host bits clear, e.g. "172.30.4.0/24"` });
      } else if (block.prefix < 8) {
        out.push({ field: `${at}.cidrs[${j}]`, message: `${show(cidr)} admits a large part of the internet; give the client subnet, e.g. the data network's "172.30.4.0/24"` });
      } else {
        lines.push(`hostssl ${rule.database} ${user} ${cidr} ${HBA_METHOD}`);
      }
    });
  });
  fail(out);
  return [
    // Over the socket too, every login proves a password: nothing in the container logs in by
    // uid alone. (Initialisation runs on the data directory's own pg_hba.conf, before this one
    // is used.) pg_isready needs no login, so health checks keep working.
    `local all all ${HBA_METHOD}`,
    ...lines,
    // Explicit final rejections, for reviewers and for anything a later edit inserts above.
    "hostnossl all all 0.0.0.0/0 reject",
    "host all all 0.0.0.0/0 reject",
    "hostnossl all all ::/0 reject",
    "host all all ::/0 reject",
  ];
}

/** pg_hba.conf content. */
export function renderPostgresHba(hba: PostgresHba): string {
  return `${commentLines(
    "pg_hba.conf, rendered by constructs/postgres/postgres-settings.ts: do not edit.\n" +
      "First match wins. TLS and SCRAM-SHA-256 only; everything not listed is rejected.",
  )}${postgresHbaLines(hba).join("\n")}\n`;
}
