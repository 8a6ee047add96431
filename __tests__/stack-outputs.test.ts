/**
 * No secret crosses a stack boundary. A consumer's `terraform_remote_state` stores every output
 * of its producer in the consumer's own state, in plaintext, so an output carrying a key or a
 * password puts it in one more state file. cdktf marks every cross-stack output `sensitive`
 * (that only hides it from the CLI), so the flag proves nothing: what matters is what each output
 * refers to. Every output of every stack must refer to an attribute on the list below, each a
 * public value; secrets are handed over otherwise (docs/SECURITY.md "Where each secret lives").
 */
import type { Json } from "../kernel/invariants";
import { environment, prodDocument, synthesize } from "./helpers";

type StackJson = { output?: Record<string, { value: Json; sensitive?: boolean }>; resource?: Record<string, Record<string, Json>>; data?: Record<string, Record<string, Json>> };

/** Attributes an output may carry across a stack boundary, and why each is public. */
const PUBLIC_ATTRIBUTES: Readonly<Record<string, string>> = {
  "docker_network.name": "a Docker network's name",
  "docker_volume.name": "a volume's name (the identity volumes are mounted by name)",
  "docker_container.id": "a seeder's container id: the generation of the files it seeded",
  "tls_self_signed_cert.cert_pem": "the CA certificate, public by design",
  "local_sensitive_file.filename": "where a handed-over secret lies on the Terraform host: a path",
  "vault_approle_auth_backend_role.role_id": "the AppRole RoleID, an identifier (the SecretID is the secret, and never passes Terraform)",
};

/** What a value may not be, whatever it refers to. */
const SECRET_TEXT = [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, /\b(hvs|hvb|hvr)\.[A-Za-z0-9_-]{20,}/];

function references(value: Json): string[] {
  const text = JSON.stringify(value);
  return [...text.matchAll(/\$\{([^}]*)\}/g)].flatMap((m) => [...m[1]!.matchAll(/\b(data\.)?([a-z][a-z0-9_]*)\.([A-Za-z0-9_-]+)\.([a-z0-9_]+)/g)].map((r) => `${r[1] ?? ""}${r[2]}.${r[3]}.${r[4]}`));
}

/** Each output of a stack that carries something not on the list: `<output>: <why>`. */
function secretOutputs(stack: StackJson): string[] {
  const out: string[] = [];
  for (const [name, output] of Object.entries(stack.output ?? {})) {
    const refs = references(output.value);
    if (SECRET_TEXT.some((p) => p.test(JSON.stringify(output.value)))) out.push(`${name}: its value is secret material`);
    if (refs.length === 0 && typeof output.value === "string") out.push(`${name}: a literal value, not a reference to a listed attribute`);
    for (const ref of refs) {
      const [type, , attribute] = ref.split(".");
      if (ref.startsWith("data.")) out.push(`${name}: passes on ${ref} (a value another stack produced)`);
      else if (PUBLIC_ATTRIBUTES[`${type}.${attribute}`] === undefined) out.push(`${name}: carries ${ref}, which is not a public attribute`);
    }
  }
  return out;
}

function stacksOf(json: Record<string, string>): Record<string, StackJson> {
  return Object.fromEntries(Object.entries(json).map(([id, text]) => [id, JSON.parse(text) as StackJson]));
}

describe.each([
  ["dev", () => environment()],
  ["prod", () => environment(prodDocument())],
  ["openbao", () => environment({ vault: { server: "openbao" } })],
])("the %s environment", (_name, config) => {
  const stacks = stacksOf(synthesize(config()).json);

  test("no output of any stack carries a secret", () => {
    const found = Object.entries(stacks).flatMap(([id, s]) => secretOutputs(s).map((p) => `${id}: ${p}`));
    expect(found).toEqual([]);
    expect(Object.keys(stacks["platform"]!.output ?? {}).length).toBeGreaterThan(0);
  });

  test("only the platform stack holds private keys and the admin password; consumers reference neither", () => {
    for (const [id, s] of Object.entries(stacks)) {
      const text = JSON.stringify(s);
      const secretRefs = [...text.matchAll(/\b(tls_private_key|random_password)\.[A-Za-z0-9_-]+\.(private_key_[a-z0-9_]+|result|bcrypt_hash)\b/g)].map((m) => m[0]);
      if (id === "platform") expect(secretRefs.length).toBeGreaterThan(0);
      else expect({ id, secretRefs }).toEqual({ id, secretRefs: [] });
    }
  });

  test("every output a consumer reads exists in its producer", () => {
    let read = 0;
    for (const [id, s] of Object.entries(stacks)) {
      for (const m of JSON.stringify(s).matchAll(/data\.terraform_remote_state\.cross-stack-reference-input-([a-z-]+)\.outputs\.([A-Za-z0-9_-]+)/g)) {
        read++;
        expect({ consumer: id, output: m[2], exists: stacks[m[1]!]?.output?.[m[2]!] !== undefined }).toEqual({ consumer: id, output: m[2], exists: true });
      }
    }
    // The consumers do read platform's outputs: a pattern that matched nothing would prove nothing.
    expect(read).toBeGreaterThan(0);
  });
});

describe("the check itself", () => {
  test("flags a private key, a password, a passed-on value and a literal; accepts the listed attributes", () => {
    const stack: StackJson = {
      output: {
        key: { value: "${tls_private_key.pki_client-app_key.private_key_pem_pkcs8}", sensitive: true },
        password: { value: "${random_password.postgres_admin-password.result}", sensitive: true },
        passedOn: { value: "${data.terraform_remote_state.platform.outputs.x}", sensitive: true },
        literal: { value: `-----BEGIN ${"PRIVATE"} KEY-----\nMIIB\n-----END ${"PRIVATE"} KEY-----` /* fake, split */ },
        ca: { value: "${tls_self_signed_cert.pki_ca_cert.cert_pem}", sensitive: true },
        path: { value: "${local_sensitive_file.operator-dir_postgres-admin-password.filename}", sensitive: true },
      },
    };
    expect(secretOutputs(stack)).toEqual([
      "key: carries tls_private_key.pki_client-app_key.private_key_pem_pkcs8, which is not a public attribute",
      "password: carries random_password.postgres_admin-password.result, which is not a public attribute",
      "passedOn: passes on data.terraform_remote_state.platform.outputs (a value another stack produced)",
      "literal: its value is secret material",
      "literal: a literal value, not a reference to a listed attribute",
    ]);
  });
});
