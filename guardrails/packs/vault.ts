/**
 * Vault resources pack: what the vault provider's resources say about how Vault is used:
 * provider TLS verification, AppRole limits, token and lease TTLs, audit devices and their
 * options, and the policy lint of policies/catalog.ts (reused, not duplicated).
 */
import { POLICY_CATALOG, lintPolicy, parsePolicy, type PolicyKind } from "../../policies/catalog";
import { asNumber, asObject, asString, isToken, isTrue, objects, strings } from "../json";
import type { JsonObject, Rule, RuleContext, Subject } from "../types";

const GUIDE = "Vault production hardening";
const DAY = 86400;

/** Auth roles that issue tokens (token_* fields of the provider's shared token schema). */
export const TOKEN_ISSUING_ROLES = [
  "vault_approle_auth_backend_role",
  "vault_cert_auth_backend_role",
  "vault_token_auth_backend_role",
  "vault_jwt_auth_backend_role",
  "vault_kubernetes_auth_backend_role",
  "vault_aws_auth_backend_role",
  "vault_ldap_auth_backend",
];

function kindOf(policyName: string | undefined): PolicyKind {
  return POLICY_CATALOG.find((p) => p.name === policyName)?.kind ?? "app";
}

/** The policy's problems when linted as `kind`. */
function lint(policy: Subject, kind: PolicyKind): string[] {
  const name = asString(policy.body["name"]) ?? policy.name;
  const text = asString(policy.body["policy"]);
  if (text === undefined || isToken(text)) return [`${name}: the policy text is an expression, unknown at synth`];
  try {
    return lintPolicy(name, kind, parsePolicy(text, name));
  } catch (e) {
    return [(e as Error).message];
  }
}

function policiesOf(role: Subject): string[] {
  return [...strings(role.body["token_policies"]), ...strings(role.body["policies"])];
}

function resolvePolicy(entry: string, ctx: RuleContext): Subject | undefined {
  const byRef = ctx.stack.resolve(entry);
  if (byRef) return byRef.type === "vault_policy" ? byRef : undefined;
  return ctx.stack.ofType("vault_policy").find((p) => asString(p.body["name"]) === entry);
}

function openCidr(c: string): boolean {
  return /^(0\.0\.0\.0\/0|::\/0)$/.test(c.trim());
}

/** What is wrong with one audit device's options (raw logging, an open or executable file mode). */
export function auditOptionProblems(type: string | undefined, options: JsonObject): string[] {
  const out: string[] = [];
  if (isTrue(options["log_raw"])) out.push("log_raw = true: secrets are written in clear");
  const file = asString(options["file_path"]) ?? asString(options["path"]);
  if (type === "file" && file !== undefined && file !== "stdout" && file !== "discard") {
    const mode = asString(options["mode"]);
    if (mode === undefined) out.push(`file ${file} has no mode (Vault's default 0600 is not stated)`);
    else if (!/^0?[0-7][0-7]0$/.test(mode) || /[1357]/.test(mode.slice(-3))) out.push(`file ${file} mode ${mode} is executable or open to others`);
  }
  return out;
}

export const vaultRules: readonly Rule[] = [
  {
    id: "UY-V-TLS-1",
    pack: "vault",
    level: "error",
    title: "Terraform verifies Vault's certificate",
    rationale: "The provider sends its token on every request; without verification anyone who can answer on the address receives it.",
    fix: "Use an https `address`, set `ca_cert_file` (the environment CA), never `skip_tls_verify`.",
    source: `${GUIDE}: "Use end-to-end TLS"; vault provider TLS arguments`,
    securitySeverity: "8.5",
    appliesTo: ["vault"],
    check: (s) => {
      if (s.kind !== "provider") return [];
      const out: string[] = [];
      const address = asString(s.body["address"]);
      if (address !== undefined && !isToken(address) && !address.startsWith("https://")) out.push(`address ${JSON.stringify(address)} is not https`);
      if (isTrue(s.body["skip_tls_verify"])) out.push("skip_tls_verify = true");
      if (!asString(s.body["ca_cert_file"]) && !asString(s.body["ca_cert_dir"])) out.push("no ca_cert_file or ca_cert_dir: Vault's certificate is checked against the system store only");
      return out;
    },
  },
  {
    id: "UY-V-TLS-2",
    pack: "vault",
    level: "warning",
    title: "Terraform presents a client certificate (mTLS)",
    rationale: "With mTLS listeners, Terraform must prove its identity with its own certificate; without one, the listeners do not require them (see UY-VS-MTLS-1).",
    fix: "Set `client_auth { cert_file, key_file }` (environment `vault.mtls: true`).",
    source: `${GUIDE}: "Use end-to-end TLS"`,
    securitySeverity: "4.0",
    appliesTo: ["vault"],
    check: (s) => (s.kind !== "provider" || objects(s.body["client_auth"]).length > 0 ? [] : ["the provider presents no client certificate"]),
  },
  {
    id: "UY-V-TOKEN-1",
    pack: "vault",
    level: "error",
    title: "Terraform works with a short-lived child token",
    rationale: "A child token per run, expiring in minutes, limits what a leaked plan log or crashed run exposes; the parent (operator) token never travels further.",
    fix: "Keep `skip_child_token = false` and `max_lease_ttl_seconds` at most 3600 (the provider's default is 1200).",
    source: `${GUIDE}: "Avoid root tokens", "Use short TTLs"`,
    securitySeverity: "6.0",
    appliesTo: ["vault"],
    check: (s) => {
      if (s.kind !== "provider") return [];
      const out: string[] = [];
      if (isTrue(s.body["skip_child_token"])) out.push("skip_child_token = true: Terraform uses the parent token itself");
      const ttl = asNumber(s.body["max_lease_ttl_seconds"]);
      if (ttl !== undefined && ttl > 3600) out.push(`max_lease_ttl_seconds ${ttl} exceeds 3600`);
      return out;
    },
  },
  {
    id: "UY-V-APPROLE-1",
    pack: "vault",
    level: "error",
    title: "AppRole logins need a SecretID",
    rationale: "Without bind_secret_id the RoleID alone (an identifier, delivered in the clear) logs in.",
    fix: "Keep `bind_secret_id = true`.",
    source: "Vault AppRole auth method; " + `${GUIDE}: "Least privilege"`,
    securitySeverity: "8.0",
    appliesTo: ["vault_approle_auth_backend_role"],
    check: (s) => (s.body["bind_secret_id"] === false || s.body["bind_secret_id"] === "false" ? ["bind_secret_id = false: the RoleID alone logs in"] : []),
  },
  {
    id: "UY-V-APPROLE-2",
    pack: "vault",
    level: "error",
    title: "SecretIDs expire and have bounded uses",
    rationale: "A SecretID that never expires or allows unlimited logins is a permanent password.",
    fix: "Set `secret_id_ttl` between 1 h and 31 days and `secret_id_num_uses` above 0 (environment `vault.appRole`).",
    source: `${GUIDE}: "Use short TTLs"`,
    securitySeverity: "6.5",
    appliesTo: ["vault_approle_auth_backend_role"],
    check: (s) => {
      const out: string[] = [];
      const ttl = asNumber(s.body["secret_id_ttl"]) ?? 0;
      const uses = asNumber(s.body["secret_id_num_uses"]) ?? 0;
      if (ttl <= 0 || ttl > 31 * DAY) out.push(`secret_id_ttl ${ttl} is not between 1 and ${31 * DAY} seconds (0 = never expires)`);
      if (uses <= 0) out.push(`secret_id_num_uses ${uses}: unlimited logins per SecretID`);
      return out;
    },
  },
  {
    id: "UY-V-APPROLE-3",
    pack: "vault",
    level: "error",
    title: "AppRole SecretIDs and tokens are bound to the clients' network",
    rationale: "CIDR binding makes a stolen SecretID or token useless outside the network the application runs on.",
    fix: "Set `secret_id_bound_cidrs` and `token_bound_cidrs` to the Vault clients' subnet (never 0.0.0.0/0).",
    source: `${GUIDE}: "Firewall traffic"; Vault AppRole bound CIDRs`,
    securitySeverity: "5.5",
    appliesTo: ["vault_approle_auth_backend_role"],
    check: (s) =>
      ["secret_id_bound_cidrs", "token_bound_cidrs"].flatMap((k) => {
        const cidrs = strings(s.body[k]);
        if (cidrs.length === 0) return [`${k} is empty`];
        return cidrs.filter(openCidr).map((c) => `${k} contains ${c}`);
      }),
  },
  {
    id: "UY-V-TTL-1",
    pack: "vault",
    level: "error",
    title: "Issued tokens are short-lived and never periodic",
    rationale: "Tokens are bearer credentials: a day at most bounds the damage of a leak; a periodic token renews forever.",
    fix: "Set `token_ttl` and `token_max_ttl` (ttl <= max <= 86400 s); no `token_period`.",
    source: `${GUIDE}: "Use short TTLs"`,
    securitySeverity: "6.0",
    appliesTo: TOKEN_ISSUING_ROLES,
    check: (s) => {
      const out: string[] = [];
      const ttl = asNumber(s.body["token_ttl"]) ?? 0;
      const max = asNumber(s.body["token_max_ttl"]) ?? 0;
      if (ttl <= 0) out.push("token_ttl is unset: tokens get the mount's default (32 days)");
      if (max <= 0) out.push("token_max_ttl is unset: tokens renew up to the mount's maximum (32 days)");
      if (max > DAY) out.push(`token_max_ttl ${max} exceeds ${DAY} seconds`);
      if (ttl > 0 && max > 0 && ttl > max) out.push(`token_ttl ${ttl} exceeds token_max_ttl ${max}`);
      const period = asNumber(s.body["token_period"]) ?? 0;
      if (period > 0) out.push(`token_period ${period}: periodic tokens renew without end`);
      return out;
    },
  },
  {
    id: "UY-V-TTL-2",
    pack: "vault",
    level: "error",
    title: "Dynamic database credentials are short-lived",
    rationale: "Leases bound how long a database login exists after the application (or an attacker) obtained it.",
    fix: "Set `default_ttl` and `max_ttl` (default <= max <= 86400 s).",
    source: `${GUIDE}: "Use short TTLs"`,
    securitySeverity: "5.5",
    appliesTo: ["vault_database_secret_backend_role"],
    check: (s) => {
      const ttl = asNumber(s.body["default_ttl"]) ?? 0;
      const max = asNumber(s.body["max_ttl"]) ?? 0;
      const out: string[] = [];
      if (ttl <= 0) out.push("default_ttl is unset: leases get the mount's default (32 days)");
      if (max <= 0 || max > DAY) out.push(`max_ttl ${max} is not between 1 and ${DAY} seconds`);
      if (ttl > 0 && max > 0 && ttl > max) out.push(`default_ttl ${ttl} exceeds max_ttl ${max}`);
      return out;
    },
  },
  {
    id: "UY-V-DB-1",
    pack: "vault",
    level: "error",
    title: "Vault reaches PostgreSQL over fully verified TLS",
    rationale: "The database engine logs in as a superuser; without sslmode=verify-full its password (and every credential it creates) can be intercepted.",
    fix: "Put `sslmode=verify-full` in `connection_url` and pin the CA: `tls_ca`, or `sslrootcert=<path>` in the URL where the server's plugin has no `tls_ca` (OpenBao).",
    source: `${GUIDE}: "Use end-to-end TLS" (including storage and databases)`,
    securitySeverity: "7.5",
    appliesTo: ["vault_database_secret_backend_connection"],
    check: (s) =>
      objects(s.body["postgresql"]).flatMap((p) => {
        const url = asString(p["connection_url"]) ?? "";
        return /[?&]sslmode=verify-full(&|$)/.test(url) ? [] : [`connection_url ${JSON.stringify(url)} does not use sslmode=verify-full`];
      }),
  },
  {
    id: "UY-V-AUDIT-1",
    pack: "vault",
    level: "error",
    title: "Vault has an audit device",
    rationale: "Audit logs are the only record of who read which secret; without one, misuse leaves no trace.",
    fix: "Declare a `vault_audit` device (environment `vault.audit`).",
    source: `${GUIDE}: "Enable audit device logs"`,
    securitySeverity: "7.0",
    appliesTo: ["vault"],
    // OpenBao's devices are declared in each node's configuration (UY-VS-AUDIT-1).
    check: (s, ctx) =>
      s.kind !== "provider" || ctx.server === "openbao" || ctx.stack.ofType("vault_audit").length > 0 ? [] : ["the stack that configures Vault declares no audit device"],
  },
  {
    id: "UY-V-AUDIT-2",
    pack: "vault",
    level: "warning",
    title: "Vault has two audit devices",
    rationale: "Vault refuses requests when it cannot write to any audit device; with two, one failing (a full disk) does not stop Vault.",
    fix: "Enable both the file and the stdout device (environment `vault.audit`).",
    source: `${GUIDE}: "Enable audit device logs"; Vault audit devices (blocked audit devices)`,
    securitySeverity: "3.0",
    appliesTo: ["vault"],
    check: (s, ctx) => {
      if (s.kind !== "provider" || ctx.server === "openbao") return [];
      const n = ctx.stack.ofType("vault_audit").length;
      return n === 1 ? ["only one audit device: if it fails, Vault stops answering"] : [];
    },
  },
  {
    id: "UY-V-AUDIT-3",
    pack: "vault",
    level: "error",
    title: "Audit devices hash secrets and keep their files private",
    rationale: "`log_raw` writes secrets and tokens in clear into the log; a group- or world-readable audit file hands the trail to everyone on the host.",
    fix: 'Never set `log_raw = "true"`; give file devices a `mode` like "0600" (no execute, nothing for others).',
    source: `${GUIDE}: "Enable audit device logs" (restrict access to audit logs)`,
    securitySeverity: "7.0",
    appliesTo: ["vault_audit"],
    check: (s) => auditOptionProblems(asString(s.body["type"]), asObject(s.body["options"])),
  },
  {
    id: "UY-V-POL-1",
    pack: "vault",
    level: "error",
    title: "Every policy passes the policy lint",
    rationale: "Least privilege: no `path \"*\"`, sudo only for the operator, no application writes to sys/ or auth/, no mount-wide globs for the application (policies/catalog.ts).",
    fix: "Fix the policy in policies/*.hcl (or remove the override that changed it).",
    source: `${GUIDE}: "Least privilege and bias towards simple policies"`,
    securitySeverity: "8.0",
    appliesTo: ["vault_policy"],
    check: (s) => lint(s, kindOf(asString(s.body["name"]))),
  },
  {
    id: "UY-V-POL-2",
    pack: "vault",
    level: "error",
    title: "Application logins receive only application-grade policies",
    rationale: "Attaching a broader policy (root, operator, a job's) to the AppRole role hands the application what the lint denies it.",
    fix: "List only policies that pass the lint as application policies in the AppRole role's `token_policies`.",
    source: `${GUIDE}: "Least privilege"`,
    securitySeverity: "8.5",
    appliesTo: ["vault_approle_auth_backend_role"],
    check: (s, ctx) =>
      policiesOf(s).flatMap((entry) => {
        if (entry === "root") return ["grants the root policy"];
        if (entry === "default") return [];
        const policy = resolvePolicy(entry, ctx);
        if (!policy) return [`grants ${JSON.stringify(entry)}, which is not declared in this stack and cannot be verified`];
        return lint(policy, "app").map((p) => `grants ${p}`);
      }),
  },
];
