import { Testing } from "cdktf";
import { parse } from "@cdktf/hcl2json";
import { EnvironmentPki } from "../constructs/pki/environment-pki";
import { VaultCluster, type VaultClusterProps } from "../constructs/vault/vault-cluster";
import { livenessCommand, VAULT_SERVER_FLAVOURS } from "../constructs/vault/vault-server-flavour";

const VAULT_LIVENESS_COMMAND = livenessCommand(VAULT_SERVER_FLAVOURS.vault);
import { LeafCertificate } from "../constructs/pki/leaf-certificate";
import { DataProtection } from "../constructs/data-protection";
import { UserInputError } from "../kernel/errors";
import { environment } from "./helpers";
import { allVaultNodeNames } from "../constructs/vault/vault-names";

type Resource = Record<string, unknown>;
type Json = { resource: Record<string, Record<string, Resource>> };

function build(change: Partial<VaultClusterProps> = {}, certs?: (pki: EnvironmentPki) => LeafCertificate[]) {
  const c = environment();
  let cluster: VaultCluster | undefined;
  const json = Testing.synthScope((scope) => {
    const pki = new EnvironmentPki(scope, "pki", {
      environment: c.name,
      tls: c.tls,
      vaultNodes: allVaultNodeNames(c.name, 3).map((n) => ({ id: n.nodeId, commonName: n.container, dnsNames: n.dnsNames })),
      bindAddress: "127.0.0.1",
      postgresDnsNames: ["postgres"],
    });
    cluster = new VaultCluster(scope, "vault", {
      environment: c.name,
      nodeImages: ["hashicorp/vault:1.21.7", "hashicorp/vault:1.21.7", "hashicorp/vault:1.21.8"],
      hostPorts: [8200, 8210, 8220],
      bindAddress: "127.0.0.1",
      networks: { raft: { name: "raft-net" }, clients: { name: "clients-net" }, publish: { name: "publish-net" } },
      ca: pki.ca,
      nodeCertificates: certs ? certs(pki) : pki.vaultNodes,
      tlsMinVersion: "tls12",
      mtls: true,
      memoryMb: 512,
      logLevel: "info",
      protection: DataProtection.PROTECTED,
      ...change,
    });
  });
  return { json: JSON.parse(json) as Json, text: json, cluster: cluster! };
}

function fails(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof UserInputError) return e.problems.map((p) => `${p.field}: ${p.message}`).join();
    throw e;
  }
  return "";
}

describe("VaultCluster nodes", () => {
  const { json, cluster } = build();
  const containers = json.resource["docker_container"]!;
  const servers = Object.values(containers).filter((c) => /^uyoop-dev-vault-\d$/.test(c["name"] as string));

  test("three hardened servers running as the image's vault uid:gid with the entrypoint bypassed", () => {
    expect(servers.map((s) => s["name"])).toEqual(["uyoop-dev-vault-1", "uyoop-dev-vault-2", "uyoop-dev-vault-3"]);
    for (const s of servers) {
      expect(s).toMatchObject({
        user: "100:1000",
        read_only: true,
        capabilities: { drop: ["ALL"] },
        security_opts: ["no-new-privileges:true"],
        memory: 512,
        memory_swap: 512,
        ulimit: [{ name: "core", soft: 0, hard: 0 }],
        entrypoint: ["vault"],
        command: ["server", "-config=/vault/config/vault.hcl"],
        stop_timeout: 30,
        destroy_grace_seconds: 30,
        log_driver: "json-file",
      });
      expect(s["tmpfs"]).toEqual({ "/tmp": "rw,noexec,nosuid,nodev,size=64m,uid=100,gid=1000,mode=0700" });
    }
  });

  test("only the API port is published, on the configured interface, at each node's own host port; never 8201", () => {
    expect(servers.map((s) => s["ports"])).toEqual([
      [{ internal: 8200, external: 8200, ip: "127.0.0.1", protocol: "tcp" }],
      [{ internal: 8200, external: 8210, ip: "127.0.0.1", protocol: "tcp" }],
      [{ internal: 8200, external: 8220, ip: "127.0.0.1", protocol: "tcp" }],
    ]);
    expect(JSON.stringify(servers)).not.toMatch(/"(internal|external)":8201/);
  });

  test("each node is on the Raft, clients and publish-only networks with network-scoped aliases", () => {
    expect(servers[1]!["networks_advanced"]).toEqual([
      { name: "raft-net", aliases: ["vault-2-raft"] },
      { name: "clients-net", aliases: ["vault-2", "vault"] },
      { name: "publish-net" },
    ]);
  });

  test("a liveness check that passes while sealed or uninitialized, with canonical durations", () => {
    expect(servers[0]!["healthcheck"]).toEqual({
      test: ["CMD-SHELL", VAULT_LIVENESS_COMMAND],
      interval: "10s",
      timeout: "5s",
      start_period: "30s",
      retries: 3,
    });
    expect(VAULT_LIVENESS_COMMAND).toContain('[ "$rc" -eq 0 ] || [ "$rc" -eq 2 ]');
    expect(servers[0]!["env"]).toEqual(
      expect.arrayContaining(["VAULT_ADDR=https://127.0.0.1:8200", "VAULT_CACERT=/vault/config/tls/ca.pem", "VAULT_CLIENT_CERT=/vault/config/tls/node.pem"]),
    );
  });

  test("config read-only, Raft data and audit volumes writable and protected from destruction", () => {
    expect(servers[0]!["volumes"]).toEqual([
      expect.objectContaining({ container_path: "/vault/config", read_only: true }),
      expect.objectContaining({ container_path: "/vault/file", read_only: false }),
      expect.objectContaining({ container_path: "/vault/logs", read_only: false }),
    ]);
    const volumes = Object.values(json.resource["docker_volume"]!);
    const stateful = volumes.filter((v) => /-(data|audit)$/.test(v["name"] as string));
    expect(stateful).toHaveLength(6);
    for (const v of stateful) expect(v["lifecycle"]).toEqual({ prevent_destroy: true });
  });

  test("one docker_image per distinct reference (per-node override), kept on destroy", () => {
    expect(Object.values(json.resource["docker_image"]!).map((i) => [i["name"], i["keep_locally"]])).toEqual([
      ["hashicorp/vault:1.21.7", true],
      ["hashicorp/vault:1.21.8", true],
    ]);
  });

  test("config, certificate and key are delivered by a seeder into the config volume, key 0400, owned by vault", () => {
    const seeders = Object.values(containers).filter((c) => (c["name"] as string).endsWith("-config-seeder"));
    expect(seeders).toHaveLength(3);
    const s = seeders[0]!;
    expect(s["upload"]).toEqual([
      expect.objectContaining({ file: "/seed/vault.hcl", permissions: "0440" }),
      expect.objectContaining({ file: "/seed/tls/ca.pem", permissions: "0444" }),
      expect.objectContaining({ file: "/seed/tls/node.pem", permissions: "0444" }),
      expect.objectContaining({ file: "/seed/tls/node-key.pem", permissions: "0400" }),
    ]);
    expect(s).toMatchObject({ command: ["chown -R 100:1000 /seed && echo seeded"], capabilities: { drop: ["ALL"], add: ["CAP_CHOWN"] }, network_mode: "none" });
    expect(cluster.nodes[0]!.config.seeder.weakenings.map((w) => w.property).sort()).toEqual(["addCapabilities", "runAsRoot", "writableRootfs"]);
    expect(cluster.nodes[0]!.container.weakenings).toEqual([]);
  });

  test("the rendered configuration joins the other two nodes over the Raft network", async () => {
    const hcl = (await parse("v.hcl", cluster.nodes[0]!.configHcl)) as { storage: { raft: { retry_join: { leader_api_addr: string }[] }[] } };
    expect(hcl.storage.raft[0]!.retry_join.map((j) => j.leader_api_addr)).toEqual(["https://vault-2-raft:8200", "https://vault-3-raft:8200"]);
  });
});

describe("VaultCluster rejects bad input", () => {
  test("an even node count", () => {
    expect(fails(() => build({ nodeImages: Array(4).fill("hashicorp/vault:1.21.7"), hostPorts: [1, 2, 3, 4] }))).toMatch(/^nodeImages: 4 nodes: Raft needs an odd number/);
  });
  test("two nodes on one host port", () => {
    expect(fails(() => build({ hostPorts: [8200, 8200, 8220] }))).toMatch(/^hostPorts: \[8200,8200,8220\] repeats a port/);
  });
  test("a node certificate whose SANs miss a name peers use", () => {
    const message = fails(() =>
      build({}, (pki) =>
        pki.vaultNodes.map(
          (cert, i) =>
            i !== 1
              ? cert
              : new LeafCertificate(pki, "bad", {
                  ca: pki.ca,
                  commonName: "bad",
                  organization: "o",
                  usage: "server-and-client",
                  dnsNames: ["uyoop-dev-vault-2", "vault-2", "vault", "localhost"],
                  ipAddresses: ["127.0.0.1"],
                  key: { algorithm: "ECDSA", ecdsaCurve: "P256" },
                  validityHours: 100,
                  earlyRenewalHours: 10,
                }),
        ),
      ),
    );
    expect(message).toMatch(/^dnsNames: .* lacks \["vault-2-raft"\], which peers and clients use to reach uyoop-dev-vault-2; add them/);
  });
});
