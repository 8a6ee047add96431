/**
 * VaultPolicies: reads every catalogued policy of `policies/` (policies/catalog.ts) and uploads
 * it as is, after the lint. A policy that fails the lint stops synth with the policy, the path
 * and the reason.
 */
import { Construct } from "constructs";
import { Policy } from "@cdktf/provider-vault/lib/policy";
import { terraformLiteral } from "../../kernel/terraform-template";
import { UserInputError } from "../../kernel/errors";
import { POLICY_CATALOG, lintPolicy, parsePolicy, policyFile, type PolicyDefinition, type PolicyName, type PolicyRule } from "../../policies/catalog";
import { readProjectFile } from "../project-files";

export interface LoadedPolicy extends PolicyDefinition {
  /** The file content, uploaded as is. */
  readonly text: string;
  readonly rules: readonly PolicyRule[];
}

/** Reads every catalogued policy file (at synth). */
function loadPolicies(): LoadedPolicy[] {
  return POLICY_CATALOG.map((p) => {
    const text = readProjectFile(policyFile(p.name));
    return { ...p, text, rules: parsePolicy(text, policyFile(p.name)) };
  });
}

export class VaultPolicies extends Construct {
  public readonly policies: readonly LoadedPolicy[];
  private readonly byName = new Map<string, Policy>();

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.policies = loadPolicies();
    const problems = this.policies.flatMap((p) => lintPolicy(p.name, p.kind, p.rules).map((message) => ({ field: policyFile(p.name), message })));
    if (problems.length > 0) throw new UserInputError("policies", problems);
    for (const p of this.policies) {
      // Vault stores the text as uploaded; a trailing newline difference would be a perpetual diff.
      this.byName.set(p.name, new Policy(this, p.name, { name: p.name, policy: terraformLiteral(p.text.trimEnd()) }));
    }
  }

  /** The policy resource, for references (so roles depend on their policies). */
  policy(name: PolicyName): Policy {
    const policy = this.byName.get(name);
    if (!policy) throw new Error(`no policy ${name} in policies/`);
    return policy;
  }
}
