/**
 * The topology diagram (scripts/diagram): what it reads from the synthesized stacks (networks,
 * volumes, ports, trust, connections), that every Mermaid edge names a declared node, that it
 * follows the configuration, and that the committed docs/TOPOLOGY.md is current (a snapshot a
 * reviewer reads: run `npm run diagram` and commit when this fails).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { synthesize, environment } from "./helpers";
import { extractTopology, type Topology } from "../scripts/diagram/topology";
import { servicesDiagram, storageDiagram, trustDiagram, renderTopologyMarkdown } from "../scripts/diagram/mermaid";
import { topologyDocument, main, synthesizeEnvironment, TOPOLOGY_FILE, type Synthesizer, type SynthesizedEnvironment } from "../scripts/diagram/cli";
import type { StackSet, TfJson } from "../scripts/plan-diff/tf-json";

const root = path.resolve(__dirname, "..");
const stacksOf = (doc: Record<string, unknown> = {}): StackSet =>
  Object.fromEntries(Object.entries(synthesize(environment(doc)).json).map(([k, v]) => [k, JSON.parse(v) as TfJson]));

/**
 * The command's own synthesis, once per environment file content (synth is deterministic): the
 * tests below run the command five times on copies of environments/dev.json.
 */
const byContent = new Map<string, SynthesizedEnvironment>();
const synthesizeOnce: Synthesizer = (selection) => {
  const content = fs.readFileSync(selection.file, "utf8");
  let s = byContent.get(content);
  if (!s) byContent.set(content, (s = synthesizeEnvironment(selection)));
  return s;
};

function names(t: Topology, keys: readonly string[]): string[] {
  return keys.map((k) => t.containers.find((c) => c.key === k)?.name ?? k).sort();
}

/** Node ids declared in a Mermaid flowchart, and every id an edge uses. */
function mermaidIds(text: string): { declared: Set<string>; used: Set<string> } {
  const declared = new Set<string>();
  const used = new Set<string>();
  for (const line of text.split("\n").slice(1)) {
    const t = line.trim();
    const sub = /^subgraph ([A-Za-z0-9_]+)\[/.exec(t);
    if (sub) declared.add(sub[1]!);
    const edge = /^([A-Za-z0-9_]+) (-\.-|-->|==>|<-->|-\.->)(\|[^|]*\|)? ([A-Za-z0-9_]+)$/.exec(t);
    if (edge) {
      used.add(edge[1]!);
      used.add(edge[4]!);
      continue;
    }
    const node = /^([A-Za-z0-9_]+)(\[|\(|\{\{)/.exec(t);
    if (node && !sub) declared.add(node[1]!);
  }
  return { declared, used };
}

describe("topology of the default environment", () => {
  const t = extractTopology(stacksOf());

  test("networks: internal or not, with their members", () => {
    const byRole = Object.fromEntries(t.networks.map((n) => [n.role, n]));
    expect(Object.fromEntries(Object.entries(byRole).map(([r, n]) => [r, n.internal]))).toEqual({ data: true, edge: false, raft: true, vaultClients: true, vaultPublish: false });
    expect(byRole["edge"]!.icc).toBe(false);
    const members = (role: string) => t.containers.filter((c) => c.networks.some((n) => n.network === byRole[role]!.key)).map((c) => c.name).sort();
    expect(members("raft")).toEqual(["uyoop-dev-vault-1", "uyoop-dev-vault-2", "uyoop-dev-vault-3"]);
    expect(members("edge")).toEqual(["uyoop-dev-app-0"]);
  });

  test("volumes: the stateful ones are marked and protected", () => {
    const stateful = t.volumes.filter((v) => v.stateful).map((v) => `${v.name}:${v.stateful}:${v.protected}`);
    expect(stateful).toEqual(
      expect.arrayContaining([
        "uyoop-dev-postgres-data:postgres:true",
        "uyoop-dev-vault-1-data:raft:true",
        "uyoop-dev-vault-2-audit:audit:true",
      ]),
    );
    expect(storageDiagram(t)).toContain('v_platform_postgres_data[("uyoop-dev-postgres-data<br/>stateful: postgres · prevent_destroy")]');
  });

  test("published ports: interface and port per container", () => {
    const ports = t.containers.flatMap((c) => c.ports.map((p) => `${c.name} ${p.ip}:${p.external}->${p.internal}`)).sort();
    expect(ports).toEqual(["uyoop-dev-app-0 127.0.0.1:8000->8000", "uyoop-dev-vault-1 127.0.0.1:8200->8200", "uyoop-dev-vault-2 127.0.0.1:8210->8200", "uyoop-dev-vault-3 127.0.0.1:8220->8200"]);
  });

  test("trust: who gets the CA and which certificate, through the seeded volumes", () => {
    const of = (holder: string) =>
      t.holdings
        .filter((h) => h.holderLabel === holder)
        .map((h) => `${h.material} ${h.path}`)
        .sort();
    expect(of("uyoop-dev-app-0")).toEqual(["ca /run/uyoop/vault/ca.pem", "cert /run/uyoop/vault/client.pem", "key /run/uyoop/vault/client-key.pem"]);
    expect(of("uyoop-dev-vault-2")).toEqual(["ca /vault/config/tls/ca.pem", "cert /vault/config/tls/node.pem", "key /vault/config/tls/node-key.pem"]);
    expect(of("uyoop-dev-postgres")).toEqual(["ca /etc/uyoop-postgres/tls/ca.pem", "cert /etc/uyoop-postgres/tls/server.pem", "key /etc/uyoop-postgres/tls/server-key.pem"]);
    expect(of("Terraform host (operator directory)")).toEqual(["ca ~/.uyoop-cal/uyoop-dev/ca.pem", "cert ~/.uyoop-cal/uyoop-dev/terraform-client.pem", "key ~/.uyoop-cal/uyoop-dev/terraform-client-key.pem"]);
    expect(of("Vault database engine")).toEqual(["ca database/config/uyoop-postgres (tls_ca)"]);
    const vault1 = t.certificates.find((c) => c.commonName === "uyoop-dev-vault-1")!;
    expect(vault1.uses).toEqual(expect.arrayContaining(["server_auth", "client_auth"]));
    expect(t.certificates.filter((c) => c.ca).map((c) => c.keyAlgorithm)).toEqual(["ECDSA P256"]);
  });

  test("connections: app -> Vault and PostgreSQL, Vault -> PostgreSQL, Terraform -> node 1", () => {
    const edges = t.edges.map((e) => `${names(t, e.from).join("+")} -> ${names(t, e.to).join("+")}: ${e.label}`);
    const vault = "uyoop-dev-vault-1+uyoop-dev-vault-2+uyoop-dev-vault-3";
    expect(edges).toEqual(
      expect.arrayContaining([
        `uyoop-dev-app-0 -> uyoop-dev-postgres: postgresql :5432 with Vault-issued credentials (sslmode=verify-full)`,
        `${vault} -> uyoop-dev-postgres: postgresql :5432 dynamic credentials (sslmode=verify-full)`,
      ]),
    );
    expect(edges.find((e) => e.includes(`-> ${vault}: https :8200`))).toMatch(/^(.*\+)?uyoop-dev-app-0(\+.*)? -> /);
    expect(t.terraformTarget).toMatchObject({ via: "https://localhost:8200", mtls: true });
    expect(names(t, [t.terraformTarget!.container])).toEqual(["uyoop-dev-vault-1"]);
  });

  test("every Mermaid edge names a declared node or subgraph", () => {
    for (const diagram of [servicesDiagram(t), storageDiagram(t), trustDiagram(t)]) {
      const { declared, used } = mermaidIds(diagram);
      expect(used.size).toBeGreaterThan(5);
      expect([...used].filter((u) => !declared.has(u))).toEqual([]);
    }
  });
});

describe("the diagram follows the configuration", () => {
  test("five Vault nodes, two app replicas on another interface", () => {
    const doc = renderTopologyMarkdown(
      stacksOf({ host: { bindAddress: "127.0.0.2" }, vault: { nodeCount: 5, hostPorts: [8200, 8210, 8220, 8230, 8240] }, app: { replicas: 2 } }),
      { environment: "uyoop-dev", profile: "dev", source: "test.json" },
    );
    expect(doc).toContain('subgraph g_platform_vault["vault × 5"]');
    expect(doc).toContain('subgraph g_workloads_app["app × 2"]');
    expect(doc).toContain('p_127_0_0_2_8240[/"127.0.0.2:8240"/]');
    expect(doc).toContain("c_workloads_app_replica_0 ==>|");
  });
});

describe("docs/TOPOLOGY.md", () => {
  test("is current: regenerate with `npm run diagram` and commit", () => {
    const { markdown } = topologyDocument(root, undefined, synthesizeOnce);
    const committed = fs.readFileSync(path.join(root, TOPOLOGY_FILE), "utf8");
    if (committed !== markdown) throw new Error(`${TOPOLOGY_FILE} is stale: run \`npm run diagram\` and commit it`);
  });

  test("npm run diagram writes it, --check reports a stale copy with exit code 1", () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "uyoop-diagram-test-"));
    try {
      fs.mkdirSync(path.join(tmp, "environments"));
      fs.mkdirSync(path.join(tmp, "docs"));
      fs.copyFileSync(path.join(root, "environments", "dev.json"), path.join(tmp, "environments", "dev.json"));
      fs.writeFileSync(path.join(tmp, TOPOLOGY_FILE), "stale\n");
      let err = "";
      let out = "";
      const io = { stdout: (s: string) => (out += s), stderr: (s: string) => (err += s) };
      expect(main(["--check"], io, tmp, {}, synthesizeOnce)).toBe(1);
      expect(err).toContain("docs/TOPOLOGY.md is stale: run `npm run diagram` and commit it");
      expect(main([], io, tmp, {}, synthesizeOnce)).toBe(0);
      // It writes the file and says where, in one line; the document itself is not printed.
      expect(out).toBe("wrote docs/TOPOLOGY.md\n");
      expect(fs.readFileSync(path.join(tmp, TOPOLOGY_FILE), "utf8")).toMatch(/^# Topology of `uyoop-dev` \(profile dev\)/);
      out = "";
      expect(main(["--stdout"], io, tmp, {}, synthesizeOnce)).toBe(0);
      expect(out).toBe(fs.readFileSync(path.join(tmp, TOPOLOGY_FILE), "utf8"));
      // Another environment file never overwrites the committed document.
      fs.copyFileSync(path.join(root, "environments", "dev.json"), path.join(tmp, "environments", "other.json"));
      out = "";
      expect(main(["--env-file", path.join(tmp, "environments", "other.json")], io, tmp, {}, synthesizeOnce)).toBe(0);
      expect(out).toBe("wrote cdktf.out/topology/other.md\n");
      expect(fs.existsSync(path.join(tmp, "cdktf.out", "topology", "other.md"))).toBe(true);
      expect(main(["--bogus"], io, tmp, {}, synthesizeOnce)).toBe(2);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
