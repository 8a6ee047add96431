/** Small readers for synthesized JSON values (which may be literals or "${...}" tokens). */
import type { Json, JsonObject } from "./types";

export function isObject(v: Json | undefined): v is JsonObject {
  return v !== null && v !== undefined && typeof v === "object" && !Array.isArray(v);
}

export function asObject(v: Json | undefined): JsonObject {
  return isObject(v) ? v : {};
}

export function asArray(v: Json | undefined): Json[] {
  return Array.isArray(v) ? v : [];
}

/** Objects of a list (blocks render as lists of objects). */
export function objects(v: Json | undefined): JsonObject[] {
  if (isObject(v)) return [v];
  return asArray(v).filter(isObject);
}

export function asString(v: Json | undefined): string | undefined {
  return typeof v === "string" ? v : undefined;
}

export function strings(v: Json | undefined): string[] {
  return asArray(v).filter((x): x is string => typeof x === "string");
}

/** A number, or a numeric string (overrides and tokens may render either). */
export function asNumber(v: Json | undefined): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v === "string" && /^-?\d+(\.\d+)?$/.test(v.trim())) return Number(v);
  return undefined;
}

/** true, "true" or 1: what Terraform would read as true. */
export function isTrue(v: Json | undefined): boolean {
  return v === true || v === "true" || v === 1 || v === "1";
}

/** false, "false" or 0. */
export function isFalse(v: Json | undefined): boolean {
  return v === false || v === "false" || v === 0 || v === "0";
}

/** Whether a string is (or contains) a Terraform expression, unknown at synth. */
export function isToken(v: Json | undefined): boolean {
  return typeof v === "string" && v.includes("${");
}

/** Every string in a JSON value, with the key path that leads to it. */
export function walkStrings(v: Json | undefined, visit: (value: string, key: string | undefined, path: string) => void, path = "", key?: string): void {
  if (typeof v === "string") visit(v, key, path);
  else if (Array.isArray(v)) v.forEach((x, i) => walkStrings(x, visit, `${path}[${i}]`, key));
  else if (isObject(v)) {
    for (const [k, x] of Object.entries(v)) {
      if (k === "//") continue;
      walkStrings(x, visit, path === "" ? k : `${path}.${k}`, k);
    }
  }
}

/** JSON rendered with sorted keys and two-space indentation, byte for byte as cdktf writes cdk.tf.json (json-stable-stringify, space 2). */
export function stableStringify(value: Json | undefined, indent = ""): string {
  if (value === undefined) return "null";
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return `[\n${indent}]`;
    return `[\n${value.map((v) => `${inner}${stableStringify(v, inner)}`).join(",\n")}\n${indent}]`;
  }
  const keys = Object.keys(value)
    .filter((k) => value[k] !== undefined)
    .sort();
  if (keys.length === 0) return `{\n${indent}}`;
  return `{\n${keys.map((k) => `${inner}${JSON.stringify(k)}: ${stableStringify(value[k], inner)}`).join(",\n")}\n${indent}}`;
}
