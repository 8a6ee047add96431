/**
 * A minimal HCL (native syntax) writer for configuration rendered from typed objects. Strings are
 * escaped (quotes, backslashes) and anything HCL 1 and HCL 2 would read differently is refused,
 * so no input can change the structure of the document. Tests parse the output with HashiCorp's
 * HCL parser.
 */

export type HclValue = string | number | boolean | readonly HclValue[] | HclObject;
export interface HclObject {
  readonly [key: string]: HclValue;
}

export interface HclAttribute {
  readonly kind: "attribute";
  readonly name: string;
  readonly value: HclValue;
}

export interface HclBlock {
  readonly kind: "block";
  readonly type: string;
  readonly labels: readonly string[];
  readonly body: HclBody;
}

export type HclBody = readonly (HclAttribute | HclBlock)[];

export const attr = (name: string, value: HclValue): HclAttribute => ({ kind: "attribute", name, value });
export const block = (type: string, labels: readonly string[], body: HclBody): HclBlock => ({ kind: "block", type, labels, body });

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/**
 * A quoted HCL string literal. Vault reads its configuration with HCL 1 while tools (and our
 * tests) use HCL 2; the two agree on `\\` and `\"` escapes but not on template sequences or
 * control-character escapes, so those are refused rather than escaped.
 */
export function hclString(value: string): string {
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new Error(`HCL string ${JSON.stringify(value)} contains a control character`);
  if (value.includes("${") || value.includes("%{")) throw new Error(`HCL string ${JSON.stringify(value)} contains a template sequence`);
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

function renderValue(value: HclValue, indent: string): string {
  if (typeof value === "string") return hclString(value);
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`HCL cannot represent ${value}`);
    return String(value);
  }
  if (Array.isArray(value)) {
    return `[${(value as readonly HclValue[]).map((v) => renderValue(v, indent)).join(", ")}]`;
  }
  const entries = Object.entries(value as HclObject);
  if (entries.length === 0) return "{}";
  const inner = `${indent}  `;
  return `{\n${entries.map(([k, v]) => `${inner}${hclString(k)} = ${renderValue(v, inner)}`).join("\n")}\n${indent}}`;
}

function renderBody(body: HclBody, indent: string): string {
  const lines: string[] = [];
  for (const item of body) {
    if (item.kind === "attribute") {
      if (!IDENTIFIER.test(item.name)) throw new Error(`invalid HCL attribute name ${JSON.stringify(item.name)}`);
      lines.push(`${indent}${item.name} = ${renderValue(item.value, indent)}`);
    } else {
      if (!IDENTIFIER.test(item.type)) throw new Error(`invalid HCL block type ${JSON.stringify(item.type)}`);
      const labels = item.labels.map((l) => ` ${hclString(l)}`).join("");
      lines.push(`${indent}${item.type}${labels} {`, renderBody(item.body, `${indent}  `), `${indent}}`);
    }
  }
  return lines.filter((l) => l !== "").join("\n");
}

/** Renders a document; ends with a newline. */
export function renderHcl(body: HclBody): string {
  return `${renderBody(body, "")}\n`;
}
