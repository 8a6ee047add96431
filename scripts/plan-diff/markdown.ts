/**
 * Markdown for a pull request: flags first (guardrail errors, security, data loss), then a
 * summary table, then each stack's resources by action with their attribute-level changes.
 * Values come already redacted from values.ts; a final pass removes any PEM block regardless.
 */
import type { DiffResult, ResourceChange, StackDiff, AttributeChange, Action } from "./diff";
import { exitCodeOf } from "./diff";
import type { Flag } from "./flags";
import type { Effect } from "./provider-model";
import { scrubPem, type ValueChange } from "./values";

export interface RenderOptions {
  /** How the base revision is described, e.g. "`8cdf0c3` Pin @swc/core". */
  readonly baseLabel: string;
  /** How the head is described, e.g. "working tree (HEAD `bf23b46` + uncommitted changes)". */
  readonly headLabel: string;
  /** Lines of a text diff shown per attribute before cutting. */
  readonly maxTextLines?: number;
}

const ACTION_ICON: Record<Action, string> = { create: "➕", update: "✏️", replace: "🔁", destroy: "➖", "no-op": "·" };
const ACTION_TITLE: Record<Action, string> = {
  destroy: "Destroyed",
  replace: "Replaced",
  update: "Updated in place",
  create: "Created",
  "no-op": "Terraform-only changes (no plan action)",
};
const EFFECT_TEXT: Record<Effect, string> = {
  replace: "forces replacement",
  update: "update in place",
  "state-only": "state only",
  ignored: "ignored by the provider",
  meta: "Terraform only",
  unknown: "**replacement unknown**",
};

function html(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** A Markdown code span that survives backticks and pipes inside table cells. */
function code(text: string, max = 160): string {
  let t = text.replace(/\n/g, "⏎");
  if (t.length > max) t = `${t.slice(0, max - 1)}…`;
  t = t.replace(/\|/g, "\\|");
  const fence = t.includes("`") ? "``" : "`";
  return `${fence}${fence === "``" ? " " : ""}${t}${fence === "``" ? " " : ""}${fence}`;
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function resourceName(r: ResourceChange): string {
  return `\`${r.address}\`${r.label ? ` (${r.label})` : ""}`;
}

function flagLine(f: Flag): string {
  const subjects = f.subject === "stack" ? "" : ` ${(f.subjects ?? [f.subject]).map((x) => code(x, 200)).join(", ")}`;
  return `- **${f.title}** — \`${f.stack}\`${subjects}: ${f.detail}`;
}

export function renderMarkdown(result: DiffResult, options: RenderOptions): string {
  const out: string[] = [];
  const security = result.flags.filter((f) => f.category === "security");
  const dataLoss = result.flags.filter((f) => f.category === "data-loss");
  const g = result.guardrails;
  const exit = exitCodeOf(result);

  out.push("## Infrastructure diff", "");
  out.push(`**Base:** ${options.baseLabel}  `, `**Head:** ${options.headLabel}`, "");
  const badges = [
    g.errors.length ? `🚫 **${g.errors.length} guardrail error(s)**${g.newErrors.length ? ` (${g.newErrors.length} new)` : ""}` : "✅ no guardrail errors",
    security.length ? `🔐 **${security.length} security flag(s)**` : "🔐 no security flags",
    dataLoss.length ? `💥 **${dataLoss.length} data-loss risk(s)**` : "💥 no data-loss risks",
    `exit code ${exit}`,
  ];
  out.push(`> ${badges.join(" · ")}`, "");

  if (g.errors.length || g.fixedErrors.length) {
    out.push("### 🚫 Guardrail errors", "", "Synth continued past these (`CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS`); a normal `npm run synth` refuses the head.", "");
    out.push("| | stack | construct | error |", "|---|---|---|---|");
    const newSigs = new Set(g.newErrors.map((a) => `${a.stack}|${a.constructPath}|${a.message}`));
    for (const a of g.errors) out.push(`| ${newSigs.has(`${a.stack}|${a.constructPath}|${a.message}`) ? "**new**" : "already in base"} | \`${a.stack}\` | ${code(a.constructPath)} | ${cell(a.message)} |`);
    for (const a of g.fixedErrors) out.push(`| fixed | \`${a.stack}\` | ${code(a.constructPath)} | ~~${cell(a.message)}~~ |`);
    out.push("");
  }
  if (security.length) {
    out.push("### 🔐 Security review", "");
    for (const f of security) out.push(flagLine(f));
    out.push("");
  }
  if (dataLoss.length) {
    out.push("### 💥 Data-loss risks", "");
    for (const f of dataLoss) out.push(flagLine(f));
    out.push("");
  }
  if (g.warnings.length) {
    out.push("<details><summary>Guardrail warnings (" + g.warnings.length + ")</summary>", "");
    for (const a of g.warnings) out.push(`- \`${a.stack}\` ${code(a.constructPath)}: ${a.message}`);
    out.push("", "</details>", "");
  }

  const changed = result.stacks.filter((s) => s.status !== "unchanged");
  out.push("### Summary", "");
  if (changed.length === 0) {
    out.push("No changes: both revisions synthesize the same resources, settings and outputs.", "");
    return finish(out);
  }
  out.push("| stack | create | update | replace | destroy |", "|---|--:|--:|--:|--:|");
  for (const s of result.stacks) {
    const n = (a: Action) => s.resources.filter((r) => r.action === a).length;
    out.push(`| \`${s.id}\`${s.status === "added" ? " (new stack)" : s.status === "removed" ? " (removed stack)" : ""} | ${n("create")} | ${n("update")} | ${n("replace")} | ${n("destroy")} |`);
  }
  const c = result.counts;
  out.push(`| **total** | **${c.create}** | **${c.update}** | **${c.replace}** | **${c.destroy}** |`, "");

  for (const s of result.stacks) renderStack(s, out, options);
  return finish(out);
}

function finish(lines: string[]): string {
  return scrubPem(lines.join("\n").replace(/\n{3,}/g, "\n\n")).trimEnd() + "\n";
}

function renderStack(s: StackDiff, out: string[], options: RenderOptions): void {
  out.push(`### Stack \`${s.id}\``, "");
  if (s.status === "unchanged") {
    out.push("No changes.", "");
    return;
  }
  if (s.settings.length) {
    out.push("**Stack settings** (backend, providers, data sources)", "", "| setting | before | after |", "|---|---|---|");
    for (const v of s.settings) out.push(`| ${code(v.path)} | ${v.before !== undefined ? code(v.before) : "—"} | ${v.after !== undefined ? code(v.after) : "—"} |`);
    out.push("");
  }
  const o = s.outputs;
  if (o.added.length || o.removed.length || o.changed.length) {
    const parts = [o.added.length && `added ${o.added.map((x) => `\`${x}\``).join(", ")}`, o.removed.length && `removed ${o.removed.map((x) => `\`${x}\``).join(", ")}`, o.changed.length && `changed ${o.changed.map((x) => `\`${x}\``).join(", ")}`].filter(Boolean);
    out.push(`**Outputs:** ${parts.join("; ")}`, "");
  }
  for (const action of ["destroy", "replace", "update", "create", "no-op"] as const) {
    const rs = s.resources.filter((r) => r.action === action);
    if (!rs.length) continue;
    out.push(`#### ${ACTION_ICON[action]} ${ACTION_TITLE[action]} (${rs.length})`, "");
    if (action === "destroy") {
      for (const r of rs) out.push(`- ${resourceName(r)}${r.reasons.length ? ` — ${r.reasons.join("; ")}` : ""}`);
      out.push("");
      continue;
    }
    if (action === "create") {
      for (const r of rs) {
        out.push(`<details><summary>${ACTION_ICON[r.action]} <code>${html(r.address)}</code>${r.label ? ` (${html(r.label)})` : ""}${r.reasons.length ? html(`: ${r.reasons.join("; ").replace(/`/g, "")}`) : ""}</summary>`, "");
        out.push("| argument | value |", "|---|---|", ...(r.arguments ?? []).map((a) => `| \`${a.attribute}\` | ${code(a.value, 240)} |`), "", "</details>", "");
      }
      continue;
    }
    for (const r of rs) renderResource(r, out, options);
  }
}

/** A one-line "why" for a resource's summary line (the table has the details). */
function shortWhy(r: ResourceChange): string {
  const parts: string[] = [];
  const forced = r.changes.filter((c) => c.effect === "replace");
  const own = forced.filter((c) => c.cause === "config").map((c) => c.attribute);
  const induced = forced.filter((c) => c.cause === "dependency").map((c) => c.attribute);
  if (own.length) parts.push(`${own.join(", ")} forces replacement`);
  if (induced.length) parts.push(`${induced.join(", ")} changes with a replaced dependency`);
  parts.push(...r.reasons.filter((x) => x.startsWith("replace_triggered_by")));
  parts.push(...r.reasons.filter((x) => /^(replacement unknown|same |replaces )/.test(x)));
  const ignored = r.changes.filter((c) => c.effect === "ignored").map((c) => c.attribute);
  if (ignored.length) parts.push(`provider ignores ${ignored.join(", ")}`);
  return parts.length ? `: ${parts.join("; ")}` : "";
}

function renderResource(r: ResourceChange, out: string[], options: RenderOptions): void {
  const why = shortWhy(r);
  const unknown = r.replacementUnknown ? " — update (replacement unknown)" : "";
  out.push(`<details><summary>${ACTION_ICON[r.action]} <code>${html(r.address)}</code>${r.label ? ` (${html(r.label)})` : ""}${html(unknown)}${html(why.replace(/`/g, ""))}</summary>`, "");
  const rows: string[] = [];
  const texts: { path: string; v: ValueChange; ch: AttributeChange }[] = [];
  for (const ch of r.changes) {
    if (ch.cause === "dependency") {
      rows.push(`| \`${ch.attribute}\` | ${cell(`changes with a dependency: ${ch.because ?? "upstream change"}`)} | ${EFFECT_TEXT[ch.effect]} |`);
      continue;
    }
    for (const v of ch.values) {
      if (v.kind === "text") {
        texts.push({ path: v.path, v, ch });
        rows.push(`| ${code(v.path)} | text changed (${v.lines?.filter((l) => l.startsWith("+ ") || l.startsWith("- ")).length ?? 0} lines, below) | ${EFFECT_TEXT[ch.effect]} |`);
      } else rows.push(`| ${code(v.path)} | ${changeText(v)} | ${EFFECT_TEXT[ch.effect]}${ch.effect === "meta" && ch.note ? ` (${ch.note})` : ""} |`);
    }
    if (ch.values.length === 0) rows.push(`| \`${ch.attribute}\` | changed | ${EFFECT_TEXT[ch.effect]} |`);
  }
  if (rows.length) out.push("| attribute | change | effect |", "|---|---|---|", ...rows, "");
  else out.push("No argument of its own changes.", "");
  const max = options.maxTextLines ?? 60;
  for (const t of texts) {
    const lines = t.v.lines ?? [];
    const fence = lines.some((l) => l.includes("```")) ? "~~~~" : "```";
    out.push(`${code(t.path)}:`, "", `${fence}diff`, ...lines.slice(0, max).map((l) => (l === "…" ? "@@ … @@" : l)), ...(lines.length > max ? [`@@ ${lines.length - max} more lines @@`] : []), fence, "");
  }
  out.push("</details>", "");
}

function changeText(v: ValueChange): string {
  switch (v.kind) {
    case "added":
      return `added ${code(v.after ?? "")}`;
    case "removed":
      return `removed ${code(v.before ?? "")}`;
    case "reordered":
      return `reordered: ${code(v.before ?? "")} → ${code(v.after ?? "")}`;
    default:
      return `${code(v.before ?? "")} → ${code(v.after ?? "")}`;
  }
}
