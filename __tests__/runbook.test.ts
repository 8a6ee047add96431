/**
 * docs/RUNBOOK.md against what the stacks synthesize: every container, volume, script and
 * in-container path it names must exist, so the runbook cannot drift from the code.
 */
import * as fs from "fs";
import { projectPath } from "../constructs/project-files";
import { environment, resourcesOf, synthesize } from "./helpers";

const runbook = fs.readFileSync(projectPath("docs/RUNBOOK.md"), "utf8");
const commands = [...runbook.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!).join("\n");
const { json, stacks } = synthesize(environment());
const all = (type: string) => Object.values(json).flatMap((j) => Object.values(resourcesOf(j, type)));
const containers = new Map(all("docker_container").map((c) => [c["name"] as string, c]));
const volumes = new Set(all("docker_volume").map((v) => v["name"] as string));

test("the runbook has commands", () => {
  expect(commands.split("\n").length).toBeGreaterThan(30);
});

test("every uyoop-dev-* name it uses is a synthesized container or volume", () => {
  const names = new Set([...runbook.matchAll(/uyoop-dev-[a-z0-9-]+/g)].map((m) => m[0].replace(/-\$$/, "")));
  // Objects a procedure creates itself (the restore drill's throwaway node and volume).
  const created = new Set([...commands.matchAll(/(?:--name|volume create) (uyoop-dev-[a-z0-9-]+)/g)].map((m) => m[1]!));
  expect(created).toEqual(new Set(["uyoop-dev-restore-drill", "uyoop-dev-restore-drill-data"]));
  const unknown = [...names].filter((n) => !containers.has(n) && !volumes.has(n) && !created.has(n) && !/^uyoop-dev-vault-$/.test(n));
  expect(unknown).toEqual([]);
  expect(names.size).toBeGreaterThan(5);
});

test("every script it calls exists and is executable", () => {
  const scripts = new Set([...commands.matchAll(/scripts\/[a-z-]+\.sh/g)].map((m) => m[0]));
  expect(scripts.size).toBeGreaterThanOrEqual(2);
  for (const s of scripts) expect(fs.statSync(projectPath(s)).mode & 0o100).toBe(0o100);
});

test("the scripts it names re-run the containers they say", () => {
  expect(fs.readFileSync(projectPath("scripts/unseal.sh"), "utf8")).toContain('container="$env_name-vault-bootstrap"');
  expect(fs.readFileSync(projectPath("scripts/rotate-secret-id.sh"), "utf8")).toContain('container="$env_name-secretid-issuer"');
  expect(containers.has("uyoop-dev-vault-bootstrap") && containers.has("uyoop-dev-secretid-issuer")).toBe(true);
});

test("in-container paths and env it relies on match the containers", () => {
  const snap = containers.get("uyoop-dev-raft-snapshots")!;
  expect(JSON.stringify(snap["volumes"])).toContain('"container_path":"/snapshots"');
  expect(snap["command"]).toEqual(["/job/raft-snapshot.sh"]);
  expect(commands).toContain("sh /job/raft-snapshot.sh");
  const node = containers.get("uyoop-dev-vault-1")!;
  expect(JSON.stringify(node["volumes"])).toContain('"container_path":"/vault/config"');
  expect(commands).toContain("/vault/config/tls/node.pem");
  expect(stacks.platform.vault.nodes[0]!.config.files.map((f) => f.path)).toContain("tls/node.pem");
});

test("host ports and the operator directory it uses are the dev environment's", () => {
  for (const port of [...commands.matchAll(/localhost:(\d+)/g)].map((m) => Number(m[1]))) {
    expect(environment().vault.hostPorts).toContain(port);
  }
  expect(commands).toContain(`DIR=${environment().host.operatorDir.replace("uyoop-dev", "$ENV")}`);
});

test("the Vault paths it uses exist in the vault-config stack", () => {
  const vault = json["vault-config"]!;
  expect(commands).toContain("database/rotate-root/uyoop-postgres");
  expect(Object.values(resourcesOf(vault, "vault_database_secret_backend_connection"))[0]!["name"]).toBe("uyoop-postgres");
  expect(commands).toContain("auth/approle/role/uyoop-app/");
  expect(commands).toContain("-policy=operator-policy");
  expect(Object.values(resourcesOf(vault, "vault_policy")).map((p) => p["name"])).toContain("operator-policy");
});
