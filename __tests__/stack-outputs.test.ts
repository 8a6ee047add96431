/**
 * No secret crosses a stack boundary. A consumer's `terraform_remote_state` stores every output
 * of its producer in the consumer's own state, in plaintext, so an output carrying a key or a
 * password puts it in one more state file. cdktf marks every cross-stack output `sensitive`
 * (that only hides it from the CLI), so the flag proves nothing: what matters is what each output
 * refers to. The guardrail UY-D-OUT-1 judges that on every synth (its cases are in
 * guardrails-rules.test.ts); here, on three configurations, the stacks' outputs and what the
 * consumers read of them.
 */
import type { Json } from "../kernel/invariants";
import { outputProblems } from "../guardrails/packs/data";
import { environment, prodDocument, synthesize } from "./helpers";

type StackJson = { output?: Record<string, { value: Json; sensitive?: boolean }>; resource?: Record<string, Record<string, Json>>; data?: Record<string, Record<string, Json>> };

/** Each output of a stack that may not cross it (the guardrail UY-D-OUT-1's check): `<output>: <why>`. */
function secretOutputs(stack: StackJson): string[] {
  return Object.entries(stack.output ?? {}).flatMap(([name, output]) => outputProblems(output.value).map((p) => `${name}: ${p}`));
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
