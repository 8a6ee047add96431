/**
 * Synthesizes a revision of this repository, or its working tree, into a temporary directory and
 * reads the stacks and the manifest's annotations back. Guardrail errors do not stop synth
 * (CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS): they are read from manifest.json instead.
 *
 * A git revision is cloned (`git clone --no-checkout` + `checkout <sha>`, never touching the
 * repository's own work tree, index or worktree list), this checkout's node_modules is
 * symlinked in, and the revision's own `npm run synth` runs there. The working tree is
 * synthesized in place with CDKTF_OUTDIR pointing at a temporary directory, so cdktf.out is
 * left alone (its dist/ is rebuilt, as any `npm run synth` does).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";
import type { StackSet, TfJson } from "./tf-json";
import type { Annotation } from "./diff";

export class ToolError extends Error {}

export interface Synthesized {
  readonly stacks: StackSet;
  readonly annotations: Annotation[];
  /** Human description, e.g. "`bf23b46` docs: the app's contract". */
  readonly label: string;
  /** What synth printed on stderr (warnings such as allowDataLoss). */
  readonly stderr: string;
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): { stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw new ToolError(`${cmd} ${args.join(" ")}: ${r.error.message}`);
  if (r.status !== 0) {
    const tail = `${r.stderr ?? ""}${r.stdout ?? ""}`.trim().split("\n").slice(-15).join("\n");
    throw new ToolError(`\`${cmd} ${args.join(" ")}\` failed in ${cwd} (exit ${r.status}):\n${tail}`);
  }
  return { stdout: r.stdout, stderr: r.stderr };
}

/** The top of the git work tree containing `dir`. */
export function gitRoot(dir: string): string {
  return run("git", ["rev-parse", "--show-toplevel"], dir).stdout.trim();
}

/** Full commit id of a ref, or a ToolError naming the ref. */
export function resolveCommit(repo: string, ref: string): string {
  const r = spawnSync("git", ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], { cwd: repo, encoding: "utf8" });
  if (r.status !== 0) throw new ToolError(`unknown git revision "${ref}" in ${repo}`);
  return r.stdout.trim();
}

export function describeCommit(repo: string, sha: string): string {
  const line = run("git", ["log", "-1", "--format=%h %s", sha], repo).stdout.trim();
  const [short, ...subject] = line.split(" ");
  return `\`${short}\` ${subject.join(" ")}`;
}

export function describeWorkingTree(repo: string): string {
  const head = spawnSync("git", ["rev-parse", "--short", "HEAD"], { cwd: repo, encoding: "utf8" });
  const dirty = spawnSync("git", ["status", "--porcelain", "--untracked-files=normal"], { cwd: repo, encoding: "utf8" });
  const sha = head.status === 0 ? head.stdout.trim() : "?";
  return `working tree (HEAD \`${sha}\`${dirty.status === 0 && dirty.stdout.trim() !== "" ? " + uncommitted changes" : ""})`;
}

/** Reads cdktf.out: every stack's cdk.tf.json and its annotations. */
export function readSynthOutput(outdir: string): { stacks: StackSet; annotations: Annotation[] } {
  const manifestPath = path.join(outdir, "manifest.json");
  if (!fs.existsSync(manifestPath)) throw new ToolError(`no manifest.json in ${outdir}`);
  const manifest = JSON.parse(fs.readFileSync(manifestPath, "utf8")) as {
    stacks: Record<string, { synthesizedStackPath: string; annotations?: { constructPath: string; level: string; message: string }[] }>;
  };
  const stacks: StackSet = {};
  const annotations: Annotation[] = [];
  for (const [id, s] of Object.entries(manifest.stacks)) {
    stacks[id] = JSON.parse(fs.readFileSync(path.join(outdir, s.synthesizedStackPath), "utf8")) as TfJson;
    for (const a of s.annotations ?? []) annotations.push({ stack: id, constructPath: a.constructPath, level: a.level, message: String(a.message) });
  }
  return { stacks, annotations };
}

/**
 * The environment file a diff synthesizes on both sides: a file inside the repository is
 * `inRepo` (a path relative to its top), read from each revision's own tree; a file elsewhere is
 * `outside` (absolute), the same file for both sides.
 */
export type DiffEnvFile = { readonly inRepo: string } | { readonly outside: string };

/** Where an environment file named relative to `cwd` is, for a diff of `repo`. */
export function diffEnvFile(repo: string, cwd: string, file: string): DiffEnvFile {
  const absolute = path.resolve(cwd, file);
  const rel = path.relative(repo, absolute);
  return rel !== "" && !rel.startsWith("..") && !path.isAbsolute(rel) ? { inRepo: rel.split(path.sep).join("/") } : { outside: absolute };
}

function envFilePath(tree: string, envFile: DiffEnvFile | undefined): string | undefined {
  if (envFile === undefined) return undefined;
  return "inRepo" in envFile ? path.join(tree, envFile.inRepo) : envFile.outside;
}

function synthEnv(outdir: string, envFile: string | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, CDKTF_OUTDIR: outdir, CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS: "true" };
  // Each side is told its file explicitly; nothing of the caller's selection leaks in.
  delete env["UYOOP_ENV_FILE"];
  delete env["npm_config_env_file"];
  if (envFile !== undefined) env["UYOOP_ENV_FILE"] = envFile;
  delete env["npm_config_prefix"];
  return env;
}

/** Synthesizes the working tree of `repo` (uncommitted changes included) into a temp dir. */
export function synthWorkingTree(repo: string, envFile?: DiffEnvFile): Synthesized {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "uyoop-diff-head-"));
  try {
    const outdir = path.join(tmp, "cdktf.out");
    const r = run("npm", ["run", "--silent", "synth"], repo, synthEnv(outdir, envFilePath(repo, envFile)));
    const { stacks, annotations } = readSynthOutput(outdir);
    return { stacks, annotations, label: describeWorkingTree(repo), stderr: r.stderr };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Whether a revision holds a file (a path relative to the repository's top). */
function revisionHasFile(repo: string, sha: string, file: string): boolean {
  return spawnSync("git", ["cat-file", "-e", `${sha}:${file}`], { cwd: repo }).status === 0;
}

/**
 * Synthesizes a committed revision of `repo` in a temporary clone. A revision that lacks the
 * environment file (a change that adds an environment) has no stacks: everything shows as created.
 */
export function synthRevision(repo: string, ref: string, envFile?: DiffEnvFile): Synthesized {
  const sha = resolveCommit(repo, ref);
  if (envFile !== undefined && "inRepo" in envFile && !revisionHasFile(repo, sha, envFile.inRepo)) {
    return { stacks: {}, annotations: [], label: `${describeCommit(repo, sha)} (no ${envFile.inRepo}: the environment is new)`, stderr: "" };
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "uyoop-diff-base-"));
  try {
    const src = path.join(tmp, "src");
    run("git", ["clone", "--quiet", "--no-checkout", repo, src], tmp);
    run("git", ["-c", "advice.detachedHead=false", "checkout", "--quiet", sha], src);
    const modules = path.join(repo, "node_modules");
    if (!fs.existsSync(modules)) throw new ToolError(`${modules} is missing: run npm ci first`);
    fs.symlinkSync(modules, path.join(src, "node_modules"), "dir");
    const outdir = path.join(tmp, "cdktf.out");
    const r = run("npm", ["run", "--silent", "synth"], src, synthEnv(outdir, envFilePath(src, envFile)));
    // Revisions whose main.ts predates CDKTF_OUTDIR write to their own cdktf.out.
    const { stacks, annotations } = readSynthOutput(fs.existsSync(path.join(outdir, "manifest.json")) ? outdir : path.join(src, "cdktf.out"));
    return { stacks, annotations, label: describeCommit(repo, sha), stderr: r.stderr };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
