/**
 * `npm run audit [-- --env-file FILE ... --out DIR]`: builds the stacks of each environment
 * (the --env-file values, else UYOOP_ENV_FILE, else environments/dev.json: config/env-selector.ts),
 * evaluates the guardrails on exactly the JSON synth writes,
 * and writes `audit-report.md` and `audit-report.sarif` (SARIF 2.1.0, one run per environment)
 * to DIR (default cdktf.out/audit). Prints a summary; exits 1 on any unsuppressed error, 2 on
 * bad arguments or input.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App, TerraformStack } from "cdktf";
import { loadSelectedEnvironment } from "../config/load";
import { UserInputError, inputErrorLines } from "../kernel/errors";
import { refuseSwallowedFlag, selectEnvironmentFiles, takeEnvFileFlags, type EnvFileSelection } from "../config/env-selector";
import { projectRoot } from "../constructs/project-files";
import { buildEnvironment } from "../stacks/environment";
import type { EnvironmentConfig } from "../config/schema";
import { evaluateApp, formatFinding } from "../guardrails";
import { renderMarkdown, renderSarif, summarize, type AuditRun } from "../guardrails/report";

export const DEFAULT_AUDIT_DIR = path.join("cdktf.out", "audit");

export interface AuditOptions {
  readonly envFiles: readonly string[];
  readonly outDir: string;
}

/** The command line; `--env-file` is taken by the one selector every command shares (a UserInputError when it has no file). */
export function parseArguments(argv: readonly string[]): AuditOptions {
  const { files: envFiles, rest } = takeEnvFileFlags(argv);
  let outDir = DEFAULT_AUDIT_DIR;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    const value = (): string => {
      const v = rest[++i];
      if (v === undefined || v.startsWith("--")) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--out") outDir = value();
    else if (a.startsWith("--out=")) outDir = a.slice("--out=".length);
    else throw new Error(`unknown argument ${JSON.stringify(a)}; usage: audit [--env-file FILE]... [--out DIR]`);
  }
  return { envFiles, outDir };
}

/** How the stacks are built (tests substitute a builder that changes them). */
export type Builder = (app: App, config: EnvironmentConfig) => unknown;

/**
 * Builds one environment in memory and evaluates every stack (no output is written).
 * @param envFile a file (as --env-file names it), or a selection; undefined: the default environment
 */
export function auditEnvironment(envFile: string | EnvFileSelection | undefined, build: Builder = buildEnvironment): AuditRun {
  const selection = typeof envFile === "object" ? envFile : selectEnvironmentFiles(projectRoot(), envFile === undefined ? [] : [envFile], {})[0]!;
  const config = loadSelectedEnvironment(selection);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "uyoop-audit-"));
  try {
    const app = new App({ outdir: scratch, stackTraces: false, skipValidation: true });
    build(app, config);
    for (const c of app.node.findAll()) if (TerraformStack.isStack(c)) c.prepareStack();
    return {
      environment: config.name,
      profile: config.profile,
      source: selection.source,
      ...(config.allowDataLoss ? { allowDataLoss: config.allowDataLoss.reason } : {}),
      evaluations: evaluateApp(app),
    };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

function packageVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(projectRoot(), "package.json"), "utf8")) as { version?: string };
  return pkg.version ?? "0.0.0";
}

export interface AuditIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

const processIo: AuditIo = {
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
};

function reportInputError(e: UserInputError, io: AuditIo): number {
  for (const line of inputErrorLines(e)) io.err(line);
  io.err(`audit aborted: ${e.problems.length} problem(s) in the input`);
  return 2;
}

export function runAudit(argv: readonly string[], io: AuditIo = processIo, build: Builder = buildEnvironment, env: NodeJS.ProcessEnv = process.env): number {
  let options: AuditOptions;
  let selections: EnvFileSelection[];
  try {
    refuseSwallowedFlag(env);
    options = parseArguments(argv);
    selections = selectEnvironmentFiles(projectRoot(), options.envFiles, env);
  } catch (e) {
    if (e instanceof UserInputError) return reportInputError(e, io);
    io.err(`error: ${(e as Error).message}`);
    return 2;
  }
  const runs: AuditRun[] = [];
  for (const selection of selections) {
    try {
      runs.push(auditEnvironment(selection, build));
    } catch (e) {
      if (e instanceof UserInputError) return reportInputError(e, io);
      throw e;
    }
  }
  fs.mkdirSync(options.outDir, { recursive: true });
  const markdown = path.join(options.outDir, "audit-report.md");
  const sarif = path.join(options.outDir, "audit-report.sarif");
  fs.writeFileSync(markdown, `${renderMarkdown(runs)}\n`);
  fs.writeFileSync(sarif, `${JSON.stringify(renderSarif(runs, packageVersion()), null, 2)}\n`);

  let errors = 0;
  for (const run of runs) {
    const s = summarize(run);
    errors += s.errors;
    const all = run.evaluations.flatMap((e) => e.findings);
    for (const f of all) if (!f.suppression) io.out(`${f.level}: ${formatFinding(f)}`);
    io.out(
      `${run.environment} (${run.profile}, ${run.source}): ${s.errors} error(s), ${s.warnings} warning(s), ${s.suppressed} accepted (${s.byWeakening} by weakening, ${s.bySuppression} by suppression), ${s.weakenings} weakening(s) declared, ${s.subjects} subjects`,
    );
    if (run.allowDataLoss !== undefined) io.out(`${run.environment}: destroy protection is OFF (allowDataLoss: ${JSON.stringify(run.allowDataLoss)})`);
  }
  io.out(`wrote ${markdown} and ${sarif}`);
  io.out(errors === 0 ? "audit passed: no unsuppressed error" : `audit failed: ${errors} unsuppressed error(s)`);
  return errors === 0 ? 0 : 1;
}

if (require.main === module) {
  process.exitCode = runAudit(process.argv.slice(2), processIo, buildEnvironment, process.env);
}
