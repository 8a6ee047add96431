/**
 * The vocabulary of the guardrails: rules, the subjects they judge, their findings.
 *
 * A rule is a small pure function over one synthesized subject (a resource, data source,
 * provider block or output as `stack.toTerraform()` renders it; tokens appear as "${...}"
 * strings, or a Vault server configuration read from the JSON) plus a tiny context. It returns
 * the problems it sees as one-line messages; an empty list means compliant.
 */

import type { Json, JsonObject } from "../kernel/invariants";
export type { Json, JsonObject };

/** error: fails synth unless suppressed. warning: reported, never fails. */
export type Level = "error" | "warning";

export type PackId = "container" | "vault-server" | "vault" | "tls" | "data";

export type Profile = "dev" | "prod";

/** What the subject is, in the stack JSON. */
export type SubjectKind = "resource" | "data" | "provider" | "output" | "vault-server";

/** Type of the derived subject describing a Vault server (its container, arguments and configuration). */
export const VAULT_SERVER_TYPE = "vault_server";

export interface Subject {
  readonly kind: SubjectKind;
  /** Terraform type, e.g. `docker_container`, or `vault_server` for the derived Vault server subject. */
  readonly type: string;
  /** Terraform name (logical id). */
  readonly name: string;
  /** Terraform address, e.g. `docker_container.vault_vault-1_server`. */
  readonly address: string;
  /** Construct path of the owning construct (from the resource's `//`.metadata.path), or the stack's. */
  readonly path: string;
  /** The rendered configuration. */
  readonly body: JsonObject;
}

/** Everything a rule may know besides its subject. */
export interface RuleContext {
  /** Environment name. */
  readonly environment: string;
  readonly profile: Profile;
  /** The environment's allowDataLoss reason, when destroy protection is lifted. */
  readonly allowDataLoss?: string;
  /** The server the cluster runs: OpenBao's audit devices are in its configuration, not `vault_audit` resources. */
  readonly server: "vault" | "openbao";
  /** Read-only view of the whole stack, for references between resources. */
  readonly stack: StackView;
}

/** Read-only lookups across one synthesized stack. */
export interface StackView {
  readonly id: string;
  /** Every subject (resources, data, providers, outputs, derived Vault servers). */
  readonly subjects: readonly Subject[];
  /** Subjects of one type. */
  ofType(type: string): readonly Subject[];
  /** The resource or data source a reference such as "${docker_volume.x.name}" points at. */
  resolve(reference: string): Subject | undefined;
}

export interface Rule {
  /** Stable id, e.g. `UY-C-5.13`; never reused for another meaning. */
  readonly id: string;
  readonly pack: PackId;
  readonly level: Level;
  /** What compliance looks like, as a short sentence. */
  readonly title: string;
  /** Why it matters. */
  readonly rationale: string;
  /** How to comply. */
  readonly fix: string;
  /** Where the control comes from (CIS number, hardening-guide item, provider issue). */
  readonly source: string;
  /** SARIF `security-severity` (0.0-10.0, as a string: >= 9 critical, >= 7 high, >= 4 medium). */
  readonly securitySeverity: string;
  /** Subject types the rule judges. */
  readonly appliesTo: readonly string[];
  /** Only evaluated in these profiles. @default every profile */
  readonly profiles?: readonly Profile[];
  /** The problems this subject has (empty: compliant). Pure. */
  readonly check: (subject: Subject, ctx: RuleContext) => readonly string[];
}

/** Why a finding does not fail synth. */
export interface AppliedSuppression {
  /**
   * weakening: a construct's own explicit opt-out (recorded by HardenedContainer as WEAKENING_METADATA on its resource);
   * suppression: `Guardrails.suppress(construct, ruleId, reason)`.
   */
  readonly kind: "weakening" | "suppression";
  readonly reason: string;
  /** Construct path where it was declared. */
  readonly declaredAt: string;
  /** The weakened property, for weakenings. */
  readonly property?: string;
  /** Rules that must hold on the same subject for the suppression to apply (provider gaps). */
  readonly compensatingControls?: readonly string[];
}

export interface Finding {
  readonly ruleId: string;
  readonly level: Level;
  readonly stack: string;
  /** Construct path of the owner of the subject. */
  readonly path: string;
  /** Terraform address of the subject. */
  readonly address: string;
  /** What is wrong. */
  readonly message: string;
  /** How to fix it (the rule's fix). */
  readonly fix: string;
  /** Set when the finding is suppressed (it then never fails synth). */
  readonly suppression?: AppliedSuppression;
}
