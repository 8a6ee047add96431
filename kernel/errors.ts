/**
 * Errors caused by what a user wrote (the environment file, construct props).
 *
 * main.ts prints these as one line per problem, without a stack trace, and exits non-zero
 * before anything is written. Anything else that escapes is a bug in this project.
 *
 * What a user wrote is hostile until shown safely: every value, key and file name that reaches a
 * message goes through `show`/`safeText`, which bound its length and escape what a terminal would
 * interpret (control characters, bidirectional overrides, invisible characters). A message is
 * therefore always one short line, whatever the input.
 */

/** One problem with user input: where it is, and what to do about it. */
export interface InputProblem {
  /** Dotted path of the offending field, e.g. `vault.nodeCount` or `props.sans`. */
  readonly field: string;
  /** What is wrong and how to fix it, in one lowercase sentence (no trailing period). */
  readonly message: string;
}

/** Problems printed for one error; the rest are counted ("... and N more"). */
export const MAX_PRINTED_PROBLEMS = 40;

/** Thrown when user input is invalid. Carries every problem found, not just the first. */
export class UserInputError extends Error {
  public readonly problems: readonly InputProblem[];
  /** What the input was: a file name or a construct path (shown safely). */
  public readonly source: string;

  constructor(source: string, problems: readonly InputProblem[]) {
    const safeSource = safeText(source, 200);
    super(`${safeSource}: ${problems.length} problem${problems.length === 1 ? "" : "s"}\n` + cappedLines(problems, "  ").join("\n"));
    this.name = "UserInputError";
    this.source = safeSource;
    this.problems = problems;
  }

  /** Shorthand for a single problem. */
  static of(source: string, field: string, message: string): UserInputError {
    return new UserInputError(source, [{ field, message }]);
  }
}

/** `field: message` — the one-line form every problem is printed in. */
export function formatProblem(problem: InputProblem): string {
  return `${problem.field}: ${problem.message}`;
}

const PLAIN_KEY = /^[A-Za-z0-9_$-]{1,64}$/;

/** `vault.hostPorts[1]`, `vault.nodeImages.2`; a key that is not plain is shown quoted: `app["a b"]`. */
export function fieldOf(pathParts: readonly PropertyKey[]): string {
  let out = "";
  for (const part of pathParts) {
    if (typeof part === "number") out += `[${part}]`;
    else if (typeof part === "string" && PLAIN_KEY.test(part)) out += out === "" ? part : `.${part}`;
    else out += `[${show(String(part))}]`;
  }
  return out === "" ? "(root)" : out;
}

/** A printed line is never longer than this, whatever a construct put in a message. */
const MAX_LINE = 600;

function cappedLines(problems: readonly InputProblem[], prefix: string, max = MAX_PRINTED_PROBLEMS): string[] {
  const out = problems.slice(0, max).map((p) => safeText(`${prefix}${formatProblem(p)}`, MAX_LINE));
  if (problems.length > max) out.push(`${prefix}... and ${problems.length - max} more problem(s) not shown; fix these first and run again`);
  return out;
}

/**
 * The lines a command prints for an input error: `error: <source>: <field>: <message>` for at
 * most MAX_PRINTED_PROBLEMS problems, then one line counting the rest.
 */
export function inputErrorLines(error: UserInputError, max = MAX_PRINTED_PROBLEMS): string[] {
  return cappedLines(error.problems, `error: ${error.source}: `, max);
}

/**
 * Characters a terminal or editor interprets or hides: C0 and C1 controls and DEL (Cc), format
 * characters such as bidirectional overrides and zero-width joiners (Cf), line and paragraph
 * separators, and unpaired surrogates.
 */
export const UNSAFE_TEXT = /[\p{Cc}\p{Cf}\u2028\u2029]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/gu;

function escapeUnsafe(text: string): string {
  return text.replace(UNSAFE_TEXT, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** Text (a file name, a key) as one short printable line: unsafe characters escaped, long text cut. */
export function safeText(text: string, max = 80): string {
  const cut = text.length > max ? `${text.slice(0, max - 3)}...` : text;
  return escapeUnsafe(cut);
}

const SHOW_MAX = 80;

/**
 * Quotes a value for an error message the way it appeared in JSON, at most 80 characters, with
 * unsafe characters escaped. Never walks more of the value than it shows, so a huge or deeply
 * nested value costs no more than a small one.
 */
export function show(value: unknown): string {
  if (value === undefined) return "(missing)";
  let out = "";
  const full = (): boolean => out.length > SHOW_MAX;
  const emit = (value: unknown, depth: number): void => {
    if (full()) return;
    if (typeof value === "string") {
      out += escapeUnsafe(JSON.stringify(value.length > SHOW_MAX ? value.slice(0, SHOW_MAX + 1) : value));
    } else if (typeof value === "number" || typeof value === "boolean" || value === null) {
      out += Number.isFinite(value) || typeof value !== "number" ? JSON.stringify(value) : String(value);
    } else if (Array.isArray(value)) {
      if (depth >= 3) {
        out += value.length === 0 ? "[]" : "[...]";
        return;
      }
      out += "[";
      for (let i = 0; i < value.length && !full(); i++) {
        if (i > 0) out += ",";
        emit(value[i], depth + 1);
      }
      out += "]";
    } else if (typeof value === "object") {
      if (depth >= 3) {
        out += "{...}";
        return;
      }
      out += "{";
      let first = true;
      for (const key of Object.keys(value)) {
        if (full()) break;
        if (!first) out += ",";
        first = false;
        out += `${escapeUnsafe(JSON.stringify(key.length > SHOW_MAX ? key.slice(0, SHOW_MAX + 1) : key))}:`;
        emit((value as Record<string, unknown>)[key], depth + 1);
      }
      out += "}";
    } else {
      out += escapeUnsafe(String(value).slice(0, SHOW_MAX + 1));
    }
  };
  emit(value, 0);
  return out.length > SHOW_MAX ? `${out.slice(0, SHOW_MAX - 3)}...` : out;
}
