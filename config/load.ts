/**
 * Loads an environment: reads the environment file (a regular file of bounded size, strict
 * JSON within bounded nesting and lengths), deep-merges it onto its profile's defaults, checks
 * types strictly (unknown keys are errors) and then the cross-field rules.
 *
 * Every problem is found in one pass: a field that fails the type check is reported, then set
 * back to its profile default so the rules still run on everything else; a rule that reads a
 * field with a problem is skipped (config/validate.ts), so a derived check never runs on a value
 * that is already known to be wrong (or unbounded).
 *
 * Throws a UserInputError listing every problem, each as `field: what is wrong; how to fix`.
 */
import { z } from "zod";
import { DEFAULT_SERVER_IMAGES, defaultsFor } from "./defaults";
import { EnvFileReadError, readEnvironmentFileText } from "./env-file";
import { DEFAULT_ENV_FILE, ENV_FILE_VARIABLE, SELECTOR_SOURCE, refuseSwallowedFlag, selectEnvironmentFile, takeEnvFileFlags, type EnvFileSelection } from "./env-selector";
import { UserInputError, fieldOf, show, type InputProblem } from "../kernel/errors";
import { JsonTextError, parseJsonText } from "./json-text";
import { environmentSchema, type EnvironmentConfig } from "./schema";
import { isEnvironmentName, validateEnvironment } from "./validate";

export { DEFAULT_ENV_FILE, ENV_FILE_VARIABLE };

type Path = readonly (string | number)[];

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Sets an own data property, even one named `__proto__` (assignment would set the prototype). */
function define(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A deep copy of JSON-like data (own keys only). */
function clone(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clone);
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) define(out, key, clone(value[key]));
  return out;
}

/**
 * Objects merge key by key; arrays and scalars in `override` replace those in `base`. The
 * result shares nothing with either argument, and keys are only ever own properties.
 */
export function deepMerge(base: unknown, override: unknown): unknown {
  if (override === undefined) return clone(base);
  if (!isPlainObject(base) || !isPlainObject(override)) return clone(override);
  const out = clone(base) as Record<string, unknown>;
  for (const key of Object.keys(override)) {
    define(out, key, Object.hasOwn(base, key) ? deepMerge(base[key], override[key]) : clone(override[key]));
  }
  return out;
}

function getAt(value: unknown, path: Path): unknown {
  let node = value;
  for (const part of path) {
    if (Array.isArray(node) && typeof part === "number") node = node[part];
    else if (isPlainObject(node) && typeof part === "string" && Object.hasOwn(node, part)) node = node[part];
    else return undefined;
  }
  return node;
}

function setAt(root: Record<string, unknown>, path: Path, value: unknown): void {
  let node = root;
  for (const part of path.slice(0, -1)) {
    const key = String(part);
    if (!isPlainObject(node[key]) || !Object.hasOwn(node, key)) define(node, key, {});
    node = node[key] as Record<string, unknown>;
  }
  define(node, String(path[path.length - 1]), value);
}

function deleteAt(root: Record<string, unknown>, path: Path): void {
  const parent = getAt(root, path.slice(0, -1));
  if (isPlainObject(parent)) delete parent[String(path[path.length - 1])];
}

// ---- unknown fields ------------------------------------------------------------------------

/** The zod schema of a field, through optional wrappers; undefined past a leaf or a record. */
function schemaAt(path: Path): z.ZodType | undefined {
  let node: z.ZodType = environmentSchema;
  for (const part of path) {
    while (node instanceof z.ZodOptional) node = node.unwrap() as z.ZodType;
    if (!(node instanceof z.ZodObject) || typeof part !== "string") return undefined;
    const shape = node.shape as Record<string, z.ZodType>;
    if (!Object.hasOwn(shape, part)) return undefined;
    node = shape[part]!;
  }
  while (node instanceof z.ZodOptional) node = node.unwrap() as z.ZodType;
  return node;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(above + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/** The known field a misspelt key most likely meant (same letters in another case, or one or two typos). */
function suggestion(objectPath: Path, key: string): string | undefined {
  const node = schemaAt(objectPath);
  if (!(node instanceof z.ZodObject) || key.length > 40) return undefined;
  const known = Object.keys(node.shape as Record<string, unknown>);
  const lower = key.toLowerCase();
  const sameCase = known.find((k) => k.toLowerCase() === lower);
  if (sameCase !== undefined) return sameCase;
  const scored = known.map((k) => ({ k, d: editDistance(lower, k.toLowerCase()) })).sort((a, b) => a.d - b.d);
  const best = scored[0];
  return best !== undefined && best.d <= Math.min(2, Math.floor(key.length / 3)) ? best.k : undefined;
}

function unknownField(objectPath: Path, key: string): InputProblem {
  const hint = suggestion(objectPath, key);
  return {
    field: fieldOf([...objectPath, key]),
    message: `unknown field${hint !== undefined ? ` (did you mean "${hint}"?)` : ""}; check the spelling against docs/CONFIGURATION.md`,
  };
}

/**
 * Own `__proto__` keys, anywhere in the document: zod would assign them (setting a prototype and
 * dropping the key silently), so they are reported as unknown fields and removed first.
 */
function takeProtoKeys(value: unknown, path: (string | number)[], out: InputProblem[]): void {
  if (Array.isArray(value)) value.forEach((v, i) => takeProtoKeys(v, [...path, i], out));
  else if (isPlainObject(value)) {
    if (Object.hasOwn(value, "__proto__")) {
      out.push(unknownField(path, "__proto__"));
      delete value["__proto__"];
    }
    for (const key of Object.keys(value)) takeProtoKeys(value[key], [...path, key], out);
  }
}

// ---- type check ----------------------------------------------------------------------------

function describeIssue(issue: z.core.$ZodIssue): string {
  const got = "input" in issue ? ` (got ${show(issue.input)})` : "";
  switch (issue.code) {
    case "invalid_type":
      return `expected ${issue.expected}${got}`;
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

/**
 * The field a type problem replaces: the deepest part of its path that the profile defaults
 * hold as an object, plus one (a whole list, a scalar, one entry of a record).
 */
function replacedField(defaults: unknown, path: Path): Path {
  let k = 1;
  while (k < path.length && isPlainObject(getAt(defaults, path.slice(0, k)))) k++;
  return path.slice(0, k);
}

/** Type-checks the merged document: problems, and a configuration with every bad field at its default. */
function typeCheck(merged: Record<string, unknown>, defaults: EnvironmentConfig): { problems: InputProblem[]; config?: EnvironmentConfig } {
  const parsed = environmentSchema.safeParse(merged, { reportInput: true });
  if (parsed.success) return { problems: [], config: parsed.data };
  const problems: InputProblem[] = [];
  const repaired = clone(merged) as Record<string, unknown>;
  for (const issue of parsed.error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        problems.push(unknownField(issue.path as Path, key));
        deleteAt(repaired, [...(issue.path as Path), key]);
      }
      continue;
    }
    problems.push({ field: fieldOf(issue.path), message: describeIssue(issue) });
    const field = replacedField(defaults, issue.path as Path);
    const fallback = getAt(defaults, field);
    if (field.length === 0) continue;
    if (fallback === undefined) deleteAt(repaired, field);
    else setAt(repaired, field, clone(fallback));
  }
  const again = environmentSchema.safeParse(repaired);
  return again.success ? { problems, config: again.data } : { problems };
}

/**
 * Resolves a parsed environment document into a complete, validated configuration.
 * @param document the parsed JSON of an environment file (a partial configuration)
 * @param source how to name the document in error messages (a project-relative path)
 */
export function resolveEnvironment(document: unknown, source: string): EnvironmentConfig {
  if (!isPlainObject(document)) {
    throw UserInputError.of(source, "(root)", `${show(document)} is not an object; an environment file holds one JSON object, e.g. {"name": "uyoop-dev"}`);
  }
  const input = clone(document) as Record<string, unknown>;
  delete input["$schema"];
  const profile = Object.hasOwn(input, "profile") ? input["profile"] : "dev";
  if (profile !== "dev" && profile !== "prod") {
    throw UserInputError.of(source, "profile", `${show(profile)} is not a profile; use "dev" or "prod"`);
  }
  const problems: InputProblem[] = [];
  takeProtoKeys(input, [], problems);

  const defaults = defaultsFor(profile);
  const merged = deepMerge(defaults, input) as Record<string, unknown>;
  // The operator directory follows the environment name unless it was set explicitly (and only
  // a valid name: a name's problem is reported once, as the name's).
  const host = input["host"];
  const name = input["name"];
  if (isEnvironmentName(name) && !(isPlainObject(host) && Object.hasOwn(host, "operatorDir")) && isPlainObject(merged["host"])) {
    define(merged["host"], "operatorDir", `~/.uyoop-cal/${name}`);
  }
  // The node image follows the server choice unless it was set explicitly.
  const vault = input["vault"];
  if (isPlainObject(vault) && typeof vault["server"] === "string" && !Object.hasOwn(vault, "image") && isPlainObject(merged["vault"])) {
    const images: Record<string, string> = DEFAULT_SERVER_IMAGES;
    if (Object.hasOwn(images, vault["server"])) define(merged["vault"], "image", images[vault["server"]]);
  }

  const typed = typeCheck(merged, defaults);
  problems.push(...typed.problems);
  if (typed.config === undefined) throw new UserInputError(source, problems);
  problems.push(...validateEnvironment(typed.config, problems));
  if (problems.length > 0) throw new UserInputError(source, problems);
  return typed.config;
}

/** What `--env-file`, UYOOP_ENV_FILE or the default named, read, parsed and resolved. */
export function loadSelectedEnvironment(selection: EnvFileSelection): EnvironmentConfig {
  const { file, source, origin } = selection;
  let text: string;
  try {
    text = readEnvironmentFileText(file);
  } catch (e) {
    if (!(e instanceof EnvFileReadError)) throw e;
    const field = origin === "default" ? "(file)" : origin;
    const hint = origin === "default" ? `restore ${DEFAULT_ENV_FILE} or name another file` : `point ${origin} at an environment JSON file`;
    throw UserInputError.of(source, field, `cannot read ${show(source)}: it ${e.message}; ${hint}`);
  }
  let document: unknown;
  try {
    document = parseJsonText(text);
  } catch (e) {
    if (!(e instanceof JsonTextError)) throw e;
    const where = `line ${e.line}, column ${e.column}`;
    if (e.path !== undefined) throw UserInputError.of(source, fieldOf(e.path), `${e.message} (${where})`);
    throw UserInputError.of(source, "(file)", `is not valid JSON: ${where}: ${e.message}; fix the syntax`);
  }
  return resolveEnvironment(document, source);
}

/**
 * Reads and resolves the environment file named by `--env-file` (values already taken from
 * the command line), else UYOOP_ENV_FILE, else environments/dev.json (config/env-selector.ts).
 */
export function loadEnvironment(projectRoot: string, env: NodeJS.ProcessEnv = process.env, envFileFlags: readonly string[] = []): EnvironmentConfig {
  return loadSelectedEnvironment(selectEnvironmentFile(projectRoot, envFileFlags, env));
}

/**
 * The environment of synth's command line: `--env-file <file>` (at most once), else
 * UYOOP_ENV_FILE, else the default. Any other argument is an error, never ignored.
 */
export function loadEnvironmentFromCommandLine(projectRoot: string, argv: readonly string[], env: NodeJS.ProcessEnv = process.env): EnvironmentConfig {
  refuseSwallowedFlag(env);
  const { files, rest } = takeEnvFileFlags(argv);
  if (rest.length > 0) {
    throw UserInputError.of(SELECTOR_SOURCE, "(argument)", `${show(rest[0])} is not an option of synth; it takes only --env-file <file> (npm run synth -- --env-file environments/x.json)`);
  }
  return loadEnvironment(projectRoot, env, files);
}
