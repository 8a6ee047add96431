/**
 * One environment selector for every command (config/env-selector.ts): audit, diagram and diff
 * honour UYOOP_ENV_FILE like synth does (cli.test.ts runs synth), `--env-file` wins over it, and
 * an empty or unreadable selection is an error, never the dev environment. The diff of a change
 * that adds an environment shows everything as created (real git, a real synth of the head).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runAudit } from "../scripts/audit";
import { main as diagramMain } from "../scripts/diagram/cli";
import { main as diffMain } from "../scripts/plan-diff/cli";
import { buildEnvironment } from "../stacks/environment";

const root = path.resolve(__dirname, "..");
const e2e = path.join(root, "environments", "e2e.json");
let work: string;

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), "uyoop-selector-"));
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
}

describe("npm run audit", () => {
  test("UYOOP_ENV_FILE selects the environment audited (it used to audit dev silently)", () => {
    const r = io();
    expect(runAudit(["--out", path.join(work, "audit-var")], r.io, buildEnvironment, { UYOOP_ENV_FILE: e2e })).toBeLessThanOrEqual(1);
    expect(r.out.join("\n")).toMatch(/^uyoop-e2e \(dev, .*e2e\.json\): /m);
    expect(r.out.join("\n")).not.toMatch(/^uyoop-dev /m);
  }, 60_000);

  test("--env-file wins over UYOOP_ENV_FILE; an empty UYOOP_ENV_FILE or an --env-file without a file is an error", () => {
    const r = io();
    expect(runAudit(["--env-file", e2e, "--out", path.join(work, "audit-flag")], r.io, buildEnvironment, { UYOOP_ENV_FILE: path.join(root, "environments", "dev.json") })).toBeLessThanOrEqual(1);
    expect(r.out.join("\n")).toMatch(/^uyoop-e2e \(dev, /m);
    const empty = io();
    expect(runAudit(["--out", path.join(work, "audit-empty")], empty.io, buildEnvironment, { UYOOP_ENV_FILE: "" })).toBe(2);
    expect(empty.err[0]).toBe(
      "error: (command line): UYOOP_ENV_FILE: is set but empty; name an environment file (e.g. UYOOP_ENV_FILE=environments/prod.json) or unset it to use environments/dev.json",
    );
    const noFile = io();
    expect(runAudit(["--env-file"], noFile.io, buildEnvironment, {})).toBe(2);
    expect(noFile.err[0]).toMatch(/--env-file: needs a file name/);
    const swallowed = io();
    expect(runAudit(["environments/e2e.json"], swallowed.io, buildEnvironment, { npm_config_env_file: "true" })).toBe(2);
    expect(swallowed.err[0]).toMatch(/--env-file: was taken by npm as its own option .* `npm run <command> -- --env-file <file>`/);
    const missing = io();
    expect(runAudit(["--env-file", path.join(work, "nope.json")], missing.io, buildEnvironment, {})).toBe(2);
    expect(missing.err[0]).toMatch(/--env-file: cannot read ".*nope\.json": it does not exist; point --env-file at an environment JSON file/);
  }, 60_000);
});

describe("npm run diagram", () => {
  test("UYOOP_ENV_FILE selects the environment drawn; only the default one rewrites docs/TOPOLOGY.md", () => {
    const tmpRoot = path.join(work, "diagram-root");
    fs.mkdirSync(path.join(tmpRoot, "docs"), { recursive: true });
    let stdout = "";
    let stderr = "";
    const code = diagramMain([], { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) }, tmpRoot, { UYOOP_ENV_FILE: e2e });
    expect(stderr).not.toMatch(/^error/m);
    expect(code).toBe(0);
    expect(stdout).toBe("wrote cdktf.out/topology/e2e.md\n");
    expect(fs.readFileSync(path.join(tmpRoot, "cdktf.out", "topology", "e2e.md"), "utf8")).toContain("uyoop-e2e");
    expect(fs.existsSync(path.join(tmpRoot, "docs", "TOPOLOGY.md"))).toBe(false);
    let err = "";
    expect(diagramMain([], { stdout: () => undefined, stderr: (t) => (err += t) }, tmpRoot, { UYOOP_ENV_FILE: "" })).toBe(2);
    expect(err).toMatch(/UYOOP_ENV_FILE: is set but empty/);
  }, 60_000);
});

describe("npm run diff", () => {
  test("a change that adds an environment: the base lacks the file, so everything shows as created", () => {
    const repo = path.join(work, "repo");
    const git = (...args: string[]) => {
      const r = spawnSync("git", args, { cwd: repo, encoding: "utf8" });
      if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
      return r.stdout.trim();
    };
    const clone = spawnSync("git", ["clone", "--quiet", root, repo], { encoding: "utf8" });
    expect(clone.status).toBe(0);
    fs.symlinkSync(path.join(root, "node_modules"), path.join(repo, "node_modules"), "dir");
    fs.writeFileSync(path.join(repo, "environments", "staging.json"), `${JSON.stringify({ name: "uyoop-staging" }, null, 2)}\n`);
    let stdout = "";
    let stderr = "";
    const code = diffMain(["--base", "HEAD", "--json"], { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd: repo }, {
      UYOOP_ENV_FILE: "environments/staging.json",
    });
    expect(stderr).not.toMatch(/^error/m);
    const json = JSON.parse(stdout) as { base: string; counts: Record<string, number>; stacks: { id: string; status: string }[] };
    expect(json.base).toContain(`\`${git("rev-parse", "--short", "HEAD")}\``);
    expect(json.base).toContain("(no environments/staging.json: the environment is new)");
    expect(json.stacks.map((s) => s.status).sort()).toEqual(["added", "added", "added"]);
    expect(json.counts["destroy"]).toBe(0);
    expect(json.counts["create"]).toBeGreaterThan(20);
    expect([1, 2, 3]).toContain(code);
  }, 120_000);

  test("an --env-file without a file, or given twice, exits 4 before anything is synthesized", () => {
    const run = (args: string[], env: NodeJS.ProcessEnv = {}) => {
      let stderr = "";
      const code = diffMain(args, { stdout: () => undefined, stderr: (t) => (stderr += t), cwd: root }, env);
      return { code, stderr };
    };
    expect(run(["--base", "HEAD", "--env-file"])).toEqual({ code: 4, stderr: expect.stringMatching(/--env-file: needs a file name/) });
    expect(run(["--base", "HEAD", "--env-file", "a.json", "--env-file", "b.json"])).toEqual({ code: 4, stderr: expect.stringMatching(/--env-file is given more than once/) });
    expect(run(["--base", "HEAD"], { UYOOP_ENV_FILE: "" })).toEqual({ code: 4, stderr: expect.stringMatching(/UYOOP_ENV_FILE: is set but empty/) });
  });
});
