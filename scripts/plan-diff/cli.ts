/**
 * `npm run diff -- --base <git-ref> [--head <git-ref>] [--out file] [--json] [--env-file f] [--repo dir]`
 *
 * Synthesizes the base revision and the head (the working tree unless --head names a revision),
 * compares them and prints Markdown for a pull request (or JSON with --json). The environment
 * is chosen like every command's (--env-file, else UYOOP_ENV_FILE, else environments/dev.json);
 * a file inside the repository is read from each side's own tree, and a base without it (a
 * change adding an environment) shows everything as created.
 *
 * Exit codes (docs/REVIEWING.md):
 *   0  no changes
 *   1  changes, nothing flagged
 *   2  security or data-loss flags
 *   3  guardrail errors in the head (ERROR annotations), whatever else
 *   4  the tool failed (bad arguments, unknown revision, synth failure, I/O)
 */
import * as fs from "fs";
import * as path from "path";
import { diffStacks, exitCodeOf, EXIT, type DiffResult } from "./diff";
import { renderMarkdown } from "./markdown";
import { synthRevision, synthWorkingTree, gitRoot, diffEnvFile, resolveCommit, ToolError, type Synthesized } from "./synth";
import { DEFAULT_ENV_FILE, refuseSwallowedFlag, takeEnvFileFlags, selectEnvironmentFile } from "../../config/env-selector";
import { UserInputError, inputErrorLines } from "../../kernel/errors";
import { scrubPem } from "./values";

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly cwd: string;
}

interface Args {
  base?: string;
  head?: string;
  out?: string;
  json: boolean;
  envFile?: string;
  repo?: string;
  help: boolean;
}

const USAGE = `usage: npm run diff -- --base <git-ref> [--head <git-ref>] [--out <file>] [--json] [--env-file <environments/x.json>] [--repo <dir>]

Synthesizes <base> and the head (the working tree, or --head <git-ref>), compares them stack by
stack and resource by resource, and prints Markdown for a pull request.

exit codes: 0 no changes, 1 changes, 2 security/data-loss flags, 3 guardrail errors, 4 tool failure
`;

export function parseArgs(argv: readonly string[]): Args {
  const args: Args = { json: false, help: false };
  const { files, rest } = takeEnvFileFlags(argv);
  if (files.length > 1) throw new ToolError("--env-file is given more than once; a diff compares one environment");
  if (files[0] !== undefined) args.envFile = files[0];
  argv = rest;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.startsWith("--") && a.includes("=") ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === "") throw new ToolError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case "--base":
        args.base = value();
        break;
      case "--head":
        args.head = value();
        break;
      case "--out":
        args.out = value();
        break;
      case "--repo":
        args.repo = value();
        break;
      case "--json":
        args.json = true;
        break;
      case "-h":
      case "--help":
        args.help = true;
        break;
      default:
        throw new ToolError(`unknown argument "${a}"`);
    }
  }
  return args;
}

export interface DiffRun {
  readonly result: DiffResult;
  readonly base: Synthesized;
  readonly head: Synthesized;
  readonly markdown: string;
}

/** How the two sides are synthesized (tests substitute a revision synthesizer that synthesizes each revision once). */
export interface Synthesizers {
  readonly revision: typeof synthRevision;
  readonly workingTree: typeof synthWorkingTree;
}

const SYNTHESIZERS: Synthesizers = { revision: synthRevision, workingTree: synthWorkingTree };

/**
 * Synthesizes both sides and diffs them (no printing).
 * @param envFile the environment file, relative to `cwd` (default: the repository's environments/dev.json)
 */
export function runDiff(
  repoDir: string,
  baseRef: string,
  headRef: string | undefined,
  envFile?: string,
  cwd: string = repoDir,
  synth: Synthesizers = SYNTHESIZERS,
): DiffRun {
  const repo = gitRoot(repoDir);
  const file = envFile === undefined ? undefined : diffEnvFile(repo, cwd, envFile);
  const base = synth.revision(repo, baseRef, file);
  // A revision compared with itself is synthesized once (synth is reproducible byte for byte).
  const sameRevision = headRef !== undefined && resolveCommit(repo, headRef) === resolveCommit(repo, baseRef);
  const head = headRef === undefined ? synth.workingTree(repo, file) : sameRevision ? base : synth.revision(repo, headRef, file);
  if (Object.keys(head.stacks).length === 0) throw new ToolError(`the head (${head.label}) has no environment file ${envFile ?? ""}`.trim());
  const result = diffStacks(base.stacks, head.stacks, { baseAnnotations: base.annotations, headAnnotations: head.annotations });
  const markdown = renderMarkdown(result, { baseLabel: base.label, headLabel: head.label });
  return { result, base, head, markdown };
}

export function main(argv: readonly string[], io: CliIo, env: NodeJS.ProcessEnv = process.env, synth: Synthesizers = SYNTHESIZERS): number {
  try {
    refuseSwallowedFlag(env);
    const args = parseArgs(argv);
    if (args.help) {
      io.stdout(USAGE);
      return EXIT.noChanges;
    }
    if (!args.base) throw new ToolError("--base <git-ref> is required");
    const started = Date.now();
    const repoDir = path.resolve(io.cwd, args.repo ?? ".");
    // The same selection as every command; the default is the repository's own dev environment.
    const selection = selectEnvironmentFile(repoDir, args.envFile === undefined ? [] : [args.envFile], env);
    const envFile = selection.origin === "default" ? DEFAULT_ENV_FILE : selection.source;
    const run = runDiff(repoDir, args.base, args.head, envFile, selection.origin === "default" ? gitRoot(repoDir) : io.cwd, synth);
    for (const s of [run.base, run.head]) {
      const warnings = s.stderr.trim();
      if (warnings) io.stderr(`${s.label}: ${scrubPem(warnings)}\n`);
    }
    const text = args.json
      ? `${JSON.stringify({ base: run.base.label, head: run.head.label, exitCode: exitCodeOf(run.result), ...run.result }, null, 2)}\n`
      : run.markdown;
    if (args.out) fs.writeFileSync(path.resolve(io.cwd, args.out), text);
    io.stdout(text);
    const code = exitCodeOf(run.result);
    io.stderr(`diff: ${run.result.counts.create} to create, ${run.result.counts.update} to update, ${run.result.counts.replace} to replace, ${run.result.counts.destroy} to destroy; ${run.result.flags.length} flag(s); exit ${code} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
    return code;
  } catch (error) {
    if (error instanceof UserInputError) {
      for (const line of inputErrorLines(error)) io.stderr(`${line}\n`);
    } else if (error instanceof ToolError) {
      io.stderr(`error: ${error.message}\n`);
      if (/required|unknown argument|needs a value/.test(error.message)) io.stderr(USAGE);
    } else {
      io.stderr(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    }
    return EXIT.toolFailure;
  }
}

if (require.main === module) {
  process.exitCode = main(
    process.argv.slice(2),
    {
      stdout: (t) => process.stdout.write(t),
      stderr: (t) => process.stderr.write(t),
      cwd: process.cwd(),
    },
    process.env,
  );
}
