/**
 * Entry point: loads the environment file, builds the three stacks and synthesizes them, in
 * explicit phases:
 *
 *   load     the environment file -> EnvironmentConfig (bad input: UserInputError)
 *   build    an App writing to a staging directory, and the stacks
 *   synth    cdktf prepares every stack and writes it; the guardrails aspect judges each stack
 *            once, and the JSON it judged is the JSON written (each stack renders once)
 *   check    the guardrails' findings and every other error annotation, read as data from the
 *            aspects and cdktf's manifest (never from an error message's text)
 *   publish  the staging directory replaces the output directory; each stack's `.terraform` and
 *            `.terraform.lock.hcl` move over from the previous output (no `terraform init` again)
 *
 * All-or-nothing: a failure in any phase removes the staging directory and leaves the previous
 * output as it was. Bad input is reported one line per problem (`error: <file>: <field>: <what is
 * wrong; how to fix>`), guardrail errors one line each (`error: <rule id> <construct path>: <what
 * is wrong>; fix: <how>`), never a stack trace, exit code 1. Guardrail warnings are printed
 * (`warning: ...`) and do not fail. A successful synth prints one summary line on stdout;
 * diagnostics go to stderr.
 *
 * With CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS set (cdktf-cli sets it, so does `npm run diff`),
 * error annotations are the caller's to report, as cdktf intends: the output is published with
 * them in manifest.json and the exit code is 0.
 */
import * as fs from "fs";
import * as path from "path";
import { performance } from "perf_hooks";
import type { App, StackAnnotation, TerraformStack } from "cdktf";
import { loadEnvironmentFromCommandLine } from "./config/load";
import { UserInputError, inputErrorLines } from "./kernel/errors";
import { projectRoot } from "./constructs/project-files";
import { skipTokenTraces } from "./stacks/token-traces";
import type { EnvironmentConfig } from "./config/schema";
import type { Finding, StackEvaluation } from "./guardrails";

/**
 * What building and synthesizing needs: cdktf, the providers (through the stacks) and the
 * guardrails, loaded once the environment file is valid: bad input is reported without them,
 * in a fraction of a synth's time.
 */
function loadSynthModules() {
  return {
    cdktf: require("cdktf") as typeof import("cdktf"),
    guardrails: require("./guardrails") as typeof import("./guardrails"),
    aspect: require("./guardrails/aspect") as typeof import("./guardrails/aspect"),
    stacks: require("./stacks/environment") as typeof import("./stacks/environment"),
  };
}
type SynthModules = ReturnType<typeof loadSynthModules>;

/** cdktf's switch (read when a stack is constructed): do not throw on error annotations. */
const CONTINUE_ON_ERRORS = "CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS";

/** Per stack: `terraform init` state that outlives a synth. */
const KEPT_ACROSS_SYNTHS = [".terraform", ".terraform.lock.hcl"];

export type Build = (app: App, config: EnvironmentConfig) => unknown;

export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const processIo: Io = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
};

/** An annotation that is not the guardrails' (cdktf's, a provider's, a construct's own). */
interface OtherAnnotation {
  readonly stack: string;
  readonly constructPath: string;
  readonly level: "error" | "warning";
  readonly message: string;
}

/** What one synthesis produced, before it is published. */
interface Synthesized {
  readonly evaluations: readonly StackEvaluation[];
  readonly others: readonly OtherAnnotation[];
}

/** Synthesis stopped on errors the caller must fix; the lines say which. */
class SynthFailed extends Error {
  constructor(readonly lines: readonly string[]) {
    super(lines.join("\n"));
  }
}

// ---- build ----------------------------------------------------------------------------------

function buildApp(m: SynthModules, config: EnvironmentConfig, staging: string, build: Build): App {
  fs.mkdirSync(path.dirname(path.resolve(staging)), { recursive: true });
  // Stacks read the switch in their constructor: set it for the build only, so that every stack
  // is synthesized and judged and the errors are read below, all of them, as data.
  const saved = process.env[CONTINUE_ON_ERRORS];
  process.env[CONTINUE_ON_ERRORS] = "true";
  try {
    const app = new m.cdktf.App({ outdir: staging, stackTraces: false });
    build(app, config);
    return app;
  } finally {
    if (saved === undefined) delete process.env[CONTINUE_ON_ERRORS];
    else process.env[CONTINUE_ON_ERRORS] = saved;
  }
}

function stacksOf(m: SynthModules, app: App): TerraformStack[] {
  return app.node.findAll().filter((c): c is TerraformStack => m.cdktf.TerraformStack.isStack(c));
}

// ---- synth ----------------------------------------------------------------------------------

/** Builds and synthesizes without cdktf's token traces (stacks/token-traces.ts), unless UYOOP_DEBUG asks for detail. */
function withoutTokenTraces<T>(env: NodeJS.ProcessEnv, phase: () => T): T {
  if (env["UYOOP_DEBUG"]) return phase();
  const restore = skipTokenTraces();
  try {
    return phase();
  } finally {
    restore();
  }
}

/**
 * Each stack renders its JSON once per synthesis: the guardrails aspect renders it (after every
 * stack is prepared, when synthesis visits the stack) and the writer reuses that object, so the
 * JSON written is the JSON judged. Nothing changes the tree in between: aspects only annotate.
 */
function renderOnce(stack: TerraformStack): void {
  const render = stack.toTerraform.bind(stack);
  let rendered: ReturnType<typeof render> | undefined;
  stack.toTerraform = () => (rendered ??= render());
}

function synthesize(m: SynthModules, app: App): Synthesized {
  const { guardrailsOf } = m.guardrails;
  const { ERROR, WARN } = m.cdktf.AnnotationMetadataEntryType;
  const stacks = stacksOf(m, app);
  const bare = stacks.filter((s) => !guardrailsOf(s)).map((s) => s.node.id);
  if (bare.length > 0) throw new Error(`stack(s) ${bare.join(", ")} have no guardrails attached: extend UyoopStack`);
  stacks.forEach(renderOnce);
  app.synth();

  const evaluations: StackEvaluation[] = [];
  const others: OtherAnnotation[] = [];
  for (const stack of stacks) {
    const evaluation = guardrailsOf(stack)?.evaluation;
    if (!evaluation) throw new Error(`the guardrails did not judge stack ${stack.node.id} during synthesis`);
    evaluations.push(evaluation);
    const ours = new Set(evaluation.findings.filter((f) => !f.suppression).map(m.aspect.annotationMessage));
    const annotations: readonly StackAnnotation[] = app.manifest.stacks[stack.node.id]?.annotations ?? [];
    for (const a of annotations) {
      if (ours.has(a.message)) continue;
      if (a.level === ERROR) others.push({ stack: stack.node.id, constructPath: a.constructPath, level: "error", message: a.message });
      else if (a.level === WARN) others.push({ stack: stack.node.id, constructPath: a.constructPath, level: "warning", message: a.message });
    }
  }
  return { evaluations, others };
}

// ---- check ----------------------------------------------------------------------------------

function findings(s: Synthesized): Finding[] {
  return s.evaluations.flatMap((e) => e.findings);
}

/** The errors that stop the synth (none: it may be published), and the closing line. */
function errorsOf(m: SynthModules, s: Synthesized): { lines: string[]; verdict: string } {
  const { blocking, formatFinding } = m.guardrails;
  const guardrailErrors = blocking(findings(s));
  const otherErrors = s.others.filter((a) => a.level === "error");
  const lines = [
    ...guardrailErrors.map((f) => `error: ${formatFinding(f)}`),
    ...otherErrors.map((a) => `error: ${a.constructPath}: ${a.message}`),
  ];
  const more = otherErrors.length > 0 ? ` and ${otherErrors.length} other error(s)` : "";
  const verdict =
    guardrailErrors.length > 0
      ? `synth aborted: ${guardrailErrors.length} guardrail error(s)${more}; nothing was written (RULES.md explains each rule)`
      : `synth aborted: ${otherErrors.length} error(s); nothing was written`;
  return { lines, verdict };
}

function warningLines(m: SynthModules, s: Synthesized): string[] {
  const { formatFinding } = m.guardrails;
  return [
    ...findings(s).filter((f) => f.level === "warning" && !f.suppression).map((f) => `warning: ${formatFinding(f)}`),
    ...s.others.filter((a) => a.level === "warning").map((a) => `warning: ${a.constructPath}: ${a.message}`),
  ];
}

// ---- publish --------------------------------------------------------------------------------

/**
 * Replaces `outdir` with `staging`. The previous output is first renamed aside, so at every
 * moment either it or the new output is complete at `outdir`; each new stack directory takes
 * over its predecessor's `terraform init` state; only then is the previous output deleted.
 */
function publish(staging: string, outdir: string): void {
  const previous = `${outdir}.previous-${process.pid}`;
  const hadPrevious = fs.existsSync(outdir);
  if (hadPrevious) fs.renameSync(outdir, previous);
  try {
    if (hadPrevious) keepTerraformState(previous, staging);
    fs.renameSync(staging, outdir);
  } catch (error) {
    if (hadPrevious) {
      keepTerraformState(staging, previous);
      fs.renameSync(previous, outdir);
    }
    throw error;
  }
  if (hadPrevious) fs.rmSync(previous, { recursive: true, force: true });
}

/** Moves each stack's `.terraform` and lock file from `from` to the same stack in `to`. */
function keepTerraformState(from: string, to: string): void {
  const stacksDir = path.join(from, "stacks");
  if (!fs.existsSync(stacksDir)) return;
  for (const stack of fs.readdirSync(stacksDir)) {
    const target = path.join(to, "stacks", stack);
    if (!fs.existsSync(target)) continue; // a stack that no longer exists: its state goes with it
    for (const name of KEPT_ACROSS_SYNTHS) {
      const source = path.join(stacksDir, stack, name);
      if (fs.existsSync(source) && !fs.existsSync(path.join(target, name))) fs.renameSync(source, path.join(target, name));
    }
  }
}

/** The resources written, over every stack. */
function resourceCount(s: Synthesized): number {
  return s.evaluations.reduce((n, e) => n + Object.values((e.json["resource"] ?? {}) as Record<string, object>).reduce((m, byName) => m + Object.keys(byName).length, 0), 0);
}

/** One line: what was written where, and how long the process took from its start. */
function summary(s: Synthesized, outdir: string, leftToCaller: number): string {
  const resources = resourceCount(s);
  const errors = leftToCaller > 0 ? `; ${leftToCaller} error(s) recorded in manifest.json for the caller (${CONTINUE_ON_ERRORS})` : "";
  return `synth: ${s.evaluations.length} stacks, ${resources} resources written to ${outdir} in ${(performance.now() / 1000).toFixed(2)} s${errors}\n`;
}

// ---- timings --------------------------------------------------------------------------------

/** Where a synth's time goes, for `npm run bench` (scripts/bench.js): a JSON file, when this names one. */
const TIMINGS_FILE = "UYOOP_TIMINGS_FILE";

/** The mark scripts/app.js sets once dist/ is known fresh, before it loads main.js. */
const CHECKED_MARK = "app-command:checked";

/** Milliseconds per phase, each from the end of the one before; the first from the process's start. */
class PhaseTimer {
  readonly ms: Record<string, number> = {};
  private last = 0;

  constructor() {
    const checked = performance.getEntriesByName(CHECKED_MARK)[0];
    if (checked) {
      this.ms["start"] = checked.startTime;
      this.last = checked.startTime;
      this.end("imports");
    } else {
      this.end("start");
    }
  }

  end(phase: string): void {
    const now = performance.now();
    this.ms[phase] = now - this.last;
    this.last = now;
  }
}

/**
 * start (Node's start and the app command's build check), imports (main.js and what it imports
 * before main() runs: the config schema and zod), config (reading the environment file), modules
 * (cdktf, providers, guardrails), build (the construct tree), synth (cdktf's preparation,
 * rendering and writing, with the guardrails' own share as `guardrails`), check (reading the
 * findings and annotations), publish; and the resources synthesized.
 */
function writeTimings(file: string, phases: PhaseTimer, s: Synthesized): void {
  const guardrails = s.evaluations.reduce((sum, e) => sum + e.ms, 0);
  fs.writeFileSync(file, `${JSON.stringify({ ...phases.ms, guardrails, resources: resourceCount(s) })}\n`);
}

// ---- main -----------------------------------------------------------------------------------

/**
 * `build` defaults to the environment's three stacks (stacks/environment.ts); `argv` are the
 * command's arguments (`--env-file <file>`).
 */
export function main(env: NodeJS.ProcessEnv = process.env, build?: Build, argv: readonly string[] = [], io: Io = processIo): number {
  const outdir = env["CDKTF_OUTDIR"] ?? "cdktf.out";
  const staging = `${outdir}.staging-${process.pid}`;
  const callerReportsErrors = env[CONTINUE_ON_ERRORS] !== undefined;
  const phases = new PhaseTimer();
  try {
    const config = loadEnvironmentFromCommandLine(projectRoot(), argv, env);
    phases.end("config");
    const m = loadSynthModules();
    phases.end("modules");
    const synthesized = withoutTokenTraces(env, () => {
      const app = buildApp(m, config, staging, build ?? m.stacks.buildEnvironment);
      phases.end("build");
      return synthesize(m, app);
    });
    phases.end("synth");
    const errors = errorsOf(m, synthesized);
    if (errors.lines.length > 0 && !callerReportsErrors) throw new SynthFailed([...errors.lines, errors.verdict]);
    phases.end("check");
    publish(staging, outdir);
    phases.end("publish");
    if (env[TIMINGS_FILE]) writeTimings(env[TIMINGS_FILE], phases, synthesized);

    if (config.allowDataLoss) {
      io.stderr(`WARNING: destroy protection is OFF for ${config.name} (allowDataLoss: ${JSON.stringify(config.allowDataLoss.reason)})\n`);
    }
    for (const line of warningLines(m, synthesized)) io.stderr(`${line}\n`);
    io.stdout(summary(synthesized, outdir, errors.lines.length));
    return 0;
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true });
    if (error instanceof UserInputError) {
      for (const line of inputErrorLines(error)) io.stderr(`${line}\n`);
      io.stderr(`synth aborted: ${error.problems.length} problem(s); nothing was written\n`);
    } else if (error instanceof SynthFailed) {
      for (const line of error.lines) io.stderr(`${line}\n`);
    } else {
      io.stderr(`error: ${error instanceof Error ? error.message : String(error)}\nsynth aborted; nothing was written\n`);
      if (env["UYOOP_DEBUG"] && error instanceof Error) io.stderr(`${error.stack ?? ""}\n`);
    }
    return 1;
  }
}

if (require.main === module) {
  process.exitCode = main(process.env, undefined, process.argv.slice(2));
}
