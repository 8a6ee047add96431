import * as fs from "fs";
import { parse } from "@cdktf/hcl2json";
import { POLICY_CATALOG, lintPolicy, parsePolicy, policyFile, type PolicyRule } from "../policies/catalog";
import { projectPath } from "../constructs/project-files";

type Hcl2Json = { path: Record<string, { capabilities: string[] }[]> };

async function viaHashiCorp(file: string): Promise<PolicyRule[]> {
  const parsed = (await parse(file, fs.readFileSync(projectPath(file), "utf8"))) as Hcl2Json;
  return Object.entries(parsed.path).map(([path, blocks]) => {
    expect(blocks).toHaveLength(1);
    return { path, capabilities: blocks[0]!.capabilities };
  });
}

describe("policies/ files", () => {
  test("every .hcl file is catalogued and every catalogued policy has a file", () => {
    const files = fs.readdirSync(projectPath("policies")).filter((f) => f.endsWith(".hcl")).sort();
    expect(files).toEqual(POLICY_CATALOG.map((p) => `${p.name}.hcl`).sort());
  });

  test.each(POLICY_CATALOG.map((p) => [p.name, p] as const))("%s: HashiCorp's HCL parser reads it exactly as the synth-time reader does, and it passes the lint", async (_n, p) => {
    const file = policyFile(p.name);
    const hashicorp = await viaHashiCorp(file);
    const ours = parsePolicy(fs.readFileSync(projectPath(file), "utf8"), file);
    const byPath = (rules: PolicyRule[]) => [...rules].sort((a, b) => a.path.localeCompare(b.path));
    expect(byPath(ours)).toEqual(byPath(hashicorp));
    expect(lintPolicy(p.name, p.kind, ours)).toEqual([]);
  });

  test("app-policy grants exactly the seeds' table", async () => {
    const rules = await viaHashiCorp("policies/app-policy.hcl");
    expect(Object.fromEntries(rules.map((r) => [r.path, [...r.capabilities].sort()]))).toEqual({
      "secret/data/app/*": ["read"],
      "secret/metadata/app/*": ["list", "read"],
      "totp/keys/user_*": ["create", "delete", "list", "read", "update"],
      "totp/code/user_*": ["read", "update"],
      "database/creds/uyoop-app": ["read"],
    });
  });

  test("the snapshot policy reads the snapshot endpoint and nothing else", async () => {
    expect(await viaHashiCorp("policies/snapshot-policy.hcl")).toEqual([{ path: "sys/storage/raft/snapshot", capabilities: ["read"] }]);
  });

  test("only the operator policy holds sudo", async () => {
    for (const p of POLICY_CATALOG) {
      const sudo = (await viaHashiCorp(policyFile(p.name))).some((r) => r.capabilities.includes("sudo"));
      expect([p.name, sudo]).toEqual([p.name, p.kind === "operator"]);
    }
  });
});

describe("policy lint", () => {
  const rule = (path: string, ...capabilities: string[]): PolicyRule => ({ path, capabilities });
  test.each<[string, "app" | "job" | "operator", PolicyRule[], RegExp]>([
    ["path \"*\"", "operator", [rule("*", "read")], /path "\*" matches every path/],
    ["sudo outside the operator policy", "job", [rule("sys/audit", "read", "sudo")], /grants sudo; only the operator policy may/],
    ["app writes to sys/", "app", [rule("sys/mounts/x", "update")], /grants update on sys\/; an application policy must not change/],
    ["app writes to auth/", "app", [rule("auth/approle/role/uyoop-app/secret-id", "update")], /grants update on auth\//],
    ["a mount-wide KV glob for the app", "app", [rule("secret/data/*", "read")], /mount-wide KV glob/],
    ["a mount-wide KV glob without data/", "app", [rule("secret/*", "read")], /mount-wide KV glob/],
    ["every TOTP key for the app", "app", [rule("totp/keys/*", "read")], /reaches every TOTP key/],
    ["an unknown capability", "job", [rule("a/b", "write")], /unknown capability "write"/],
    ["a duplicate path", "job", [rule("a/b", "read"), rule("a/b", "list")], /appears twice/],
  ])("refuses %s", (_t, kind, rules, expected) => {
    expect(lintPolicy("p", kind, rules).join("\n")).toMatch(expected);
  });

  test("an app reading its own prefix passes", () => {
    expect(lintPolicy("p", "app", [rule("secret/data/app/*", "read"), rule("sys/capabilities-self", "read")])).toEqual([]);
  });
});

describe("synth-time policy reader", () => {
  test("refuses anything outside path blocks with capabilities", () => {
    expect(() => parsePolicy('path "a" { capabilities = ["read"] }\npath "b" { allowed_parameters = {} }', "x.hcl")).toThrow(/x\.hcl: line 2: only/);
    expect(() => parsePolicy('path "a" { capabilities = [read] }')).toThrow(/must be a quoted lowercase word/);
  });
  test("reads comments and several blocks", () => {
    expect(parsePolicy('# c\npath "a/*" {\n  capabilities = ["read", "list"]\n}\n// d\npath "b" { capabilities = [] }\n')).toEqual([
      { path: "a/*", capabilities: ["read", "list"] },
      { path: "b", capabilities: [] },
    ]);
  });
});
