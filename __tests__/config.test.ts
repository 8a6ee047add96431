import * as fs from "fs";
import * as path from "path";
import { FIXTURE_DIGEST, environment, problemsOf, prodDocument } from "./helpers";
import { deepMerge, loadEnvironment } from "../config/load";
import { environmentJsonSchema, ENV_SCHEMA_FILE } from "../config/json-schema";
import { parseImageRef } from "../kernel/image-ref";
import { devDefaults } from "../config/defaults";

describe("environment defaults", () => {
  test("an empty document is the complete dev environment", () => {
    expect(environment({})).toEqual(devDefaults());
  });

  test("dev defaults: 3 Vault nodes, mTLS on, TLS 1.2 minimum, ECDSA P-256, protected data", () => {
    const c = environment();
    expect(c.vault.nodeCount).toBe(3);
    expect(c.vault.hostPorts).toEqual([8200, 8210, 8220]);
    expect(c.vault.mtls).toBe(true);
    expect(c.vault.tlsMinVersion).toBe("tls12");
    expect(c.tls).toMatchObject({ algorithm: "ECDSA", ecdsaCurve: "P256" });
    expect(c.host.bindAddress).toBe("127.0.0.1");
    expect(c.allowDataLoss).toBeUndefined();
  });

  test("prod tightens: TLS 1.3, more memory, longer-lived CA", () => {
    const c = environment(prodDocument());
    expect(c.profile).toBe("prod");
    expect(c.name).toBe("uyoop-prod");
    expect(c.vault.tlsMinVersion).toBe("tls13");
    expect(c.vault.memoryMb).toBe(1024);
    expect(c.tls.caValidityHours).toBeGreaterThan(devDefaults().tls.caValidityHours);
  });

  test("the operator directory follows the environment name unless set", () => {
    expect(environment({ name: "uyoop-staging" }).host.operatorDir).toBe("~/.uyoop-cal/uyoop-staging");
    expect(environment({ name: "uyoop-staging", host: { operatorDir: "/srv/uyoop" } }).host.operatorDir).toBe("/srv/uyoop");
  });

  test("a partial nested override keeps the sibling defaults", () => {
    const c = environment({ vault: { audit: { stdout: false } } });
    expect(c.vault.audit).toEqual({ file: true, stdout: false, fileMode: "0600" });
    expect(c.vault.nodeCount).toBe(3);
  });

  test("a $schema key (editor support) is ignored", () => {
    expect(problemsOf({ $schema: "./environment.schema.json" })).toEqual([]);
  });
});

describe("deepMerge", () => {
  test("objects merge, arrays and scalars replace", () => {
    expect(deepMerge({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] }, d: 2 })).toEqual({ a: { b: 1, c: [3] }, d: 2 });
  });
  test("undefined does not erase a default", () => {
    expect(deepMerge({ a: 1 }, undefined)).toEqual({ a: 1 });
  });
});

/**
 * Every rejected case: the input, the field its message must name, and a fragment of the fix.
 * Each message must be a single line.
 */
const rejected: [string, Record<string, unknown>, string, RegExp][] = [
  ["even node count", { vault: { nodeCount: 4, hostPorts: [8200, 8210, 8220, 8230] } }, "vault.nodeCount", /use 3, 5 or 7/],
  ["node count below 3", { vault: { nodeCount: 1, hostPorts: [8200] } }, "vault.nodeCount", /use 3, 5 or 7/],
  ["node count above 7", { vault: { nodeCount: 9, hostPorts: [1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => 9000 + i) } }, "vault.nodeCount", /from 3 to 7/],
  ["fewer host ports than nodes", { vault: { hostPorts: [8200, 8210] } }, "vault.hostPorts", /exactly one distinct host port per node/],
  ["overlapping subnets", { networks: { data: { subnet: "172.30.0.128/25" } } }, "networks.data.subnet", /overlaps networks.edge.subnet/],
  ["a subnet containing another", { networks: { raft: { subnet: "172.30.0.0/16" } } }, "networks.raft.subnet", /overlaps/],
  ["a subnet with host bits", { networks: { edge: { subnet: "172.30.0.1/24" } } }, "networks.edge.subnet", /host bits zero/],
  ["a subnet that is not CIDR", { networks: { edge: { subnet: "172.30.0.0" } } }, "networks.edge.subnet", /CIDR/],
  ["two Vault nodes on one host port", { vault: { hostPorts: [8200, 8200, 8220] } }, "vault.hostPorts[1]", /already used by vault node 1/],
  ["the app on a Vault node's port", { app: { hostPort: 8210 } }, "app.hostPort", /already used by vault node 2/],
  ["an app replica on a Vault node's port", { app: { hostPort: 8208, replicas: 3 } }, "app.hostPort (+2 for replica 2)", /already used by vault node 2/],
  ["a privileged host port", { app: { hostPort: 80 } }, "app.hostPort", /outside 1024-65535/],
  ["a host port above 65535", { vault: { hostPorts: [8200, 8210, 70000] } }, "vault.hostPorts[2]", /outside 1024-65535/],
  ["an image without a tag", { app: { image: "uyoop-cal" } }, "app.image", /has no tag/],
  ["the latest tag", { postgres: { image: "postgres:latest" } }, "postgres.image", /moving "latest" tag/],
  ["an invalid image reference", { app: { image: "Uyoop Cal:1" } }, "app.image", /not a valid image reference/],
  ["a Vault release that cannot start hardened", { vault: { image: "hashicorp/vault:1.21.6" } }, "vault.image", /is Vault 1\.21\.6, which is below 1\.21\.7, .*use 1\.19\.18\+, 1\.20\.12\+, 1\.21\.7\+ or 2\.0\.2\+/],
  ["a broken release as a per-node override", { vault: { nodeImages: { "2": "hashicorp/vault:2.0.1" } } }, "vault.nodeImages.2", /is below 2\.0\.2/],
  ["a per-node override for a node that does not exist", { vault: { nodeImages: { "4": "hashicorp/vault:1.21.8" } } }, "vault.nodeImages.4", /use "1" to "3"/],
  ["leaf renewal window equal to validity", { tls: { leafValidityHours: 720, leafEarlyRenewalHours: 720 } }, "tls.leafEarlyRenewalHours", /replaced on every apply/],
  ["CA renewal window above validity", { tls: { caValidityHours: 8760, caEarlyRenewalHours: 9000 } }, "tls.caEarlyRenewalHours", /replaced on every apply/],
  ["leaves outliving the CA's renewal point", { tls: { leafValidityHours: 9000, caValidityHours: 17520, caEarlyRenewalHours: 8760 } }, "tls.leafValidityHours", /outlives the CA/],
  ["allowDataLoss without a reason", { allowDataLoss: {} }, "allowDataLoss.reason", /expected string/],
  ["allowDataLoss with a short reason", { allowDataLoss: { reason: "teardown" } }, "allowDataLoss.reason", /at least 10 characters/],
  ["a misspelt field", { vault: { nodecount: 3 } }, "vault.nodecount", /unknown field \(did you mean "nodeCount"\?\); check the spelling/],
  ["a field in the wrong object", { app: { nodeCount: 3 } }, "app.nodeCount", /^app\.nodeCount: unknown field; check the spelling/],
  ["a wrong type", { vault: { nodeCount: "3" } }, "vault.nodeCount", /expected number \(got "3"\)/],
  ["an unknown enum value", { vault: { tlsMinVersion: "tls11" } }, "vault.tlsMinVersion", /must be one of "tls12", "tls13"/],
  ["an unknown profile", { profile: "staging" }, "profile", /use "dev" or "prod"/],
  ["binding every interface", { host: { bindAddress: "0.0.0.0" } }, "host.bindAddress", /every interface/],
  ["a bind address that is not IPv4", { host: { bindAddress: "localhost" } }, "host.bindAddress", /not an IPv4 address/],
  ["a relative operator directory", { host: { operatorDir: "secrets" } }, "host.operatorDir", /must start with "~\/" or "\/"/],
  ["an unseal threshold above the shares", { vault: { unseal: { keyShares: 3, keyThreshold: 4 } } }, "vault.unseal.keyThreshold", /between 1 and/],
  ["a single-holder unseal threshold", { vault: { unseal: { keyShares: 5, keyThreshold: 1 } } }, "vault.unseal.keyThreshold", /at least 2/],
  ["an executable audit mode", { vault: { audit: { fileMode: "0700" } } }, "vault.audit.fileMode", /"0700" is not allowed; use "0600" \(owner only\) or "0640"/],
  ["no audit device", { vault: { audit: { file: false, stdout: false } } }, "vault.audit", /both devices are off/],
  ["unlimited SecretID uses", { vault: { appRole: { secretIdNumUses: 0 } } }, "vault.appRole.secretIdNumUses", /bound the uses/],
  ["a token TTL above its max", { vault: { appRole: { tokenTtlSeconds: 20000 } } }, "vault.appRole.tokenTtlSeconds", /at most vault.appRole.tokenMaxTtlSeconds/],
  ["a database name that is not an identifier", { postgres: { database: "devops-calendar" } }, "postgres.database", /SQL identifier/],
  ["an environment name with capitals", { name: "Uyoop" }, "name", /lowercase/],
  ["a privileged app port", { app: { port: 80 } }, "app.port", /NET_BIND_SERVICE/],
  ["the app as root", { app: { user: "0:0" } }, "app.user", /numeric non-root/],
];

describe("invalid environments are rejected with one line naming the field", () => {
  test.each(rejected)("%s", (_title, document, field, fix) => {
    const problems = problemsOf(document);
    const match = problems.find((p) => p.startsWith(`${field}: `));
    expect(match).toBeDefined();
    expect(match).toMatch(fix);
    for (const p of problems) expect(p).not.toContain("\n");
  });

  test("the prod profile rejects images without a digest, naming each", () => {
    const problems = problemsOf({ profile: "prod" });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^vault\.image: "hashicorp\/vault:1\.21\.7" has no digest, which the prod profile requires; append "@sha256:<digest>"/),
        expect.stringMatching(/^postgres\.image: .* has no digest/),
        expect.stringMatching(/^app\.image: .* has no digest/),
      ]),
    );
  });

  test("the prod profile rejects 2048-bit RSA", () => {
    expect(problemsOf(prodDocument({ tls: { algorithm: "RSA", rsaBits: 2048 } }))).toEqual([
      "tls.rsaBits: 2048 is below the prod minimum; use 3072 or 4096",
    ]);
  });

  test("every problem is reported at once, not only the first", () => {
    const problems = problemsOf({ vault: { nodeCount: 4 }, app: { image: "x" }, allowDataLoss: { reason: "" } });
    expect(problems.map((p) => p.split(":")[0])).toEqual(["vault.nodeCount", "allowDataLoss.reason", "app.image"]);
  });

  test("unknown fields and type errors are reported together with every rule's problems", () => {
    const problems = problemsOf({ app: { typo: 1, replicas: 0, port: 80, memoryMb: "a lot" }, vault: { nodeCount: 4 }, tls: { organization: 5 } });
    expect(problems.map((p) => p.split(":")[0]).sort()).toEqual(
      ["app.memoryMb", "app.port", "app.replicas", "app.typo", "tls.organization", "vault.nodeCount"].sort(),
    );
  });

  test("a derived check is skipped when a field it reads has a problem (one problem, on the field that has it)", () => {
    // The node count is wrong: the ports-per-node check would only repeat it.
    expect(problemsOf({ vault: { nodeCount: 4 } })).toEqual([expect.stringMatching(/^vault\.nodeCount: 4 is not allowed/)]);
    // A TLS window is not compared with a validity that is not a number.
    expect(problemsOf({ tls: { caValidityHours: "long" } })).toEqual(["tls.caValidityHours: expected number (got \"long\")"]);
  });

  test("valid variations are accepted", () => {
    expect(problemsOf({ vault: { nodeCount: 5, hostPorts: [8200, 8210, 8220, 8230, 8240] } })).toEqual([]);
    expect(problemsOf({ vault: { nodeImages: { "3": "hashicorp/vault:1.21.8" } } })).toEqual([]);
    expect(problemsOf({ tls: { algorithm: "RSA", rsaBits: 4096 } })).toEqual([]);
    expect(problemsOf({ allowDataLoss: { reason: "tear down the demo environment" } })).toEqual([]);
    expect(problemsOf(prodDocument())).toEqual([]);
  });
});

describe("no field carries a Terraform template sequence", () => {
  /** Every string field of the schema, as a path and a document setting it (arrays of strings get one element). */
  function stringFields(): { field: string; set: (value: string) => Record<string, unknown> }[] {
    const out: { field: string; set: (value: string) => Record<string, unknown> }[] = [];
    const nest = (parts: readonly string[], leaf: unknown): Record<string, unknown> =>
      parts.reduceRight<unknown>((inner, key) => ({ [key]: inner }), leaf) as Record<string, unknown>;
    const visit = (v: unknown, parts: string[]): void => {
      if (typeof v === "string") out.push({ field: parts.join("."), set: (value) => nest(parts, value) });
      else if (Array.isArray(v)) {
        if (v.length === 0 || typeof v[0] === "string") out.push({ field: `${parts.join(".")}[0]`, set: (value) => nest(parts, [value]) });
      } else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) visit(x, [...parts, k]);
    };
    visit(devDefaults(), []);
    // Optional texts have no default to walk.
    out.push({ field: "allowDataLoss.reason", set: (value) => nest(["allowDataLoss", "reason"], value) });
    out.push({ field: "vault.mtlsOffReason", set: (value) => nest(["vault", "mtlsOffReason"], value) });
    return out;
  }

  test("the walk covers the schema's string fields", () => {
    const fields = stringFields().map((f) => f.field);
    expect(fields).toEqual(expect.arrayContaining(["name", "tls.organization", "host.operatorDir", "vault.image", "vault.unseal.pgpKeys[0]", "app.healthPath", "allowDataLoss.reason"]));
    expect(fields.length).toBeGreaterThanOrEqual(20);
  });

  test.each(['${file("/etc/passwd")}', "%{endif}"])("%s is refused in every string field, the field named", (hostile) => {
    for (const { field, set } of stringFields()) {
      const problems = problemsOf(set(`a${hostile}b`));
      expect({ field, named: problems.some((p) => p.startsWith(`${field}:`)) }).toEqual({ field, named: true });
    }
  });

  test("the message says what Terraform would do and how to fix it", () => {
    expect(problemsOf({ tls: { organization: '${file("/etc/passwd")}' } })).toContain(
      'tls.organization: contains "${", which Terraform would evaluate as an expression; remove it (no field takes a template)',
    );
  });
});

describe("image references", () => {
  test.each([
    ["hashicorp/vault:1.21.7", { repository: "hashicorp/vault", tag: "1.21.7" }],
    ["localhost:5000/uyoop/app:1.0", { repository: "localhost:5000/uyoop/app", tag: "1.0" }],
    [`postgres:15@${FIXTURE_DIGEST}`, { repository: "postgres", tag: "15", digest: FIXTURE_DIGEST }],
    ["registry.example.internal/a/b", { repository: "registry.example.internal/a/b" }],
  ])("%s parses", (text, expected) => {
    expect(parseImageRef(text)).toEqual(expected);
  });

  test.each(["", "UPPER/case:1", "a:b:c", "app@sha256:short", "a//b:1"])("%p is rejected", (text) => {
    expect(parseImageRef(text)).toBeUndefined();
  });
});

describe("committed environment files", () => {
  const root = path.resolve(__dirname, "..");

  test("environments/dev.json is valid and is the dev defaults", () => {
    expect(loadEnvironment(root, {})).toEqual(devDefaults());
  });

  test.each(fs.readdirSync(path.join(root, "environments")).filter((f) => f.endsWith(".json") && f !== "environment.schema.json"))(
    "environments/%s is a valid environment",
    (file) => {
      expect(() => loadEnvironment(root, { UYOOP_ENV_FILE: path.join(root, "environments", file) })).not.toThrow();
    },
  );

  test("environments/environment.schema.json is up to date (run `npm run schema`)", () => {
    expect(fs.readFileSync(path.join(root, ENV_SCHEMA_FILE), "utf8")).toBe(environmentJsonSchema());
  });
});
