/**
 * `npm run diagram [-- --check] [--env-file environments/x.json] [--out file] [--stdout]`
 *
 * The environment is chosen like every command's (--env-file, else UYOOP_ENV_FILE, else
 * environments/dev.json: config/env-selector.ts).
 *
 * Synthesizes the environment in-process (guardrail errors do not stop it; they are reported on
 * stderr), renders its topology as Markdown with Mermaid diagrams and writes it: to
 * docs/TOPOLOGY.md for the default environment file, to cdktf.out/topology/<file name>.md for
 * another one, or to --out. It prints the path it wrote (one line); --stdout prints the document
 * instead of writing it. --check writes nothing and exits 1 when the target is stale.
 *
 * Exit codes: 0 written or up to date, 1 stale (--check), 2 failure.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App } from "cdktf";
import { loadSelectedEnvironment } from "../../config/load";
import { refuseSwallowedFlag, selectEnvironmentFile, takeEnvFileFlags, type EnvFileSelection } from "../../config/env-selector";
import { UserInputError, inputErrorLines } from "../../kernel/errors";
import { buildEnvironment } from "../../stacks/environment";
import { projectRoot } from "../../constructs/project-files";
import { readSynthOutput } from "../plan-diff/synth";
import type { Annotation } from "../plan-diff/diff";
import type { StackSet } from "../plan-diff/tf-json";
import { renderTopologyMarkdown } from "./mermaid";

export const TOPOLOGY_FILE = "docs/TOPOLOGY.md";

/** Where the topology goes when no --out is given: the committed document for the default environment, else cdktf.out. */
function defaultTopologyTarget(selection: EnvFileSelection): string {
  if (selection.origin === "default") return TOPOLOGY_FILE;
  return path.posix.join("cdktf.out", "topology", `${path.basename(selection.source, path.extname(selection.source))}.md`);
}

/** An environment as the diagram reads it: its synthesized stacks, annotations, name and profile. */
export interface SynthesizedEnvironment {
  readonly stacks: StackSet;
  readonly annotations: Annotation[];
  readonly name: string;
  readonly profile: string;
}

/** How an environment file is synthesized (tests substitute one that synthesizes each file once). */
export type Synthesizer = (selection: EnvFileSelection) => SynthesizedEnvironment;

/** Synthesizes the selected environment into memory. */
export function synthesizeEnvironment(selection: EnvFileSelection): SynthesizedEnvironment {
  const config = loadSelectedEnvironment(selection);
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "uyoop-diagram-"));
  const saved = process.env["CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS"];
  process.env["CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS"] = "true";
  try {
    const app = new App({ outdir, stackTraces: false });
    buildEnvironment(app, config);
    app.synth();
    return { ...readSynthOutput(outdir), name: config.name, profile: config.profile };
  } finally {
    if (saved === undefined) delete process.env["CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS"];
    else process.env["CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS"] = saved;
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** The topology document of an environment file, and the guardrail errors met on the way. */
export function topologyDocument(
  root: string,
  selection: EnvFileSelection = selectEnvironmentFile(root, [], {}),
  synthesize: Synthesizer = synthesizeEnvironment,
): { markdown: string; errors: Annotation[] } {
  const s = synthesize(selection);
  return {
    markdown: renderTopologyMarkdown(s.stacks, { environment: s.name, profile: s.profile, source: selection.source }),
    errors: s.annotations.filter((a) => /error/i.test(a.level)),
  };
}

export function main(
  argv: readonly string[],
  io: { stdout: (t: string) => void; stderr: (t: string) => void },
  root = projectRoot(),
  env: NodeJS.ProcessEnv = {},
  synthesize: Synthesizer = synthesizeEnvironment,
): number {
  let check = false;
  let out: string | undefined;
  let toStdout = false;
  try {
    refuseSwallowedFlag(env);
    const { files, rest } = takeEnvFileFlags(argv);
    for (let i = 0; i < rest.length; i++) {
      const a = rest[i]!;
      if (a === "--check") check = true;
      else if (a === "--out" && rest[i + 1]) out = rest[++i]!;
      else if (a === "--stdout") toStdout = true;
      else throw new Error(`unknown argument "${a}" (usage: npm run diagram [-- --check] [--env-file <file>] [--out <file>] [--stdout])`);
    }
    const selection = selectEnvironmentFile(root, files, env);
    const target = out ?? defaultTopologyTarget(selection);
    const { markdown, errors } = topologyDocument(root, selection, synthesize);
    for (const e of errors) io.stderr(`warning: guardrail error in ${e.stack} [${e.constructPath}]: ${e.message}\n`);
    if (check) {
      const file = path.resolve(root, target);
      const current = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
      if (current !== markdown) {
        io.stderr(`${path.relative(root, file)} is stale: run \`npm run diagram\` and commit it\n`);
        return 1;
      }
      io.stderr(`${path.relative(root, file)} is up to date\n`);
      return 0;
    }
    if (toStdout) {
      io.stdout(markdown);
      return 0;
    }
    const file = path.resolve(root, target);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, markdown);
    io.stdout(`wrote ${target}\n`);
    return 0;
  } catch (error) {
    if (error instanceof UserInputError) for (const line of inputErrorLines(error)) io.stderr(`${line}\n`);
    else io.stderr(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2), { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) }, projectRoot(), process.env);
}
