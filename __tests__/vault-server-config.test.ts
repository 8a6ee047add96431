import { parse } from "@cdktf/hcl2json";
import { renderVaultServerConfig, type VaultServerConfig } from "../constructs/vault/vault-server-config";
import { renderHcl, attr, block, hclString } from "../constructs/vault/hcl";
import { UserInputError } from "../kernel/errors";
import { SAMPLE_VAULT_NODE_CONFIG } from "./helpers";

const config: VaultServerConfig = { ...SAMPLE_VAULT_NODE_CONFIG, tlsMinVersion: "tls13" };

type Parsed = {
  storage: { raft: { path: string; node_id: string; performance_multiplier: number; retry_join: Record<string, unknown>[] }[] };
  listener: { tcp: Record<string, unknown>[] };
  telemetry: Record<string, unknown>[];
  [key: string]: unknown;
};

describe("rendered Vault server configuration, read by HashiCorp's HCL parser", () => {
  let parsed: Parsed;
  beforeAll(async () => {
    parsed = (await parse("vault.hcl", renderVaultServerConfig(config))) as Parsed;
  });

  test("top-level: addresses, mlock disabled explicitly (required with Raft), UI", () => {
    expect(parsed).toMatchObject({
      cluster_name: "uyoop-dev",
      api_addr: "https://vault-1:8200",
      cluster_addr: "https://vault-1-raft:8201",
      disable_mlock: true,
      ui: true,
      log_level: "info",
    });
  });

  test("Raft storage with node id and one verified-TLS retry_join per peer, presenting the node certificate", () => {
    const raft = parsed.storage.raft[0]!;
    expect(raft).toMatchObject({ path: "/vault/file", node_id: "vault-1", performance_multiplier: 1 });
    expect(raft.retry_join).toEqual([
      {
        leader_api_addr: "https://vault-2-raft:8200",
        leader_tls_servername: "vault-2-raft",
        leader_ca_cert_file: "/vault/config/tls/ca.pem",
        leader_client_cert_file: "/vault/config/tls/node.pem",
        leader_client_key_file: "/vault/config/tls/node-key.pem",
      },
      expect.objectContaining({ leader_api_addr: "https://vault-3-raft:8200", leader_tls_servername: "vault-3-raft" }),
    ]);
  });

  test("TLS listener: certificate, key, client CA, minimum version, mTLS required, no plaintext", () => {
    const tcp = parsed.listener.tcp[0]!;
    expect(tcp).toMatchObject({
      address: "0.0.0.0:8200",
      cluster_address: "0.0.0.0:8201",
      tls_disable: false,
      tls_cert_file: "/vault/config/tls/node.pem",
      tls_key_file: "/vault/config/tls/node-key.pem",
      tls_client_ca_file: "/vault/config/tls/ca.pem",
      tls_min_version: "tls13",
      tls_require_and_verify_client_cert: true,
    });
    expect(tcp["telemetry"]).toEqual([{ unauthenticated_metrics_access: false }]);
    expect(tcp["custom_response_headers"]).toEqual([{ default: { "Strict-Transport-Security": ["max-age=31536000; includeSubDomains"] } }]);
  });

  test("telemetry without hostname prefixes", () => {
    expect(parsed.telemetry).toEqual([{ disable_hostname: true, prometheus_retention_time: "12h" }]);
  });

  test("without mTLS, joins present no client certificate and the listener does not require one", async () => {
    const open = (await parse("v.hcl", renderVaultServerConfig({ ...config, requireClientCert: false }))) as Parsed;
    expect(open.listener.tcp[0]!["tls_require_and_verify_client_cert"]).toBe(false);
    expect(open.storage.raft[0]!.retry_join[0]).not.toHaveProperty("leader_client_cert_file");
  });

  test.each<[string, Partial<VaultServerConfig>, RegExp]>([
    ["plain-http api_addr", { apiAddr: "http://vault-1:8200" }, /apiAddr: "http:\/\/vault-1:8200" must be "https:/],
    ["a join over the cluster port", { retryJoin: [{ leaderApiAddr: "https://vault-2-raft:8201", leaderTlsServerName: "vault-2-raft" }] }, /retryJoin\[0\]\.leaderApiAddr: .* must use port 8200/],
    ["no peer", { retryJoin: [] }, /retryJoin: a Raft node needs at least one peer/],
  ])("rejects %s", (_t, change, expected) => {
    let message = "";
    try {
      renderVaultServerConfig({ ...config, ...change });
    } catch (e) {
      message = e instanceof UserInputError ? e.problems.map((p) => `${p.field}: ${p.message}`).join() : String(e);
    }
    expect(message).toMatch(expected);
  });
});

describe("HCL writer", () => {
  test("quotes and backslashes survive a round trip through the parser", async () => {
    const tricky = 'a "quoted" \\path\\ with = and { braces }';
    const parsed = (await parse("t.hcl", renderHcl([attr("s", tricky), block("b", ["label \"x\""], [attr("n", 1), attr("l", ["x", true])])]))) as Record<string, unknown>;
    expect(parsed).toEqual({ s: tricky, b: { 'label "x"': [{ n: 1, l: ["x", true] }] } });
  });

  test.each(["${path.root}", "%{ if x }", "line\nbreak", "tab\there"])("refuses %p rather than risk HCL 1/2 disagreement", (value) => {
    expect(() => hclString(value)).toThrow(/control character|template sequence/);
  });
});
