/**
 * Errors caused by what a user wrote (the environment file, construct props).
 *
 * main.ts prints these as one line per problem, without a stack trace, and exits non-zero
 * before anything is written. Anything else that escapes is a bug in this project.
 */

/** One problem with user input: where it is, and what to do about it. */
export interface InputProblem {
  /** Dotted path of the offending field, e.g. `vault.nodeCount` or `props.sans`. */
  readonly field: string;
  /** What is wrong and how to fix it, in one lowercase sentence (no trailing period). */
  readonly message: string;
}

/** Thrown when user input is invalid. Carries every problem found, not just the first. */
export class UserInputError extends Error {
  public readonly problems: readonly InputProblem[];
  /** What the input was: a file name or a construct path. */
  public readonly source: string;

  constructor(source: string, problems: readonly InputProblem[]) {
    super(
      `${source}: ${problems.length} problem${problems.length === 1 ? "" : "s"}\n` +
        problems.map((p) => `  ${formatProblem(p)}`).join("\n"),
    );
    this.name = "UserInputError";
    this.source = source;
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

/** Quotes a value for an error message the way it appeared in JSON. */
export function show(value: unknown): string {
  if (value === undefined) return "(missing)";
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
