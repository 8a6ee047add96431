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

function run(envFile: string | undefined, outdir: string, cwd = root, args: readonly string[] = [], extraEnv: NodeJS.ProcessEnv = {}) {
  const env: NodeJS.ProcessEnv = { ...process.env, CDKTF_OUTDIR: outdir };
  delete env["UYOOP_ENV_FILE"];
  delete env["npm_config_env_file"];
  if (envFile !== undefined) env["UYOOP_ENV_FILE"] = envFile;
  Object.assign(env, extraEnv);
  // `--`: Node 20 would otherwise take a later --env-file for its own option (package.json does the same).
  return spawnSync(process.execPath, ["--", mainJs, ...args], { cwd, env, encoding: "utf8", timeout: 20_000 });
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
      "synth aborted: 2 problem(s); nothing was written",
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
  expect(missing.stderr).toMatch(/UYOOP_ENV_FILE: cannot read ".*nope\.json": it does not exist; point UYOOP_ENV_FILE at an environment JSON file/);
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

describe("any environment file, of any size or kind, ends quickly: exit 1, a few lines naming the field, nothing written", () => {
  /** Runs synth on a file; checks the outcome every hostile input must have, returns stderr. */
  function refused(file: string, args: readonly string[] = [], extraEnv: NodeJS.ProcessEnv = {}): string {
    const out = path.join(work, `hostile-${path.basename(file)}-${Date.now()}`);
    // Bounded work, asserted without a clock: a heap of 128 MiB (the cases below took 16 GB or
    // overflowed the stack before the bounds) and the run's timeout as a hang guard (a killed
    // run has a signal, not exit 1). Speed itself is measured by `npm run bench`.
    const r = run(file, out, root, args, { NODE_OPTIONS: "--max-old-space-size=128", ...extraEnv });
    expect({ status: r.status, signal: r.signal }).toEqual({ status: 1, signal: null });
    expect(r.stdout).toBe("");
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines.length).toBeLessThanOrEqual(42);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(700);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u);
    expect(lines[lines.length - 1]).toMatch(/^synth aborted: \d+ problem\(s\); nothing was written$/);
    expect(fs.existsSync(out)).toBe(false);
    return r.stderr;
  }

  test("a named pipe (FIFO) is refused without waiting for a writer", () => {
    const fifo = path.join(work, "pipe.json");
    const made = spawnSync("mkfifo", [fifo]);
    expect(made.status).toBe(0);
    expect(refused(fifo)).toMatch(/UYOOP_ENV_FILE: cannot read ".*pipe\.json": it is a named pipe \(FIFO\), not a regular file/);
  });

  test("/dev/zero and a directory are refused without reading them", () => {
    expect(refused("/dev/zero")).toMatch(/UYOOP_ENV_FILE: cannot read "\/dev\/zero": it is a character device, not a regular file/);
    expect(refused(work)).toMatch(/it is a directory, not a regular file/);
  });

  test("a file over 1 MiB is refused by its size", () => {
    const big = path.join(work, "big.json");
    fs.writeFileSync(big, `{"vault":{"hostPorts":[${Array(2_000_000).fill("8200").join(",")}]}}`);
    expect(refused(big)).toMatch(/it is \d+ bytes, more than the 1048576 an environment file may have/);
  });

  test("5,000 nested objects: refused at the ninth level, the field named", () => {
    const deep = path.join(work, "deep.json");
    fs.writeFileSync(deep, `{"vault":${'{"a":'.repeat(5000)}1${"}".repeat(5000)}}`);
    expect(refused(deep)).toMatch(/vault\.a\.a\.a\.a\.a\.a\.a: nests deeper than 8 levels/);
  });

  test("app.replicas 1e9 (a 31-byte file) is refused by its bound before any check loops over it", () => {
    const file = path.join(work, "replicas.json");
    fs.writeFileSync(file, '{"app":{"replicas":1000000000}}');
    expect(fs.statSync(file).size).toBe(31);
    expect(refused(file)).toContain("app.replicas: 1000000000 is outside 1-50");
  });

  test("hundreds of problems print at most 40 lines and a count of the rest", () => {
    const file = path.join(work, "many.json");
    fs.writeFileSync(file, JSON.stringify({ vault: { hostPorts: Array(60).fill("x") }, app: Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`k${i}`, 1])) }));
    const stderr = refused(file);
    expect(stderr).toMatch(/\.\.\. and \d+ more problem\(s\) not shown; fix these first and run again\nsynth aborted: 12\d problem\(s\)/);
  });

  test("control and bidirectional characters in a file name or a value are shown escaped", () => {
    const file = path.join(work, "org.json");
    fs.writeFileSync(file, JSON.stringify({ tls: { organization: "uyoop\u202ecal\u0085\u001b[31m" } }));
    expect(refused(file)).toContain('tls.organization: contains the control or invisible character U+202E');
    const named = path.join(work, "evil\u202e\u001b[2Jname.json");
    fs.writeFileSync(named, '{"app":{"replicas":0}}');
    expect(refused(named)).toContain("evil\\u202e\\u001b[2Jname.json");
  });

  test("an empty UYOOP_ENV_FILE is an error, not the dev environment", () => {
    expect(refused("")).toContain(
      "error: (command line): UYOOP_ENV_FILE: is set but empty; name an environment file (e.g. UYOOP_ENV_FILE=environments/prod.json) or unset it to use environments/dev.json",
    );
  });
});

describe("one environment selector: --env-file, else UYOOP_ENV_FILE, else environments/dev.json", () => {
  const e2e = path.join(root, "environments", "e2e.json");

  test("--env-file synthesizes the same as UYOOP_ENV_FILE, and wins over it", () => {
    const byVariable = path.join(work, "sel-var");
    const byFlag = path.join(work, "sel-flag");
    expect(run(e2e, byVariable).status).toBe(0);
    const r = run(path.join(root, "environments", "dev.json"), byFlag, root, ["--env-file", e2e]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(readTree(byFlag)).toEqual(readTree(byVariable));
    expect(JSON.stringify(readTree(byFlag))).toContain("uyoop-e2e");
  });

  test("an unknown argument, an --env-file without a file, or one npm took for itself is an error", () => {
    const cases: [readonly string[], NodeJS.ProcessEnv, RegExp][] = [
      [["--envfile", e2e], {}, /\(argument\): "--envfile" is not an option of synth; it takes only --env-file <file>/],
      [["--env-file"], {}, /--env-file: needs a file name/],
      [["--env-file="], {}, /--env-file: needs a file name/],
      [["--env-file", e2e, "--env-file", e2e], {}, /--env-file: is given 2 times/],
      [[], { npm_config_env_file: e2e }, /--env-file: was taken by npm as its own option .* write `npm run <command> -- --env-file <file>`/],
    ];
    for (const [args, env, message] of cases) {
      const out = path.join(work, "sel-bad");
      const r = run(undefined, out, root, args, env);
      expect({ args, status: r.status, stderr: r.stderr }).toEqual({ args, status: 1, stderr: expect.stringMatching(message) });
      expect(fs.existsSync(out)).toBe(false);
    }
  });

  test("package.json runs every command's script after `node --`, so Node 20 leaves --env-file to the script", () => {
    const scripts = (JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
    for (const name of ["audit", "diff", "diagram"]) {
      expect({ name, script: scripts[name] }).toEqual({ name, script: expect.stringMatching(/[;&] node -- dist\//) });
    }
    // synth is the app command, which builds only what changed and passes its arguments to main.
    const app = (JSON.parse(fs.readFileSync(path.join(root, "cdktf.json"), "utf8")) as { app: string }).app;
    expect(scripts["synth"]).toBe("node -- scripts/app.js");
    expect(app).toBe(scripts["synth"]);
    // What npm runs for `npm run synth -- --env-file <e2e>`: sh -c "<script> <args>".
    const afterBuild = scripts["synth"]!.split("&&").pop()!.trim();
    const out = path.join(work, "sel-npm");
    const r = spawnSync("sh", ["-c", `${afterBuild} --env-file '${e2e}'`], { cwd: root, env: { ...process.env, CDKTF_OUTDIR: out, UYOOP_ENV_FILE: "" }, encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(JSON.stringify(readTree(out))).toContain("uyoop-e2e");
  });
});
