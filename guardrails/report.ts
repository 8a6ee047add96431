/**
 * Audit reports: a Markdown summary for people and SARIF 2.1.0 for code scanning. Both list
 * every finding, every suppression and every weakening, so nothing accepted is invisible.
 */
import { createHash } from "crypto";
import type { StackEvaluation } from "./aspect";
import { RULES, ruleById } from "./catalogue";
import { blocking, compareStrings } from "./evaluate";
import { stableStringify } from "./json";
import type { Finding, JsonObject, Profile, Rule } from "./types";

/** The evaluation of one environment. */
export interface AuditRun {
  readonly environment: string;
  readonly profile: Profile;
  /** The environment file it came from. */
  readonly source: string;
  readonly allowDataLoss?: string;
  readonly evaluations: readonly StackEvaluation[];
}

export function findingsOf(run: AuditRun): Finding[] {
  return run.evaluations.flatMap((e) => e.findings);
}

export interface RunSummary {
  readonly errors: number;
  readonly warnings: number;
  readonly suppressed: number;
  readonly byWeakening: number;
  readonly bySuppression: number;
  readonly weakenings: number;
  readonly subjects: number;
}

export function summarize(run: AuditRun): RunSummary {
  const all = findingsOf(run);
  return {
    errors: blocking(all).length,
    warnings: all.filter((f) => f.level === "warning" && !f.suppression).length,
    suppressed: all.filter((f) => f.suppression).length,
    byWeakening: all.filter((f) => f.suppression?.kind === "weakening").length,
    bySuppression: all.filter((f) => f.suppression?.kind === "suppression").length,
    weakenings: run.evaluations.reduce((n, e) => n + e.weakenings.length, 0),
    subjects: run.evaluations.reduce((n, e) => n + e.subjects, 0),
  };
}

/** Where the synthesized JSON of a stack is written by `npm run synth`. */
export function stackJsonPath(stack: string): string {
  return `cdktf.out/stacks/${stack}/cdk.tf.json`;
}

// ---------------------------------------------------------------------------------------------
// Markdown

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

export function renderMarkdown(runs: readonly AuditRun[]): string {
  const lines: string[] = ["# Guardrails audit", ""];
  const total = runs.reduce((n, r) => n + summarize(r).errors, 0);
  lines.push(
    `**${total === 0 ? "PASS" : "FAIL"}**: ${total} unsuppressed error(s) across ${runs.length} environment(s); ${RULES.length} rules (RULES.md).`,
    "",
    "| environment | profile | subjects | errors | warnings | suppressed (weakening / suppression) | weakenings declared |",
    "|---|---|---|---|---|---|---|",
  );
  for (const r of runs) {
    const s = summarize(r);
    lines.push(`| ${r.environment} (${cell(r.source)}) | ${r.profile} | ${s.subjects} | ${s.errors} | ${s.warnings} | ${s.suppressed} (${s.byWeakening} / ${s.bySuppression}) | ${s.weakenings} |`);
  }
  lines.push("");
  for (const r of runs) {
    const all = findingsOf(r);
    lines.push(`## ${r.environment} (profile ${r.profile})`, "");
    if (r.allowDataLoss !== undefined) {
      lines.push(`> **Destroy protection is OFF** (allowDataLoss: ${JSON.stringify(r.allowDataLoss)}): the resources under UY-D-LOSS-1 below can be destroyed by an apply.`, "");
    }
    const open = (level: Finding["level"]) => all.filter((f) => f.level === level && !f.suppression);
    for (const [title, list] of [["Errors (fail synth)", open("error")], ["Warnings", open("warning")]] as const) {
      lines.push(`### ${title}: ${list.length}`, "");
      if (list.length > 0) {
        lines.push("| rule | construct | what | fix |", "|---|---|---|---|");
        for (const f of list) lines.push(`| ${f.ruleId} | \`${f.path}\` | ${cell(f.message)} | ${cell(f.fix)} |`);
        lines.push("");
      }
    }
    const weakenings = r.evaluations.flatMap((e) => e.weakenings);
    const declared = r.evaluations.flatMap((e) => e.suppressions.map((s) => ({ ...s, stack: e.stack })));
    const label = (stack: string, declaredAt: string, ruleId: string): string => {
      const i = declared.findIndex((d) => d.stack === stack && d.declaredAt === declaredAt && d.ruleId === ruleId);
      return i < 0 ? `suppression at \`${declaredAt}\`` : `S${i + 1}`;
    };
    const suppressed = all.filter((f) => f.suppression);
    lines.push(`### Accepted findings: ${suppressed.length}`, "", "Each is accepted by a weakening or a suppression listed (with its reason) in the tables after this one.", "");
    if (suppressed.length > 0) {
      lines.push("| rule | construct | what | accepted by |", "|---|---|---|---|");
      for (const f of suppressed) {
        const s = f.suppression!;
        const by = s.kind === "weakening" ? `weakening \`${s.property}\` of \`${s.declaredAt}\`` : label(f.stack, s.declaredAt, f.ruleId);
        lines.push(`| ${f.ruleId} | \`${f.path}\` | ${cell(f.message)} | ${by} |`);
      }
      lines.push("");
    }
    lines.push(`### Weakenings declared: ${weakenings.length}`, "", "Every hardening default a HardenedContainer gave up, with its reason; each is a reasoned suppression of the rules it satisfies, for that container only.", "");
    if (weakenings.length > 0) {
      lines.push("| container | property | satisfies | findings accepted | reason |", "|---|---|---|---|---|");
      for (const w of weakenings) {
        const used = all.filter((f) => f.suppression?.kind === "weakening" && f.suppression.declaredAt === w.declaredAt && f.suppression.property === w.property).length;
        lines.push(`| \`${w.declaredAt}\` | \`${w.property}\` | ${w.rules.join(", ") || "none"} | ${used} | ${cell(w.reason)} |`);
      }
      lines.push("");
    }
    lines.push(`### Suppressions declared: ${declared.length}`, "");
    if (declared.length > 0) {
      lines.push("| | stack | declared at | rule | findings accepted | compensating controls | reason |", "|---|---|---|---|---|---|---|");
      declared.forEach((s, i) => {
        const used = all.filter((f) => f.stack === s.stack && f.suppression?.kind === "suppression" && f.suppression.declaredAt === s.declaredAt && f.ruleId === s.ruleId).length;
        lines.push(`| S${i + 1} | ${s.stack} | \`${s.declaredAt}\` | ${s.ruleId} | ${used} | ${(s.compensatingControls ?? []).join(", ") || "-"} | ${cell(s.reason)} |`);
      });
      lines.push("");
    }
  }
  return lines.join("\n");
}

// ---------------------------------------------------------------------------------------------
// SARIF 2.1.0

export const SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
export const TOOL_NAME = "uyoop-guardrails";

/** The 1-based line where `keys` (object keys, outermost first) starts in stable-stringified JSON. */
export function lineOf(text: string, keys: readonly string[]): number | undefined {
  const lines = text.split("\n");
  let from = 0;
  let found: number | undefined;
  keys.forEach((key, depth) => {
    if (from < 0) return;
    const prefix = `${"  ".repeat(depth + 1)}${JSON.stringify(key)}: `;
    const at = lines.findIndex((l, i) => i >= from && l.startsWith(prefix));
    from = at;
    found = at < 0 ? undefined : at + 1;
  });
  return found;
}

/** Keys leading to a finding's subject in cdk.tf.json. */
function keysOf(address: string): string[] {
  const parts = address.split(".");
  if (parts[0] === "data") return ["data", parts[1]!, parts.slice(2).join(".")];
  if (parts[0] === "provider") return ["provider", parts[1]!];
  if (parts[0] === "output") return ["output", parts.slice(1).join(".")];
  return ["resource", parts[0]!, parts.slice(1).join(".")];
}

function pascal(text: string): string {
  return text
    .replace(/[^A-Za-z0-9 ]/g, " ")
    .split(/\s+/)
    .filter((w) => w !== "")
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join("")
    .slice(0, 80);
}

function tagsOf(rule: Rule): string[] {
  const tags = ["security", `uyoop/${rule.pack}`];
  const cis = /CIS Docker Benchmark v1\.6\.0 (\d+\.\d+)/.exec(rule.source);
  if (cis) tags.push(`cis-docker/${cis[1]}`);
  if (rule.source.includes("Vault production hardening")) tags.push("vault-production-hardening");
  return tags;
}

export function sarifRule(rule: Rule): JsonObject {
  const help = `${rule.rationale}\n\nFix: ${rule.fix}\n\nSource: ${rule.source}`;
  return {
    id: rule.id,
    name: pascal(rule.title),
    shortDescription: { text: rule.title },
    fullDescription: { text: rule.rationale },
    help: {
      text: help,
      markdown: `**${rule.title}** (${rule.level})\n\n${rule.rationale}\n\n**Fix:** ${rule.fix}\n\n**Source:** ${rule.source}\n\nSee RULES.md#${rule.id.toLowerCase().replace(/[^a-z0-9-]/g, "")}.`,
    },
    defaultConfiguration: { level: rule.level },
    properties: {
      "security-severity": rule.securitySeverity,
      precision: "high",
      "problem.severity": rule.level,
      tags: tagsOf(rule),
    },
  };
}

function fingerprint(f: Finding): string {
  return createHash("sha256").update(`${f.ruleId}\n${f.path}\n${f.address}\n${f.message}`).digest("hex");
}

export function renderSarif(runs: readonly AuditRun[], version: string): JsonObject {
  const ruleIndex = new Map(RULES.map((r, i) => [r.id, i]));
  return {
    $schema: SARIF_SCHEMA,
    version: "2.1.0",
    runs: runs.map((run) => {
      const texts = new Map(run.evaluations.map((e) => [e.stack, stableStringify(e.json)]));
      const results = findingsOf(run)
        .slice()
        .sort((a, b) => compareStrings(a.stack, b.stack) || compareStrings(a.path, b.path) || compareStrings(a.ruleId, b.ruleId) || compareStrings(a.message, b.message))
        .map((f) => {
          const rule = ruleById(f.ruleId)!;
          const line = lineOf(texts.get(f.stack) ?? "", keysOf(f.address));
          const result: JsonObject = {
            ruleId: f.ruleId,
            ruleIndex: ruleIndex.get(f.ruleId)!,
            level: rule.level,
            message: { text: `${f.message} (${f.path}). Fix: ${f.fix}` },
            locations: [
              {
                physicalLocation: {
                  artifactLocation: { uri: stackJsonPath(f.stack) },
                  ...(line !== undefined ? { region: { startLine: line } } : {}),
                },
                logicalLocations: [{ name: f.address, fullyQualifiedName: f.path, kind: "resource" }],
              },
            ],
            partialFingerprints: { "uyoopGuardrails/v1": fingerprint(f) },
            properties: { stack: f.stack, constructPath: f.path, address: f.address },
          };
          if (f.suppression) {
            const s = f.suppression;
            result["suppressions"] = [
              {
                kind: "inSource",
                status: "accepted",
                justification: s.kind === "weakening" ? `weakening ${s.property} of ${s.declaredAt}: ${s.reason}` : `suppression at ${s.declaredAt}: ${s.reason}`,
                properties: {
                  via: s.kind,
                  declaredAt: s.declaredAt,
                  ...(s.property ? { property: s.property } : {}),
                  ...(s.compensatingControls ? { compensatingControls: [...s.compensatingControls] } : {}),
                },
              },
            ];
          }
          return result;
        });
      return {
        tool: {
          driver: {
            name: TOOL_NAME,
            fullName: "uyoop-cal infrastructure guardrails",
            version,
            semanticVersion: version,
            rules: RULES.map(sarifRule),
          },
        },
        automationDetails: { id: `${TOOL_NAME}/${run.environment}/` },
        invocations: [{ executionSuccessful: true }],
        columnKind: "utf16CodeUnits",
        results,
        properties: {
          environment: run.environment,
          profile: run.profile,
          source: run.source,
          ...(run.allowDataLoss !== undefined ? { allowDataLoss: run.allowDataLoss } : {}),
          weakenings: run.evaluations.flatMap((e) => e.weakenings.map((w) => ({ declaredAt: w.declaredAt, property: w.property, reason: w.reason, rules: [...w.rules] }))),
          suppressions: run.evaluations.flatMap((e) =>
            e.suppressions.map((s) => ({ stack: e.stack, declaredAt: s.declaredAt, ruleId: s.ruleId, reason: s.reason, compensatingControls: [...(s.compensatingControls ?? [])] })),
          ),
        },
      };
    }),
  };
}
