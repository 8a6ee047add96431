/**
 * A strict JSON reader for environment files, bounded by construction.
 *
 * JSON.parse accepts anything it can hold: 5,000 nested arrays (which later overflow the stack
 * of whatever walks them), a list of two million ports, a key given twice (the first silently
 * lost). This reader applies the limits an environment file can legitimately need while it
 * reads, so no later step ever sees a value it would spend unbounded time or stack on:
 *
 * - nesting at most MAX_DEPTH objects/lists (the deepest field, `vault.unseal.pgpKeys[i]`, is 4);
 * - at most MAX_ITEMS entries in one object or list (the longest list, `vault.hostPorts`, has 7);
 * - strings of at most MAX_STRING characters (a base64 PGP key is the longest text), numbers
 *   written in at most MAX_NUMBER_TEXT characters and finite;
 * - a key at most once per object.
 *
 * Keys are defined as own data properties, so `"__proto__"` stays a key (and is refused as an
 * unknown field) instead of replacing the object's prototype.
 */
import type { Json } from "../kernel/invariants";

export const MAX_DEPTH = 8;
export const MAX_ITEMS = 64;
export const MAX_STRING = 65536;
const MAX_NUMBER_TEXT = 64;

/** Where the reader stopped, and why; `path` names the field when the problem is a value's. */
export class JsonTextError extends Error {
  constructor(
    message: string,
    public readonly path: readonly (string | number)[] | undefined,
    public readonly line: number,
    public readonly column: number,
  ) {
    super(message);
    this.name = "JsonTextError";
  }
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const PLAIN_STRING_RUN = /[^"\\\u0000-\u001f]*/y;

/** Parses the text of an environment file; throws JsonTextError for anything outside the limits. */
export function parseJsonText(text: string): Json {
  let i = 0;
  const path: (string | number)[] = [];

  const fail = (message: string, at = i, field = false): never => {
    let line = 1;
    let lineStart = 0;
    for (let k = 0; k < at && k < text.length; k++) {
      if (text.charCodeAt(k) === 10) {
        line++;
        lineStart = k + 1;
      }
    }
    throw new JsonTextError(message, field ? [...path] : undefined, line, at - lineStart + 1);
  };
  const describe = (at: number): string => {
    if (at >= text.length) return "the end of the file";
    const ch = text.codePointAt(at)!;
    const c = String.fromCodePoint(ch);
    return /^[\x21-\x7e]$/.test(c) ? `"${c}"` : `U+${ch.toString(16).toUpperCase().padStart(4, "0")}`;
  };
  const skipSpace = (): void => {
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else return;
    }
  };
  const expect = (ch: string, what: string): void => {
    skipSpace();
    if (text[i] !== ch) fail(`expected ${what}, found ${describe(i)}`);
    i++;
  };

  const readString = (): string => {
    // At the opening quote.
    const start = i;
    i++;
    let out = "";
    for (;;) {
      PLAIN_STRING_RUN.lastIndex = i;
      PLAIN_STRING_RUN.exec(text);
      out += text.slice(i, PLAIN_STRING_RUN.lastIndex);
      i = PLAIN_STRING_RUN.lastIndex;
      if (out.length > MAX_STRING) fail(`a text longer than ${MAX_STRING} characters; no field takes that much`, start, true);
      if (i >= text.length) fail("a text that is never closed (missing '\"')", start);
      const c = text[i];
      if (c === '"') {
        i++;
        return out;
      }
      if (c === "\\") {
        const e = text[i + 1];
        const simple: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
        if (e !== undefined && e in simple) {
          out += simple[e];
          i += 2;
        } else if (e === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
          out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
          i += 6;
        } else {
          fail("an invalid escape in a text (JSON knows \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)");
        }
      } else {
        fail(`a raw control character ${describe(i)} in a text; write it escaped or remove it`);
      }
    }
  };

  const readValue = (depth: number): Json => {
    skipSpace();
    const c = text[i];
    if (c === "{" || c === "[") {
      if (depth >= MAX_DEPTH) fail(`nests deeper than ${MAX_DEPTH} levels; no field of an environment is nested that deep`, i, true);
      return c === "{" ? readObject(depth + 1) : readArray(depth + 1);
    }
    if (c === '"') return readString();
    if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(text);
      if (!m) return fail(`expected a value, found ${describe(i)}`);
      if (m[0].length > MAX_NUMBER_TEXT) fail(`a number written with more than ${MAX_NUMBER_TEXT} characters; no field takes such a number`, i, true);
      const value = Number(m[0]);
      if (!Number.isFinite(value)) fail(`${m[0].slice(0, 20)} is too large a number for any field`, i, true);
      i += m[0].length;
      return value;
    }
    for (const [word, value] of [["true", true], ["false", false], ["null", null]] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return value;
      }
    }
    return fail(`expected a value, found ${describe(i)}`);
  };

  const readObject = (depth: number): Json => {
    i++;
    const out: Record<string, Json> = {};
    const seen = new Set<string>();
    skipSpace();
    if (text[i] === "}") {
      i++;
      return out;
    }
    for (;;) {
      skipSpace();
      if (text[i] !== '"') fail(`expected a field name in double quotes, found ${describe(i)}`);
      const keyAt = i;
      const key = readString();
      if (seen.has(key)) {
        path.push(key);
        fail("is given twice in the same object; keep one (JSON keeps only the last, silently)", keyAt, true);
      }
      if (seen.size >= MAX_ITEMS) fail(`has more than ${MAX_ITEMS} fields; no object of an environment has that many`, keyAt, true);
      seen.add(key);
      expect(":", `":" after the field name`);
      path.push(key);
      const value = readValue(depth);
      path.pop();
      Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      skipSpace();
      if (text[i] === ",") {
        i++;
        continue;
      }
      if (text[i] === "}") {
        i++;
        return out;
      }
      fail(`expected "," or "}" after a field's value, found ${describe(i)}`);
    }
  };

  const readArray = (depth: number): Json => {
    i++;
    const out: Json[] = [];
    skipSpace();
    if (text[i] === "]") {
      i++;
      return out;
    }
    for (;;) {
      if (out.length >= MAX_ITEMS) fail(`is a list of more than ${MAX_ITEMS} values; no list of an environment is that long`, i, true);
      path.push(out.length);
      out.push(readValue(depth));
      path.pop();
      skipSpace();
      if (text[i] === ",") {
        i++;
        continue;
      }
      if (text[i] === "]") {
        i++;
        return out;
      }
      fail(`expected "," or "]" after a list value, found ${describe(i)}`);
    }
  };

  // A byte-order mark is not JSON, but editors on some systems write one: read past it.
  if (text.charCodeAt(0) === 0xfeff) i = 1;
  const value = readValue(0);
  skipSpace();
  if (i < text.length) fail(`expected the end of the file after the top-level value, found ${describe(i)}`);
  return value;
}
