/**
 * The synth entry point as a user runs it: a real `node dist/main.js` process (npm test builds
 * dist first). Checks exit codes, the summary line, one-line errors without stack traces,
 * all-or-nothing output that keeps each stack's `terraform init` state, and byte-identical output
 * whatever the output directory.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const root = path.resolve(__dirname, "..");
const mainJs = path.join(root, "dist", "main.js");

function run(envFile: string | undefined, outdir: string, cwd = root) {
  const env: NodeJS.ProcessEnv = { ...process.env, CDKTF_OUTDIR: outdir };
  delete env["UYOOP_ENV_FILE"];
  if (envFile !== undefined) env["UYOOP_ENV_FILE"] = envFile;
  return spawnSync(process.execPath, [mainJs], { cwd, env, encoding: "utf8" });
}

function readTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else out[path.relative(dir, full)] = fs.readFileSync(full, "utf8");
    }
  };
  walk(dir);
  return out;
}

let work: string;
/** The default environment, synthesized once; tests copy it rather than synthesize it again. */
let base: string;
let baseRun: ReturnType<typeof run>;
beforeAll(() => {
  if (!fs.existsSync(mainJs)) throw new Error("dist/main.js is missing: run `npm run build` (npm test does)");
  work = fs.mkdtempSync(path.join(os.tmpdir(), "uyoop-cli-"));
  base = path.join(work, "ok");
  baseRun = run(undefined, base);
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** A copy of the default environment's output, as a previous synth would have left it. */
function previousOutput(name: string): string {
  const out = path.join(work, name);
  fs.cpSync(base, out, { recursive: true });
  return out;
}

const leftovers = () => fs.readdirSync(work).filter((f) => f.includes(".staging-") || f.includes(".previous-"));

test("the default environment synthesizes every stack, and says so in one line on stdout", () => {
  const out = base;
  const r = baseRun;
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/^synth: 3 stacks, \d+ resources written to .+ in \d+\.\d\d s\n$/);
  expect(r.stdout).toContain(` written to ${out} in `);
  for (const stack of ["platform", "vault-config", "workloads"]) {
    expect(fs.existsSync(path.join(out, "stacks", stack, "cdk.tf.json"))).toBe(true);
  }
  const manifest = JSON.parse(fs.readFileSync(path.join(out, "manifest.json"), "utf8")) as {
    stacks: Record<string, { dependencies: string[] }>;
  };
  expect(manifest.stacks["vault-config"]!.dependencies).toEqual(["platform"]);
  expect(manifest.stacks["workloads"]!.dependencies.sort()).toEqual(["platform", "vault-config"]);
});

test("output is byte-identical from another working directory and output directory, with no machine path", () => {
  const a = base;
  const b = path.join(work, "elsewhere", "deeper", "cdktf.out");
  fs.mkdirSync(path.dirname(b), { recursive: true });
  expect(run(path.join(root, "environments", "dev.json"), b, path.dirname(b)).status).toBe(0);
  const ta = readTree(a);
  expect(readTree(b)).toEqual(ta);
  for (const text of Object.values(ta)) {
    expect(text).not.toContain(root);
    expect(text).not.toContain(work);
  }
});

test("an invalid environment fails with one line per problem, no stack trace, and writes nothing", () => {
  const bad = path.join(work, "bad.json");
  fs.writeFileSync(bad, JSON.stringify({ vault: { nodeCount: 4 }, app: { hostPort: 8210 } }));
  const out = path.join(work, "bad-out");
  const r = run(bad, out);
  expect(r.status).toBe(1);
  expect(r.stdout).toBe("");
  const lines = r.stderr.trim().split("\n");
  expect(lines).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^error: .*bad\.json: vault\.nodeCount: 4 is not allowed; .* use 3, 5 or 7$/),
      expect.stringMatching(/^error: .*bad\.json: app\.hostPort: host port 8210 \(app replica 0\) is already used by vault node 2; /),
      "synth aborted: 3 problem(s); nothing was written",
    ]),
  );
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(fs.existsSync(out)).toBe(false);
  expect(leftovers()).toEqual([]);
});

test("a failed synth leaves the previous output untouched, terraform init state included", () => {
  const out = previousOutput("kept");
  fs.mkdirSync(path.join(out, "stacks", "platform", ".terraform"));
  fs.writeFileSync(path.join(out, "stacks", "platform", ".terraform", "marker"), "init");
  const before = readTree(out);
  const bad = path.join(work, "bad2.json");
  fs.writeFileSync(bad, JSON.stringify({ allowDataLoss: { reason: "x" } }));
  expect(run(bad, out).status).toBe(1);
  expect(readTree(out)).toEqual(before);
  expect(leftovers()).toEqual([]);
});

test("a synth over a deployed output keeps each stack's .terraform and .terraform.lock.hcl, and replaces everything else", () => {
  const out = previousOutput("deployed");
  const stack = (id: string, ...rest: string[]) => path.join(out, "stacks", id, ...rest);
  // What `terraform init` leaves in each stack directory...
  for (const id of ["platform", "vault-config", "workloads"]) {
    fs.mkdirSync(stack(id, ".terraform", "providers"), { recursive: true });
    fs.writeFileSync(stack(id, ".terraform", "providers", "marker"), `providers of ${id}`);
    fs.writeFileSync(stack(id, ".terraform.lock.hcl"), `# lock of ${id}\n`);
  }
  // ...and what the new synth must not keep: stale output, a stack that no longer exists.
  fs.writeFileSync(stack("platform", "cdk.tf.json"), "{}");
  fs.writeFileSync(path.join(out, "stale.txt"), "old");
  fs.mkdirSync(stack("retired", ".terraform"), { recursive: true });

  const r = run(undefined, out);
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  for (const id of ["platform", "vault-config", "workloads"]) {
    expect(fs.readFileSync(stack(id, ".terraform", "providers", "marker"), "utf8")).toBe(`providers of ${id}`);
    expect(fs.readFileSync(stack(id, ".terraform.lock.hcl"), "utf8")).toBe(`# lock of ${id}\n`);
  }
  const synthesized = Object.fromEntries(Object.entries(readTree(out)).filter(([f]) => !f.includes(".terraform")));
  expect(synthesized).toEqual(readTree(base));
  expect(fs.existsSync(path.join(out, "stale.txt"))).toBe(false);
  expect(fs.existsSync(stack("retired"))).toBe(false);
  expect(leftovers()).toEqual([]);
});

test("a missing or malformed environment file is a one-line error", () => {
  const missing = run(path.join(work, "nope.json"), path.join(work, "o1"));
  expect(missing.status).toBe(1);
  expect(missing.stderr).toMatch(/UYOOP_ENV_FILE: cannot read .*nope\.json; point UYOOP_ENV_FILE at an environment JSON file/);
  const broken = path.join(work, "broken.json");
  fs.writeFileSync(broken, "{ not json");
  const r = run(broken, path.join(work, "o2"));
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(/\(file\): is not valid JSON/);
});

test("lifting destroy protection is announced on every synth", () => {
  const file = path.join(work, "teardown.json");
  fs.writeFileSync(file, JSON.stringify({ allowDataLoss: { reason: "tear down the demo environment" } }));
  const r = run(file, path.join(work, "o3"));
  expect(r.status).toBe(0);
  expect(r.stderr).toContain('WARNING: destroy protection is OFF for uyoop-dev (allowDataLoss: "tear down the demo environment")');
});
