import { Policy } from "@cdktf/provider-vault/lib/policy";
import { Mount } from "@cdktf/provider-vault/lib/mount";
import { ApproleAuthBackendRole } from "@cdktf/provider-vault/lib/approle-auth-backend-role";
import { Audit } from "@cdktf/provider-vault/lib/audit";
import { RaftAutopilot } from "@cdktf/provider-vault/lib/raft-autopilot";
import { KvSecretBackendV2 } from "@cdktf/provider-vault/lib/kv-secret-backend-v2";
import { KvSecretV2 } from "@cdktf/provider-vault/lib/kv-secret-v2";
import { environment, resourcesOf, synthesize } from "./helpers";
import { appDatabaseUrl } from "../constructs/app/app-contract";
import { Testing } from "cdktf";

// cdktf's jest matchers (toHaveResourceWithProperties, ...), for this file's assertions.
Testing.setupJest();

const stack = (overrides: Record<string, unknown> = {}) => synthesize(environment(overrides)).json["vault-config"]!;

describe("vault-config stack", () => {
  const json = stack();

  test("the provider reads its token from the operator directory's token file, never from JSON", () => {
    const provider = (JSON.parse(json) as { provider: { vault: Record<string, unknown>[] } }).provider.vault[0]!;
    expect(provider["auth_login_token_file"]).toEqual([{ filename: '${pathexpand("~/.uyoop-cal/uyoop-dev")}/terraform-token' }]);
    expect(provider).not.toHaveProperty("token");
    const fromEnv = (JSON.parse(stack({ vault: { terraformToken: "environment" } })) as { provider: { vault: Record<string, unknown>[] } }).provider.vault[0]!;
    expect(fromEnv).not.toHaveProperty("auth_login_token_file");
    expect(fromEnv).not.toHaveProperty("token");
  });

  test("every policy file is uploaded under its name", () => {
    expect(Object.values(resourcesOf(json, "vault_policy")).map((p) => p["name"]).sort()).toEqual([
      "app-policy",
      "operator-policy",
      "secretid-rotation-policy",
      "snapshot-policy",
    ]);
    expect(json).toHaveResourceWithProperties(Policy, { name: "snapshot-policy", policy: expect.stringContaining('path "sys/storage/raft/snapshot"') });
  });

  test("KV v2 at secret/ with bounded versions, TOTP at totp/, both protected from destruction", () => {
    expect(json).toHaveResourceWithProperties(Mount, { path: "secret", type: "kv", options: { version: "2" }, lifecycle: { prevent_destroy: true } });
    expect(json).toHaveResourceWithProperties(Mount, { path: "totp", type: "totp", lifecycle: { prevent_destroy: true } });
    expect(json).toHaveResourceWithProperties(KvSecretBackendV2, { max_versions: 10 });
  });

  test("the AppRole role: app-policy only, seeds' TTLs, bounded SecretIDs, bound to the clients subnet", () => {
    expect(json).toHaveResourceWithProperties(ApproleAuthBackendRole, {
      role_name: "uyoop-app",
      token_policies: ["${vault_policy.policies_app-policy.name}"],
      token_ttl: 3600,
      token_max_ttl: 14400,
      bind_secret_id: true,
      secret_id_ttl: 691200,
      secret_id_num_uses: 1000,
      secret_id_bound_cidrs: ["172.30.3.0/24"],
      token_bound_cidrs: ["172.30.3.0/24"],
      token_type: "service",
    });
  });

  test("AppRole limits follow the configuration", () => {
    const custom = stack({ vault: { appRole: { tokenTtlSeconds: 600, tokenMaxTtlSeconds: 1800, secretIdTtlSeconds: 86400, secretIdNumUses: 5 } }, networks: { vaultClients: { subnet: "10.9.0.0/24" } } });
    expect(custom).toHaveResourceWithProperties(ApproleAuthBackendRole, {
      token_ttl: 600,
      token_max_ttl: 1800,
      secret_id_ttl: 86400,
      secret_id_num_uses: 5,
      secret_id_bound_cidrs: ["10.9.0.0/24"],
    });
  });

  test("secret/app/config holds a credential-less DSN with full TLS verification", () => {
    const secret = Object.values(resourcesOf(json, "vault_kv_secret_v2"))[0]!;
    expect(secret).toMatchObject({ name: "app/config" });
    const data = JSON.parse(secret["data_json"] as string) as { database_url: string };
    expect(data).toEqual({ database_url: appDatabaseUrl("uyoop-dev", "devops_calendar") });
    const url = new URL(data.database_url);
    expect([url.protocol, url.hostname, url.port, url.pathname, url.username, url.password]).toEqual(["postgresql:", "uyoop-dev-postgres", "5432", "/devops_calendar", "", ""]);
    expect(url.searchParams.get("sslmode")).toBe("verify-full");
    expect(json).toHaveResourceWithProperties(KvSecretV2, { name: "app/config" });
  });

  test("two audit devices: a 0600 file on the audit volume and stdout; never log_raw", () => {
    const audits = Object.values(resourcesOf(json, "vault_audit"));
    expect(audits.map((a) => [a["path"], a["options"]])).toEqual([
      ["file", { file_path: "/vault/logs/audit.log", mode: "0600", log_raw: "false" }],
      ["stdout", { file_path: "stdout", log_raw: "false" }],
    ]);
    expect(json).toHaveResourceWithProperties(Audit, { type: "file" });
  });

  test("autopilot cleans up dead servers with min_quorum = node count", () => {
    expect(json).toHaveResourceWithProperties(RaftAutopilot, { cleanup_dead_servers: true, min_quorum: 3, dead_server_last_contact_threshold: "24h0m0s" });
    expect(stack({ vault: { nodeCount: 5, hostPorts: [8200, 8210, 8220, 8230, 8240] } })).toHaveResourceWithProperties(RaftAutopilot, { min_quorum: 5 });
  });
});

describe("no secret value in any synthesized stack", () => {
  // Patterns of real secret material: private keys, Vault tokens, unseal keys in JSON, DSNs with
  // credentials, and any literal in a field whose name says it holds a secret.
  const SECRET_PATTERNS: [string, RegExp][] = [
    ["private key", /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
    ["vault token", /\b(hvs|hvb|hvr|s|b)\.[A-Za-z0-9]{20,}/],
    ["unseal keys", /"unseal_keys_(b64|hex)"\s*:\s*\[\s*"[A-Za-z0-9+/=]{20,}/],
    // Vault's templated connection URL ({{username}}:{{password}}) is not a credential.
    ["DSN with credentials", /postgres(ql)?:\/\/(?!\{\{username\}\}:\{\{password\}\}@)[^/@"]+:[^/@"]+@/],
  ];
  const SECRET_FIELD = /"(token|password|secret_id|client_token|private_key|root_token|data_json_wo|password_wo)"\s*:\s*"(?!\$\{)[^"]+"/;

  test.each([
    ["dev", {}],
    ["mTLS off, token from env", { vault: { mtls: false, terraformToken: "environment" } }],
  ])("%s", (_name, overrides) => {
    const { json } = synthesize(environment(overrides));
    for (const [stackId, text] of Object.entries(json)) {
      for (const [what, pattern] of SECRET_PATTERNS) expect([stackId, what, pattern.test(text)]).toEqual([stackId, what, false]);
      expect([stackId, text.match(SECRET_FIELD)?.[0]]).toEqual([stackId, undefined]);
    }
  });

  test("the scan itself catches a planted secret", () => {
    expect(SECRET_FIELD.test('"password": "hunter2"')).toBe(true);
    expect(SECRET_PATTERNS[3]![1].test("postgresql://app:pw@db:5432/x")).toBe(true);
    expect(SECRET_PATTERNS[3]![1].test("postgresql://{{username}}:{{password}}@db:5432/x")).toBe(false);
    expect(SECRET_PATTERNS[2]![1].test('{"unseal_keys_b64": [\n  "c2hhcmUtb25lLWJhc2U2NC1rZXktbWF0ZXJpYWw="')).toBe(true);
  });
});
