/**
 * Vault policies: the catalogue of `policies/*.hcl`, a strict reader for the subset of the
 * policy language they use, and the lint every policy must pass. Plain functions over text, with
 * no construct and no file access: VaultPolicies (constructs/vault/vault-policies.ts) loads and
 * uploads the files, the guardrails lint what was synthesized, both with this module.
 *
 * The reader runs at synth (synthesis is synchronous; HashiCorp's HCL parser is asynchronous
 * WASM). It accepts only `path "<p>" { capabilities = [...] }` blocks and comments, and refuses
 * anything else, so it can never silently misread a policy; tests prove it agrees with
 * HashiCorp's parser on every file.
 */
/** Who a policy is for decides what the lint allows. */
export type PolicyKind = "app" | "job" | "operator";

export interface PolicyDefinition {
  /** Vault policy name (also the file name without .hcl). */
  readonly name: string;
  readonly kind: PolicyKind;
  /** Who receives it. */
  readonly attachedTo: string;
}

export const POLICY_CATALOG = [
  { name: "app-policy", kind: "app", attachedTo: "AppRole role uyoop-app (the application)" },
  { name: "operator-policy", kind: "operator", attachedTo: "operators and Terraform after the root token is revoked" },
  { name: "snapshot-policy", kind: "job", attachedTo: "the Raft snapshot job" },
  { name: "secretid-rotation-policy", kind: "job", attachedTo: "the SecretID rotation job" },
] as const satisfies readonly PolicyDefinition[];

/** The name of a catalogued policy. */
export type PolicyName = (typeof POLICY_CATALOG)[number]["name"];

export interface PolicyRule {
  readonly path: string;
  readonly capabilities: readonly string[];
}

export const CAPABILITIES = ["create", "read", "update", "patch", "delete", "list", "sudo", "deny", "subscribe", "recover"] as const;
const WRITE_CAPABILITIES = ["create", "update", "patch", "delete", "sudo", "recover"];

export function policyFile(name: string): string {
  return `policies/${name}.hcl`;
}

/** Reads the policy subset; throws naming the line for anything outside it. */
export function parsePolicy(text: string, source = "policy"): PolicyRule[] {
  const stripped = text
    .split("\n")
    .map((line) => line.replace(/^\s*(#|\/\/).*$/, ""))
    .join("\n");
  const rules: PolicyRule[] = [];
  const block = /\s*path\s+"([^"\\]*)"\s*\{\s*capabilities\s*=\s*\[([^\]]*)\]\s*\}/y;
  let at = 0;
  while (at < stripped.length) {
    if (/^\s*$/.test(stripped.slice(at))) break;
    block.lastIndex = at;
    const m = block.exec(stripped);
    if (!m) {
      const offending = at + (/^\s*/.exec(stripped.slice(at))?.[0].length ?? 0);
      const line = stripped.slice(0, offending).split("\n").length;
      throw new Error(`${source}: line ${line}: only 'path "<p>" { capabilities = [...] }' blocks and comments are allowed`);
    }
    const caps = m[2]!
      .split(",")
      .map((c) => c.trim())
      .filter((c) => c !== "")
      .map((c) => {
        const q = /^"([a-z]+)"$/.exec(c);
        if (!q) throw new Error(`${source}: capability ${c} must be a quoted lowercase word`);
        return q[1]!;
      });
    rules.push({ path: m[1]!, capabilities: caps });
    at = block.lastIndex;
  }
  return rules;
}

/** The lint: problems as one-line messages (empty when the policy is acceptable). */
export function lintPolicy(name: string, kind: PolicyKind, rules: readonly PolicyRule[]): string[] {
  const problems: string[] = [];
  const paths = new Set<string>();
  if (rules.length === 0) problems.push(`${name}: grants nothing; delete it or add paths`);
  for (const rule of rules) {
    const where = `${name}: path "${rule.path}"`;
    if (paths.has(rule.path)) problems.push(`${where} appears twice; merge the blocks`);
    paths.add(rule.path);
    if (rule.path === "*" || rule.path === "" || rule.path === "+") problems.push(`${where} matches every path; grant specific paths`);
    for (const c of rule.capabilities) {
      if (!(CAPABILITIES as readonly string[]).includes(c)) problems.push(`${where}: unknown capability "${c}"`);
    }
    if (rule.capabilities.length === 0) problems.push(`${where} has no capabilities; remove it`);
    if (rule.capabilities.includes("sudo") && kind !== "operator") {
      problems.push(`${where} grants sudo; only the operator policy may`);
    }
    if (kind === "app") {
      const writes = rule.capabilities.filter((c) => WRITE_CAPABILITIES.includes(c));
      if (/^(sys|auth)\//.test(rule.path) && writes.length > 0) {
        problems.push(`${where} grants ${writes.join(", ")} on ${rule.path.split("/")[0]}/; an application policy must not change Vault's configuration or auth`);
      }
      if (/^secret\/((data|metadata|delete|undelete|destroy)\/)?[*+]/.test(rule.path)) {
        problems.push(`${where} is a mount-wide KV glob; scope it to the app's prefix, e.g. "secret/data/app/*"`);
      }
      if (rule.path.startsWith("totp/") && /^totp\/(keys|code)\/\*$/.test(rule.path)) {
        problems.push(`${where} reaches every TOTP key; scope it to "user_*"`);
      }
    }
  }
  return problems;
}
