/**
 * Suppressions and weakenings: the two ways a finding is accepted instead of failing synth.
 *
 * - A suppression is declared with `Guardrails.suppress(construct, ruleId, reason)`: stored in
 *   the construct's node metadata, inherited by every construct below it, the nearest winning.
 *   It needs a reason of at least MIN_REASON_LENGTH characters (kernel/invariants.ts). A provider gap is a suppression that names its
 *   compensating controls: rules that must hold on the same subject, or the suppression does
 *   not apply.
 * - A weakening is a container's own explicit opt-out (`writableRootfs`, `runAsRoot`,
 *   `addCapabilities`, `noHealthCheck`), recorded with its reason as metadata of its
 *   docker_container resource (WEAKENING_METADATA, kernel/invariants.ts; HardenedContainer writes
 *   it). It IS a reasoned suppression of the matching rules for that resource, so nobody has to
 *   suppress the same thing twice; the report lists it as a weakening.
 */
import type { IConstruct } from "constructs";
import { UserInputError, show } from "../kernel/errors";
import { MIN_REASON_LENGTH, WEAKENING_METADATA, type RecordedWeakening } from "../kernel/invariants";
import { ruleById } from "./catalogue";
import type { AppliedSuppression } from "./types";

export const SUPPRESSION_METADATA = "uyoop:guardrails:suppression";

/** The rules each weakening satisfies. */
export const WEAKENING_RULES: Readonly<Record<string, readonly string[]>> = {
  runAsRoot: ["UY-C-4.1"],
  writableRootfs: ["UY-C-5.13"],
  addCapabilities: ["UY-C-5.4"],
  noHealthCheck: ["UY-C-5.27"],
};

export interface SuppressionOptions {
  /** Rules that must hold on the same subject for this suppression to apply (a provider gap's compensating controls). */
  readonly compensatingControls?: readonly string[];
}

interface StoredSuppression {
  readonly ruleId: string;
  readonly reason: string;
  readonly compensatingControls?: readonly string[];
}

/** A suppression as declared, for reports. */
export interface DeclaredSuppression extends StoredSuppression {
  readonly declaredAt: string;
}

/** A container's weakening, for reports. */
export interface DeclaredWeakening {
  /** Path of the construct that declared it (the resource's parent: the HardenedContainer). */
  readonly declaredAt: string;
  /** Path of its docker_container resource (where findings land). */
  readonly resourcePath: string;
  readonly property: string;
  readonly reason: string;
  /** Rules it satisfies. */
  readonly rules: readonly string[];
}

/** Records a suppression on a construct (inherited by its children). Throws on a short reason or an unknown rule. */
export function suppress(scope: IConstruct, ruleId: string, reason: string, options: SuppressionOptions = {}): void {
  const where = scope.node.path || "(app)";
  if (!ruleById(ruleId)) throw UserInputError.of(where, `suppress(${ruleId})`, `${show(ruleId)} is not a guardrails rule id; see RULES.md`);
  const trimmed = (reason ?? "").trim();
  if (trimmed.length < MIN_REASON_LENGTH) {
    throw UserInputError.of(where, `suppress(${ruleId})`, `a suppression needs a reason of at least ${MIN_REASON_LENGTH} characters, got ${show(reason)}; say why the rule cannot hold here`);
  }
  for (const c of options.compensatingControls ?? []) {
    if (!ruleById(c)) throw UserInputError.of(where, `suppress(${ruleId})`, `compensating control ${show(c)} is not a guardrails rule id`);
  }
  const entry: StoredSuppression = { ruleId, reason: trimmed, ...(options.compensatingControls ? { compensatingControls: [...options.compensatingControls] } : {}) };
  const existing = suppressionsOn(scope);
  if (existing.some((e) => e.ruleId === ruleId)) {
    throw UserInputError.of(where, `suppress(${ruleId})`, `${ruleId} is already suppressed here; keep one suppression with one reason`);
  }
  scope.node.addMetadata(SUPPRESSION_METADATA, entry);
}

/** Suppressions declared on this construct itself. */
export function suppressionsOn(scope: IConstruct): StoredSuppression[] {
  return scope.node.metadata.filter((m) => m.type === SUPPRESSION_METADATA).map((m) => m.data as StoredSuppression);
}

/** Answers "is this finding accepted, and why" from the construct tree of one stack. */
export class TreeSuppressions {
  private readonly byPath = new Map<string, IConstruct>();
  private readonly weakeningsByResource = new Map<string, DeclaredWeakening[]>();
  readonly weakenings: readonly DeclaredWeakening[];
  readonly declared: readonly DeclaredSuppression[];

  constructor(root: IConstruct) {
    const weakenings: DeclaredWeakening[] = [];
    const declared: DeclaredSuppression[] = [];
    for (const ancestor of root.node.scopes.slice(0, -1)) {
      for (const s of suppressionsOn(ancestor)) declared.push({ ...s, declaredAt: ancestor.node.path || "(app)" });
    }
    for (const c of root.node.findAll()) {
      this.byPath.set(c.node.path, c);
      for (const s of suppressionsOn(c)) declared.push({ ...s, declaredAt: c.node.path });
      const recorded = c.node.metadata.filter((m) => m.type === WEAKENING_METADATA).map((m) => m.data as RecordedWeakening);
      if (recorded.length > 0) {
        const resourcePath = c.node.path;
        const declaredAt = c.node.scope?.node.path ?? resourcePath;
        const list = recorded.map((w) => ({ declaredAt, resourcePath, property: w.property, reason: w.reason, rules: WEAKENING_RULES[w.property] ?? [] }));
        this.weakeningsByResource.set(resourcePath, list);
        weakenings.push(...list);
      }
    }
    this.weakenings = weakenings;
    this.declared = declared;
  }

  /** The weakening or suppression that accepts `ruleId` at `path`, nearest first; weakenings before suppressions. */
  lookup(path: string, ruleId: string): AppliedSuppression | undefined {
    const weakening = this.weakeningsByResource.get(path)?.find((w) => w.rules.includes(ruleId));
    if (weakening) return { kind: "weakening", reason: weakening.reason, declaredAt: weakening.declaredAt, property: weakening.property };
    const construct = this.byPath.get(path);
    if (!construct) return undefined;
    for (const scope of [...construct.node.scopes].reverse()) {
      const s = suppressionsOn(scope).find((e) => e.ruleId === ruleId);
      if (s) {
        return {
          kind: "suppression",
          reason: s.reason,
          declaredAt: scope.node.path || "(app)",
          ...(s.compensatingControls ? { compensatingControls: s.compensatingControls } : {}),
        };
      }
    }
    return undefined;
  }

  /** The construct at a path, if it is in this tree. */
  construct(path: string): IConstruct | undefined {
    return this.byPath.get(path);
  }
}
