/**
 * The `vault.server: "openbao"` choice renders what differs from HashiCorp Vault, and only that
 * (constructs/vault/vault-server-flavour.ts). The configuration is read back by HashiCorp's HCL
 * parser; the e2e deploy (npm run e2e) runs this choice against a real OpenBao 2.6.2 cluster.
 */
import { parse } from "@cdktf/hcl2json";
import { unescapeTerraformLiteral } from "../kernel/terraform-template";
import { environment, problemsOf, resourcesOf, synthesize } from "./helpers";

type Container = Record<string, unknown> & {
  entrypoint?: string[];
  command?: string[];
  env?: string[];
  volumes?: { container_path: string }[];
  healthcheck?: { test: string[] } | { test: string[] }[];
  upload?: { file: string; content: string }[];
};

const bao = synthesize(environment({ vault: { server: "openbao" } }));
const vault = synthesize(environment());
const containers = (json: string) => resourcesOf(json, "docker_container") as Record<string, Container>;

describe("vault.server: openbao", () => {
  test("defaults the node image to the official OpenBao release, and keeps an explicit one", () => {
    expect(environment({ vault: { server: "openbao" } }).vault.image).toBe("openbao/openbao:2.6.2");
    expect(environment({ vault: { server: "openbao", image: "registry.internal/openbao:2.6.2" } }).vault.image).toBe("registry.internal/openbao:2.6.2");
    expect(environment().vault.server).toBe("vault");
  });

  test("refuses an image of the other server, naming the field", () => {
    expect(problemsOf({ vault: { server: "openbao", image: "hashicorp/vault:1.21.7" } })).toEqual([
      'vault.image: "hashicorp/vault:1.21.7" is HashiCorp Vault but vault.server is "openbao"; use an OpenBao image (e.g. "openbao/openbao:2.6.2") or set vault.server to "vault"',
    ]);
    expect(problemsOf({ vault: { image: "quay.io/openbao/openbao:2.6.2" } })).toEqual([
      'vault.image: "quay.io/openbao/openbao:2.6.2" is OpenBao but vault.server is "vault"; set vault.server to "openbao" (or use a HashiCorp Vault image)',
    ]);
    expect(problemsOf({ vault: { server: "bao" } })[0]).toMatch(/^vault\.server: must be one of "vault", "openbao"/);
  });

  test("runs `bao server` with the official image's paths and a `bao status` health check", () => {
    const node = containers(bao.json["platform"]!)["vault_vault-1_server"]!;
    expect(node.entrypoint).toEqual(["bao"]);
    expect(node.command).toEqual(["server", "-config=/openbao/config/openbao.hcl"]);
    expect(node.volumes!.map((v) => v.container_path)).toEqual(["/openbao/config", "/openbao/file", "/openbao/logs"]);
    const hc = Array.isArray(node.healthcheck) ? node.healthcheck[0]! : node.healthcheck!;
    expect(hc.test[1]).toMatch(/^bao status /);
  });

  test("declares both audit devices in every node's configuration, without disable_mlock, as HashiCorp's parser reads it", async () => {
    const all = containers(bao.json["platform"]!);
    const seeders = Object.entries(all).filter(([name]) => /^vault_vault-\d_config_seeder$/.test(name));
    expect(seeders).toHaveLength(3);
    for (const [, seeder] of seeders) {
      const file = seeder.upload!.find((u) => u.file === "/seed/openbao.hcl")!;
      const parsed = (await parse("openbao.hcl", unescapeTerraformLiteral(file.content))) as Record<string, unknown>;
      expect(parsed["disable_mlock"]).toBeUndefined();
      expect(parsed["audit"]).toEqual({
        file: {
          file: [{ description: "audit log on each node's audit volume", options: { file_path: "/openbao/logs/audit.log", mode: "0600", log_raw: "false" } }],
          stdout: [{ description: "audit log on stdout (docker logs)", options: { file_path: "stdout", log_raw: "false" } }],
        },
      });
    }
  });

  test("enables no audit device through the API (OpenBao refuses it) while Vault keeps its two vault_audit resources", () => {
    expect(Object.keys(resourcesOf(bao.json["vault-config"]!, "vault_audit"))).toEqual([]);
    expect(Object.keys(resourcesOf(vault.json["vault-config"]!, "vault_audit")).sort()).toEqual(["audit-file", "audit-stdout"]);
  });

  test("names PostgreSQL's CA by its path on the nodes (OpenBao's plugin has no tls_ca)", () => {
    const pg = (json: string) =>
      (Object.values(resourcesOf(json, "vault_database_secret_backend_connection"))[0]!["postgresql"] as Record<string, unknown>[] | Record<string, unknown>);
    const first = (p: Record<string, unknown>[] | Record<string, unknown>) => (Array.isArray(p) ? p[0]! : p);
    const b = first(pg(bao.json["vault-config"]!));
    expect(b["connection_url"]).toMatch(/\?sslmode=verify-full&sslrootcert=\/openbao\/config\/tls\/ca\.pem$/);
    expect(b["tls_ca"]).toBeUndefined();
    const v = first(pg(vault.json["vault-config"]!));
    expect(v["connection_url"]).toMatch(/\?sslmode=verify-full$/);
    expect(v["tls_ca"]).toBeDefined();
  });

  test("tells every job which CLI to run; Vault's jobs keep the default", () => {
    const jobs = ["vault-bootstrap_job", "app_secretid-issuer_job", "raft-snapshots_job"];
    const env = (s: SynthResult, name: string) => {
      for (const json of Object.values(s.json)) {
        const c = containers(json)[name];
        if (c) return c.env ?? [];
      }
      throw new Error(`no container ${name}`);
    };
    for (const job of jobs) {
      expect(env(bao, job)).toContain("VAULT_CLI=bao");
      expect(env(vault, job).some((e) => e.startsWith("VAULT_CLI="))).toBe(false);
    }
  });
});

type SynthResult = ReturnType<typeof synthesize>;
