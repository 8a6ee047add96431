/**
 * Entry point: loads the environment file, builds the three stacks and synthesizes them.
 *
 * Synthesis is all-or-nothing: stacks are written to a staging directory that replaces the
 * output directory only when every stack synthesized. Bad input is reported one line per
 * problem (`<file>: <field>: <what is wrong; how to fix>`), without a stack trace, exit code 1.
 * Guardrail errors (guardrails/, RULES.md) fail synth the same way, one line each:
 * `error: <rule id> <construct path>: <what is wrong>; fix: <how>`; guardrail warnings are
 * printed (`warning: ...`) and do not fail.
 */
import * as fs from "fs";
import * as path from "path";
import { App } from "cdktf";
import { loadEnvironmentFromCommandLine } from "./config/load";
import { UserInputError, inputErrorLines } from "./kernel/errors";
import { buildEnvironment } from "./stacks/environment";
import { projectRoot } from "./constructs/project-files";
import type { EnvironmentConfig } from "./config/schema";
import { Guardrails, blocking, formatFinding, type Finding } from "./guardrails";

/** Guardrail findings of a built (and prepared) app; none when it cannot be evaluated. */
function guardrailFindings(app: App | undefined): Finding[] {
  if (!app) return [];
  try {
    return Guardrails.evaluateApp(app).flatMap((e) => e.findings);
  } catch {
    return [];
  }
}

/** Error annotations that are not the guardrails' (`[path] message` lines of cdktf's error). */
function otherAnnotationErrors(message: string): string[] {
  if (!message.startsWith("Encountered Annotations with level")) return [];
  return message
    .split("\n")
    .map((line) => /^\[([^\]]+)\] (.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null && !m[2]!.startsWith("[UY-"))
    .map((m) => `${m[1]}: ${m[2]}`);
}

export function main(env: NodeJS.ProcessEnv = process.env, build: (app: App, config: EnvironmentConfig) => unknown = buildEnvironment, argv: readonly string[] = []): number {
  const outdir = env["CDKTF_OUTDIR"] ?? "cdktf.out";
  const staging = `${outdir}.staging-${process.pid}`;
  let app: App | undefined;
  try {
    const config = loadEnvironmentFromCommandLine(projectRoot(), argv, env);
    fs.mkdirSync(path.dirname(path.resolve(staging)), { recursive: true });
    app = new App({ outdir: staging, stackTraces: false });
    build(app, config);
    app.synth();
    fs.rmSync(outdir, { recursive: true, force: true });
    fs.renameSync(staging, outdir);
    if (config.allowDataLoss) {
      process.stderr.write(
        `WARNING: destroy protection is OFF for ${config.name} (allowDataLoss: ${JSON.stringify(config.allowDataLoss.reason)})\n`,
      );
    }
    for (const f of guardrailFindings(app).filter((x) => x.level === "warning" && !x.suppression)) {
      process.stderr.write(`warning: ${formatFinding(f)}\n`);
    }
    return 0;
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true });
    if (error instanceof UserInputError) {
      for (const line of inputErrorLines(error)) process.stderr.write(`${line}\n`);
      process.stderr.write(`synth aborted: ${error.problems.length} problem(s); nothing was written\n`);
      return 1;
    }
    const message = error instanceof Error ? error.message : String(error);
    const failures = blocking(guardrailFindings(app));
    if (failures.length > 0) {
      for (const f of failures) process.stderr.write(`error: ${formatFinding(f)}\n`);
      for (const other of otherAnnotationErrors(message)) process.stderr.write(`error: ${other}\n`);
      process.stderr.write(`synth aborted: ${failures.length} guardrail error(s); nothing was written (RULES.md explains each rule)\n`);
      return 1;
    }
    process.stderr.write(`error: ${message}\nsynth aborted; nothing was written\n`);
    if (env["UYOOP_DEBUG"] && error instanceof Error) process.stderr.write(`${error.stack ?? ""}\n`);
    return 1;
  }
}

if (require.main === module) {
  process.exitCode = main(process.env, buildEnvironment, process.argv.slice(2));
}
