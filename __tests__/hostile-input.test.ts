/**
 * Hostile and careless environment files, in process: what an attacker who controls one
 * environment file would try, and what a tired engineer would write at 2 a.m. Each class has one
 * rule (config/) and its own cases here; __tests__/cli.test.ts runs the worst of them through the
 * real `node dist/main.js`.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { FIXTURE_DIGEST, environment, problemsOf, prodDocument, synthesize } from "./helpers";
import { deepMerge, loadSelectedEnvironment, resolveEnvironment } from "../config/load";
import { UserInputError, formatProblem, inputErrorLines, show, fieldOf, safeText } from "../kernel/errors";
import { parseJsonText, JsonTextError, MAX_DEPTH, MAX_ITEMS } from "../config/json-text";
import { readEnvironmentFileText, MAX_ENV_FILE_BYTES } from "../config/env-file";
import { selectEnvironmentFiles, takeEnvFileFlags } from "../config/env-selector";
import { devDefaults } from "../config/defaults";

// Real OpenPGP keys come from gpg, a tool from the OS: those cases are in pgp-keys.lint.ts
// (`npm run lint`), so that `npm test` needs Node.js and npm only.
let work: string;

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), "uyoop-hostile-"));
});

afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

/** Writes a file and loads it as UYOOP_ENV_FILE would; returns the problems (empty when valid). */
function loadText(text: string | Buffer, name = "case.json"): string[] {
  const file = path.join(work, name);
  fs.writeFileSync(file, text);
  try {
    loadSelectedEnvironment({ file, source: name, origin: "UYOOP_ENV_FILE" });
    return [];
  } catch (e) {
    if (e instanceof UserInputError) return e.problems.map(formatProblem);
    throw e;
  }
}

const prodImages = { vault: { image: `hashicorp/vault:1.21.7@${FIXTURE_DIGEST}` } };

// ---- bounded work ------------------------------------------------------------------------------

describe("bounded work: every file is read and checked in bounded time and memory", () => {
  test.each([
    ["5,000 nested lists", `{"a":${"[".repeat(5000)}${"]".repeat(5000)}}`, /^a\[0\]\[0\]\[0\]\[0\]\[0\]\[0\]\[0\]: nests deeper than 8 levels/],
    ["100,000 unclosed lists", "[".repeat(100_000), /nests deeper than 8 levels/],
    ["a list of 300,000 ports", `{"vault":{"hostPorts":[${Array(300_000).fill("1").join(",")}]}}`, /^vault\.hostPorts: is a list of more than 64 values; no list of an environment is that long \(line 1, column 152\)/],
    ["an object of 10,000 keys", `{"app":{${Array.from({ length: 10_000 }, (_, i) => `"k${i}":1`).join(",")}}}`, /^app: has more than 64 fields; no object of an environment has that many/],
    ["a 200,000-character string", `{"name":"${"a".repeat(200_000)}"}`, /^name: a text longer than 65536 characters/],
    ["a number beyond doubles", '{"app":{"replicas":1e400}}', /^app\.replicas: 1e400 is too large a number/],
    ["a 100-digit number", `{"app":{"replicas":${"9".repeat(100)}}}`, /^app\.replicas: a number written with more than 64 characters/],
    ["a key given twice", '{"app":{"replicas":2},"app":{"port":9000}}', /^app: is given twice in the same object; keep one \(JSON keeps only the last, silently\) \(line 1, column 23\)/],
  ])("%s: one problem naming the field", (_title, text, expected) => {
    expect(loadText(text)).toEqual([expect.stringMatching(expected)]);
  });

  test("the limits leave room for every legitimate file: twice the deepest nesting, the most entries of the defaults and every environment file", () => {
    const documents: unknown[] = [devDefaults(), ...fs.readdirSync(path.join(__dirname, "..", "environments")).filter((f) => f.endsWith(".json") && f !== "environment.schema.json").map((f) => JSON.parse(fs.readFileSync(path.join(__dirname, "..", "environments", f), "utf8")))];
    let depth = 0;
    let items = 0;
    const walk = (v: unknown, level: number): void => {
      if (v === null || typeof v !== "object") return;
      depth = Math.max(depth, level + 1);
      const entries = Object.values(v);
      items = Math.max(items, entries.length);
      for (const e of entries) walk(e, level + 1);
    };
    for (const d of documents) walk(d, 0);
    expect(depth).toBeGreaterThanOrEqual(3);
    expect(MAX_DEPTH).toBeGreaterThanOrEqual(2 * depth);
    expect(MAX_ITEMS).toBeGreaterThanOrEqual(2 * items);
    // Five real PGP keys fit too: pgp-keys.lint.ts.
  });

  test("syntax errors say where (line and column) and never echo raw control characters", () => {
    expect(loadText('{\n  "app": {\n    "replicas": 2,\n  }\n}')).toEqual([
      '(file): is not valid JSON: line 4, column 3: expected a field name in double quotes, found "}"; fix the syntax',
    ]);
    expect(loadText('{"name": "a\u001bb"}')).toEqual(['(file): is not valid JSON: line 1, column 12: a raw control character U+001B in a text; write it escaped or remove it; fix the syntax']);
    expect(loadText('{"a": 01}')[0]).toMatch(/expected "," or "}" after a field's value, found "1"/);
    expect(loadText("")[0]).toMatch(/expected a value, found the end of the file/);
    expect(loadText("{} {}")[0]).toMatch(/expected the end of the file after the top-level value/);
    expect(loadText('{"a": tru}')[0]).toMatch(/expected a value, found "t"/);
  });

  test("not UTF-8, or not a regular file: refused before reading", () => {
    expect(loadText(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]))).toEqual([
      'UYOOP_ENV_FILE: cannot read "case.json": it is not UTF-8 text (save it as UTF-8); point UYOOP_ENV_FILE at an environment JSON file',
    ]);
    expect(() => readEnvironmentFileText("/dev/zero")).toThrow("is a character device, not a regular file");
    expect(() => readEnvironmentFileText(work)).toThrow("is a directory, not a regular file");
    const big = path.join(work, "big.json");
    fs.writeFileSync(big, " ".repeat(MAX_ENV_FILE_BYTES + 1));
    expect(() => readEnvironmentFileText(big)).toThrow(`is ${MAX_ENV_FILE_BYTES + 1} bytes, more than the ${MAX_ENV_FILE_BYTES} an environment file may have`);
  });

  test("a byte-order mark is read past (some editors write one)", () => {
    expect(loadText('\ufeff{"name": "uyoop-bom"}')).toEqual([]);
  });

  test("app.replicas 1e9 is refused by its bound; the check that loops over replicas does not run", () => {
    expect(problemsOf({ app: { replicas: 1_000_000_000 } })).toEqual(["app.replicas: 1000000000 is outside 1-50"]);
  });

  test("show() and the field names bound what they print, whatever the value", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(show(deep)).toBe("[[[[...]]]]");
    const wide = Array(10_000_000);
    expect(show(wide).length).toBeLessThanOrEqual(80);
    expect(show("x".repeat(1_000_000)).length).toBe(80);
    expect(show("a\u0085b\u202ec\u200bd\u2028e")).toBe('"a\\u0085b\\u202ec\\u200bd\\u2028e"');
    expect(fieldOf(["app", "a b\u202e", 3])).toBe('app["a b\\u202e"][3]');
    expect(fieldOf(["app", "k".repeat(1000)]).length).toBeLessThan(100);
    expect(safeText("\u001b[2J".repeat(100), 40)).toMatch(/^(\\u001b\[2J)+/);
  });

  test("at most 40 problems are printed, then a count of the rest", () => {
    const problems = Array.from({ length: 500 }, (_, i) => ({ field: `f${i}`, message: "bad" }));
    const lines = inputErrorLines(new UserInputError("x.json", problems));
    expect(lines).toHaveLength(41);
    expect(lines[40]).toBe("error: x.json: ... and 460 more problem(s) not shown; fix these first and run again");
    expect(new UserInputError("x.json", problems).message.split("\n")).toHaveLength(42);
  });
});

// ---- unknown fields and prototype keys ---------------------------------------------------------

describe("unknown fields: reported, never dropped or merged into a prototype", () => {
  test("__proto__ keys are unknown fields, at every level and in records", () => {
    expect(loadText('{"__proto__": {"name": "evil"}, "app": {"__proto__": {"replicas": 9}}, "vault": {"nodeImages": {"__proto__": "x:1"}}}')).toEqual([
      "__proto__: unknown field; check the spelling against docs/CONFIGURATION.md",
      "app.__proto__: unknown field; check the spelling against docs/CONFIGURATION.md",
      "vault.nodeImages.__proto__: unknown field; check the spelling against docs/CONFIGURATION.md",
    ]);
    expect(({} as Record<string, unknown>)["replicas"]).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty("name");
  });

  test("constructor, prototype and toString are unknown fields too", () => {
    expect(problemsOf({ constructor: { x: 1 }, app: { prototype: 1, toString: "x" } })).toEqual([
      "app.prototype: unknown field; check the spelling against docs/CONFIGURATION.md",
      "app.toString: unknown field; check the spelling against docs/CONFIGURATION.md",
      "constructor: unknown field; check the spelling against docs/CONFIGURATION.md",
    ]);
  });

  test("deepMerge keeps keys as own properties and copies, never aliases", () => {
    const override = JSON.parse('{"__proto__": {"polluted": true}, "a": {"b": [1]}}') as Record<string, unknown>;
    const merged = deepMerge({ a: { c: 1 } }, override) as Record<string, unknown>;
    // An Object.prototype (the one of the realm deepMerge runs in: worker-runtime.js), not the
    // object under "__proto__", whose own prototype is not null.
    const prototype = Object.getPrototypeOf(merged) as object;
    expect(Object.getPrototypeOf(prototype)).toBeNull();
    expect(Object.hasOwn(prototype, "hasOwnProperty")).toBe(true);
    expect(Object.hasOwn(merged, "__proto__")).toBe(true);
    expect((merged as { polluted?: boolean }).polluted).toBeUndefined();
    ((merged["a"] as { b: number[] }).b).push(2);
    expect(override["a"]).toEqual({ b: [1] });
  });

  test("a misspelt field suggests the right one; an unknown key with odd characters is shown escaped", () => {
    expect(problemsOf({ vault: { hostports: [8200, 8210, 8220] } })).toEqual([
      'vault.hostports: unknown field (did you mean "hostPorts"?); check the spelling against docs/CONFIGURATION.md',
    ]);
    expect(problemsOf({ app: { "rep\u202elicas": 2 } })).toEqual(['app["rep\\u202elicas"]: unknown field (did you mean "replicas"?); check the spelling against docs/CONFIGURATION.md']);
  });

  test("resolving does not change the document it is given", () => {
    const doc = { vault: { nodeCount: "three" }, app: { typo: 1 } };
    const copy = JSON.parse(JSON.stringify(doc)) as unknown;
    problemsOf(doc);
    expect(doc).toEqual(copy);
  });
});

// ---- Terraform expressions ---------------------------------------------------------------------

describe("no Terraform expression through a key either", () => {
  test("record keys and unknown keys carrying ${ or %{ are refused, the key named", () => {
    expect(problemsOf({ vault: { nodeImages: { '${file("/etc/shadow")}': "hashicorp/vault:1.21.7" } } })).toEqual([
      'vault.nodeImages["${file(\\"/etc/shadow\\")}"]: the key contains "${", which Terraform would evaluate as an expression; remove it (no field takes a template)',
    ]);
    expect(problemsOf({ app: { "%{if true}x%{endif}": 1 } })[0]).toMatch(/^app\["%\{if true\}x%\{endif\}"\]: unknown field/);
  });
});

// ---- host paths --------------------------------------------------------------------------------

describe("host.operatorDir: a directory of the project's own under an operator base", () => {
  test.each([
    "/run",
    "/run/uyoop",
    "/var/run/uyoop",
    "/var",
    "/var/lib",
    "/var/lib/docker",
    "/var/lib/docker/uyoop",
    "/root",
    "/home",
    "/home/alice",
    "/Users/bob",
    "~/",
    "~",
    "~/.ssh",
    "~/.ssh/uyoop",
    "~/.docker",
    "/tmp/uyoop",
    "/proc/uyoop",
    "/sys/uyoop",
    "/dev/uyoop",
    "/etc/uyoop",
    "/",
    "/srv",
    "/srv/../run",
    "~/.uyoop-cal/../../.ssh",
    "~/.uyoop-cal/dev/",
    "~//.uyoop-cal",
    "~/./.uyoop-cal",
    "~/uyoop cal",
    "~/uyoop\\cal",
    "~/uyoop:cal",
    '~/uyoop"cal',
    "~root/.uyoop-cal",
    "C:\\uyoop",
    ".uyoop-cal/dev",
    `~/.uyoop-cal/${"a".repeat(200)}`,
  ])("%p is refused, the field named", (dir) => {
    const problems = problemsOf({ host: { operatorDir: dir } });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^host\.operatorDir: /);
    expect(problems[0]).toMatch(/e\.g\. "~\/\.uyoop-cal\/uyoop-dev"|use "~\/\.uyoop-cal\/uyoop-dev"/);
  });

  test.each(["~/.uyoop-cal/uyoop-dev", "~/uyoop", "/srv/uyoop", "/srv/uyoop/prod", "/home/alice/.uyoop-cal/prod", "/Users/bob/.uyoop-cal/x", "/root/.uyoop-cal/x", "/opt/uyoop-cal/prod", "/var/lib/uyoop-cal/prod"])(
    "%p is accepted",
    (dir) => {
      expect(problemsOf({ host: { operatorDir: dir } })).toEqual([]);
    },
  );

  test("a control character in the path is reported once, by the rule for every text", () => {
    expect(problemsOf({ host: { operatorDir: "~/.uyoop-cal/a\nb" } })).toEqual([
      "host.operatorDir: contains the control or invisible character U+000A, which makes text read differently from what it is; remove it",
    ]);
  });

  test("an invalid name does not make a derived operator directory a second problem", () => {
    expect(problemsOf({ name: "../../run" })).toEqual([
      'name: "../../run" is not a valid environment name; use 3-32 lowercase letters, digits and dashes, starting with a letter',
    ]);
  });
});

// ---- values downstream parsers reject or misread -----------------------------------------------

describe("values Docker, Go, Vault or PostgreSQL would reject or misread", () => {
  test.each([
    ["0xac1e0000/24", /dotted-decimal CIDR form/],
    ["172.030.0.0/24", /dotted-decimal CIDR form/],
    ["10.1/16", /dotted-decimal CIDR form/],
    ["172.30.0.0/024", /dotted-decimal CIDR form/],
    ["172.30.0.0/ 24", /dotted-decimal CIDR form/],
    ["fd00::/64", /dotted-decimal CIDR form/],
    ["224.1.0.0/24", /not inside a private range/],
    ["8.8.0.0/24", /not inside a private range/],
    ["100.64.0.0/24", /not inside a private range/],
    ["127.1.0.0/24", /not inside a private range/],
    ["169.254.0.0/24", /not inside a private range/],
  ])("subnet %p is refused", (subnet, message) => {
    expect(problemsOf({ networks: { edge: { subnet } } })).toEqual([expect.stringMatching(new RegExp(`^networks\\.edge\\.subnet: ${JSON.stringify(subnet).replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} .*${message.source}`))]);
  });

  test.each(["10.20.0.0/24", "192.168.100.0/24", "172.16.0.0/16"])("subnet %p is accepted", (subnet) => {
    expect(problemsOf({ networks: { edge: { subnet } } })).toEqual([]);
  });

  test.each([
    ["224.0.0.1", /is a multicast address/],
    ["255.255.255.255", /is a broadcast address/],
    ["240.0.0.1", /is a reserved address/],
    ["169.254.169.254", /is a linkLocal address/],
    ["0.1.2.3", /is a unspecified address/],
    ["127.000.000.001", /not an IPv4 address in dotted-decimal form/],
    ["0x7f000001", /not an IPv4 address in dotted-decimal form/],
    ["::1", /not an IPv4 address/],
  ])("bind address %p is refused", (bindAddress, message) => {
    expect(problemsOf({ host: { bindAddress } })).toEqual([expect.stringMatching(message)]);
  });

  test.each(["127.0.0.1", "127.0.0.2", "10.0.0.5", "192.168.1.10", "100.64.1.1", "8.8.8.8"])("bind address %p is accepted", (bindAddress) => {
    expect(problemsOf({ host: { bindAddress } })).toEqual([]);
  });

  test.each([
    [{ host: { operatorUid: 4294967295 } }, "host.operatorUid: must be at most 4294967294 (got 4294967295)"],
    [{ host: { operatorGid: 4294967296 } }, "host.operatorGid: must be at most 4294967294 (got 4294967296)"],
    [{ host: { operatorUid: -1 } }, "host.operatorUid: must be at least 0 (got -1)"],
    [{ host: { operatorUid: 1.5 } }, "host.operatorUid: expected int (got 1.5)"],
  ])("uid/gid %j is refused", (doc, message) => {
    expect(problemsOf(doc)).toEqual([message]);
  });

  test.each([
    ["1000:0", /gid 0 is the root group/],
    ["0:1000", /uid 0 is root/],
    ["01000:1000", /without leading zeros/],
    ["4294967295:1000", /each id at most 4294967294/],
    ["99999999999:1", /must be a numeric non-root "uid:gid"/],
    ["1000", /must be a numeric non-root "uid:gid"/],
    ["appuser:1000", /must be a numeric non-root "uid:gid"/],
    [" 1000:1000", /must be a numeric non-root "uid:gid"/],
  ])("app.user %p is refused", (user, message) => {
    expect(problemsOf({ app: { user } })).toEqual([expect.stringMatching(new RegExp(`^app\\.user: .*${message.source}`))]);
  });

  test.each([
    ["50 spaces", () => " ".repeat(50), /is not base64 \(one line, no spaces\)/],
    ["an armored key", () => "-----BEGIN PGP PUBLIC KEY BLOCK-----\nabc", /is ASCII-armored/],
    ["a keybase reference", () => "keybase:someone", /keybase reference/],
    ["base64 that is no PGP key", () => Buffer.from("hello world, this is not a key at all, but it is long enough to look like one").toString("base64"), /not an OpenPGP public key/],
  ])("PGP key: %s is refused, the share named (real keys: pgp-keys.lint.ts)", (_title, key, message) => {
    expect(problemsOf({ vault: { unseal: { keyShares: 1, keyThreshold: 1, pgpKeys: [key()] } } })).toEqual([expect.stringMatching(new RegExp(`^vault\\.unseal\\.pgpKeys\\[0\\]: .*${message.source}`))]);
  });

  test.each([
    ["index.docker.io/hashicorp/vault:1.21.5", /is Vault 1\.21\.5, which is below 1\.21\.7/],
    ["registry-1.docker.io/hashicorp/vault:1.21.6", /is Vault 1\.21\.6, which is below 1\.21\.7/],
    ["Docker.IO/hashicorp/vault:1.20.10", /is Vault 1\.20\.10, which is below 1\.20\.12/],
    ["docker.io/library/vault:1.19.17", /is Vault 1\.19\.17, which is below 1\.19\.18/],
    ["vault:2.0.1", /is Vault 2\.0\.1, which is below 2\.0\.2/],
    ["hashicorp/vault:1.15.0", /is Vault 1\.15\.0, which is older than the oldest supported line \(1\.19\)/],
    ["hashicorp/vault:1.18.9-ubi", /is Vault 1\.18\.9, which is older than the oldest supported line/],
    ["hashicorp/vault:1.21", /tag "1\.21" is not an exact release; pin one/],
    ["registry.internal/mirror/hashicorp/vault:1.21.5", /is Vault 1\.21\.5, which is below 1\.21\.7/],
  ])("Vault image %p is refused", (image, message) => {
    expect(problemsOf({ vault: { image } })).toEqual([expect.stringMatching(new RegExp(`^vault\\.image: .*${message.source}`))]);
  });

  test.each(["hashicorp/vault:1.21.7", "hashicorp/vault:1.20.12", "hashicorp/vault:1.19.18-ubi", "hashicorp/vault:2.0.3", "hashicorp/vault:2.1.0", "hashicorp/vault:3.0.0", "registry.internal/acme/vault-custom:build-42"])(
    "Vault image %p is accepted",
    (image) => {
      expect(problemsOf({ vault: { image } })).toEqual([]);
    },
  );

  test("an image name past Docker's 255-character limit is refused", () => {
    expect(problemsOf({ app: { image: `registry.example.internal/${"a".repeat(250)}:1.0` } })).toEqual([expect.stringMatching(/^app\.image: .* longer than Docker's limit of 255 characters$/)]);
  });

  test("OpenBao below 2.4.0 (no declarative audit devices) is refused; 2.4.0 and mirrors of newer releases pass", () => {
    expect(problemsOf({ vault: { server: "openbao", image: "openbao/openbao:2.3.1" } })).toEqual([
      expect.stringMatching(/^vault\.image: "openbao\/openbao:2\.3\.1" is OpenBao 2\.3\.1, which is below 2\.4\.0|^vault\.image: "openbao\/openbao:2\.3\.1" is OpenBao 2\.3\.1, which is older than/),
    ]);
    expect(problemsOf({ vault: { server: "openbao", image: "quay.io/openbao/openbao:2.2.0" } })[0]).toMatch(/is OpenBao 2\.2\.0/);
    expect(problemsOf({ vault: { server: "openbao", image: "openbao/openbao:2.4.0" } })).toEqual([]);
    expect(problemsOf({ vault: { server: "openbao", image: "uyoop-e2e/openbao:2.6.2" } })).toEqual([]);
  });

  test("a blocked release as a per-node override is refused under its own field", () => {
    expect(problemsOf({ vault: { nodeImages: { "3": "index.docker.io/library/vault:1.21.5" } } })).toEqual([expect.stringMatching(/^vault\.nodeImages\.3: .* is below 1\.21\.7/)]);
  });

  test.each([
    ["postgres", /a database every PostgreSQL cluster has/],
    ["template0", /a database every PostgreSQL cluster has/],
    ["template1", /a database every PostgreSQL cluster has/],
    ["user", /is a reserved word in PostgreSQL/],
    ["select", /is a reserved word in PostgreSQL/],
    ["authorization", /is a reserved word in PostgreSQL/],
    ["sameuser", /is a keyword of pg_hba\.conf's database column/],
    ["replication", /is a keyword of pg_hba\.conf's database column/],
    ["pg_app", /starts with "pg_"/],
    ["Calendar", /not a plain lowercase SQL identifier/],
    ["a".repeat(64), /not a plain lowercase SQL identifier/],
  ])("postgres.database %p is refused under its own field", (database, message) => {
    expect(problemsOf({ postgres: { database } })).toEqual([expect.stringMatching(new RegExp(`^postgres\\.database: .*${message.source}`))]);
  });

  test.each(["devops_calendar", "int", "name", "calendar2"])("postgres.database %p (not reserved) is accepted", (database) => {
    expect(problemsOf({ postgres: { database } })).toEqual([]);
  });

  test.each(["0000", "0200", "0400", "0644", "0660", "0700", "0666", "600", "0o600", "0600 "])("audit fileMode %p is refused under its own field", (fileMode) => {
    expect(problemsOf({ vault: { audit: { fileMode } } })).toEqual([expect.stringMatching(/^vault\.audit\.fileMode: .* is not allowed; use "0600" \(owner only\) or "0640"/)]);
  });

  test.each(["0600", "0640"])("audit fileMode %p is accepted", (fileMode) => {
    expect(problemsOf({ vault: { audit: { fileMode } } })).toEqual([]);
  });

  test.each([
    ["a C1 control", "uyoop\u0085cal", "U+0085"],
    ["a right-to-left override", "uyoop\u202ecal", "U+202E"],
    ["a zero-width space", "uyoop\u200bcal", "U+200B"],
    ["a line separator", "uyoop\u2028cal", "U+2028"],
    ["a NUL", "uyoop\u0000cal", "U+0000"],
    ["an unpaired surrogate", "uyoop\ud800cal", "U+D800"],
    ["a soft hyphen", "uy\u00adoop", "U+00AD"],
  ])("%s in a text is refused, the field named", (_title, organization, code) => {
    expect(problemsOf({ tls: { organization } })).toEqual([
      `tls.organization: contains the control or invisible character ${code}, which makes text read differently from what it is; remove it`,
    ]);
  });

  test("letters of any script are fine", () => {
    expect(problemsOf({ tls: { organization: "Société Générale Ελλάδα 日本" } })).toEqual([]);
  });
});

// ---- policy by profile -------------------------------------------------------------------------

describe("policy by profile", () => {
  test.each([
    [{ keyShares: 1, keyThreshold: 1 }, /^vault\.unseal\.keyShares: 1 is too few for prod/],
    [{ keyShares: 2, keyThreshold: 2 }, /^vault\.unseal\.keyShares: 2 is too few for prod/],
    [{ keyShares: 3, keyThreshold: 3 }, /^vault\.unseal\.keyThreshold: 3 equals keyShares: losing any one share loses Vault for good/],
  ])("prod refuses unseal %j", (unseal, message) => {
    expect(problemsOf(prodDocument({ vault: { ...prodImages.vault, unseal } }))).toEqual([expect.stringMatching(message)]);
  });

  test("prod accepts 2 of 3 and 3 of 5; dev keeps a single share for convenience", () => {
    expect(problemsOf(prodDocument({ vault: { unseal: { keyShares: 3, keyThreshold: 2 } } }))).toEqual([]);
    expect(problemsOf(prodDocument())).toEqual([]);
    expect(problemsOf({ vault: { unseal: { keyShares: 1, keyThreshold: 1 } } })).toEqual([]);
  });

  test("prod with mTLS off needs vault.mtlsOffReason; a reason without mTLS off is refused", () => {
    expect(problemsOf(prodDocument({ vault: { mtls: false } }))).toEqual([expect.stringMatching(/^vault\.mtls: false in prod needs a reason: .* add vault\.mtlsOffReason/)]);
    expect(problemsOf(prodDocument({ vault: { mtls: false, mtlsOffReason: "clients behind the load balancer cannot present certificates" } }))).toEqual([]);
    expect(problemsOf(prodDocument({ vault: { mtls: false, mtlsOffReason: "legacy" } }))).toEqual([expect.stringMatching(/^vault\.mtlsOffReason: "legacy" is too short/)]);
    expect(problemsOf({ vault: { mtlsOffReason: "clients cannot present certificates" } })).toEqual([
      "vault.mtlsOffReason: is set but vault.mtls is true; remove it (a reason is for turning mutual TLS off)",
    ]);
    expect(problemsOf({ vault: { mtls: false } })).toEqual([]);
  });

  test("an opt-out reason is bounded: it is printed in every synth and audit report", () => {
    expect(problemsOf({ allowDataLoss: { reason: "x".repeat(301) } })).toEqual(["allowDataLoss.reason: is 301 characters long; it is printed in every synth and audit: say why in at most 300"]);
    expect(problemsOf({ vault: { mtls: false, mtlsOffReason: "y".repeat(400) } })).toEqual(["vault.mtlsOffReason: is 400 characters long; it is printed in every synth and audit: say why in at most 300"]);
  });

  test("the reason changes nothing that is synthesized", () => {
    const withReason = synthesize(environment({ vault: { mtls: false, mtlsOffReason: "clients cannot present certificates yet" } })).json;
    const without = synthesize(environment({ vault: { mtls: false } })).json;
    expect(Object.keys(withReason)).toHaveLength(3);
    expect(withReason).toEqual(without);
  });
});

// ---- selecting the file ------------------------------------------------------------------------

describe("the environment selector", () => {
  const root = "/project";

  test("--env-file wins over UYOOP_ENV_FILE, which wins over the default; audit takes several", () => {
    expect(selectEnvironmentFiles(root, ["a.json", "b.json"], { UYOOP_ENV_FILE: "c.json" }).map((s) => [s.source, s.origin])).toEqual([
      ["a.json", "--env-file"],
      ["b.json", "--env-file"],
    ]);
    expect(selectEnvironmentFiles(root, [], { UYOOP_ENV_FILE: "c.json" }).map((s) => [s.source, s.origin])).toEqual([["c.json", "UYOOP_ENV_FILE"]]);
    expect(selectEnvironmentFiles(root, [], {})).toEqual([{ file: "/project/environments/dev.json", source: "environments/dev.json", origin: "default" }]);
  });

  test("empty values and a flag npm swallowed are errors, never a fallback", () => {
    expect(() => selectEnvironmentFiles(root, [], { UYOOP_ENV_FILE: "" })).toThrow(UserInputError);
    expect(() => selectEnvironmentFiles(root, [], { UYOOP_ENV_FILE: "  " })).toThrow(/UYOOP_ENV_FILE: is set but empty/);
    expect(() => selectEnvironmentFiles(root, [], { npm_config_env_file: "true" })).toThrow(/was taken by npm as its own option/);
    expect(() => takeEnvFileFlags(["--env-file"])).toThrow(/--env-file: needs a file name/);
    expect(() => takeEnvFileFlags(["--env-file", "--out", "x"])).toThrow(/--env-file: needs a file name/);
    expect(takeEnvFileFlags(["--out", "o", "--env-file=a.json", "--env-file", "b.json", "--check"])).toEqual({ files: ["a.json", "b.json"], rest: ["--out", "o", "--check"] });
  });
});

// ---- arbitrary documents -----------------------------------------------------------------------

describe("arbitrary documents: a configuration or a UserInputError, never anything else", () => {
  /** A small deterministic generator (mulberry32), so a failure replays. */
  function random(seed: number): () => number {
    let a = seed;
    return () => {
      a = (a + 0x6d2b79f5) | 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  const leaves: unknown[] = [null, true, false, 0, -1, 1.5, 1e308, 4294967296, "", " ", "${x}", "%{x}", "\u202e", "__proto__", "/run", "0600", "1000:0", [], {}, [1, "a"], { a: 1 }];

  test("1,000 mutations of the dev defaults at random paths", () => {
    const rnd = random(15);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const paths: string[][] = [];
    const walk = (v: unknown, p: string[]) => {
      paths.push(p);
      if (v && typeof v === "object" && !Array.isArray(v)) for (const [k, x] of Object.entries(v)) walk(x, [...p, k]);
    };
    walk(devDefaults(), []);
    for (let i = 0; i < 1000; i++) {
      const doc: Record<string, unknown> = {};
      for (let m = 0; m < 1 + Math.floor(rnd() * 3); m++) {
        const p = pick(paths);
        if (p.length === 0) continue;
        let node = doc;
        for (const k of p.slice(0, -1)) node = (node[k] = typeof node[k] === "object" && node[k] !== null ? node[k] : {}) as Record<string, unknown>;
        node[p[p.length - 1]!] = pick(leaves);
      }
      try {
        resolveEnvironment(doc, "fuzz.json");
      } catch (e) {
        if (!(e instanceof UserInputError)) throw new Error(`${JSON.stringify(doc)}: ${String(e)}`);
        for (const p of e.problems) expect(p.field).not.toBe("");
      }
    }
  });

  test("every truncation of a valid file is a configuration or a one-line error", () => {
    const text = fs.readFileSync(path.join(__dirname, "..", "environments", "e2e.json"), "utf8");
    for (let n = 0; n < text.length; n += 7) {
      const problems = loadText(text.slice(0, n), "cut.json");
      for (const p of problems) expect(p).not.toContain("\n");
    }
  });
});

test("a JsonTextError names the field for value limits and not for syntax", () => {
  try {
    parseJsonText('{"a": {"b": [' + "1,".repeat(70) + "1]}}");
    throw new Error("not refused");
  } catch (e) {
    expect(e).toBeInstanceOf(JsonTextError);
    expect((e as JsonTextError).path).toEqual(["a", "b"]);
  }
  try {
    parseJsonText('{"a": {"b": [1,]}}');
    throw new Error("not refused");
  } catch (e) {
    expect((e as JsonTextError).path).toBeUndefined();
  }
});
