/**
 * The pure core of the plan diff: two sets of synthesized stacks in, a structured result out.
 * No git, no files, no cdktf: tested on small JSON fixtures and on stacks synthesized in-process.
 *
 * Resources are matched by their Terraform address (`type.name`) within a stack. Each changed
 * top-level argument gets the effect the provider gives it (provider-model.ts). Changes then
 * propagate the way Terraform plans them:
 * - a replaced resource's computed attributes are unknown until apply, so every argument that
 *   references them changes too (and forces replacement where that argument is ForceNew);
 * - `lifecycle.replace_triggered_by` replaces a resource when a referenced resource is created,
 *   updated or replaced;
 * - cdktf cross-stack references (remote state outputs) carry changes into the consuming stack.
 */
import { type Json, type JsonObject, type StackSet, type ResourceEntry, META_KEYS, resourcesOf, deepEqual, isObject, resolvedReferencesIn, referencesInExpression, type ResolvedReference } from "./tf-json";
import { type Effect, attributeEffect, attributeNote, isModelled } from "./provider-model";
import { type ValueChange, diffValues, summarize } from "./values";
import { type Flag, securityAndDataLossFlags } from "./flags";

export type Action = "create" | "update" | "replace" | "destroy" | "no-op";

export interface AttributeChange {
  /** Top-level argument. */
  readonly attribute: string;
  readonly effect: Effect;
  /** "config": the argument's own configuration changed; "dependency": a value it references changes. */
  readonly cause: "config" | "dependency";
  /** For dependency changes: what changes upstream. */
  readonly because?: string;
  readonly note?: string;
  readonly values: readonly ValueChange[];
}

export interface ResourceChange {
  readonly stack: string;
  readonly address: string;
  readonly type: string;
  /** The object's own name (`name`/`role_name`/`path` argument) when it is a literal. */
  readonly label?: string;
  action: Action;
  /** True when some change is to an argument the model does not know (may force replacement). */
  replacementUnknown: boolean;
  readonly reasons: string[];
  readonly changes: AttributeChange[];
  /** For created resources: their arguments, for display (redacted, long text summarized). */
  readonly arguments?: { readonly attribute: string; readonly value: string }[];
}

export interface StackDiff {
  readonly id: string;
  readonly status: "added" | "removed" | "changed" | "unchanged";
  readonly resources: ResourceChange[];
  /** Differences in the terraform block (backend, required providers), provider configuration and data sources. */
  readonly settings: ValueChange[];
  readonly outputs: { readonly added: string[]; readonly removed: string[]; readonly changed: string[] };
}

/** A cdktf annotation from cdktf.out/manifest.json (`stacks.<id>.annotations[]`). */
export interface Annotation {
  readonly stack: string;
  readonly constructPath: string;
  /** cdktf writes "@cdktf/error", "@cdktf/warn", "@cdktf/info". */
  readonly level: string;
  readonly message: string;
}

export interface GuardrailReport {
  /** ERROR annotations of the head. */
  readonly errors: Annotation[];
  /** Head errors that the base did not have. */
  readonly newErrors: Annotation[];
  /** Base errors gone in the head. */
  readonly fixedErrors: Annotation[];
  /** WARN annotations of the head. */
  readonly warnings: Annotation[];
}

export interface DiffResult {
  readonly stacks: StackDiff[];
  readonly flags: Flag[];
  readonly guardrails: GuardrailReport;
  readonly counts: Readonly<Record<"create" | "update" | "replace" | "destroy" | "no-op", number>>;
}

export interface DiffOptions {
  readonly baseAnnotations?: readonly Annotation[];
  readonly headAnnotations?: readonly Annotation[];
}

export { type Flag } from "./flags";

const LABEL_KEYS = ["name", "role_name", "path", "filename"];

function labelOf(config: JsonObject | undefined): string | undefined {
  for (const k of LABEL_KEYS) {
    const v = config?.[k];
    if (typeof v === "string" && !v.includes("${")) return v;
  }
  return undefined;
}

function isError(a: Annotation): boolean {
  return /error/i.test(a.level);
}
function isWarning(a: Annotation): boolean {
  return /warn/i.test(a.level);
}

/** Compares two synthesized environments stack by stack and resource by resource. */
export function diffStacks(base: StackSet, head: StackSet, options: DiffOptions = {}): DiffResult {
  const stackIds = [...new Set([...Object.keys(base), ...Object.keys(head)])].sort(stackOrder(base, head));
  const baseRes = new Map(stackIds.map((s) => [s, resourcesOf(s, base[s])] as const));
  const headRes = new Map(stackIds.map((s) => [s, resourcesOf(s, head[s])] as const));
  const changes = new Map<string, ResourceChange>(); // key: stack|address
  const key = (stack: string, address: string) => `${stack}|${address}`;

  // 1. direct changes
  for (const s of stackIds) {
    const b = baseRes.get(s)!;
    const h = headRes.get(s)!;
    for (const [address, entry] of h) {
      const before = b.get(address);
      if (!before) {
        changes.set(key(s, address), newChange(entry, "create"));
        continue;
      }
      const direct = directChanges(before, entry);
      if (direct.length > 0) {
        const c = newChange(entry, "update");
        c.changes.push(...direct);
        changes.set(key(s, address), c);
      }
    }
    for (const [address, entry] of b) {
      if (!h.has(address)) changes.set(key(s, address), newChange(entry, "destroy"));
    }
  }
  for (const c of changes.values()) if (c.action === "update") classify(c);

  // 2. propagation to a fixpoint
  const changedValue = (r: ResolvedReference): string | undefined => {
    const target = changes.get(key(r.stack, r.ref.address));
    if (!target || r.ref.mode !== "resource") return undefined;
    const attr = r.ref.path[0];
    const targetConfig = headRes.get(r.stack)?.get(r.ref.address)?.config;
    const where = r.stack;
    if (target.action === "create") return `${r.ref.address} is created`;
    if (target.action === "destroy" || target.action === "no-op") return undefined;
    if (attr === undefined) return `${r.ref.address} is ${target.action === "replace" ? "replaced" : "updated"}${r.via ? ` (stack ${where})` : ""}`;
    const own = target.changes.find((ch) => ch.attribute === attr);
    if (own) return `${r.ref.address}.${attr} changes${r.via ? ` (stack ${where})` : ""}`;
    if (target.action === "replace" && !(targetConfig && attr in targetConfig)) {
      return `${r.ref.address} is replaced, so ${attr} is known only after apply${r.via ? ` (stack ${where}, through its output ${r.via.output})` : ""}`;
    }
    if (r.ref.type === "terraform_data" && attr === "output" && target.changes.some((ch) => ch.attribute === "input")) return `${r.ref.address}.input changes`;
    return undefined;
  };

  for (let round = 0; round < 50; round++) {
    let progressed = false;
    for (const s of stackIds) {
      for (const [address, entry] of headRes.get(s)!) {
        const before = baseRes.get(s)!.get(address);
        if (!before) continue; // created anyway
        let c = changes.get(key(s, address));
        if (c?.action === "replace" && c.reasons.some((r) => r.startsWith("replace_triggered_by"))) {
          // already replaced by a trigger; still record induced argument changes below for display
        }
        const ignored = ignoredChanges(entry.config);
        for (const [attribute, value] of Object.entries(entry.config)) {
          if (META_KEYS.has(attribute) || ignored(attribute)) continue;
          if (c?.changes.some((ch) => ch.attribute === attribute)) continue;
          for (const r of resolvedReferencesIn(head, s, value)) {
            const why = changedValue(r);
            if (!why) continue;
            if (!c) {
              c = newChange(entry, "update");
              changes.set(key(s, address), c);
            }
            const note = attributeNote(entry.type, attribute);
            c.changes.push({ attribute, effect: attributeEffect(entry.type, attribute), cause: "dependency", because: why, ...(note ? { note } : {}), values: [] });
            classify(c);
            progressed = true;
            break;
          }
        }
        // replace_triggered_by
        const lifecycle = entry.config["lifecycle"];
        const triggers = isObject(lifecycle) ? lifecycle["replace_triggered_by"] : undefined;
        if (triggers !== undefined && c?.action !== "replace") {
          // Each entry is an expression (a bare reference), as Terraform parses it: not a template.
          const entries = Array.isArray(triggers) ? triggers.filter((t): t is string => typeof t === "string") : [];
          for (const ref of entries.flatMap(referencesInExpression)) {
            const target = changes.get(key(s, ref.address));
            if (!target || target.action === "destroy" || target.action === "no-op") continue;
            const fires = ref.path.length === 0 || changedValue({ stack: s, ref }) !== undefined;
            if (!fires) continue;
            if (!c) {
              c = newChange(entry, "update");
              changes.set(key(s, address), c);
            }
            c.action = "replace";
            c.reasons.push(`replace_triggered_by ${ref.address}${ref.path.length ? "." + ref.path.join(".") : ""} (${target.action === "create" ? "created" : target.action === "replace" ? "replaced" : "updated"})`);
            progressed = true;
            break;
          }
        }
      }
    }
    if (!progressed) break;
  }

  // 3. hints for destroy + create pairs that look like renames
  for (const s of stackIds) {
    const created = [...changes.values()].filter((c) => c.stack === s && c.action === "create");
    for (const d of [...changes.values()].filter((c) => c.stack === s && c.action === "destroy" && c.label)) {
      const twin = created.find((c) => c.type === d.type && c.label === d.label);
      if (twin) {
        d.reasons.push(`same ${d.type} name as the new ${twin.address}: a renamed construct; add a moved block (or cdktf moveTo) to keep the object`);
        twin.reasons.push(`replaces ${d.address} (same name): a renamed construct; add a moved block to keep the object`);
      }
    }
  }

  const stacks: StackDiff[] = stackIds.map((s) => {
    const resources = [...changes.values()].filter((c) => c.stack === s).sort(byAddress);
    const settings = stackSettingsDiff(base[s], head[s]);
    const outputs = outputsDiff(base[s]?.output, head[s]?.output);
    const status: StackDiff["status"] = !base[s] ? "added" : !head[s] ? "removed" : resources.length || settings.length || outputs.added.length || outputs.removed.length || outputs.changed.length ? "changed" : "unchanged";
    return { id: s, status, resources, settings, outputs };
  });

  const all = stacks.flatMap((s) => s.resources);
  const counts = { create: 0, update: 0, replace: 0, destroy: 0, "no-op": 0 };
  for (const r of all) counts[r.action]++;

  const baseErrors = (options.baseAnnotations ?? []).filter(isError);
  const headErrors = (options.headAnnotations ?? []).filter(isError);
  const sig = (a: Annotation) => `${a.stack}|${a.constructPath}|${a.message}`;
  const baseSigs = new Set(baseErrors.map(sig));
  const headSigs = new Set(headErrors.map(sig));
  const guardrails: GuardrailReport = {
    errors: headErrors,
    newErrors: headErrors.filter((a) => !baseSigs.has(sig(a))),
    fixedErrors: baseErrors.filter((a) => !headSigs.has(sig(a))),
    warnings: (options.headAnnotations ?? []).filter(isWarning),
  };

  const flags = securityAndDataLossFlags({ base, head, stacks });
  for (const e of guardrails.errors) {
    flags.push({
      category: "guardrail",
      stack: e.stack,
      subject: e.constructPath,
      title: baseSigs.has(sig(e)) ? "guardrail error (already in base)" : "new guardrail error",
      detail: e.message,
    });
  }
  return { stacks, flags, guardrails, counts };
}

function newChange(entry: ResourceEntry, action: Action): ResourceChange {
  const label = labelOf(entry.config);
  const args =
    action === "create"
      ? Object.entries(entry.config)
          .filter(([k]) => k !== "//")
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([attribute, value]) => ({ attribute, value: summarize(entry.type, attribute, value) }))
      : undefined;
  return { stack: entry.stack, address: entry.address, type: entry.type, ...(label ? { label } : {}), action, replacementUnknown: false, reasons: [], changes: [], ...(args ? { arguments: args } : {}) };
}

/** `lifecycle.ignore_changes` of a configuration: the attributes Terraform does not plan changes for. */
function ignoredChanges(config: JsonObject): (attribute: string) => boolean {
  const lifecycle = config["lifecycle"];
  const list = isObject(lifecycle) ? lifecycle["ignore_changes"] : undefined;
  if (list === "all" || (Array.isArray(list) && list.includes("all"))) return (a) => !META_KEYS.has(a);
  const names = Array.isArray(list) ? list.filter((x): x is string => typeof x === "string").map((x) => x.split(/[.[]/)[0]!) : [];
  return (a) => names.includes(a);
}

function directChanges(before: ResourceEntry, after: ResourceEntry): AttributeChange[] {
  const ignored = ignoredChanges(after.config);
  const out: AttributeChange[] = [];
  const keys = [...new Set([...Object.keys(before.config), ...Object.keys(after.config)])].sort();
  for (const attribute of keys) {
    const b = before.config[attribute];
    const a = after.config[attribute];
    if (deepEqual(b, a)) continue;
    if (ignored(attribute)) {
      out.push({ attribute, effect: "meta", cause: "config", note: "lifecycle.ignore_changes: Terraform plans no change for it", values: diffValues(after.type, attribute, b, a) });
      continue;
    }
    const note = attributeNote(after.type, attribute);
    out.push({ attribute, effect: attributeEffect(after.type, attribute), cause: "config", ...(note ? { note } : {}), values: diffValues(after.type, attribute, b, a) });
  }
  return out;
}

/** Derives the action and its reasons from the attribute changes (a trigger's replace is kept). */
function classify(c: ResourceChange): void {
  const triggered = c.reasons.filter((r) => r.startsWith("replace_triggered_by"));
  c.reasons.length = 0;
  const forcing = c.changes.filter((ch) => ch.effect === "replace");
  const unknown = c.changes.filter((ch) => ch.effect === "unknown");
  const real = c.changes.filter((ch) => ch.effect !== "meta");
  if (forcing.length > 0 || triggered.length > 0) c.action = "replace";
  else if (real.length > 0) c.action = "update";
  else c.action = "no-op";
  c.replacementUnknown = c.action !== "replace" && unknown.length > 0;
  for (const ch of forcing) c.reasons.push(`\`${ch.attribute}\` forces replacement${ch.because ? ` (${ch.because})` : ""}`);
  c.reasons.push(...triggered);
  if (c.replacementUnknown) {
    c.reasons.push(
      isModelled(c.type)
        ? `replacement unknown: the model does not cover ${unknown.map((u) => `\`${u.attribute}\``).join(", ")}`
        : `replacement unknown: ${c.type} is not in the provider model`,
    );
  }
  for (const ch of c.changes.filter((x) => x.effect === "ignored")) {
    c.reasons.push(`\`${ch.attribute}\` changes but the provider ignores it${ch.note ? `: ${ch.note}` : ""}`);
  }
}

function byAddress(a: ResourceChange, b: ResourceChange): number {
  const order: Record<Action, number> = { destroy: 0, replace: 1, update: 2, create: 3, "no-op": 4 };
  return order[a.action] - order[b.action] || a.address.localeCompare(b.address);
}

/** Stacks in dependency order when the remote state inputs tell it, else by name. */
function stackOrder(base: StackSet, head: StackSet): (a: string, b: string) => number {
  const deps = (id: string): number => {
    const s = head[id] ?? base[id];
    return Object.keys(s?.data?.["terraform_remote_state"] ?? {}).length;
  };
  return (a, b) => deps(a) - deps(b) || a.localeCompare(b);
}

function stackSettingsDiff(before: StackSet[string] | undefined, after: StackSet[string] | undefined): ValueChange[] {
  if (!before || !after) return [];
  const out: ValueChange[] = [];
  out.push(...diffValues("terraform", "terraform", (before.terraform ?? null) as Json, (after.terraform ?? null) as Json));
  out.push(...diffValues("provider", "provider", (before.provider ?? null) as Json, (after.provider ?? null) as Json));
  out.push(...diffValues("data", "data", (before.data ?? null) as Json, (after.data ?? null) as Json));
  return out;
}

function outputsDiff(before: Record<string, JsonObject> | undefined, after: Record<string, JsonObject> | undefined): StackDiff["outputs"] {
  const b = before ?? {};
  const a = after ?? {};
  return {
    added: Object.keys(a).filter((k) => !(k in b)).sort(),
    removed: Object.keys(b).filter((k) => !(k in a)).sort(),
    changed: Object.keys(a).filter((k) => k in b && !deepEqual(b[k], a[k])).sort(),
  };
}

/** Exit codes for CI (docs/REVIEWING.md). */
export const EXIT = { noChanges: 0, changes: 1, flagged: 2, guardrailErrors: 3, toolFailure: 4 } as const;

/** 3 when the head has guardrail errors, else 2 with security/data-loss flags, else 1 with any change, else 0. */
export function exitCodeOf(result: DiffResult): number {
  if (result.guardrails.errors.length > 0) return EXIT.guardrailErrors;
  if (result.flags.some((f) => f.category === "security" || f.category === "data-loss")) return EXIT.flagged;
  const changed = result.stacks.some((s) => s.status !== "unchanged");
  return changed ? EXIT.changes : EXIT.noChanges;
}
