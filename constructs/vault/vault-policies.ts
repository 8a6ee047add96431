/**
 * VaultPolicies: uploads every policy of `policies/` as is, after the lint. A policy that fails
 * the lint stops synth with the policy, the path and the reason.
 */
import { terraformLiteral } from "../../config/terraform-template";
import { Construct } from "constructs";
import { Policy } from "@cdktf/provider-vault/lib/policy";
import { UserInputError } from "../../config/errors";
import { lintPolicy, loadPolicies, policyFile, type LoadedPolicy } from "./policies";

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
  policy(name: string): Policy {
    const policy = this.byName.get(name);
    if (!policy) throw new Error(`no policy ${name} in policies/`);
    return policy;
  }
}
