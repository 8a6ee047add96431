/**
 * Evaluation: every rule over every subject of one stack's JSON, then suppressions. Pure: the
 * same JSON, context and suppressions always give the same findings, in the same order.
 */
import { RULES } from "./catalogue";
import { buildStackView, type StackViewOptions } from "./stack-view";
import type { AppliedSuppression, Finding, JsonObject, Profile, Rule, RuleContext, StackView, Subject } from "./types";

/** What a stack's guardrails know about its environment. */
export interface GuardrailSettings {
  readonly environment: string;
  readonly profile: Profile;
  /** allowDataLoss reason, when destroy protection is lifted. */
  readonly allowDataLoss?: string;
  /** The server the cluster runs (OpenBao declares audit devices in its configuration). @default "vault" */
  readonly server?: "vault" | "openbao";
}

/** Where accepted findings come from (the construct tree, or nothing for plain JSON). */
export interface SuppressionLookup {
  lookup(path: string, ruleId: string): AppliedSuppression | undefined;
}

export function applies(rule: Rule, subject: Subject, profile: Profile): boolean {
  if (rule.profiles && !rule.profiles.includes(profile)) return false;
  if (rule.appliesTo.includes("*")) return subject.kind !== "vault-server";
  return rule.appliesTo.includes(subject.type);
}

interface RawFinding {
  readonly rule: Rule;
  readonly subject: Subject;
  readonly message: string;
}

/** Every rule over every subject of a stack view. */
export function evaluateView(view: StackView, settings: GuardrailSettings, suppressions?: SuppressionLookup, rules: readonly Rule[] = RULES): Finding[] {
  const ctx: RuleContext = {
    environment: settings.environment,
    profile: settings.profile,
    ...(settings.allowDataLoss !== undefined ? { allowDataLoss: settings.allowDataLoss } : {}),
    server: settings.server ?? "vault",
    stack: view,
  };
  const raw: RawFinding[] = [];
  for (const subject of view.subjects) {
    for (const rule of rules) {
      if (!applies(rule, subject, settings.profile)) continue;
      let messages: readonly string[];
      try {
        messages = rule.check(subject, ctx);
      } catch (e) {
        messages = [`the rule could not evaluate this subject: ${(e as Error).message}`];
      }
      for (const message of new Set(messages)) raw.push({ rule, subject, message });
    }
  }
  const failing = new Set(raw.map((r) => `${r.rule.id} ${r.subject.address}`));
  const findings = raw.map(({ rule, subject, message }): Finding => {
    let suppression = suppressions?.lookup(subject.path, rule.id);
    let note = "";
    const broken = suppression?.compensatingControls?.filter((c) => failing.has(`${c} ${subject.address}`)) ?? [];
    if (suppression && broken.length > 0) {
      note = ` (suppression at ${suppression.declaredAt} does not apply: its compensating control ${broken.join(", ")} fails here)`;
      suppression = undefined;
    }
    return {
      ruleId: rule.id,
      level: rule.level,
      stack: view.id,
      path: subject.path,
      address: subject.address,
      message: `${message}${note}`,
      fix: rule.fix,
      ...(suppression ? { suppression } : {}),
    };
  });
  return findings.sort(compareFindings);
}

/** Evaluates a stack's `toTerraform()` JSON. */
export function evaluateStackJson(stackId: string, json: JsonObject, settings: GuardrailSettings, suppressions?: SuppressionLookup, options?: StackViewOptions): Finding[] {
  return evaluateView(buildStackView(stackId, json, options), settings, suppressions);
}

/** Code-unit order: the same on every machine, whatever its locale. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareFindings(a: Finding, b: Finding): number {
  return (
    compareStrings(a.stack, b.stack) ||
    compareStrings(a.path, b.path) ||
    compareStrings(a.ruleId, b.ruleId) ||
    compareStrings(a.address, b.address) ||
    compareStrings(a.message, b.message)
  );
}

/** Findings that fail synth: errors without a suppression. */
export function blocking(findings: readonly Finding[]): Finding[] {
  return findings.filter((f) => f.level === "error" && !f.suppression);
}

/** One line: rule id, construct path, what is wrong, how to fix. */
export function formatFinding(f: Finding): string {
  return `${f.ruleId} ${f.path}: ${f.message}; fix: ${f.fix}`;
}
