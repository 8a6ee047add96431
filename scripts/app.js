#!/usr/bin/env node
/**
 * The app command (cdktf.json's "app", `npm run synth`): runs dist/main.js in this process,
 * rebuilding dist/ first only when a source changed since the last build.
 *
 * Plain JavaScript so that it runs before anything is built. The check is cheap (hash the
 * sources tsconfig.build.json includes, ~5 ms) instead of running tsc on every synth; a rebuild
 * is `tsc --noCheck` (emit only, no type-checking: `npm test` type-checks). Nothing here writes
 * outside dist/: the fingerprint of the sources dist/ was built from is dist/.sources.
 *
 *   node scripts/app.js            build if needed, then synthesize (what cdktf runs)
 *   node scripts/app.js --build    build if needed, nothing else
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

function isFresh(files, stamp) {
  let built;
  try {
    built = fs.readFileSync(stampFile, "utf8");
  } catch {
    return false;
  }
  if (built !== stamp) return false;
  // Someone may have deleted part of dist/: every output must still be there.
  return files.every((f) => fs.existsSync(path.join(dist, path.relative(root, f)).replace(/\.ts$/, ".js")));
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
  const started = Date.now();
  const tsc = path.join(path.dirname(typescriptPackage()), "bin", "tsc");
  process.stderr.write("build: sources changed since dist/ was built; emitting JavaScript (tsc --noCheck; `npm test` type-checks)\n");
  const r = spawnSync(process.execPath, [tsc, "-p", path.join(root, "tsconfig.build.json"), "--noCheck"], { cwd: root, stdio: "inherit" });
  if (r.status !== 0) {
    process.stderr.write(`error: the build failed (tsc exit ${r.status ?? r.signal}); nothing was synthesized\n`);
    return false;
  }
  fs.writeFileSync(stampFile, stamp);
  process.stderr.write(`build: done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return true;
}

if (require.main === module) {
  const args = process.argv.slice(2);
  if (args.some((a) => a !== "--build")) {
    process.stderr.write(`usage: node scripts/app.js [--build]\n`);
    process.exitCode = 2;
  } else if (!build()) {
    process.exitCode = 1;
  } else if (!args.includes("--build")) {
    process.exitCode = require(path.join(dist, "main.js")).main();
  }
}

module.exports = { build, sources, fingerprint };
