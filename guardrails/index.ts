/**
 * Guardrails: a security rule pack evaluated at synth on every stack, in the style of cdk-nag.
 * See RULES.md for every rule, and docs/ARCHITECTURE.md for how it fits.
 */
import type { TerraformStack } from "cdktf";
import type { IConstruct } from "constructs";
import { attachGuardrails, evaluateApp, evaluateStack, type StackEvaluation } from "./aspect";
import type { GuardrailSettings } from "./evaluate";
import { applyProjectDecisions } from "./project-decisions";
import { suppress, type SuppressionOptions } from "./suppressions";

export class Guardrails {
  /**
   * Accepts the findings of one rule on a construct and everything below it. The reason (at
   * least 10 characters) appears in every report.
   */
  static suppress(scope: IConstruct, ruleId: string, reason: string, options?: SuppressionOptions): void {
    suppress(scope, ruleId, reason, options);
  }

  /** Attaches the rule packs and the project's decisions to a stack. */
  static attach(stack: TerraformStack, settings: GuardrailSettings): void {
    attachGuardrails(stack, settings);
    applyProjectDecisions(stack);
  }

  /** Evaluates one stack without annotating it. */
  static evaluate(stack: TerraformStack): StackEvaluation {
    return evaluateStack(stack);
  }

  /** Evaluates every stack of an app without annotating; prepare the stacks first (app.synth does). */
  static evaluateApp(app: IConstruct): StackEvaluation[] {
    return evaluateApp(app);
  }
}

export { GuardrailsAspect, evaluateApp, evaluateStack, guardrailsOf, type StackEvaluation } from "./aspect";
export { blocking, evaluateStackJson, evaluateView, formatFinding, type GuardrailSettings } from "./evaluate";
export { PACKS, RULES, ruleById } from "./catalogue";
export type { Finding, Rule } from "./types";
