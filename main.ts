/**
 * Entry point: loads the environment file, builds the three stacks and synthesizes them.
 *
 * Synthesis is all-or-nothing: stacks are written to a staging directory that replaces the
 * output directory only when every stack synthesized. Bad input is reported one line per
 * problem (`<file>: <field>: <what is wrong; how to fix>`), without a stack trace, exit code 1.
 */
import * as fs from "fs";
import * as path from "path";
import { App } from "cdktf";
import { loadEnvironment } from "./config/load";
import { UserInputError, formatProblem } from "./config/errors";
import { buildEnvironment } from "./stacks/environment";
import { projectRoot } from "./constructs/project-files";

export function main(env: NodeJS.ProcessEnv = process.env): number {
  const outdir = env["CDKTF_OUTDIR"] ?? "cdktf.out";
  const staging = `${outdir}.staging-${process.pid}`;
  try {
    const config = loadEnvironment(projectRoot(), env);
    fs.mkdirSync(path.dirname(path.resolve(staging)), { recursive: true });
    const app = new App({ outdir: staging, stackTraces: false });
    buildEnvironment(app, config);
    app.synth();
    fs.rmSync(outdir, { recursive: true, force: true });
    fs.renameSync(staging, outdir);
    if (config.allowDataLoss) {
      process.stderr.write(
        `WARNING: destroy protection is OFF for ${config.name} (allowDataLoss: ${JSON.stringify(config.allowDataLoss.reason)})\n`,
      );
    }
    return 0;
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true });
    if (error instanceof UserInputError) {
      for (const p of error.problems) process.stderr.write(`error: ${error.source}: ${formatProblem(p)}\n`);
      process.stderr.write(`synth aborted: ${error.problems.length} problem(s); nothing was written\n`);
      return 1;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`error: ${message}\nsynth aborted; nothing was written\n`);
    if (env["UYOOP_DEBUG"] && error instanceof Error) process.stderr.write(`${error.stack ?? ""}\n`);
    return 1;
  }
}

if (require.main === module) {
  process.exitCode = main();
}
