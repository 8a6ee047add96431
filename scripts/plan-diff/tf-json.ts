/**
 * The synthesized Terraform JSON (cdk.tf.json) as plain data, and the references between its
 * resources: `${type.name.attr}` expressions, including cdktf's cross-stack references
 * (`data.terraform_remote_state.<input>.outputs.<output>` resolved through the producing stack's
 * `output` block). Shared by the plan diff and the topology diagram; no cdktf import.
 */
import { templateSequences } from "../../kernel/terraform-template";

import type { Json, JsonObject } from "../../kernel/invariants";
export type { Json, JsonObject };

/** One stack's cdk.tf.json. */
export interface TfJson {
  readonly terraform?: JsonObject;
  readonly provider?: Record<string, Json[]>;
  readonly resource?: Record<string, Record<string, JsonObject>>;
  readonly data?: Record<string, Record<string, JsonObject>>;
  readonly output?: Record<string, JsonObject>;
  readonly [key: string]: unknown;
}

/** Synthesized stacks by stack id. */
export type StackSet = Record<string, TfJson>;

/** Keys Terraform handles itself (meta-arguments) and cdktf's metadata. */
export const META_KEYS: ReadonlySet<string> = new Set(["//", "lifecycle", "depends_on", "provider", "count", "for_each", "provisioner", "connection"]);

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A resource of a stack: `type.name` is its Terraform address. */
export interface ResourceEntry {
  readonly stack: string;
  readonly type: string;
  readonly name: string;
  readonly address: string;
  /** Its configuration without cdktf's "//" metadata. */
  readonly config: JsonObject;
}

export function resourcesOf(stackId: string, stack: TfJson | undefined): Map<string, ResourceEntry> {
  const out = new Map<string, ResourceEntry>();
  for (const [type, byName] of Object.entries(stack?.resource ?? {})) {
    for (const [name, raw] of Object.entries(byName)) {
      const config: JsonObject = {};
      for (const [k, v] of Object.entries(raw)) if (k !== "//") config[k] = v;
      out.set(`${type}.${name}`, { stack: stackId, type, name, address: `${type}.${name}`, config });
    }
  }
  return out;
}

/** A reference found in an expression: `type.name[.attr...]` or `data.type.name[.attr...]`. */
export interface Reference {
  readonly mode: "resource" | "data";
  readonly type: string;
  readonly name: string;
  /** Attribute path after the name (may be empty: a whole-resource reference). */
  readonly path: readonly string[];
  /** `type.name` (resources) or `data.type.name`. */
  readonly address: string;
}

/** The `${...}` expressions of a string, outermost only, as Terraform's template scanner reads them. */
export function expressionsOf(text: string): string[] {
  return templateSequences(text)
    .filter((s) => s.opener === "${")
    .map((s) => s.expression);
}

const NON_RESOURCE_ROOTS = new Set(["self", "var", "local", "each", "count", "path", "terraform", "module"]);
const TRAVERSAL = /(?<![A-Za-z0-9_."-])([A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+|\[[0-9]+\])+)/g;

/** References in one expression (string literals inside it are ignored). */
export function referencesInExpression(expression: string): Reference[] {
  const withoutStrings = expression.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const out: Reference[] = [];
  for (const m of withoutStrings.matchAll(TRAVERSAL)) {
    const parts = m[1]!.replace(/\[([0-9]+)\]/g, ".$1").split(".");
    if (NON_RESOURCE_ROOTS.has(parts[0]!)) continue;
    if (parts[0] === "data") {
      if (parts.length < 3) continue;
      out.push({ mode: "data", type: parts[1]!, name: parts[2]!, path: parts.slice(3), address: `data.${parts[1]}.${parts[2]}` });
    } else {
      if (parts.length < 2 || !parts[0]!.includes("_")) continue;
      out.push({ mode: "resource", type: parts[0]!, name: parts[1]!, path: parts.slice(2), address: `${parts[0]}.${parts[1]}` });
    }
  }
  return out;
}

/** Every reference in a JSON value (all strings, recursively). */
export function referencesIn(value: Json | undefined): Reference[] {
  const out: Reference[] = [];
  const visit = (v: Json | undefined): void => {
    if (typeof v === "string") {
      for (const e of expressionsOf(v)) out.push(...referencesInExpression(e));
    } else if (Array.isArray(v)) v.forEach(visit);
    else if (isObject(v)) Object.values(v).forEach(visit);
  };
  visit(value);
  return out;
}

/** True when a string is nothing but `${...}` expressions (a reference, not a literal). */
export function isPureExpression(text: string): boolean {
  const trimmed = text.trim();
  if (!trimmed.startsWith("${")) return false;
  let rest = trimmed;
  for (const e of expressionsOf(trimmed)) rest = rest.replace("${" + e + "}", "");
  return rest.trim() === "";
}

/** A reference resolved to the resource (in some stack) it finally points at. */
export interface ResolvedReference {
  readonly stack: string;
  readonly ref: Reference;
  /** Set when the reference crossed stacks through a remote state output. */
  readonly via?: { readonly fromStack: string; readonly output: string };
}

/** The stack a `terraform_remote_state` data source reads: its local backend path's file name. */
export function remoteStateStack(stack: TfJson, name: string): string | undefined {
  const ds = stack.data?.["terraform_remote_state"]?.[name];
  const config = ds?.["config"];
  if (isObject(config) && typeof config["path"] === "string") {
    const m = /([^/\\]+)\.tfstate$/.exec(config["path"]);
    if (m) return m[1];
  }
  const m = /^cross-stack-reference-input-(.+)$/.exec(name);
  return m ? m[1] : undefined;
}

/**
 * Resolves a reference made in `stackId` to the resource references it stands for: itself for a
 * resource, or (for a cross-stack remote state output) the references in the producing stack's
 * output value. Unresolvable data references are returned as they are.
 */
export function resolveReference(stacks: StackSet, stackId: string, ref: Reference, depth = 0): ResolvedReference[] {
  if (ref.mode === "data" && ref.type === "terraform_remote_state" && ref.path[0] === "outputs" && ref.path[1] && depth < 4) {
    const producer = remoteStateStack(stacks[stackId] ?? {}, ref.name);
    const output = producer ? stacks[producer]?.output?.[ref.path[1]] : undefined;
    if (producer && output) {
      return referencesIn(output["value"]).flatMap((inner) =>
        resolveReference(stacks, producer, inner, depth + 1).map((r) => ({ ...r, via: r.via ?? { fromStack: producer, output: ref.path[1]! } })),
      );
    }
  }
  return [{ stack: stackId, ref }];
}

/** Resolved references of a value, de-duplicated. */
export function resolvedReferencesIn(stacks: StackSet, stackId: string, value: Json | undefined): ResolvedReference[] {
  const seen = new Set<string>();
  const out: ResolvedReference[] = [];
  for (const ref of referencesIn(value)) {
    for (const r of resolveReference(stacks, stackId, ref)) {
      const key = `${r.stack}|${r.ref.address}|${r.ref.path.join(".")}`;
      if (!seen.has(key)) {
        seen.add(key);
        out.push(r);
      }
    }
  }
  return out;
}

/** Stable, key-sorted JSON (for equality and display). */
export function canonical(value: Json | undefined): string {
  if (value === undefined) return "undefined";
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: Json): Json {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (isObject(value)) {
    const out: JsonObject = {};
    for (const k of Object.keys(value).sort()) out[k] = sortKeys(value[k]!);
    return out;
  }
  return value;
}

export function deepEqual(a: Json | undefined, b: Json | undefined): boolean {
  return canonical(a) === canonical(b);
}

/** The labels of a docker resource (`labels: [{label, value}]`) as a map. */
export function dockerLabels(config: JsonObject): Record<string, string> {
  const out: Record<string, string> = {};
  const labels = config["labels"];
  if (Array.isArray(labels)) {
    for (const l of labels) if (isObject(l) && typeof l["label"] === "string") out[l["label"]] = String(l["value"] ?? "");
  } else if (isObject(labels)) {
    for (const [k, v] of Object.entries(labels)) out[k] = String(v);
  }
  return out;
}

/** A block that cdktf may render as an object or as a one-element list. */
export function block(value: Json | undefined): JsonObject | undefined {
  if (Array.isArray(value)) return isObject(value[0]) ? value[0] : undefined;
  return isObject(value) ? value : undefined;
}

export function stringList(value: Json | undefined): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}
