/**
 * A synchronous reader for the HCL native syntax a Vault server configuration uses: attributes,
 * blocks with labels, strings, numbers, booleans, null, lists, objects and comments. Its output
 * has the shape of HashiCorp's HCL-to-JSON conversion (`@cdktf/hcl2json`): a block becomes
 * `{ type: { label: [body, ...] } }` (`{ type: [body, ...] }` without labels), so rules read the
 * configuration as Vault does, not as text. Tests prove both readers agree.
 *
 * It refuses what it cannot read exactly (templates, heredocs, function calls, variables) rather
 * than guessing: synthesis is synchronous and HashiCorp's parser is asynchronous WASM.
 */
import type { Json, JsonObject } from "./types";

export class HclReadError extends Error {
  constructor(source: string, line: number, message: string) {
    super(`${source}: line ${line}: ${message}`);
    this.name = "HclReadError";
  }
}

type TokenKind = "ident" | "string" | "number" | "punct" | "newline" | "eof";
interface Token {
  readonly kind: TokenKind;
  readonly value: string;
  readonly line: number;
}

const PUNCT = new Set(["{", "}", "[", "]", "=", ",", ":", "-", ".", "(", ")"]);

function tokenize(text: string, source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  const fail = (message: string): never => {
    throw new HclReadError(source, line, message);
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === "\n") {
      tokens.push({ kind: "newline", value: "\n", line });
      line++;
      i++;
    } else if (c === " " || c === "\t" || c === "\r") {
      i++;
    } else if (c === "#" || (c === "/" && text[i + 1] === "/")) {
      while (i < text.length && text[i] !== "\n") i++;
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      if (end < 0) fail("unterminated /* comment");
      for (let k = i; k < end; k++) if (text[k] === "\n") line++;
      i = end + 2;
    } else if (c === '"') {
      let value = "";
      i++;
      for (;;) {
        if (i >= text.length || text[i] === "\n") fail("unterminated string");
        const ch = text[i]!;
        if (ch === '"') {
          i++;
          break;
        }
        if ((ch === "$" || ch === "%") && text[i + 1] === "{") fail("template sequences are not read: the value is not known at synth");
        if (ch === "\\") {
          const e = text[i + 1];
          const simple: Record<string, string> = { n: "\n", r: "\r", t: "\t", '"': '"', "\\": "\\" };
          if (e !== undefined && simple[e] !== undefined) {
            value += simple[e];
            i += 2;
          } else if (e === "u" || e === "U") {
            const len = e === "u" ? 4 : 8;
            const hex = text.slice(i + 2, i + 2 + len);
            if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) fail(`bad \\${e} escape`);
            value += String.fromCodePoint(parseInt(hex, 16));
            i += 2 + len;
          } else {
            fail(`unknown escape \\${e ?? ""}`);
          }
        } else {
          value += ch;
          i++;
        }
      }
      tokens.push({ kind: "string", value, line });
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i))!;
      tokens.push({ kind: "number", value: m[0], line });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(text.slice(i))!;
      tokens.push({ kind: "ident", value: m[0], line });
      i += m[0].length;
    } else if (c === "<" && text[i + 1] === "<") {
      fail("heredocs are not read");
    } else if (PUNCT.has(c)) {
      tokens.push({ kind: "punct", value: c, line });
      i++;
    } else {
      fail(`unexpected character ${JSON.stringify(c)}`);
    }
  }
  tokens.push({ kind: "eof", value: "", line });
  return tokens;
}

class Parser {
  private at = 0;
  constructor(
    private readonly tokens: readonly Token[],
    private readonly source: string,
  ) {}

  private peek(): Token {
    return this.tokens[this.at]!;
  }
  private next(): Token {
    return this.tokens[this.at++]!;
  }
  private fail(message: string, token = this.peek()): never {
    throw new HclReadError(this.source, token.line, message);
  }
  private skipNewlines(): void {
    while (this.peek().kind === "newline") this.at++;
  }
  private isPunct(value: string): boolean {
    const t = this.peek();
    return t.kind === "punct" && t.value === value;
  }
  private expectPunct(value: string): void {
    if (!this.isPunct(value)) this.fail(`expected "${value}", found ${this.describe(this.peek())}`);
    this.at++;
  }
  private describe(t: Token): string {
    return t.kind === "eof" ? "end of file" : t.kind === "newline" ? "end of line" : JSON.stringify(t.value);
  }

  /** A body up to `}` (nested) or end of file (top level). */
  body(nested: boolean): JsonObject {
    const out: JsonObject = {};
    const attributes = new Set<string>();
    for (;;) {
      this.skipNewlines();
      const t = this.peek();
      if (t.kind === "eof") {
        if (nested) this.fail('missing "}"');
        return out;
      }
      if (nested && this.isPunct("}")) return out;
      if (t.kind !== "ident") this.fail(`expected an attribute or block name, found ${this.describe(t)}`);
      this.at++;
      const name = t.value;
      if (this.isPunct("=")) {
        this.at++;
        if (name in out) this.fail(`"${name}" is defined twice`, t);
        out[name] = this.expression();
        attributes.add(name);
        const end = this.peek();
        if (!(end.kind === "newline" || end.kind === "eof" || (nested && this.isPunct("}")))) {
          this.fail(`expected the end of line after "${name}", found ${this.describe(end)}`);
        }
        continue;
      }
      const labels: string[] = [];
      while (this.peek().kind === "string" || this.peek().kind === "ident") labels.push(this.next().value);
      this.expectPunct("{");
      const inner = this.body(true);
      this.expectPunct("}");
      if (attributes.has(name)) this.fail(`"${name}" is both an attribute and a block`, t);
      this.addBlock(out, name, labels, inner, t);
    }
  }

  private addBlock(out: JsonObject, type: string, labels: readonly string[], body: JsonObject, at: Token): void {
    if (labels.length === 0) {
      const existing = out[type];
      if (existing === undefined) out[type] = [body];
      else if (Array.isArray(existing)) existing.push(body);
      else this.fail(`block "${type}" is used both with and without labels`, at);
      return;
    }
    let node = out[type];
    if (node === undefined) node = out[type] = {};
    if (node === null || typeof node !== "object" || Array.isArray(node)) this.fail(`block "${type}" is used both with and without labels`, at);
    let cursor = node as JsonObject;
    labels.forEach((label, i) => {
      const last = i === labels.length - 1;
      const existing = cursor[label];
      if (last) {
        if (existing === undefined) cursor[label] = [body];
        else if (Array.isArray(existing)) existing.push(body);
        else this.fail(`block "${type}" has inconsistent labels`, at);
      } else {
        if (existing === undefined) cursor[label] = {};
        const child = cursor[label];
        if (child === null || typeof child !== "object" || Array.isArray(child)) this.fail(`block "${type}" has inconsistent labels`, at);
        cursor = child as JsonObject;
      }
    });
  }

  expression(): Json {
    const t = this.next();
    if (t.kind === "string") return t.value;
    if (t.kind === "number") return Number(t.value);
    if (t.kind === "punct" && t.value === "-") {
      const n = this.next();
      if (n.kind !== "number") this.fail("expected a number after -", n);
      return -Number(n.value);
    }
    if (t.kind === "ident") {
      if (t.value === "true") return true;
      if (t.value === "false") return false;
      if (t.value === "null") return null;
      this.fail(`${JSON.stringify(t.value)} is a variable or function: only literal values are read`, t);
    }
    if (t.kind === "punct" && t.value === "[") return this.list();
    if (t.kind === "punct" && t.value === "{") return this.object();
    this.fail(`expected a value, found ${this.describe(t)}`, t);
  }

  private list(): Json[] {
    const items: Json[] = [];
    for (;;) {
      this.skipNewlines();
      if (this.isPunct("]")) {
        this.at++;
        return items;
      }
      items.push(this.expression());
      this.skipNewlines();
      if (this.isPunct(",")) this.at++;
      else if (!this.isPunct("]")) this.fail(`expected "," or "]", found ${this.describe(this.peek())}`);
    }
  }

  private object(): JsonObject {
    const out: JsonObject = {};
    for (;;) {
      this.skipNewlines();
      if (this.isPunct("}")) {
        this.at++;
        return out;
      }
      const k = this.next();
      if (k.kind !== "string" && k.kind !== "ident") this.fail(`expected an object key, found ${this.describe(k)}`, k);
      if (!this.isPunct("=") && !this.isPunct(":")) this.fail(`expected "=" after key ${JSON.stringify(k.value)}`);
      this.at++;
      if (k.value in out) this.fail(`object key ${JSON.stringify(k.value)} is defined twice`, k);
      out[k.value] = this.expression();
      if (this.isPunct(",")) this.at++;
      else if (!(this.peek().kind === "newline" || this.isPunct("}"))) this.fail(`expected "," or a new line in object, found ${this.describe(this.peek())}`);
    }
  }
}

/** Reads an HCL document into hcl2json's JSON shape; throws HclReadError naming the line. */
export function readHcl(text: string, source = "hcl"): JsonObject {
  return new Parser(tokenize(text, source), source).body(false);
}
