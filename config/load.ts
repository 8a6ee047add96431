/**
 * Loads an environment: reads the environment file (JSON), deep-merges it onto its profile's
 * defaults, checks types strictly (unknown keys are errors) and then the cross-field rules.
 * Throws a UserInputError listing every problem, each as `field: what is wrong; how to fix`.
 */
import * as fs from "fs";
import * as path from "path";
import type { z } from "zod";
import { DEFAULT_SERVER_IMAGES, defaultsFor } from "./defaults";
import { UserInputError, show, type InputProblem } from "./errors";
import { environmentSchema, type EnvironmentConfig } from "./schema";
import { validateEnvironment } from "./validate";

/** Environment variable naming the environment file to synthesize. */
export const ENV_FILE_VARIABLE = "UYOOP_ENV_FILE";
/** The environment synthesized when UYOOP_ENV_FILE is not set, relative to the project root. */
export const DEFAULT_ENV_FILE = "environments/dev.json";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Objects merge key by key; arrays and scalars in `override` replace those in `base`. */
export function deepMerge(base: unknown, override: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(override)) return override === undefined ? base : override;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    out[key] = key in base ? deepMerge(base[key], value) : value;
  }
  return out;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const got = "input" in issue ? ` (got ${show(issue.input)})` : "";
  switch (issue.code) {
    case "invalid_type":
      return `expected ${issue.expected}${got}`;
    case "unrecognized_keys":
      return `unknown field${issue.keys.length === 1 ? "" : "s"} ${issue.keys.map((k) => show(k)).join(", ")}; check the spelling against docs/CONFIGURATION.md`;
    case "invalid_value":
      return `must be one of ${issue.values.map((v) => show(v)).join(", ")}${got}`;
    case "too_small":
      return `must be at least ${String(issue.minimum)}${got}`;
    case "too_big":
      return `must be at most ${String(issue.maximum)}${got}`;
    case "invalid_union":
      return `is not one of the accepted values${got}`;
    default:
      return `${issue.message.toLowerCase()}${got}`;
  }
}

function fieldOf(pathParts: readonly PropertyKey[]): string {
  let out = "";
  for (const part of pathParts) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out === "" ? "(root)" : out;
}

/**
 * Resolves a parsed environment document into a complete, validated configuration.
 * @param document the parsed JSON of an environment file (a partial configuration)
 * @param source how to name the document in error messages (a project-relative path)
 */
export function resolveEnvironment(document: unknown, source: string): EnvironmentConfig {
  if (!isPlainObject(document)) {
    throw UserInputError.of(source, "(root)", "the environment file must contain a JSON object");
  }
  const { $schema: _schema, ...input } = document;
  const profile = input["profile"] === undefined ? "dev" : input["profile"];
  if (profile !== "dev" && profile !== "prod") {
    throw UserInputError.of(source, "profile", `${show(profile)} is not a profile; use "dev" or "prod"`);
  }
  const defaults = defaultsFor(profile);
  const merged = deepMerge(defaults, input) as Record<string, unknown>;
  // The operator directory follows the environment name unless it was set explicitly.
  const host = input["host"];
  const nameGiven = typeof input["name"] === "string";
  if (nameGiven && !(isPlainObject(host) && "operatorDir" in host) && isPlainObject(merged["host"])) {
    merged["host"] = { ...merged["host"], operatorDir: `~/.uyoop-cal/${String(input["name"])}` };
  }

  // The node image follows the server choice unless it was set explicitly.
  const vault = input["vault"];
  if (isPlainObject(vault) && typeof vault["server"] === "string" && !("image" in vault) && isPlainObject(merged["vault"])) {
    const image = (DEFAULT_SERVER_IMAGES as Record<string, string>)[vault["server"]];
    if (image !== undefined) merged["vault"] = { ...merged["vault"], image };
  }

  const parsed = environmentSchema.safeParse(merged, { reportInput: true });
  if (!parsed.success) {
    const problems: InputProblem[] = parsed.error.issues.map((issue) => ({
      field: fieldOf(issue.path),
      message: describeIssue(issue),
    }));
    throw new UserInputError(source, problems);
  }
  const problems = validateEnvironment(parsed.data);
  if (problems.length > 0) throw new UserInputError(source, problems);
  return parsed.data;
}

/**
 * Reads and resolves the environment file: `UYOOP_ENV_FILE` if set (relative to the current
 * directory), else `environments/dev.json` under the project root.
 */
export function loadEnvironment(projectRoot: string, env: NodeJS.ProcessEnv = process.env): EnvironmentConfig {
  const requested = env[ENV_FILE_VARIABLE];
  const file = requested ? path.resolve(requested) : path.join(projectRoot, DEFAULT_ENV_FILE);
  // Name the file as the user gave it (or relative to the project): no machine path in output.
  const source = requested || DEFAULT_ENV_FILE;
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    throw UserInputError.of(source, ENV_FILE_VARIABLE, `cannot read ${source}; point ${ENV_FILE_VARIABLE} at an environment JSON file`);
  }
  let document: Json;
  try {
    document = JSON.parse(text) as Json;
  } catch (e) {
    throw UserInputError.of(source, "(file)", `is not valid JSON (${(e as Error).message}); fix the syntax`);
  }
  return resolveEnvironment(document, source);
}
