/**
 * SQL of Vault's database secrets engine role `uyoop-app`, generated from validated identifiers,
 * and the one-time setup it relies on. `__tests__/postgres-real.test.ts` runs all of it on a real
 * PostgreSQL 15, substituted the way Vault substitutes it.
 *
 * Design:
 * - One group role (`uyoop_app`, NOLOGIN) owns everything the app creates. Each lease is a login
 *   role that is a NOINHERIT member of it and whose sessions start as it (`ALTER ROLE ... SET
 *   role`). So tables created under one lease stay usable and alterable under the next, the
 *   login role itself holds nothing but CONNECT, and revocation only has to drop it. Logs still
 *   name the lease: `session_user` (and log_line_prefix's %u) is the login role, while
 *   `current_user` is `uyoop_app`.
 * - The app (FastAPI + SQLAlchemy) creates its own tables, so the group role has USAGE and
 *   CREATE on a dedicated schema (`uyoop`) owned by the admin: the app can create, alter and drop
 *   its tables but not drop the schema or grant anything on it. `public` is closed to PUBLIC.
 * - Because PostgreSQL logs CREATE/ALTER ROLE under log_statement = 'ddl', every statement that
 *   carries `{{password}}` runs after `SET LOCAL log_statement = 'none'` (and no statement text
 *   on error) in Vault's transaction. SET LOCAL of these needs superuser (or PG15's GRANT SET ON
 *   PARAMETER); without it creation fails instead of logging the password.
 *
 * Vault splits each statement on ";" and runs them one by one in one transaction, substituting
 * `{{name}}`, `{{password}}` and `{{expiration}}` textually. Hence: no ";" inside a statement, and
 * no leading or trailing whitespace (the provider shows a perpetual diff otherwise).
 */
import { UserInputError, show, type InputProblem } from "../../kernel/errors";
import { identifierProblem } from "./postgres-settings";

/** The Vault database role whose credentials the app reads (`database/creds/uyoop-app`). */
export const VAULT_DATABASE_ROLE = "uyoop-app";

export interface DynamicCredentialsOptions {
  /** The app's database (config `postgres.database`). */
  readonly database: string;
  /** Group role that owns the app's objects. @default "uyoop_app" */
  readonly groupRole?: string;
  /** Schema of the app's tables. @default "uyoop" */
  readonly schema?: string;
  /** Sessions one lease may hold at once (the app's pool size plus headroom). @default 20 */
  readonly connectionLimit?: number;
  /** Databases nobody but superusers may connect to. @default ["postgres", "template1"] */
  readonly otherDatabases?: readonly string[];
}

export interface DynamicCredentialsSql {
  readonly database: string;
  readonly groupRole: string;
  readonly schema: string;
  /** Run once by the admin, connected to `database`: a psql script, one transaction, failing if connected elsewhere. */
  readonly setupSql: string;
  /** `creation_statements` of the Vault role. */
  readonly creationStatements: readonly string[];
  /** `revocation_statements` of the Vault role. */
  readonly revocationStatements: readonly string[];
  /** `root_rotation_statements` of the Vault connection (the default would log the new password). */
  readonly rootRotationStatements: readonly string[];
}

/** A double-quoted identifier (only ever given validated names or Vault's `{{name}}`). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A single-quoted literal (standard_conforming_strings: only `'` needs escaping). */
export function quoteLiteral(value: string): string {
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new Error(`SQL literal ${JSON.stringify(value)} contains a control character`);
  return `'${value.replace(/'/g, "''")}'`;
}

const SOURCE = "dynamic credentials sql";

/** Keeps statements password-free in the log; first in every statement list carrying a secret. */
const QUIET = ["SET LOCAL log_statement = 'none'", "SET LOCAL log_min_error_statement = 'panic'"];

function checkStatements(what: string, statements: readonly string[]): readonly string[] {
  for (const s of statements) {
    // Invariants of this file's own output, not user input: a failure is a bug here.
    if (s.includes(";") || s !== s.trim() || /[\r\n]/.test(s)) {
      throw new Error(`${what}: statement ${JSON.stringify(s)} contains ";", a line break or surrounding whitespace`);
    }
  }
  return statements;
}

export function dynamicCredentialsSql(o: DynamicCredentialsOptions): DynamicCredentialsSql {
  const groupRole = o.groupRole ?? "uyoop_app";
  const schema = o.schema ?? "uyoop";
  const connectionLimit = o.connectionLimit ?? 20;
  const otherDatabases = o.otherDatabases ?? ["postgres", "template1"];

  const out: InputProblem[] = [];
  const check = (field: string, value: unknown) => {
    const problem = identifierProblem(value);
    if (problem) out.push({ field, message: problem });
  };
  check("database", o.database);
  check("groupRole", groupRole);
  check("schema", schema);
  if (!Array.isArray(otherDatabases)) {
    out.push({ field: "otherDatabases", message: `${show(otherDatabases)} must be a list of database names` });
  } else {
    otherDatabases.forEach((d, i) => {
      check(`otherDatabases[${i}]`, d);
      if (d === o.database) out.push({ field: `otherDatabases[${i}]`, message: `${show(d)} is the app's own database; list only the others` });
    });
  }
  if (!Number.isInteger(connectionLimit) || connectionLimit < 1 || connectionLimit > 1000) {
    out.push({ field: "connectionLimit", message: `${show(connectionLimit)} must be an integer from 1 to 1000 (the app's pool size plus headroom)` });
  }
  if (out.length > 0) throw new UserInputError(SOURCE, out);

  const db = quoteIdent(o.database);
  const group = quoteIdent(groupRole);
  const sch = quoteIdent(schema);
  const name = '"{{name}}"';

  const creationStatements = checkStatements("creation", [
    ...QUIET,
    // Vault's lease also expires the password (VALID UNTIL); every power is refused explicitly.
    `CREATE ROLE ${name} WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}' ` +
      `NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT CONNECTION LIMIT ${connectionLimit} IN ROLE ${group}`,
    // Sessions act as the group role from login on: objects it creates belong to the group.
    `ALTER ROLE ${name} SET role = ${quoteLiteral(groupRole)}`,
    // Role settings are not inherited from the group: the lease carries the search path itself.
    `ALTER ROLE ${name} SET search_path = ${sch}`,
    // NOINHERIT: CONNECT cannot come through the group, so the lease gets it directly.
    `GRANT CONNECT ON DATABASE ${db} TO ${name}`,
  ]);

  const revocationStatements = checkStatements("revocation", [
    `ALTER ROLE ${name} NOLOGIN`,
    // Live sessions would outlive the role otherwise; wait up to 5 s for each to end.
    `SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE usename = '{{name}}'`,
    // Nothing should be owned by the lease (it acts as the group); keep anything that is.
    `REASSIGN OWNED BY ${name} TO ${group}`,
    // Revokes what is left, including CONNECT on the database.
    `DROP OWNED BY ${name}`,
    `DROP ROLE ${name}`,
  ]);

  const rootRotationStatements = checkStatements("root rotation", [...QUIET, `ALTER ROLE ${name} WITH PASSWORD '{{password}}'`]);

  const setupSql = [
    "-- One-time setup for Vault's dynamic credentials (constructs/postgres/dynamic-credentials-sql.ts).",
    `-- Run as the admin (superuser), connected to database ${o.database}.`,
    "BEGIN;",
    `DO $$BEGIN IF current_database() <> ${quoteLiteral(o.database)} THEN RAISE EXCEPTION 'connect to database ${o.database} to run this setup, not %', current_database(); END IF; END$$;`,
    "-- The group role owning the app's objects; leases are its members. It cannot log in.",
    `CREATE ROLE ${group} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;`,
    "-- The app's schema, owned by the admin: the group creates tables in it but cannot drop it.",
    `CREATE SCHEMA ${sch};`,
    `REVOKE ALL ON SCHEMA ${sch} FROM PUBLIC;`,
    `GRANT USAGE, CREATE ON SCHEMA ${sch} TO ${group};`,
    "-- Nothing of the app's lives in public.",
    "REVOKE ALL ON SCHEMA public FROM PUBLIC;",
    "-- CONNECT is granted per lease; no temporary tables either.",
    `REVOKE ALL ON DATABASE ${db} FROM PUBLIC;`,
    ...otherDatabases.map((d) => `REVOKE ALL ON DATABASE ${quoteIdent(d)} FROM PUBLIC;`),
    "COMMIT;",
    "",
  ].join("\n");

  return { database: o.database, groupRole, schema, setupSql, creationStatements, revocationStatements, rootRotationStatements };
}
