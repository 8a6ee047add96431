#!/usr/bin/env node
/**
 * The app command (cdktf.json's "app", `npm run synth`): runs dist/main.js in this process,
 * rebuilding dist/ first only when a source changed since the last build.
 *
 * Plain JavaScript so that it runs before anything is built. The check is cheap (hash the
 * sources tsconfig.build.json includes, ~5 ms) instead of running tsc on every synth; a rebuild
 * is `tsc --noCheck` (emit only, no type-checking: `npm test` type-checks). The fingerprint of
 * the sources dist/ was built from is dist/.sources. Each build's output is also kept by
 * fingerprint in node_modules/.cache/uyoop-dist (the last 5), so a checkout with the same sources
 * sharing this node_modules (the clones `npm run diff` and the CI checks make) copies it instead
 * of compiling again. The modules a synth loads are compiled from a V8 code cache
 * (scripts/compile-cache.js, node_modules/.cache/uyoop-app).
 *
 *   node -- scripts/app.js [--env-file <file>]   build if needed, then synthesize (what cdktf runs)
 *   node scripts/app.js --build                   build if needed, nothing else
 */
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");
const { spawnSync } = require("child_process");

const root = path.resolve(__dirname, "..");
const dist = path.join(root, "dist");
const stampFile = path.join(dist, ".sources");

/** Every file the build compiles, from tsconfig.build.json's include/exclude (dir/**\/*.ts or a file). */
function sources() {
  const tsconfig = JSON.parse(fs.readFileSync(path.join(root, "tsconfig.build.json"), "utf8"));
  const excluded = new Set((tsconfig.exclude ?? []).map((e) => path.join(root, e)));
  const files = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (excluded.has(full)) continue;
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) files.push(full);
    }
  };
  for (const pattern of tsconfig.include) {
    const dir = /^([\w./-]+)\/\*\*\/\*\.ts$/.exec(pattern);
    if (dir) {
      if (fs.existsSync(path.join(root, dir[1]))) walk(path.join(root, dir[1]));
    } else if (/^[\w./-]+\.ts$/.test(pattern)) {
      files.push(path.join(root, pattern));
    } else {
      throw new Error(`tsconfig.build.json: include pattern "${pattern}" is not "dir/**/*.ts" or a file (scripts/app.js reads only those)`);
    }
  }
  return files.sort();
}

/** What dist/ depends on: the sources, both tsconfig files and the compiler's version. */
function fingerprint(files) {
  const hash = crypto.createHash("sha256");
  const typescript = JSON.parse(fs.readFileSync(typescriptPackage(), "utf8")).version;
  hash.update(`typescript ${typescript}\0`);
  for (const file of ["tsconfig.json", "tsconfig.build.json", ...files.map((f) => path.relative(root, f))]) {
    hash.update(`${file}\0`).update(fs.readFileSync(path.join(root, file))).update("\0");
  }
  return hash.digest("hex");
}

/** typescript's package.json (its "exports" map hides bin/tsc, which sits beside it). */
function typescriptPackage() {
  return require.resolve("typescript/package.json", { paths: [root] });
}

/** The compiled file of each source. */
function outputs(files) {
  return files.map((f) => path.relative(root, f).replace(/\.ts$/, ".js"));
}

/** node_modules/.cache of the node_modules this checkout resolves (symlinks followed), or UYOOP_CACHE_DIR. */
function cacheRoot() {
  return process.env["UYOOP_CACHE_DIR"] || path.join(path.dirname(path.dirname(typescriptPackage())), ".cache");
}

/** Build outputs by fingerprint. */
function cacheDir() {
  return path.join(cacheRoot(), "uyoop-dist");
}

const KEEP_BUILDS = 5;

/** Copies a cached build into dist/; false when there is none for this fingerprint. */
function restore(files, stamp) {
  const from = path.join(cacheDir(), stamp);
  if (!fs.existsSync(path.join(from, ".complete"))) return false;
  for (const out of outputs(files)) {
    fs.mkdirSync(path.dirname(path.join(dist, out)), { recursive: true });
    fs.copyFileSync(path.join(from, out), path.join(dist, out));
  }
  return true;
}

/** Keeps this build for other checkouts (written aside, then renamed: readers never see half). */
function save(files, stamp) {
  const dir = cacheDir();
  const target = path.join(dir, stamp);
  if (fs.existsSync(target)) return;
  const tmp = path.join(dir, `.tmp-${process.pid}`);
  fs.rmSync(tmp, { recursive: true, force: true });
  for (const out of outputs(files)) {
    fs.mkdirSync(path.dirname(path.join(tmp, out)), { recursive: true });
    fs.copyFileSync(path.join(dist, out), path.join(tmp, out));
  }
  fs.writeFileSync(path.join(tmp, ".complete"), "");
  try {
    fs.renameSync(tmp, target);
  } catch {
    fs.rmSync(tmp, { recursive: true, force: true }); // another process saved the same build first
  }
  const builds = fs
    .readdirSync(dir)
    .filter((d) => !d.startsWith("."))
    .map((d) => ({ d, t: fs.statSync(path.join(dir, d)).mtimeMs }))
    .sort((a, b) => b.t - a.t);
  for (const { d } of builds.slice(KEEP_BUILDS)) fs.rmSync(path.join(dir, d), { recursive: true, force: true });
}

function isFresh(files, stamp) {
  let built;
  try {
    built = fs.readFileSync(stampFile, "utf8");
  } catch {
    return false;
  }
  if (built !== stamp) return false;
  // Someone may have deleted part of dist/: every output must still be there.
  return outputs(files).every((out) => fs.existsSync(path.join(dist, out)));
}

/** Builds dist/ unless it is fresh; returns false (after saying why) when the build fails. */
function build() {
  try {
    typescriptPackage();
  } catch {
    process.stderr.write("error: typescript is not installed: run `npm ci` (it installs the devDependencies)\n");
    return false;
  }
  let files;
  let stamp;
  try {
    files = sources();
    stamp = fingerprint(files);
  } catch (error) {
    process.stderr.write(`error: ${error.message}\n`);
    return false;
  }
  if (isFresh(files, stamp)) return true;
  try {
    if (restore(files, stamp)) {
      fs.writeFileSync(stampFile, stamp);
      return true;
    }
  } catch {
    // an unreadable cache entry: compile instead
  }
  const started = Date.now();
  const tsc = path.join(path.dirname(typescriptPackage()), "bin", "tsc");
  process.stderr.write("build: sources changed since dist/ was built; emitting JavaScript (tsc --noCheck; `npm test` type-checks)\n");
  const r = spawnSync(process.execPath, [tsc, "-p", path.join(root, "tsconfig.build.json"), "--noCheck"], { cwd: root, stdio: "inherit" });
  if (r.status !== 0) {
    process.stderr.write(`error: the build failed (tsc exit ${r.status ?? r.signal}); nothing was synthesized\n`);
    return false;
  }
  fs.writeFileSync(stampFile, stamp);
  try {
    save(files, stamp);
  } catch (error) {
    process.stderr.write(`build: warning: could not keep this build in ${cacheDir()}: ${error.message}\n`);
  }
  process.stderr.write(`build: done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return true;
}

if (require.main === module) {
  // `--build` first: build only. Anything else is main's (`--env-file <file>`).
  const args = process.argv.slice(2);
  const buildOnly = args[0] === "--build";
  if (buildOnly && args.length > 1) {
    process.stderr.write("usage: node scripts/app.js --build | node scripts/app.js [--env-file <file>]\n");
    process.exitCode = 2;
  } else if (!build()) {
    process.exitCode = 1;
  } else if (!buildOnly) {
    // Compiled code of every module this synth loads, kept between runs (UYOOP_NO_COMPILE_CACHE=1: off).
    // Node 22+ has it built in (module.enableCompileCache); scripts/compile-cache.js does it on Node 20.
    const nodeModule = require("module");
    if (!process.env["UYOOP_NO_COMPILE_CACHE"]) {
      if (typeof nodeModule.enableCompileCache === "function") nodeModule.enableCompileCache(path.join(cacheRoot(), "uyoop-app", "node-compile-cache"));
      else require("./compile-cache").install(path.join(cacheRoot(), "uyoop-app", `v8-${process.versions.v8}-${process.arch}.bin`));
    }
    // Where main.ts's phase timings (UYOOP_TIMINGS_FILE, npm run bench) start counting its imports.
    require("perf_hooks").performance.mark("app-command:checked");
    const code = require(path.join(dist, "main.js")).main(process.env, undefined, args);
    // Done: exit now instead of tearing down the heap the synth built (~40 ms), once stdout and
    // stderr have flushed what main wrote (a pipe may be asynchronous on some platforms). Node
    // 22's compile cache is written first (process.exit may skip its own write).
    let open = 2;
    const flushed = () => {
      if (--open > 0) return;
      if (typeof nodeModule.flushCompileCache === "function") nodeModule.flushCompileCache();
      process.exit(code);
    };
    process.stdout.write("", flushed);
    process.stderr.write("", flushed);
  }
}

