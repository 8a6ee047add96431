/**
 * Attribute-level differences between two values of a resource argument, rendered for humans,
 * with every sensitive value redacted before it leaves this module: literal PEM blocks always;
 * secrets by attribute name, by uploaded file name (key/password/secret/token) and by
 * environment variable name. References (`${tls_private_key.x.private_key_pem}`) are not
 * secrets and are shown as they are.
 */
import { type Json, isObject, canonical, isPureExpression } from "./tf-json";

/** One leaf difference. Values are display strings, already redacted. */
export interface ValueChange {
  /** Display path below the resource, e.g. `upload["/seed/vault.hcl"].content`. */
  readonly path: string;
  readonly kind: "changed" | "added" | "removed" | "reordered" | "text";
  readonly before?: string;
  readonly after?: string;
  /** For multi-line text: a unified line diff ("+ ", "- ", "  " prefixed; "…" between hunks). */
  readonly lines?: readonly string[];
  /** True when a value was withheld. */
  readonly redacted?: boolean;
}

/** Segments identify where a value sits; element segments carry the element's key. */
type Segment = { readonly key: string } | { readonly element: string; readonly of: Json };

const PEM_BLOCK = /-----BEGIN [A-Z0-9 ]+-----[\s\S]*?(?:-----END [A-Z0-9 ]+-----|$)/g;

/** Removes literal PEM blocks from any text. */
export function scrubPem(text: string): string {
  return text.replace(PEM_BLOCK, "(PEM block redacted)");
}

const SECRET_ATTRIBUTES = new Set([
  "password", "password_wo", "secret_id", "token", "client_token", "wrapping_token", "private_key", "private_key_pem",
  "private_key_pem_pkcs8", "private_key_openssh", "data_json", "data_json_wo", "data", "credentials", "secret_key",
  "access_key", "api_key", "key_material", "write_data", "write_data_json", "result",
]);
const SECRET_FILE = /key|password|passwd|secret|token|credential/i;
const SECRET_ENV = /(PASSWORD|PASSWD|SECRET|TOKEN|PRIVATE_KEY|API_KEY|CREDENTIAL)/i;

/** Whether the value at these segments of a resource of `type` must not be printed. */
function isSensitive(type: string, segments: readonly Segment[]): boolean {
  const keys = segments.filter((s): s is { key: string } => "key" in s).map((s) => s.key);
  const last = keys[keys.length - 1] ?? "";
  if (SECRET_ATTRIBUTES.has(last)) return true;
  if (type === "local_sensitive_file" && last === "content") return true;
  if (last === "content" || last === "content_base64" || last === "source") {
    // an upload element: its file name decides
    for (const s of segments) {
      if ("element" in s && isObject(s.of) && typeof s.of["file"] === "string" && SECRET_FILE.test(s.of["file"])) return true;
    }
  }
  return false;
}

/** A string for display: references as they are, sensitive literals withheld, PEM blocks never. */
export function display(type: string, segments: readonly Segment[], value: Json | undefined): { text: string; redacted: boolean } {
  if (value === undefined) return { text: "(absent)", redacted: false };
  if (typeof value === "string") {
    if (isPureExpression(value)) return { text: scrubPem(value), redacted: false };
    if (isSensitive(type, segments)) return { text: "(sensitive value redacted)", redacted: true };
    const env = envSecret(segments, value);
    if (env) return { text: env, redacted: true };
    return { text: JSON.stringify(scrubPem(value)), redacted: false };
  }
  if (isSensitive(type, segments) && !containsOnlyReferences(value)) return { text: "(sensitive value redacted)", redacted: true };
  return { text: scrubPem(canonical(redactDeep(type, segments, value))), redacted: false };
}

function containsOnlyReferences(value: Json): boolean {
  if (typeof value === "string") return isPureExpression(value);
  if (Array.isArray(value)) return value.every(containsOnlyReferences);
  if (isObject(value)) return Object.values(value).every(containsOnlyReferences);
  return true;
}

/** `NAME=literal` environment entries whose name looks secret (paths and references pass). */
function envSecret(segments: readonly Segment[], value: string): string | undefined {
  const top = segments[0];
  if (!top || !("key" in top) || top.key !== "env") return undefined;
  const eq = value.indexOf("=");
  if (eq <= 0) return undefined;
  const name = value.slice(0, eq);
  const v = value.slice(eq + 1);
  if (!SECRET_ENV.test(name) || /_(FILE|PATH|DIR)$/i.test(name) || v.startsWith("/") || v === "" || isPureExpression(v)) return undefined;
  return JSON.stringify(`${name}=(sensitive value redacted)`);
}

/** A copy of a structured value with sensitive leaves replaced (for whole-element display). */
export function redactDeep(type: string, segments: readonly Segment[], value: Json): Json {
  if (typeof value === "string") {
    if (isPureExpression(value)) return value;
    if (isSensitive(type, segments)) return "(sensitive value redacted)";
    const env = envSecret(segments, value);
    return env ? (JSON.parse(env) as string) : scrubPem(value);
  }
  if (Array.isArray(value)) return value.map((v) => redactDeep(type, [...segments, { element: "*", of: v }], v));
  if (isObject(value)) {
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactDeep(type, [...segments, { key: k }], v);
    return out;
  }
  return value;
}

const ARRAY_KEYS = ["label", "file", "container_path", "target", "name", "internal", "subnet", "condition", "path"];

function elementKey(...sides: readonly (readonly Json[])[]): string | undefined {
  for (const k of ARRAY_KEYS) {
    const ok = sides.every((items) => {
      const seen = new Set<string>();
      return items.every((i) => {
        if (!isObject(i)) return false;
        const v = i[k];
        if (typeof v !== "string" && typeof v !== "number") return false;
        if (seen.has(String(v))) return false;
        seen.add(String(v));
        return true;
      });
    });
    if (ok) return k;
  }
  return undefined;
}

function pathText(segments: readonly Segment[]): string {
  let out = "";
  for (const s of segments) {
    if ("key" in s) out += out === "" ? s.key : /^[A-Za-z_][A-Za-z0-9_]*$/.test(s.key) ? `.${s.key}` : `[${JSON.stringify(s.key)}]`;
    else out += s.element === "+" || s.element === "-" || s.element === "*" ? "[]" : `[${JSON.stringify(s.element)}]`;
  }
  return out;
}

/** Leaf differences between two values of one top-level argument. */
export function diffValues(type: string, attribute: string, before: Json | undefined, after: Json | undefined): ValueChange[] {
  const out: ValueChange[] = [];
  walk(type, [{ key: attribute }], before, after, out);
  return out;
}

function walk(type: string, segments: Segment[], before: Json | undefined, after: Json | undefined, out: ValueChange[]): void {
  if (canonical(before) === canonical(after)) return;
  const path = pathText(segments);
  if (before === undefined || after === undefined) {
    const d = display(type, segments, before ?? after);
    out.push({ path, kind: before === undefined ? "added" : "removed", ...(before === undefined ? { after: d.text } : { before: d.text }), ...(d.redacted ? { redacted: true } : {}) });
    return;
  }
  if (isObject(before) && isObject(after)) {
    for (const k of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
      walk(type, [...segments, { key: k }], before[k], after[k], out);
    }
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const key = elementKey(before, after);
    if (key !== undefined) {
      const index = (items: Json[]) => new Map(items.map((i) => [String((i as Record<string, Json>)[key]), i] as const));
      const b = index(before);
      const a = index(after);
      for (const k of [...new Set([...b.keys(), ...a.keys()])].sort()) {
        const el = (a.get(k) ?? b.get(k))!;
        const seg: Segment = { element: k, of: el };
        const bv = b.get(k);
        const av = a.get(k);
        if (bv === undefined || av === undefined) {
          const d = display(type, [...segments, seg], av ?? bv);
          const p = pathText([...segments, seg]);
          out.push({ path: p, kind: bv === undefined ? "added" : "removed", ...(bv === undefined ? { after: d.text } : { before: d.text }), ...(d.redacted ? { redacted: true } : {}) });
        } else walk(type, [...segments, seg], bv, av, out);
      }
      return;
    }
    const count = (items: Json[]) => {
      const m = new Map<string, { n: number; v: Json }>();
      for (const i of items) {
        const c = canonical(i);
        m.set(c, { n: (m.get(c)?.n ?? 0) + 1, v: i });
      }
      return m;
    };
    const b = count(before);
    const a = count(after);
    let any = false;
    for (const [c, { n, v }] of b) {
      for (let i = 0; i < n - (a.get(c)?.n ?? 0); i++) {
        const d = display(type, [...segments, { element: "-", of: v }], v);
        out.push({ path: `${path}[]`, kind: "removed", before: d.text, ...(d.redacted ? { redacted: true } : {}) });
        any = true;
      }
    }
    for (const [c, { n, v }] of a) {
      for (let i = 0; i < n - (b.get(c)?.n ?? 0); i++) {
        const d = display(type, [...segments, { element: "+", of: v }], v);
        out.push({ path: `${path}[]`, kind: "added", after: d.text, ...(d.redacted ? { redacted: true } : {}) });
        any = true;
      }
    }
    if (!any) {
      const bd = display(type, segments, before);
      const ad = display(type, segments, after);
      out.push({ path, kind: "reordered", before: bd.text, after: ad.text });
    }
    return;
  }
  if (typeof before === "string" && typeof after === "string" && (before.includes("\n") || after.includes("\n"))) {
    const bd = display(type, segments, before);
    const ad = display(type, segments, after);
    if (bd.redacted || ad.redacted) {
      out.push({ path, kind: "changed", before: bd.text, after: "(sensitive value redacted; changed)", redacted: true });
    } else {
      out.push({ path, kind: "text", lines: lineDiff(scrubPem(before), scrubPem(after)) });
    }
    return;
  }
  const bd = display(type, segments, before);
  const ad = display(type, segments, after);
  const redacted = bd.redacted || ad.redacted;
  out.push({ path, kind: "changed", before: bd.text, after: redacted ? "(sensitive value redacted; changed)" : ad.text, ...(redacted ? { redacted: true } : {}) });
}

/** A created resource's argument for display: redacted, multi-line text summarized. */
export function summarize(type: string, attribute: string, value: Json): string {
  if (typeof value === "string" && value.includes("\n") && !isPureExpression(value)) {
    const d = display(type, [{ key: attribute }], value);
    return d.redacted ? d.text : `(text, ${value.split("\n").length} lines)`;
  }
  const summarizeDeep = (segments: Segment[], v: Json): Json => {
    if (typeof v === "string" && v.includes("\n") && !isPureExpression(v)) {
      const d = display(type, segments, v);
      return d.redacted ? d.text : `(text, ${v.split("\n").length} lines)`;
    }
    if (Array.isArray(v)) return v.map((x) => summarizeDeep([...segments, { element: "*", of: x }], x));
    if (isObject(v)) {
      const out: Record<string, Json> = {};
      for (const [k, x] of Object.entries(v)) out[k] = summarizeDeep([...segments, { key: k }], x);
      return out;
    }
    return v;
  };
  return display(type, [{ key: attribute }], summarizeDeep([{ key: attribute }], value)).text;
}

/** A unified line diff (LCS), two lines of context, "…" between hunks. */
export function lineDiff(before: string, after: string, context = 2): string[] {
  const a = before.split("\n");
  const b = after.split("\n");
  const n = a.length;
  const m = b.length;
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const ops: { op: " " | "-" | "+"; text: string }[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      ops.push({ op: " ", text: a[i]! });
      i++;
      j++;
    } else if (i < n && (j >= m || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
      ops.push({ op: "-", text: a[i]! });
      i++;
    } else {
      ops.push({ op: "+", text: b[j]! });
      j++;
    }
  }
  const keep = ops.map(() => false);
  ops.forEach((o, k) => {
    if (o.op !== " ") for (let d = Math.max(0, k - context); d <= Math.min(ops.length - 1, k + context); d++) keep[d] = true;
  });
  const out: string[] = [];
  let skipped = false;
  ops.forEach((o, k) => {
    if (keep[k]) {
      if (skipped && out.length > 0) out.push("…");
      skipped = false;
      out.push(`${o.op} ${o.text}`);
    } else skipped = true;
  });
  return out;
}

/** Added and removed lines of a text change (for pattern checks). */
export function changedLines(before: string | undefined, after: string | undefined): { added: string[]; removed: string[] } {
  const lines = lineDiff(before ?? "", after ?? "", 0);
  return {
    added: lines.filter((l) => l.startsWith("+ ")).map((l) => l.slice(2)),
    removed: lines.filter((l) => l.startsWith("- ")).map((l) => l.slice(2)),
  };
}
