/** RULES.md, rendered from the catalogue (`npm run rules` writes it; a test fails when it is stale). */
import { PACKS, RULES } from "./catalogue";
import { CIS_OTHER, CIS_SECTION_5, VAULT_HARDENING, type CoverageItem } from "./coverage";
import { PROJECT_DECISIONS } from "./project-decisions";
import { MIN_REASON_LENGTH } from "../kernel/invariants";
import { WEAKENING_RULES } from "./suppressions";
import type { Rule } from "./types";

export const RULES_MD = "RULES.md";

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function anchor(id: string): string {
  return id.toLowerCase().replace(/[^a-z0-9-]/g, "");
}

function ruleLink(id: string): string {
  return `[${id}](#${anchor(id)})`;
}

function weakeningsOf(rule: Rule): string[] {
  return Object.entries(WEAKENING_RULES)
    .filter(([, ids]) => ids.includes(rule.id))
    .map(([p]) => p);
}

function coverageTable(items: readonly CoverageItem[], head: string): string[] {
  return [
    `| ${head} | title | rules | note |`,
    "|---|---|---|---|",
    ...items.map((i) => `| ${cell(i.item)} | ${cell(i.title)} | ${i.rules.length > 0 ? i.rules.map(ruleLink).join(", ") : "none"} | ${cell(i.note ?? "")} |`),
  ];
}

export function renderRulesMarkdown(): string {
  const lines: string[] = [
    "# Guardrails: the rules",
    "",
    "<!-- Generated from guardrails/ by `npm run rules`; __tests__/guardrails-report.test.ts fails when this file is stale (UPDATE_RULES_MD=1 npx jest __tests__/guardrails-report.test.ts rewrites it). Do not edit by hand. -->",
    "",
    "Every stack carries the guardrails (`stacks/uyoop-stack.ts`): at each synth an aspect evaluates the stack's",
    "synthesized JSON once, rule by rule, and annotates the construct that owns each finding. An **error** fails",
    "synth (one line each: rule id, construct path, what is wrong, how to fix); a **warning** is printed and never",
    "fails. `npm run audit` writes the same findings as Markdown and SARIF 2.1.0 (`cdktf.out/audit/`).",
    "",
    "A finding is accepted, never silenced, in one of two ways, and both appear in every report:",
    "",
    `- **Suppression**: \`Guardrails.suppress(construct, ruleId, reason)\` (reason of at least ${MIN_REASON_LENGTH} characters), inherited by`,
    "  everything below the construct. A provider gap is a suppression that names its compensating controls: rules",
    "  that must hold on the same resource, or the suppression does not apply.",
    "- **Weakening**: a HardenedContainer's own explicit opt-out, declared with a reason in its props and recorded in",
    "  `weakenings`. It is a reasoned suppression of exactly the rules below, for that container only:",
    "",
    "| weakening | satisfies |",
    "|---|---|",
    ...Object.entries(WEAKENING_RULES).map(([p, ids]) => `| \`${p}\` | ${ids.map(ruleLink).join(", ")} |`),
    "",
    "Profiles: a rule marked *prod* runs only for prod environments. Security severities follow GitHub code",
    "scanning (9.0+ critical, 7.0+ high, 4.0+ medium, below low).",
    "",
    "## Summary",
    "",
    "| pack | rules | errors | warnings |",
    "|---|---|---|---|",
    ...PACKS.map((p) => `| [${p.title}](#${anchor(`pack ${p.id}`)}) | ${p.rules.length} | ${p.rules.filter((r) => r.level === "error").length} | ${p.rules.filter((r) => r.level === "warning").length} |`),
    `| **total** | ${RULES.length} | ${RULES.filter((r) => r.level === "error").length} | ${RULES.filter((r) => r.level === "warning").length} |`,
    "",
  ];
  for (const pack of PACKS) {
    lines.push(`<a id="${anchor(`pack ${pack.id}`)}"></a>`, "", `## ${pack.title} (\`${pack.id}\`)`, "", pack.description, "");
    lines.push("| id | level | title | source |", "|---|---|---|---|");
    for (const r of pack.rules) lines.push(`| ${ruleLink(r.id)} | ${r.level}${r.profiles ? ` (${r.profiles.join(", ")})` : ""} | ${cell(r.title)} | ${cell(r.source)} |`);
    lines.push("");
    for (const r of pack.rules) {
      const weakenings = weakeningsOf(r);
      lines.push(
        `### ${r.id}`,
        "",
        `**${r.title}.** Level **${r.level}**${r.profiles ? ` (profiles: ${r.profiles.join(", ")})` : ""}, security-severity ${r.securitySeverity}; judges \`${r.appliesTo.join("`, `")}\`.`,
        "",
        `- Why: ${r.rationale}`,
        `- Fix: ${r.fix}`,
        `- Source: ${r.source}`,
        ...(weakenings.length > 0 ? [`- Satisfied for one container by its weakening ${weakenings.map((w) => `\`${w}\``).join(", ")}.`] : []),
        "",
      );
    }
  }
  lines.push(
    "## Project decisions",
    "",
    "Standing suppressions declared on every stack (`guardrails/project-decisions.ts`):",
    "",
    "| rule | reason | compensating controls |",
    "|---|---|---|",
    ...PROJECT_DECISIONS.map((d) => `| ${ruleLink(d.ruleId)} | ${cell(d.reason)} | ${(d.compensatingControls ?? []).map(ruleLink).join(", ") || "none"} |`),
    "",
    "## Coverage: CIS Docker Benchmark v1.6.0, section 5 (Container Runtime)",
    "",
    "Numbering as in the benchmark v1.6.0 (and docker-bench-security); older editions number some items one lower (e.g. PIDs limit was 5.28).",
    "",
    ...coverageTable(CIS_SECTION_5, "CIS"),
    "",
    "## Coverage: CIS Docker Benchmark v1.6.0, sections 2 and 4",
    "",
    ...coverageTable(CIS_OTHER, "CIS"),
    "",
    "## Coverage: Vault production hardening",
    "",
    "Items of developer.hashicorp.com/vault/docs/concepts/production-hardening (baseline and extended recommendations).",
    "",
    ...coverageTable(VAULT_HARDENING, "section"),
    "",
  );
  return lines.join("\n");
}
