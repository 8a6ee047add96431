/**
 * The app command (scripts/app.js, cdktf.json's "app"): dist/ is rebuilt exactly when a source
 * changed, a build with the same sources is copied from the build cache instead of compiled,
 * and the V8 code cache (scripts/compile-cache.js) never runs stale code. On a small project of
 * its own (this checkout's node_modules, a one-file source tree), with its own caches.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const root = path.resolve(__dirname, "..");
let work: string;
beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), "uyoop-app-"));
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function node(args: string[], cwd: string, env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, args, { cwd, encoding: "utf8", env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("scripts/app.js", () => {
  let project: string;
  const cache = () => path.join(work, "cache");
  // `node --`, as cdktf.json has it: Node 20 would take a later --env-file for itself.
  const app = (args: string[] = []) => node(["--", path.join(project, "scripts", "app.js"), ...args], project, { UYOOP_CACHE_DIR: cache() });
  const writeMain = (text: string) =>
    fs.writeFileSync(path.join(project, "main.ts"), `export function main(): number {\n  process.stdout.write("${text}\\n");\n  return 0;\n}\n`);

  beforeAll(() => {
    project = path.join(work, "project");
    fs.mkdirSync(path.join(project, "scripts"), { recursive: true });
    fs.copyFileSync(path.join(root, "scripts", "app.js"), path.join(project, "scripts", "app.js"));
    fs.copyFileSync(path.join(root, "scripts", "compile-cache.js"), path.join(project, "scripts", "compile-cache.js"));
    fs.symlinkSync(path.join(root, "node_modules"), path.join(project, "node_modules"), "dir");
    fs.writeFileSync(path.join(project, "package.json"), "{}\n");
    const base = { compilerOptions: { target: "ES2022", module: "commonjs", strict: true, rootDir: ".", outDir: "dist", types: [] }, include: ["main.ts"] };
    fs.writeFileSync(path.join(project, "tsconfig.json"), JSON.stringify(base));
    fs.writeFileSync(path.join(project, "tsconfig.build.json"), JSON.stringify({ extends: "./tsconfig.json", include: ["main.ts"], exclude: ["dist"] }));
  });

  test("builds when there is no dist/, then runs main in-process", () => {
    writeMain("first");
    const r = app();
    expect(r.stderr).toMatch(/^build: sources changed since dist\/ was built; emitting JavaScript \(tsc --noCheck; `npm test` type-checks\)\nbuild: done in \d+\.\d s\n$/);
    expect(r.stdout).toBe("first\n");
    expect(r.status).toBe(0);
  });

  test("does not build again while the sources are unchanged", () => {
    const r = app();
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("first\n");
  });

  test("rebuilds after a source changed, even to the same length; type errors do not stop it (npm test type-checks)", () => {
    writeMain("secnd");
    expect(app().stdout).toBe("secnd\n");
    fs.appendFileSync(path.join(project, "main.ts"), "export const wrong: number = \"not a number\";\n");
    const r = app();
    expect(r.stderr).toContain("build: done");
    expect(r.stdout).toBe("secnd\n");
  });

  test("a deleted dist/ comes back from the build cache, without compiling", () => {
    writeMain("first");
    expect(app().stderr).toBe(""); // "first" was built above: copied from the cache
    fs.rmSync(path.join(project, "dist"), { recursive: true });
    const r = app();
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("first\n");
  });

  test("a syntax error fails the build with tsc's message and nothing runs", () => {
    fs.writeFileSync(path.join(project, "main.ts"), "export function main( {\n");
    const r = app();
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("main.ts");
    expect(r.stderr).toMatch(/error: the build failed \(tsc exit \d+\); nothing was synthesized\n$/);
  });

  test("--build only builds; other arguments go to main", () => {
    fs.writeFileSync(path.join(project, "main.ts"), "export function main(_env: unknown, _build: unknown, argv: string[]): number {\n  process.stdout.write(`third ${argv.join(\" \")}\\n`);\n  return 0;\n}\n");
    const r = app(["--build"]);
    expect(r.stdout).toBe("");
    expect(r.status).toBe(0);
    expect(fs.readFileSync(path.join(project, "dist", "main.js"), "utf8")).toContain("third");
    expect(app(["--env-file", "x.json"])).toMatchObject({ status: 0, stdout: "third --env-file x.json\n" });
    expect(app(["--build", "--env-file"])).toMatchObject({ status: 2, stderr: "usage: node scripts/app.js --build | node scripts/app.js [--env-file <file>]\n" });
  });
});

describe("scripts/compile-cache.js", () => {
  test("reuses compiled code, and never for a module whose source changed (same length included)", () => {
    const dir = path.join(work, "cc");
    fs.mkdirSync(dir);
    const mod = path.join(dir, "value.js");
    const runner = path.join(dir, "run.js");
    fs.writeFileSync(
      runner,
      `const cc = require(${JSON.stringify(path.join(root, "scripts", "compile-cache.js"))});\n` +
        `cc.install(${JSON.stringify(path.join(dir, "cache.bin"))});\n` +
        `const value = require(${JSON.stringify(mod)}).value;\n` +
        `process.on("exit", () => console.log(JSON.stringify({ value, ...cc.stats })));\n`,
    );
    const run = () => JSON.parse(node([runner], dir).stdout) as { value: string; hits: number; compiled: number };
    fs.writeFileSync(mod, `exports.value = "aaaa";\n`);
    expect(run()).toEqual({ value: "aaaa", hits: 0, compiled: 1 });
    expect(fs.existsSync(path.join(dir, "cache.bin"))).toBe(true);
    expect(run()).toEqual({ value: "aaaa", hits: 1, compiled: 0 });
    fs.writeFileSync(mod, `exports.value = "bbbb";\n`);
    expect(run()).toEqual({ value: "bbbb", hits: 0, compiled: 1 });
    expect(run()).toEqual({ value: "bbbb", hits: 1, compiled: 0 });
  });
});
