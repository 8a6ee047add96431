/**
 * The guardrails' synchronous HCL reader against HashiCorp's parser (@cdktf/hcl2json): on every
 * Vault configuration the project renders and on the syntax corners it claims to read, both
 * must produce the same JSON; what it does not read, it refuses with the line.
 */
import { parse } from "@cdktf/hcl2json";
import { HclReadError, readHcl } from "../guardrails/hcl-reader";
import { renderVaultServerConfig, type VaultServerConfig } from "../constructs/vault/vault-server-config";
import { SAMPLE_VAULT_NODE_CONFIG, environment, prodDocument, synthesize, resourcesOf } from "./helpers";

const node: VaultServerConfig = SAMPLE_VAULT_NODE_CONFIG;

const CORNERS = [
  'a = 1\nb = 1.5\nc = null\nd = [1, "x", true]\ne = { k = "v", "q r" = [1] }\n',
  'blk "l1" "l2" { x = 1 }\nblk "l1" "l3" { x = 2 }\nblk "l1" "l2" { x = 3 }\nt {}\nt { y = "\\u00e9\\n\\t\\"q\\" \\\\" }\n',
  "/* block\n comment */ f = -2 # trailing\n// line comment\ng = [\n  1,\n  2,\n]\nh = {\n  a = 1\n  b = 2\n}\n",
  'listener "tcp" {\n  address = "0.0.0.0:8200"\n  telemetry {\n    unauthenticated_metrics_access = false\n  }\n}\nlistener "tcp" {\n  address = "127.0.0.1:8300"\n}\n',
];

describe("reads what HashiCorp's parser reads, the same way", () => {
  test.each([
    ["mTLS, TLS 1.2", node],
    ["no mTLS, TLS 1.3, UI off, debug", { ...node, requireClientCert: false, tlsMinVersion: "tls13" as const, ui: false, logLevel: "debug" as const }],
  ])("rendered Vault configuration: %s", async (_name, config) => {
    const text = renderVaultServerConfig(config);
    expect(readHcl(text)).toEqual(await parse("vault.hcl", text));
  });

  test.each(CORNERS.map((c, i) => [i, c] as const))("syntax corner %i", async (_i, text) => {
    expect(readHcl(text)).toEqual(await parse("x.hcl", text));
  });

  test("every Vault configuration in the synthesized dev and prod environments", async () => {
    for (const config of [environment(), environment(prodDocument())]) {
      const json = synthesize(config).json["platform"]!;
      const uploads = Object.values(resourcesOf(json, "docker_container")).flatMap(
        (c) => ((c["upload"] as { file: string; content: string }[] | undefined) ?? []).filter((u) => u.file.endsWith("vault.hcl")),
      );
      expect(uploads).toHaveLength(3);
      for (const u of uploads) expect(readHcl(u.content)).toEqual(await parse("vault.hcl", u.content));
    }
  });
});

describe("refuses what it cannot read exactly, naming the line", () => {
  test.each([
    ['a = "${var.x}"\n', /line 1: template sequences are not read/],
    ["a = <<EOF\nx\nEOF\n", /line 1: heredocs are not read/],
    ["a = var.x\n", /line 1: "var" is a variable or function/],
    ["a = 1\nb = upper(\"x\")\n", /line 2: "upper" is a variable or function/],
    ["a = 1\na = 2\n", /line 2: "a" is defined twice/],
    ["blk {\n  a = 1\n", /missing "}"/],
    ['a = "unterminated\n', /line 1: unterminated string/],
    ["a = 1 b = 2\n", /line 1: expected the end of line after "a"/],
    ['a = "\\q"\n', /unknown escape/],
  ])("%j", (text, message) => {
    expect(() => readHcl(text, "t.hcl")).toThrow(HclReadError);
    expect(() => readHcl(text, "t.hcl")).toThrow(message);
  });
});
