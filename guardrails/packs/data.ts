/**
 * Secrets and data pack: no secret value in synthesized JSON or container env; only public
 * values as stack outputs; stateful volumes and secrets engines protected from destruction;
 * lifted protection (`allowDataLoss`) always reported.
 */
import { SECRET_ENV_NAME } from "../../kernel/invariants";
import { asObject, asString, isToken, isTrue, objects, strings, walkStrings } from "../json";
import { isOneShot } from "./container";
import { unexpectedTemplateSequences } from "../../kernel/terraform-template";
import type { Json, Rule, RuleContext, Subject } from "../types";

/** Patterns of secret material in a value. */
export const SECRET_VALUE_PATTERNS: readonly (readonly [string, RegExp])[] = [
  ["a private key", /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
  ["a Vault token", /\b(hvs|hvb|hvr)\.[A-Za-z0-9_-]{20,}|\bs\.[A-Za-z0-9]{24}\b/],
  ["unseal keys", /"unseal_keys_(b64|hex)"\s*:\s*\[\s*"[A-Za-z0-9+/=]{20,}/],
  // Vault's templated connection URL ({{username}}:{{password}}) is not a credential.
  ["a URL with credentials", /\b(postgres(ql)?|mysql|mongodb(\+srv)?|redis|amqps?|https?):\/\/(?!\{\{username\}\}:\{\{password\}\}@)[^/@"\s:{}$]+:[^/@"\s]+@/],
];

/** Fields whose literal value would be a secret. */
export const SECRET_FIELD = /^(password|passwd|token|secret|secret_id|client_token|root_token|wrapping_token|private_key|private_key_pem|api_key|access_key|secret_key|client_secret|pin|unseal_keys?(_b64|_hex)?|password_wo|data_json_wo)$/i;

/** References to attributes that hold secrets (fine in JSON, never in a container's env). */
export const SECRET_REFERENCE =
  /\$\{[^}]*\b(random_password\.[A-Za-z0-9_-]+\.(result|bcrypt_hash)|tls_private_key\.[A-Za-z0-9_-]+\.private_key_[a-z0-9_]+|[a-z0-9_]+\.[A-Za-z0-9_-]+\.(secret_id|client_token|wrapping_token|password))\b/;

/**
 * What a stack output may carry, by `<resource type>.<attribute>`, and why each is public. A
 * consumer's `terraform_remote_state` stores every output of its producer in its own state, in
 * plaintext: only public values cross a stack; secrets are handed over otherwise
 * (docs/SECURITY.md, "Where each secret lives").
 */
export const PUBLIC_OUTPUT_ATTRIBUTES: Readonly<Record<string, string>> = {
  "docker_network.name": "a Docker network's name",
  "docker_volume.name": "a volume's name (the identity volumes are mounted by name)",
  "docker_container.id": "a seeder's container id: the generation of the files it seeded",
  "tls_self_signed_cert.cert_pem": "the CA certificate, public by design",
  "local_sensitive_file.filename": "where a handed-over secret lies on the Terraform host: a path",
  "vault_approle_auth_backend_role.role_id": "the AppRole RoleID, an identifier (the SecretID is the secret, and never passes Terraform)",
};

/** An output value that is exactly one resource attribute: `${type.name.attribute}`. */
const SINGLE_REFERENCE = /^\$\{([a-z][a-z0-9_]*)\.([A-Za-z0-9_-]+)\.([a-z0-9_]+)\}$/;
/** An output value that is exactly one data-source reference (another stack's output included). */
const DATA_REFERENCE = /^\$\{(data\.[^${}]+)\}$/;

/**
 * Why an output's value may not cross a stack (each a predicate: "carries ..."). Fail-closed:
 * anything but one plain reference to a listed attribute (an object or list, text around the
 * reference, a function, a local or variable, an index, a splat) is refused, whatever it holds.
 */
export function outputProblems(value: Json): string[] {
  const out = valueProblems(JSON.stringify(value)).map((what) => `contains ${what}`);
  const text = typeof value === "string" ? value : "";
  const data = DATA_REFERENCE.exec(text);
  const ref = SINGLE_REFERENCE.exec(text);
  if (data) {
    out.push(`passes on ${data[1]} (a value another stack or source produced)`);
  } else if (!ref) {
    out.push("is not one plain reference to a public attribute (`${<type>.<name>.<attribute>}`, nothing around it)");
  } else if (PUBLIC_OUTPUT_ATTRIBUTES[`${ref[1]}.${ref[3]}`] === undefined) {
    out.push(`carries ${ref[1]}.${ref[2]}.${ref[3]}, which is not a public attribute`);
  }
  return out;
}

function valueProblems(value: string): string[] {
  return SECRET_VALUE_PATTERNS.filter(([, p]) => p.test(value)).map(([what]) => what);
}

/** Secrets in one JSON value: patterns anywhere, and literal values of secret-named fields (also inside JSON strings). */
export function secretsIn(body: Json, depth = 0): string[] {
  const out: string[] = [];
  walkStrings(body, (value, key, path) => {
    for (const what of valueProblems(value)) out.push(`${path} contains ${what}`);
    if (key !== undefined && SECRET_FIELD.test(key) && value !== "" && !isToken(value)) out.push(`${path} is a literal ${key}`);
    const trimmed = value.trim();
    if (depth < 2 && trimmed.startsWith("{") && trimmed.endsWith("}")) {
      // JSON inside a string (e.g. data_json): patterns already ran on the raw text; add its secret fields.
      try {
        const inner = JSON.parse(trimmed) as Json;
        for (const p of secretsIn(inner, depth + 1)) if (p.includes(" is a literal ")) out.push(`${path} (JSON) ${p}`);
      } catch {
        // not JSON
      }
    }
  });
  return [...new Set(out)];
}

/** Why a docker_volume holds state, or undefined. */
export function statefulVolume(volume: Subject, ctx: RuleContext): string | undefined {
  const label = objects(volume.body["labels"]).find((l) => asString(l["label"]) === "uyoop.stateful");
  if (label) return `labelled uyoop.stateful=${asString(label["value"]) ?? ""}`;
  const reference = `\${${volume.address}.name}`;
  const name = asString(volume.body["name"]);
  for (const c of ctx.stack.ofType("docker_container")) {
    if (isOneShot(c.body)) continue;
    for (const v of objects(c.body["volumes"])) {
      const target = asString(v["volume_name"]);
      if ((target === reference || (name !== undefined && target === name)) && !isTrue(v["read_only"])) {
        return `mounted read-write by the long-running ${c.address}`;
      }
    }
  }
  return undefined;
}

function preventsDestroy(s: Subject): boolean {
  return isTrue(asObject(objects(s.body["lifecycle"])[0])["prevent_destroy"]);
}

/** Stateful subjects and why (volumes holding state, every secrets engine mount). */
export function statefulReason(s: Subject, ctx: RuleContext): string | undefined {
  if (s.type === "docker_volume") return statefulVolume(s, ctx);
  if (s.type === "vault_mount") return `secrets engine ${JSON.stringify(asString(s.body["path"]) ?? s.name)} (type ${asString(s.body["type"]) ?? "?"})`;
  return undefined;
}

function protectionProblems(s: Subject, ctx: RuleContext): string[] {
  const why = statefulReason(s, ctx);
  if (why === undefined || preventsDestroy(s) || ctx.allowDataLoss !== undefined) return [];
  return [`holds state (${why}) but lifecycle.prevent_destroy is not true`];
}

export const dataRules: readonly Rule[] = [
  {
    id: "UY-D-SECRET-1",
    pack: "data",
    level: "error",
    title: "No secret value in the synthesized JSON",
    rationale: "Synthesized JSON is reviewed, diffed, uploaded as CI artifacts and sometimes committed; a secret there is a leaked secret. Secrets are references to attributes resolved at apply, or files delivered at run time.",
    fix: "Replace the literal with a reference (random_password, tls_private_key, a write-only `_wo` argument) or a file read at run time.",
    source: `${"CIS Docker Benchmark v1.6.0"} 4.10 (secrets not stored in build files); mission: no secret in synthesized JSON`,
    securitySeverity: "9.0",
    appliesTo: ["*"],
    check: (s) => secretsIn(s.body),
  },
  {
    id: "UY-D-ENV-1",
    pack: "data",
    level: "error",
    title: "No secret in a container's environment",
    rationale: "Environment variables show in `docker inspect`, in /proc/<pid>/environ of every process in the container, in crash reports and child processes. Secrets go in files (`NAME_FILE`).",
    fix: "Deliver the secret as a file (VolumeSeed) and pass its path in `<NAME>_FILE`.",
    source: "CIS Docker Benchmark v1.6.0 4.10; Vault production hardening: \"Do not use clear text credentials\"",
    securitySeverity: "8.0",
    appliesTo: ["docker_container"],
    check: (s) =>
      strings(s.body["env"]).flatMap((entry) => {
        const eq = entry.indexOf("=");
        const name = eq > 0 ? entry.slice(0, eq) : entry;
        const value = eq > 0 ? entry.slice(eq + 1) : "";
        const out: string[] = [];
        if (SECRET_ENV_NAME.test(name) && !name.endsWith("_FILE")) out.push(`env ${name} looks like a secret`);
        for (const what of valueProblems(value)) out.push(`env ${name} contains ${what}`);
        if (SECRET_REFERENCE.test(value)) out.push(`env ${name} receives a secret attribute (${SECRET_REFERENCE.exec(value)![1]})`);
        return out;
      }),
  },
  {
    id: "UY-D-TEMPLATE-1",
    pack: "data",
    level: "error",
    title: "Text never becomes a Terraform expression",
    rationale:
      "Terraform evaluates `${...}` and `%{...}` in every string of the JSON: a script's `${name:-}` breaks `tofu init`, and a value such as `${file(\"/etc/passwd\")}` reaching a certificate subject or a container's env would read host files at apply. The only expressions in the JSON are the references cdktf generates, and `file(<reference>)` in a write-only argument (a secret handed over as an operator-directory file).",
    fix: "Pass text through terraformLiteral (kernel/terraform-template.ts), as HardenedContainer does, or refuse the input; build expressions from cdktf tokens, never from strings.",
    source: "Terraform JSON syntax: strings are templates; issue 11 (unparseable stacks) and issue 15 (expression injection)",
    securitySeverity: "9.0",
    appliesTo: ["*"],
    check: (s) => {
      const out: string[] = [];
      walkStrings(s.body, (value, key, path) => {
        for (const seq of unexpectedTemplateSequences(value, key)) {
          const shown = `${seq.opener}${seq.expression.length > 40 ? `${seq.expression.slice(0, 40)}...` : seq.expression}${seq.terminated ? "}" : ""}`;
          out.push(`${path} holds ${JSON.stringify(shown)}, which Terraform would evaluate`);
        }
      });
      return [...new Set(out)];
    },
  },
  {
    id: "UY-D-OUT-1",
    pack: "data",
    level: "error",
    title: "Stack outputs carry public values only",
    rationale:
      "A consumer's terraform_remote_state stores every output of its producer in the consumer's own state, in plaintext; the `sensitive` flag cdktf puts on cross-stack outputs only hides them from the CLI. An output carrying a key or a password puts it in one more state file, readable by whoever reads that one.",
    fix: "Hand a secret over through an identity volume or an operator-directory file read with file() into a write-only argument (docs/SECURITY.md); a public attribute not yet listed goes on PUBLIC_OUTPUT_ATTRIBUTES (guardrails/packs/data.ts) with why it is public.",
    source: "Mission: no secret in more places than it must be; issue 14 (no secret crosses a stack)",
    securitySeverity: "8.0",
    appliesTo: ["output"],
    check: (s) => outputProblems(s.body["value"] ?? null).map((p) => `output ${JSON.stringify(s.name)} ${p}`),
  },
  {
    id: "UY-D-PROTECT-1",
    pack: "data",
    level: "error",
    title: "Stateful volumes refuse destruction",
    rationale: "Raft data, audit logs, PostgreSQL data and snapshots cannot be recreated; a rename or a replaced attribute would otherwise destroy them in a routine apply.",
    fix: "Take the lifecycle from DataProtection (`prevent_destroy = true`); only `allowDataLoss` with a reason lifts it.",
    source: "Mission: nothing lost (stateful volumes cannot be destroyed by a routine change)",
    securitySeverity: "7.0",
    appliesTo: ["docker_volume"],
    check: (s, ctx) => protectionProblems(s, ctx),
  },
  {
    id: "UY-D-PROTECT-2",
    pack: "data",
    level: "error",
    title: "Secrets engine mounts refuse destruction",
    rationale: "Disabling a mount deletes every secret, key and lease in it (KV versions, TOTP keys, database leases) at once.",
    fix: "Take the lifecycle from DataProtection (`prevent_destroy = true`); only `allowDataLoss` with a reason lifts it.",
    source: "Mission: nothing lost (secrets mounts cannot be destroyed by a routine change); Vault: disabling a secrets engine revokes and deletes its data",
    securitySeverity: "7.0",
    appliesTo: ["vault_mount"],
    check: (s, ctx) => protectionProblems(s, ctx),
  },
  {
    id: "UY-D-LOSS-1",
    pack: "data",
    level: "warning",
    title: "Lifted destroy protection is always reported",
    rationale: "allowDataLoss is the one switch that lets an apply destroy state; every resource it exposes is listed in every report with the reason.",
    fix: "Remove `allowDataLoss` from the environment once the teardown is done.",
    source: "Mission: any deviation is explicit, justified, and visible in a report",
    securitySeverity: "5.0",
    appliesTo: ["docker_volume", "vault_mount"],
    check: (s, ctx) => {
      const why = statefulReason(s, ctx);
      if (why === undefined || ctx.allowDataLoss === undefined) return [];
      const p = asObject(objects(s.body["lifecycle"])[0])["prevent_destroy"];
      return isTrue(p) ? [] : [`destroy protection is off (${why}; allowDataLoss: ${JSON.stringify(ctx.allowDataLoss)})`];
    },
  },
];
