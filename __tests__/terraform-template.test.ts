/**
 * Terraform reads every string of cdk.tf.json as a template. These tests hold the project to
 * its rule (kernel/terraform-template.ts): text is literal, and the only expressions are the
 * references cdktf generates. A real OpenTofu found both bugs below while every other test
 * passed: shell scripts' `${name:-}` uploaded verbatim, and `replace_triggered_by` entries
 * written as "${docker_container.x}" (an expression list wants bare references).
 */
import {
  templateSequences,
  terraformLiteral,
  unescapeTerraformLiteral,
  unexpectedTemplateSequences,
  isHandedOverSecretRead,
} from "../kernel/terraform-template";
import { readProjectFile } from "../constructs/project-files";
import { BOOTSTRAP_SCRIPT } from "../constructs/vault/vault-bootstrap";
import { SNAPSHOT_SCRIPT } from "../constructs/vault/raft-snapshots";
import { SECRET_ID_SCRIPT } from "../constructs/app/uyoop-app";
import { environment, prodDocument, synthesize } from "./helpers";

type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

function eachString(v: JsonValue, visit: (s: string, path: string) => void, path = ""): void {
  if (typeof v === "string") visit(v, path);
  else if (Array.isArray(v)) v.forEach((x, i) => eachString(x, visit, `${path}[${i}]`));
  else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) eachString(x, visit, path ? `${path}.${k}` : k);
}

describe("terraformLiteral and the template scanner", () => {
  test.each([
    ["a shell default", 'n=${name:-} a=${accessor:-unknown}'],
    ["a directive", "%{if x}y%{endif}"],
    ["already escaped-looking text", "$${x} %%{y} $$${z}"],
    ["text without templates", "plain $HOME 100% {x}"],
  ])("%s reads back unchanged through Terraform's escapes, with no template left", (_what, text) => {
    const literal = terraformLiteral(text);
    expect(templateSequences(literal)).toEqual([]);
    expect(unescapeTerraformLiteral(literal)).toBe(text);
  });

  test("cdktf token markers stay tokens while the text around them is escaped", () => {
    expect(terraformLiteral("a ${TfToken[TOKEN.7]} ${HOME} %{x}")).toBe("a ${TfToken[TOKEN.7]} $${HOME} %%{x}");
  });

  test("the scanner finds interpolations, directives and nested braces as Terraform does", () => {
    expect(templateSequences('x ${a.b.c} %{ if true }y%{ endif } ${f({k = "}"})} $${no}')).toEqual([
      { opener: "${", expression: "a.b.c", terminated: true },
      { opener: "%{", expression: " if true ", terminated: true },
      { opener: "%{", expression: " endif ", terminated: true },
      { opener: "${", expression: 'f({k = "}"})', terminated: true },
    ]);
  });

  test("generated references pass; text, directives and unterminated sequences do not", () => {
    const ok = [
      "${tls_private_key.pki_ca_key.private_key_pem}",
      "${data.terraform_remote_state.cross-stack-reference-input-platform.outputs.cross-stack-output-x}",
      "${docker_network.networks_data.ipam_config[0].subnet}",
      '${pathexpand("~/.uyoop-cal/uyoop-dev")}/ca.pem',
      "${self.exit_code == 0}",
      "${terraform.workspace}",
    ];
    for (const s of ok) expect(unexpectedTemplateSequences(s)).toEqual([]);
    const bad = ["${name:-}", "${#1}", "${INIT%/*}", "%{endif}", '${file("/etc/passwd")}', "${x", '${pathexpand("~/%{x}")}'];
    for (const s of bad) expect(unexpectedTemplateSequences(s)).not.toEqual([]);
  });
});

describe.each([
  ["dev", () => environment()],
  ["prod", () => environment(prodDocument())],
])("the synthesized %s environment", (_profile, config) => {
  const { json } = synthesize(config());
  const stacks = Object.fromEntries(Object.entries(json).map(([id, text]) => [id, JSON.parse(text) as { [k: string]: JsonValue }]));

  test("has no template sequence but the references cdktf generates, in any string of any stack", () => {
    const found: string[] = [];
    const handedOver: string[] = [];
    for (const [id, stack] of Object.entries(stacks)) {
      eachString(stack, (s, path) => {
        for (const seq of unexpectedTemplateSequences(s)) {
          if (isHandedOverSecretRead(path.split(".").pop(), seq.expression)) handedOver.push(`${id}: ${path}`);
          else found.push(`${id}: ${path}: ${seq.opener}${seq.expression.slice(0, 40)}`);
        }
      });
    }
    expect(found).toEqual([]);
    // The one expression beyond references: the admin password read from its operator-directory
    // file into a write-only argument (constructs/operator-directory.ts HandedOverSecret).
    expect(handedOver).toEqual(["vault-config: resource.vault_database_secret_backend_connection.database_connection.postgresql.password_wo"]);
  });

  test("writes replace_triggered_by as bare references to resources of the same stack", () => {
    let seen = 0;
    for (const [id, stack] of Object.entries(stacks)) {
      const resources = (stack["resource"] ?? {}) as { [type: string]: { [name: string]: { lifecycle?: { replace_triggered_by?: string[] } } } };
      for (const [type, byName] of Object.entries(resources)) {
        for (const [name, body] of Object.entries(byName)) {
          for (const trigger of body.lifecycle?.replace_triggered_by ?? []) {
            seen++;
            const m = /^([a-z][a-z0-9_]*)\.([A-Za-z0-9_-]+)$/.exec(trigger);
            expect({ resource: `${id}: ${type}.${name}`, trigger, bare: m !== null }).toEqual({ resource: `${id}: ${type}.${name}`, trigger, bare: true });
            expect(resources[m![1]!]?.[m![2]!]).toBeDefined();
          }
        }
      }
    }
    expect(seen).toBeGreaterThan(0);
  });

  test("delivers every job script byte for byte as Terraform reads it back", () => {
    const uploads: Record<string, string> = {};
    for (const stack of Object.values(stacks)) {
      const containers = ((stack["resource"] as { [t: string]: JsonValue } | undefined)?.["docker_container"] ?? {}) as {
        [name: string]: { upload?: { file: string; content: string }[] };
      };
      for (const c of Object.values(containers)) for (const u of c.upload ?? []) uploads[u.file.split("/").pop()!] = u.content;
    }
    for (const script of [BOOTSTRAP_SCRIPT, SNAPSHOT_SCRIPT, SECRET_ID_SCRIPT]) {
      const name = script.split("/").pop()!;
      expect(uploads[name]).toBeDefined();
      expect(unescapeTerraformLiteral(uploads[name]!)).toBe(readProjectFile(script));
    }
  });
});
