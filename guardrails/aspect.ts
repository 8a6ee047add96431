/**
 * The guardrails aspect: attached to each stack (cdktf ignores aspects added to the App), it
 * evaluates the stack's JSON once, when synthesis visits the stack node (aspects run top-down
 * on the complete tree), and annotates the construct that owns each finding: an error fails
 * synth, a warning is reported. Idempotent: synthesizing again adds no duplicate annotation.
 */
import { AnnotationMetadataEntryType, Annotations, Aspects, TerraformProvider, TerraformStack, type IAspect } from "cdktf";
import type { IConstruct } from "constructs";
import { performance } from "perf_hooks";
import { evaluateView, type GuardrailSettings } from "./evaluate";
import { buildStackView } from "./stack-view";
import { TreeSuppressions, type DeclaredSuppression, type DeclaredWeakening } from "./suppressions";
import type { Finding, JsonObject } from "./types";

/** Everything the guardrails found in one stack. */
export interface StackEvaluation {
  readonly stack: string;
  readonly settings: GuardrailSettings;
  readonly findings: readonly Finding[];
  /** Suppressions declared on the stack's constructs (and their ancestors). */
  readonly suppressions: readonly DeclaredSuppression[];
  /** Every weakening recorded in the stack (WEAKENING_METADATA on container resources). */
  readonly weakenings: readonly DeclaredWeakening[];
  /** Number of subjects judged. */
  readonly subjects: number;
  /** The JSON that was judged (`toTerraform()`), for reports that point into cdk.tf.json. */
  readonly json: JsonObject;
  /** Milliseconds the guardrails took, rendering the JSON excluded (cdktf's share). */
  readonly ms: number;
}

export class GuardrailsAspect implements IAspect {
  /** What the last synthesis judged (main.ts reports it instead of evaluating the stack again). */
  public evaluation: StackEvaluation | undefined;

  constructor(public readonly settings: GuardrailSettings) {}

  visit(node: IConstruct): void {
    if (!TerraformStack.isStack(node)) return;
    const { evaluation, tree } = evaluate(node, this.settings);
    this.evaluation = evaluation;
    for (const f of evaluation.findings) {
      if (f.suppression) continue;
      annotateOnce(tree.construct(f.path) ?? node, f.level, annotationMessage(f));
    }
  }
}

/** The annotation a finding puts on its construct (how main.ts tells them from other annotations). */
export function annotationMessage(f: Finding): string {
  return `[${f.ruleId}] ${f.message}; fix: ${f.fix}`;
}

function annotateOnce(target: IConstruct, level: Finding["level"], message: string): void {
  const type = level === "error" ? AnnotationMetadataEntryType.ERROR : AnnotationMetadataEntryType.WARN;
  if (target.node.metadata.some((m) => m.type === type && m.data === message)) return;
  if (level === "error") Annotations.of(target).addError(message);
  else Annotations.of(target).addWarning(message);
}

/** Attaches the guardrails to a stack (once). */
export function attachGuardrails(stack: TerraformStack, settings: GuardrailSettings): GuardrailsAspect {
  const existing = guardrailsOf(stack);
  if (existing) throw new Error(`guardrails are already attached to stack ${stack.node.id}`);
  const aspect = new GuardrailsAspect(settings);
  Aspects.of(stack).add(aspect);
  return aspect;
}

/** The aspect attached to a stack, if any. */
export function guardrailsOf(stack: TerraformStack): GuardrailsAspect | undefined {
  return Aspects.of(stack).all.find((a): a is GuardrailsAspect => a instanceof GuardrailsAspect);
}

/** Evaluates one stack (pure: no annotation). Uses the attached aspect's settings unless given. */
export function evaluateStack(stack: TerraformStack, settings?: GuardrailSettings): StackEvaluation {
  const effective = settings ?? guardrailsOf(stack)?.settings;
  if (!effective) throw new Error(`stack ${stack.node.id} has no guardrails attached`);
  return evaluate(stack, effective).evaluation;
}

function evaluate(stack: TerraformStack, effective: GuardrailSettings): { evaluation: StackEvaluation; tree: TreeSuppressions } {
  const json = stack.toTerraform() as JsonObject;
  const started = performance.now();
  const providerPaths: Record<string, string> = {};
  for (const c of stack.node.findAll()) {
    if (TerraformProvider.isTerraformProvider(c)) {
      providerPaths[c.alias ? `provider.${c.terraformResourceType}.${c.alias}` : `provider.${c.terraformResourceType}`] = c.node.path;
    }
  }
  const tree = new TreeSuppressions(stack);
  const view = buildStackView(stack.node.id, json, { providerPaths });
  const findings = evaluateView(view, effective, tree);
  const evaluation: StackEvaluation = {
    stack: stack.node.id,
    settings: effective,
    findings,
    suppressions: tree.declared,
    weakenings: tree.weakenings,
    subjects: view.subjects.length,
    json,
    ms: performance.now() - started,
  };
  return { evaluation, tree };
}

/**
 * Evaluates every stack of an app. Each stack must have its guardrails attached: a stack
 * without them would pass silently, so that is an error.
 */
export function evaluateApp(app: IConstruct): StackEvaluation[] {
  const stacks = app.node.findAll().filter((c): c is TerraformStack => TerraformStack.isStack(c));
  const bare = stacks.filter((s) => !guardrailsOf(s)).map((s) => s.node.id);
  if (bare.length > 0) throw new Error(`stack(s) ${bare.join(", ")} have no guardrails attached: extend UyoopStack`);
  return stacks.map((s) => evaluateStack(s));
}
