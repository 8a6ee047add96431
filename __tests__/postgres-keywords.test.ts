/**
 * config/sql-keywords.ts states PostgreSQL's reserved words; this asks a real PostgreSQL 15
 * (Debian's postgresql-15, single-user mode on a fresh cluster, no network) for its list and
 * compares, and checks that the server refuses each unquoted as a database name while it takes
 * the accepted examples. It never skips: CI installs postgresql-15.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { POSTGRES_RESERVED_KEYWORDS } from "../config/sql-keywords";
import { databaseNameProblem } from "../config/validate";

const PG_BIN = "/usr/lib/postgresql/15/bin";
const isRoot = process.getuid?.() === 0;

/** Runs a command as the server's uid: postgres when we are root (the server refuses root), else ourselves. */
function asServerUser(cmd: string, args: readonly string[]): [string, string[]] {
  return isRoot ? ["setpriv", ["--reuid=postgres", "--regid=postgres", "--init-groups", cmd, ...args]] : [cmd, [...args]];
}

let dir: string;
let data: string;

/** Statements through `postgres --single`; returns what the backend printed (results and errors). */
function single(sql: string): string {
  const [cmd, args] = asServerUser(`${PG_BIN}/postgres`, ["--single", "-D", data, "-c", "log_min_messages=error", "-c", "log_checkpoints=off", "postgres"]);
  const r = spawnSync(cmd, args, { input: sql, encoding: "utf8", env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", LANG: "C" } });
  if (r.error) throw r.error;
  return `${r.stdout}${r.stderr}`;
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "uyoop-pgkw-"));
  data = path.join(dir, "data");
  if (isRoot) spawnSync("chown", ["postgres:postgres", dir]);
  const [cmd, args] = asServerUser(`${PG_BIN}/initdb`, ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync"]);
  const r = spawnSync(cmd, args, { encoding: "utf8", env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", LANG: "C" } });
  if (r.status !== 0) throw new Error(`initdb failed: ${r.stderr}${r.stdout}`);
}, 60_000);

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test("the reserved words are exactly the server's pg_get_keywords() of category R and T", () => {
  const out = single("SELECT string_agg(word, ' ' ORDER BY word) AS reserved FROM pg_get_keywords() WHERE catcode IN ('R', 'T');\n");
  const m = /reserved = "([a-z_ ]+)"/.exec(out);
  expect(m).not.toBeNull();
  expect(m![1]!.split(" ").sort()).toEqual([...POSTGRES_RESERVED_KEYWORDS].sort());
}, 30_000);

test("the server refuses each unquoted as a database name; the rule refuses them and accepts what the server takes", () => {
  const sample = ["user", "select", "authorization", "verbose", "all"];
  const out = single(sample.map((w) => `CREATE DATABASE ${w};\n`).join("") + "CREATE DATABASE devops_calendar;\nCREATE DATABASE int;\nSELECT datname FROM pg_database ORDER BY datname;\n");
  expect(out.match(/ERROR: {2}syntax error at or near/g)).toHaveLength(sample.length);
  expect(out).toContain('datname = "devops_calendar"');
  expect(out).toContain('datname = "int"');
  for (const w of sample) expect(databaseNameProblem(w)).toMatch(/reserved word|keyword/);
  expect(databaseNameProblem("devops_calendar")).toBeUndefined();
  expect(databaseNameProblem("int")).toBeUndefined();
}, 30_000);
