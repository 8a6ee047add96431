/**
 * The audit's outputs: SARIF 2.1.0 checked against the key constraints of the OASIS schema
 * (a JSON-schema subset written from the spec: no network here to fetch the official file),
 * the Markdown report, `npm run audit`'s exit codes, RULES.md freshness, and SARIF locations
 * that point at the right line of the real synthesized cdk.tf.json.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App } from "cdktf";
import { buildEnvironment } from "../stacks/environment";
import { RULES } from "../guardrails";
import { CIS_OTHER, CIS_SECTION_5, VAULT_HARDENING } from "../guardrails/coverage";
import { stableStringify } from "../guardrails/json";
import { PROJECT_DECISIONS } from "../guardrails/project-decisions";
import { lineOf, renderMarkdown, renderSarif, type AuditRun } from "../guardrails/report";
import { RULES_MD, renderRulesMarkdown } from "../guardrails/rules-md";
import type { Json, JsonObject } from "../guardrails/types";
import { auditEnvironment, parseArguments, runAudit } from "../scripts/audit";
import { projectPath, projectRoot } from "../constructs/project-files";
import { loadEnvironment } from "../config/load";

let work: string;
let dev: AuditRun;
let teardown: AuditRun;
beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), "uyoop-audit-test-"));
  dev = auditEnvironment(undefined);
  const file = path.join(work, "teardown.json");
  fs.writeFileSync(file, JSON.stringify({ allowDataLoss: { reason: "tear down the demo environment" }, vault: { mtls: false } }));
  teardown = auditEnvironment(file);
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

// ---------------------------------------------------------------------------------------------
// A JSON-schema subset, enough for SARIF's key constraints.

interface Schema {
  type?: "object" | "array" | "string" | "integer" | "number" | "boolean";
  required?: string[];
  properties?: Record<string, Schema>;
  additionalProperties?: Schema;
  items?: Schema;
  minItems?: number;
  enum?: readonly Json[];
  const?: Json;
  pattern?: RegExp;
  minimum?: number;
  minLength?: number;
}

function validate(value: Json | undefined, schema: Schema, at = "$"): string[] {
  const errors: string[] = [];
  if (schema.const !== undefined && value !== schema.const) errors.push(`${at}: must be ${JSON.stringify(schema.const)}`);
  if (schema.enum && !schema.enum.includes(value as Json)) errors.push(`${at}: ${JSON.stringify(value)} not in ${JSON.stringify(schema.enum)}`);
  const type = schema.type;
  if (type === "object") {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return [...errors, `${at}: not an object`];
    for (const k of schema.required ?? []) if (!(k in value)) errors.push(`${at}: missing ${k}`);
    for (const [k, v] of Object.entries(value)) {
      const s = schema.properties?.[k] ?? schema.additionalProperties;
      if (s) errors.push(...validate(v, s, `${at}.${k}`));
    }
  } else if (type === "array") {
    if (!Array.isArray(value)) return [...errors, `${at}: not an array`];
    if (schema.minItems !== undefined && value.length < schema.minItems) errors.push(`${at}: fewer than ${schema.minItems} items`);
    if (schema.items) value.forEach((v, i) => errors.push(...validate(v, schema.items!, `${at}[${i}]`)));
  } else if (type === "string") {
    if (typeof value !== "string") return [...errors, `${at}: not a string`];
    if (schema.pattern && !schema.pattern.test(value)) errors.push(`${at}: ${JSON.stringify(value)} does not match ${schema.pattern}`);
    if (schema.minLength !== undefined && value.length < schema.minLength) errors.push(`${at}: shorter than ${schema.minLength}`);
  } else if (type === "integer" || type === "number") {
    if (typeof value !== "number" || (type === "integer" && !Number.isInteger(value))) return [...errors, `${at}: not an ${type}`];
    if (schema.minimum !== undefined && value < schema.minimum) errors.push(`${at}: below ${schema.minimum}`);
  } else if (type === "boolean" && typeof value !== "boolean") {
    errors.push(`${at}: not a boolean`);
  }
  return errors;
}

const text: Schema = { type: "object", required: ["text"], properties: { text: { type: "string", minLength: 1 }, markdown: { type: "string" } } };
const level: Schema = { type: "string", enum: ["none", "note", "warning", "error"] };
const strings: Schema = { type: "array", items: { type: "string" } };

/** SARIF 2.1.0 (OASIS Standard, sarif-schema-2.1.0.json): the parts this tool writes. */
const SARIF: Schema = {
  type: "object",
  required: ["version", "runs"],
  properties: {
    version: { type: "string", const: "2.1.0" },
    $schema: { type: "string", pattern: /^https:\/\/.*sarif.*2\.1\.0.*\.json$/ },
    runs: {
      type: "array",
      minItems: 1,
      items: {
        type: "object",
        required: ["tool", "results"],
        properties: {
          tool: {
            type: "object",
            required: ["driver"],
            properties: {
              driver: {
                type: "object",
                required: ["name", "rules"],
                properties: {
                  name: { type: "string", minLength: 1 },
                  version: { type: "string" },
                  semanticVersion: { type: "string", pattern: /^\d+\.\d+\.\d+/ },
                  rules: {
                    type: "array",
                    items: {
                      type: "object",
                      required: ["id", "name", "shortDescription", "fullDescription", "help", "defaultConfiguration", "properties"],
                      properties: {
                        id: { type: "string", minLength: 1 },
                        name: { type: "string", pattern: /^[A-Z][A-Za-z0-9]*$/ },
                        shortDescription: text,
                        fullDescription: text,
                        help: { ...text, required: ["text", "markdown"] },
                        defaultConfiguration: { type: "object", properties: { level } },
                        properties: {
                          type: "object",
                          required: ["security-severity", "tags"],
                          properties: { "security-severity": { type: "string", pattern: /^(10\.0|\d\.\d)$/ }, tags: strings, precision: { type: "string", enum: ["very-high", "high", "medium", "low"] } },
                        },
                      },
                    },
                  },
                },
              },
            },
          },
          automationDetails: { type: "object", required: ["id"], properties: { id: { type: "string", pattern: /\/$/ } } },
          columnKind: { type: "string", enum: ["utf16CodeUnits", "unicodeCodePoints"] },
          invocations: { type: "array", items: { type: "object", required: ["executionSuccessful"], properties: { executionSuccessful: { type: "boolean" } } } },
          results: {
            type: "array",
            items: {
              type: "object",
              required: ["ruleId", "message", "locations"],
              properties: {
                ruleId: { type: "string" },
                ruleIndex: { type: "integer", minimum: 0 },
                level,
                message: text,
                locations: {
                  type: "array",
                  minItems: 1,
                  items: {
                    type: "object",
                    properties: {
                      physicalLocation: {
                        type: "object",
                        required: ["artifactLocation"],
                        properties: {
                          artifactLocation: { type: "object", required: ["uri"], properties: { uri: { type: "string", pattern: /^cdktf\.out\/stacks\/[a-z-]+\/cdk\.tf\.json$/ } } },
                          region: { type: "object", required: ["startLine"], properties: { startLine: { type: "integer", minimum: 1 } } },
                        },
                      },
                      logicalLocations: {
                        type: "array",
                        items: { type: "object", properties: { name: { type: "string" }, fullyQualifiedName: { type: "string" }, kind: { type: "string" } } },
                      },
                    },
                  },
                },
                partialFingerprints: { type: "object", additionalProperties: { type: "string" } },
                suppressions: {
                  type: "array",
                  items: {
                    type: "object",
                    required: ["kind"],
                    properties: {
                      kind: { type: "string", enum: ["inSource", "external"] },
                      status: { type: "string", enum: ["accepted", "underReview", "rejected"] },
                      justification: { type: "string", minLength: 10 },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
};

describe("SARIF 2.1.0", () => {
  let sarif: JsonObject;
  beforeAll(() => {
    sarif = JSON.parse(JSON.stringify(renderSarif([dev, teardown], "0.1.0"))) as JsonObject;
  });

  test("matches the schema's key constraints", () => {
    expect(validate(sarif, SARIF)).toEqual([]);
  });

  test("the validator itself catches a broken log", () => {
    const broken = JSON.parse(JSON.stringify(sarif)) as { version: string; runs: { results: { level: string; suppressions?: { kind: string }[] }[] }[] };
    broken.version = "2.0.0";
    broken.runs[0]!.results[0]!.level = "fatal";
    broken.runs[0]!.results[0]!.suppressions = [{ kind: "silently" }];
    expect(validate(broken as unknown as Json, SARIF)).toEqual([
      "$.version: must be \"2.1.0\"",
      '$.runs[0].results[0].level: "fatal" not in ["none","note","warning","error"]',
      '$.runs[0].results[0].suppressions[0].kind: "silently" not in ["inSource","external"]',
    ]);
  });

  test("lists every rule of the catalogue in each run, with help and a security-severity", () => {
    const runs = sarif["runs"] as { tool: { driver: { rules: { id: string; help: { text: string }; properties: Record<string, unknown> }[] } } }[];
    for (const run of runs) {
      expect(run.tool.driver.rules.map((r) => r.id)).toEqual(RULES.map((r) => r.id));
      for (const r of run.tool.driver.rules) expect(r.help.text).toContain("Fix: ");
    }
  });

  test("every finding is a result; accepted ones carry their suppression with its justification", () => {
    const runs = sarif["runs"] as { automationDetails: { id: string }; tool: { driver: { rules: { id: string }[] } }; results: Record<string, any>[] }[]; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(runs.map((r) => r.automationDetails.id)).toEqual(["uyoop-guardrails/uyoop-dev/", "uyoop-guardrails/uyoop-dev/"]);
    const [devRun, teardownRun] = runs;
    const devFindings = dev.evaluations.flatMap((e) => e.findings);
    expect(devRun!.results).toHaveLength(devFindings.length);
    for (const r of devRun!.results) {
      expect(devRun!.tool.driver.rules[r["ruleIndex"]]!.id).toBe(r["ruleId"]);
      expect(r["suppressions"]).toHaveLength(1);
    }
    const weakening = devRun!.results.find((r) => r["ruleId"] === "UY-C-5.13")!;
    expect(weakening["suppressions"][0]).toMatchObject({ kind: "inSource", status: "accepted", justification: expect.stringMatching(/^weakening writableRootfs of .*seeder: /) });
    const gap = devRun!.results.find((r) => r["ruleId"] === "UY-C-5.29")!;
    expect(gap["suppressions"][0].properties).toMatchObject({ via: "suppression", compensatingControls: ["UY-C-5.11", "UY-C-SWAP-1", "UY-C-INIT-1"] });
    const open = teardownRun!.results.filter((r) => !r["suppressions"]);
    expect(new Set(open.map((r) => `${r["ruleId"]} ${r["level"]}`))).toEqual(new Set(["UY-D-LOSS-1 warning", "UY-VS-MTLS-1 warning", "UY-V-TLS-2 warning"]));
  });

  test("locations point at the resource's line in the real synthesized cdk.tf.json", () => {
    const outdir = fs.mkdtempSync(path.join(work, "synth-"));
    const app = new App({ outdir, stackTraces: false });
    const stacks = buildEnvironment(app, loadEnvironment(projectRoot(), {}));
    app.synth();
    for (const stack of [stacks.platform, stacks.vaultConfig, stacks.workloads]) {
      const written = fs.readFileSync(path.join(outdir, "stacks", stack.node.id, "cdk.tf.json"), "utf8");
      expect(stableStringify(stack.toTerraform() as JsonObject)).toBe(written);
    }
    const platform = fs.readFileSync(path.join(outdir, "stacks", "platform", "cdk.tf.json"), "utf8").split("\n");
    const line = lineOf(platform.join("\n"), ["resource", "docker_container", "vault_vault-2_server"])!;
    expect(platform[line - 1]).toBe('      "vault_vault-2_server": {');
    const provider = lineOf(fs.readFileSync(path.join(outdir, "stacks", "vault-config", "cdk.tf.json"), "utf8"), ["provider", "vault"]);
    expect(provider).toBeGreaterThan(1);
  });
});

describe("Markdown report", () => {
  test("says PASS, lists accepted findings, every weakening and every suppression with its reason", () => {
    const md = renderMarkdown([dev]);
    expect(md).toContain("**PASS**: 0 unsuppressed error(s) across 1 environment(s)");
    expect(md).toMatch(/\| `platform\/vault\/vault-1\/config\/seeder` \| `writableRootfs` \| UY-C-5\.13 \| 1 \| Docker refuses upload into a read-only container/);
    for (const d of PROJECT_DECISIONS) expect(md).toContain(d.reason.replace(/\|/g, "\\|"));
    expect(md).toMatch(/\| UY-C-5\.29 \| `workloads\/app\/replica-0\/Resource` \| no PIDs limit .* \| S\d+ \|/);
  });

  test("announces lifted destroy protection", () => {
    const md = renderMarkdown([teardown]);
    expect(md).toContain('> **Destroy protection is OFF** (allowDataLoss: "tear down the demo environment")');
    expect(md).toMatch(/### Warnings: \d+/);
    expect(md).toContain("| UY-D-LOSS-1 | `platform/postgres/data` |");
  });
});

describe("npm run audit", () => {
  const io = () => {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
  };

  test("parses its arguments", () => {
    expect(parseArguments([])).toEqual({ envFiles: [], outDir: path.join("cdktf.out", "audit") });
    expect(parseArguments(["--env-file", "a.json", "--env-file=b.json", "--out", "o"])).toEqual({ envFiles: ["a.json", "b.json"], outDir: "o" });
    expect(() => parseArguments(["--nope"])).toThrow(/unknown argument "--nope"/);
    expect(() => parseArguments(["--out"])).toThrow(/--out needs a value/);
  });

  test("writes both reports and exits 0 for the default environment", () => {
    const out = path.join(work, "audit-ok");
    const r = io();
    expect(runAudit(["--out", out], r.io)).toBe(0);
    expect(fs.readdirSync(out).sort()).toEqual(["audit-report.md", "audit-report.sarif"]);
    expect(r.out).toEqual([
      expect.stringMatching(/^uyoop-dev \(dev, environments\/dev\.json\): 0 error\(s\), 0 warning\(s\), \d+ accepted \(\d+ by weakening, \d+ by suppression\), \d+ weakening\(s\) declared, \d+ subjects$/),
      `wrote ${path.join(out, "audit-report.md")} and ${path.join(out, "audit-report.sarif")}`,
      "audit passed: no unsuppressed error",
    ]);
    expect(validate(JSON.parse(fs.readFileSync(path.join(out, "audit-report.sarif"), "utf8")) as Json, SARIF)).toEqual([]);
  });

  test("exits 1 on an unsuppressed error, printing it with rule id and construct path", () => {
    const r = io();
    const code = runAudit(["--out", path.join(work, "audit-fail")], r.io, (app, config) => {
      const e = buildEnvironment(app, config);
      e.platform.postgres.container.container.addOverride("privileged", true);
      return e;
    });
    expect(code).toBe(1);
    expect(r.out).toContain("error: UY-C-5.5 platform/postgres/server/Resource: privileged = true; fix: Set `privileged = false` (HardenedContainer always does).");
    expect(r.out[r.out.length - 1]).toBe("audit failed: 1 unsuppressed error(s)");
    expect(fs.readFileSync(path.join(work, "audit-fail", "audit-report.md"), "utf8")).toContain("**FAIL**");
  });

  test("exits 2 on bad arguments or an invalid environment", () => {
    const bad = path.join(work, "bad.json");
    fs.writeFileSync(bad, JSON.stringify({ vault: { nodeCount: 4 } }));
    const r = io();
    expect(runAudit(["--env-file", bad, "--out", path.join(work, "x")], r.io)).toBe(2);
    expect(r.err[0]).toMatch(/^error: .*bad\.json: vault\.nodeCount: 4 is not allowed/);
    expect(runAudit(["--what"], io().io)).toBe(2);
  });
});

describe("RULES.md and the coverage tables", () => {
  test("RULES.md is generated from the catalogue and up to date (UPDATE_RULES_MD=1 rewrites it)", () => {
    const expected = `${renderRulesMarkdown()}\n`;
    const file = projectPath(RULES_MD);
    if (process.env["UPDATE_RULES_MD"] === "1") fs.writeFileSync(file, expected);
    expect(fs.readFileSync(file, "utf8")).toBe(expected);
    for (const r of RULES) expect(expected).toContain(`### ${r.id}\n`);
  });

  test("every CIS 5.x item is accounted for, and every rule id cited exists", () => {
    expect(CIS_SECTION_5.map((i) => i.item)).toEqual(Array.from({ length: 32 }, (_, i) => `5.${i + 1}`));
    const ids = new Set(RULES.map((r) => r.id));
    for (const item of [...CIS_SECTION_5, ...CIS_OTHER, ...VAULT_HARDENING]) {
      for (const id of item.rules) expect([item.title, ids.has(id)]).toEqual([item.title, true]);
      if (item.rules.length === 0) expect([item.title, (item.note ?? "").length > 10]).toEqual([item.title, true]);
    }
  });
});
