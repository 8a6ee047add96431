/**
 * Which environment file a command works on, the same for every command (synth, audit, diff,
 * diagram):
 *
 * 1. `--env-file <file>` (or `--env-file=<file>`) on the command line, relative to the current
 *    directory; audit takes it more than once;
 * 2. else `UYOOP_ENV_FILE`, relative to the current directory;
 * 3. else `environments/dev.json` under the project root.
 *
 * Nothing falls back silently: an empty `UYOOP_ENV_FILE=`, an `--env-file` without a file, or an
 * `--env-file` that npm took for its own option (`npm run x --env-file f` without `--`) is an
 * error, and so is a file that cannot be read (config/env-file.ts).
 */
import * as path from "path";
import { UserInputError } from "../kernel/errors";

/** Environment variable naming the environment file. */
export const ENV_FILE_VARIABLE = "UYOOP_ENV_FILE";
/** Command-line option naming the environment file. */
export const ENV_FILE_FLAG = "--env-file";
/** The environment used when neither names one, relative to the project root. */
export const DEFAULT_ENV_FILE = "environments/dev.json";
/** What npm sets when it takes `--env-file` for its own configuration (no `--` before it). */
const NPM_SWALLOWED_FLAG = "npm_config_env_file";

/** Source named in errors about the command line or the process environment. */
export const SELECTOR_SOURCE = "(command line)";

export interface EnvFileSelection {
  /** Absolute path to read. */
  readonly file: string;
  /** How messages name it: as the user wrote it, or the default's project-relative path. */
  readonly source: string;
  /** The setting that named it, for messages about the file itself. */
  readonly origin: typeof ENV_FILE_FLAG | typeof ENV_FILE_VARIABLE | "default";
}

/**
 * `npm run x --env-file f` (no `--`) hands npm the option: npm sets npm_config_env_file and passes
 * only `f` on. Commands call this before reading their arguments, so the user learns why.
 */
export function refuseSwallowedFlag(env: NodeJS.ProcessEnv): void {
  if (env[NPM_SWALLOWED_FLAG] !== undefined) {
    throw UserInputError.of(
      SELECTOR_SOURCE,
      ENV_FILE_FLAG,
      "was taken by npm as its own option (nothing separated it from npm's); write `npm run <command> -- --env-file <file>`",
    );
  }
}

/**
 * Takes every `--env-file` out of a command line. Returns the files and the other arguments,
 * in order; throws a UserInputError when an `--env-file` has no file after it.
 */
export function takeEnvFileFlags(argv: readonly string[]): { files: string[]; rest: string[] } {
  const files: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    let value: string | undefined;
    if (a === ENV_FILE_FLAG) {
      value = argv[i + 1];
      if (value === undefined || value.startsWith("--")) value = "";
      else i++;
    } else if (a.startsWith(`${ENV_FILE_FLAG}=`)) {
      value = a.slice(ENV_FILE_FLAG.length + 1);
    } else {
      rest.push(a);
      continue;
    }
    if (value === "") throw UserInputError.of(SELECTOR_SOURCE, ENV_FILE_FLAG, "needs a file name, e.g. --env-file environments/prod.json");
    files.push(value);
  }
  return { files, rest };
}

/**
 * The environment files named by `--env-file` values (already taken from the command line) or,
 * when there are none, by UYOOP_ENV_FILE or the default.
 */
export function selectEnvironmentFiles(projectRoot: string, flagFiles: readonly string[], env: NodeJS.ProcessEnv = process.env): EnvFileSelection[] {
  refuseSwallowedFlag(env);
  if (flagFiles.length > 0) return flagFiles.map((f) => ({ file: path.resolve(f), source: f, origin: ENV_FILE_FLAG }));
  const variable = env[ENV_FILE_VARIABLE];
  if (variable !== undefined) {
    if (variable.trim() === "") {
      throw UserInputError.of(
        SELECTOR_SOURCE,
        ENV_FILE_VARIABLE,
        `is set but empty; name an environment file (e.g. ${ENV_FILE_VARIABLE}=environments/prod.json) or unset it to use ${DEFAULT_ENV_FILE}`,
      );
    }
    return [{ file: path.resolve(variable), source: variable, origin: ENV_FILE_VARIABLE }];
  }
  return [{ file: path.join(projectRoot, DEFAULT_ENV_FILE), source: DEFAULT_ENV_FILE, origin: "default" }];
}

/** The one environment file of a command that works on one (synth, diff, diagram). */
export function selectEnvironmentFile(projectRoot: string, flagFiles: readonly string[], env: NodeJS.ProcessEnv = process.env): EnvFileSelection {
  if (flagFiles.length > 1) {
    throw UserInputError.of(SELECTOR_SOURCE, ENV_FILE_FLAG, `is given ${flagFiles.length} times; this command works on one environment: give it once`);
  }
  return selectEnvironmentFiles(projectRoot, flagFiles, env)[0]!;
}
