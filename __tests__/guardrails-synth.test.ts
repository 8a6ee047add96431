/**
 * The guardrails on the real stacks: the default environment (dev and prod profiles) passes
 * with zero unsuppressed errors and warnings; every weakening and suppression is accounted for;
 * a change that weakens hardening behind the constructs' back (an override) fails the real
 * synth with the rule id and the construct path; suppressions need reasons and compensating
 * controls that hold.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App, Aspects, Testing, TerraformOutput, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { DockerProvider } from "@cdktf/provider-docker/lib/provider";
import { buildEnvironment, type UyoopEnvironment } from "../stacks/environment";
import { Guardrails, GuardrailsAspect, blocking, evaluateApp, guardrailsOf, type StackEvaluation } from "../guardrails";
import { attachGuardrails } from "../guardrails/aspect";
import { WEAKENING_RULES } from "../guardrails/suppressions";
import { HardenedContainer } from "../constructs/docker/hardened-container";
import { UserInputError } from "../kernel/errors";
import type { EnvironmentConfig } from "../config/schema";
import { main } from "../main";
import { environment, prodDocument } from "./helpers";

let work: string;
beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), "uyoop-guardrails-"));
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** Builds and prepares an environment; returns the app and its evaluation. */
function evaluated(config: EnvironmentConfig, change?: (e: UyoopEnvironment) => void): { app: App; stacks: UyoopEnvironment; evaluations: StackEvaluation[] } {
  const app = Testing.app();
  const stacks = buildEnvironment(app, config);
  change?.(stacks);
  for (const s of [stacks.platform, stacks.vaultConfig, stacks.workloads]) s.prepareStack();
  return { app, stacks, evaluations: evaluateApp(app) };
}

/** Runs the real synth in-process; returns the error message ("" when it succeeded). */
function synthError(change: (e: UyoopEnvironment) => void): string {
  const app = new App({ outdir: fs.mkdtempSync(path.join(work, "synth-")), stackTraces: false });
  change(buildEnvironment(app, environment()));
  try {
    app.synth();
    return "";
  } catch (e) {
    return (e as Error).message;
  }
}

function runMain(envFile: string | undefined, build?: (app: App, config: EnvironmentConfig) => unknown, extraEnv: NodeJS.ProcessEnv = {}) {
  const outdir = path.join(work, `out-${Math.random().toString(36).slice(2)}`);
  const env: NodeJS.ProcessEnv = { CDKTF_OUTDIR: outdir, ...(envFile ? { UYOOP_ENV_FILE: envFile } : {}), ...extraEnv };
  const lines: string[] = [];
  const spy = jest.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split("\n").filter((l) => l !== ""));
    return true;
  });
  try {
    const code = build ? main(env, build) : main(env);
    return { code, lines, written: fs.existsSync(outdir), outdir };
  } finally {
    spy.mockRestore();
  }
}

describe("the default environment passes", () => {
  test.each([
    ["dev", () => environment()],
    ["prod", () => environment(prodDocument())],
  ])("%s: zero unsuppressed errors or warnings, every stack judged", (_name, config) => {
    const { evaluations } = evaluated(config());
    expect(evaluations.map((e) => e.stack)).toEqual(["platform", "vault-config", "workloads"]);
    const open = evaluations.flatMap((e) => e.findings.filter((f) => !f.suppression));
    expect(open).toEqual([]);
    for (const e of evaluations) expect(e.subjects).toBeGreaterThan(10);
  });

  test("every accepted finding is a declared weakening or a project decision, and every weakening is reported", () => {
    const { app, evaluations } = evaluated(environment());
    const containers = app.node.findAll().filter((c): c is HardenedContainer => c instanceof HardenedContainer);
    const declared = containers.flatMap((c) => c.weakenings.map((w) => `${c.node.path} ${w.property}`)).sort();
    expect(evaluations.flatMap((e) => e.weakenings.map((w) => `${w.declaredAt} ${w.property}`)).sort()).toEqual(declared);
    expect(declared.length).toBeGreaterThan(0);
    const accepted = evaluations.flatMap((e) => e.findings.filter((f) => f.suppression));
    for (const f of accepted) {
      if (f.suppression!.kind === "weakening") {
        expect(WEAKENING_RULES[f.suppression!.property!]).toContain(f.ruleId);
        expect(`${f.path}`).toBe(`${f.suppression!.declaredAt}/Resource`);
      } else {
        expect(["UY-C-5.12", "UY-C-5.15", "UY-C-5.29"]).toContain(f.ruleId);
        expect(["platform", "workloads"]).toContain(f.suppression!.declaredAt);
      }
    }
    // The provider gap is recorded on every container, with its compensating controls.
    const pids = accepted.filter((f) => f.ruleId === "UY-C-5.29");
    expect(pids).toHaveLength(containers.length);
    for (const f of pids) expect(f.suppression!.compensatingControls).toEqual(["UY-C-5.11", "UY-C-SWAP-1", "UY-C-INIT-1"]);
  });

  test("lifting destroy protection is reported on every stateful resource, as warnings only", () => {
    const { evaluations } = evaluated(environment({ allowDataLoss: { reason: "tear down the demo environment" } }));
    const all = evaluations.flatMap((e) => e.findings);
    expect(blocking(all)).toEqual([]);
    const loss = all.filter((f) => f.ruleId === "UY-D-LOSS-1");
    expect(loss.map((f) => f.path)).toEqual(
      expect.arrayContaining(["platform/postgres/data", "platform/vault/vault-1/data", "platform/vault/vault-1/audit", "vault-config/secrets-engines/kv", "vault-config/secrets-engines/totp", "vault-config/database/mount"]),
    );
    for (const f of loss) expect(f.message).toContain('allowDataLoss: "tear down the demo environment"');
  });

  test("mTLS turned off in the environment is reported as warnings, not errors", () => {
    const { evaluations } = evaluated(environment({ vault: { mtls: false } }));
    const all = evaluations.flatMap((e) => e.findings.filter((f) => !f.suppression));
    expect(blocking(all)).toEqual([]);
    expect([...new Set(all.map((f) => f.ruleId))].sort()).toEqual(["UY-V-TLS-2", "UY-VS-MTLS-1"]);
  });
});

describe("the aspect", () => {
  test("is attached to each stack (aspects on the App would be ignored), exactly once", () => {
    const { app, stacks } = evaluated(environment());
    expect(Aspects.of(app).all).toEqual([]);
    for (const s of [stacks.platform, stacks.vaultConfig, stacks.workloads]) {
      expect(Aspects.of(s).all.filter((a) => a instanceof GuardrailsAspect)).toHaveLength(1);
      expect(guardrailsOf(s)!.settings).toEqual({ environment: "uyoop-dev", profile: "dev", server: "vault" });
    }
    expect(() => attachGuardrails(stacks.platform, { environment: "x", profile: "dev" })).toThrow(/already attached/);
  });

  test("a stack without guardrails is refused by the evaluation, never passed silently", () => {
    const app = Testing.app();
    new TerraformStack(app, "bare");
    expect(() => evaluateApp(app)).toThrow(/bare have no guardrails attached/);
  });

  test("annotates the owning construct once, however often synth runs", () => {
    const app = Testing.app();
    const stacks = buildEnvironment(app, environment());
    const replica = stacks.workloads.app.replicas[0]!.container;
    replica.addOverride("read_only", false);
    stacks.workloads.prepareStack();
    Testing.synth(stacks.workloads);
    Testing.synth(stacks.workloads);
    const errors = replica.node.metadata.filter((m) => m.type === "@cdktf/error").map((m) => m.data as string);
    expect(errors).toEqual([expect.stringMatching(/^\[UY-C-5\.13\] the root filesystem is writable .*; fix: Set `read_only = true`/)]);
  });
});

describe("a change that weakens hardening fails the real synth with the rule id and the construct path", () => {
  test("a container made writable", () => {
    const message = synthError((e) => e.workloads.app.replicas[0]!.container.addOverride("read_only", false));
    expect(message).toContain("[workloads/app/replica-0/Resource] [UY-C-5.13] the root filesystem is writable");
  });

  test("a port published on 0.0.0.0", () => {
    const message = synthError((e) => e.platform.vault.nodes[1]!.container.container.addOverride("ports.0.ip", "0.0.0.0"));
    expect(message).toContain("[platform/vault/vault-2/server/Resource] [UY-C-5.14] port 8210 is published on 0.0.0.0 (every interface)");
  });

  test("a policy granting sudo to the app", () => {
    const message = synthError((e) =>
      e.vaultConfig.policies.policy("app-policy").addOverride("policy", 'path "secret/data/app/*" {\n  capabilities = ["read", "sudo"]\n}'),
    );
    expect(message).toContain('[vault-config/policies/app-policy] [UY-V-POL-1] app-policy: path "secret/data/app/*" grants sudo; only the operator policy may');
    expect(message).toContain("[vault-config/approle-auth/app-role] [UY-V-POL-2] grants app-policy");
  });

  test("the Vault listener's TLS turned off in the rendered configuration", () => {
    const message = synthError((e) => {
      const seeder = e.platform.vault.nodes[0]!.config.seeder.container;
      seeder.addOverride("upload.0.content", e.platform.vault.nodes[0]!.configHcl.replace("tls_disable = false", "tls_disable = true"));
    });
    expect(message).toContain("[platform/vault/vault-1/server/Resource] [UY-VS-TLS-1] listener 0.0.0.0:8200 has tls_disable");
  });

  test("main prints one line per guardrail error (rule id, construct path, what, how to fix) and writes nothing", () => {
    const r = runMain(undefined, (app, config) => {
      const e = buildEnvironment(app, config);
      e.workloads.app.replicas[0]!.container.addOverride("read_only", false);
      e.workloads.app.replicas[0]!.container.addOverride("ports.0.ip", "0.0.0.0");
      return e;
    });
    expect(r.code).toBe(1);
    expect(r.written).toBe(false);
    expect(r.lines).toEqual([
      "error: UY-C-5.13 workloads/app/replica-0/Resource: the root filesystem is writable (read_only is false or unset); fix: Set `read_only = true` with tmpfs for scratch paths; a container that truly needs a writable rootfs declares `writableRootfs` with a reason.",
      "error: UY-C-5.14 workloads/app/replica-0/Resource: port 8000 is published on 0.0.0.0 (every interface); fix: Give every `ports` entry an `ip`: the configured interface (`host.bindAddress`), never 0.0.0.0 or ::.",
      "synth aborted: 2 guardrail error(s); nothing was written (RULES.md explains each rule)",
    ]);
  });

  test("a stack output carrying a private key fails the real synth (UY-D-OUT-1), whatever reads it", () => {
    const r = runMain(undefined, (app, config) => {
      const e = buildEnvironment(app, config);
      new TerraformOutput(e.platform, "ca-key", { value: e.platform.pki.ca.privateKey.privateKeyPem, sensitive: true });
      return e;
    });
    expect(r.code).toBe(1);
    expect(r.written).toBe(false);
    expect(r.lines).toEqual([
      "error: UY-D-OUT-1 platform: output \"ca-key\" carries tls_private_key.pki_ca_key.private_key_pem, which is not a public attribute; fix: Hand a secret over through an identity volume or an operator-directory file read with file() into a write-only argument (docs/SECURITY.md); a public attribute not yet listed goes on PUBLIC_OUTPUT_ATTRIBUTES (guardrails/packs/data.ts) with why it is public.",
      "synth aborted: 1 guardrail error(s); nothing was written (RULES.md explains each rule)",
    ]);
  });

  test("main prints guardrail warnings and still writes the output", () => {
    const file = path.join(work, "no-mtls.json");
    fs.writeFileSync(file, JSON.stringify({ vault: { mtls: false } }));
    const r = runMain(file);
    expect(r.code).toBe(0);
    expect(r.written).toBe(true);
    expect(r.lines).toHaveLength(4);
    for (const line of r.lines) expect(line).toMatch(/^warning: (UY-VS-MTLS-1 platform\/vault\/vault-\d\/server\/Resource|UY-V-TLS-2 vault-config\/vault): .*; fix: /);
  });
});

describe("phase timings (UYOOP_TIMINGS_FILE, read by npm run bench)", () => {
  test("main writes each phase's milliseconds, the guardrails' share of synth, and the resources written", () => {
    const timings = path.join(work, "timings.json");
    // scripts/app.js marks the end of its build check; the phases count from there.
    const checked = performance.mark("app-command:checked");
    let r: ReturnType<typeof runMain>;
    try {
      r = runMain(undefined, undefined, { UYOOP_TIMINGS_FILE: timings });
    } finally {
      performance.clearMarks("app-command:checked");
    }
    expect(r.code).toBe(0);
    const t = JSON.parse(fs.readFileSync(timings, "utf8")) as Record<string, number>;
    expect(Object.keys(t)).toEqual(["start", "imports", "config", "modules", "build", "synth", "check", "publish", "guardrails", "resources"]);
    expect(t["start"]).toBe(checked.startTime);
    for (const phase of ["imports", "config", "modules", "build", "synth", "check", "publish"]) expect(t[phase]).toBeGreaterThanOrEqual(0);
    expect(t["guardrails"]).toBeGreaterThan(0);
    expect(t["guardrails"]).toBeLessThan(t["synth"]!);
    let resources = 0;
    for (const stack of fs.readdirSync(path.join(r.outdir, "stacks"))) {
      const json = JSON.parse(fs.readFileSync(path.join(r.outdir, "stacks", stack, "cdk.tf.json"), "utf8")) as { resource: Record<string, object> };
      for (const byName of Object.values(json.resource)) resources += Object.keys(byName).length;
    }
    expect(t["resources"]).toBe(resources);
  });
});

describe("suppressions", () => {
  test("need a reason of at least 10 characters, a known rule id, and one per rule per construct", () => {
    const app = Testing.app();
    const c = new Construct(app, "c");
    const messageOf = (fn: () => void): string => {
      try {
        fn();
      } catch (e) {
        if (e instanceof UserInputError) return e.problems.map((p) => `${p.field}: ${p.message}`).join("\n");
        throw e;
      }
      return "";
    };
    expect(messageOf(() => Guardrails.suppress(c, "UY-C-5.13", "because"))).toBe(
      'suppress(UY-C-5.13): a suppression needs a reason of at least 10 characters, got "because"; say why the rule cannot hold here',
    );
    expect(messageOf(() => Guardrails.suppress(c, "UY-C-99", "a good enough reason"))).toMatch(/"UY-C-99" is not a guardrails rule id/);
    expect(messageOf(() => Guardrails.suppress(c, "UY-C-5.29", "a good enough reason", { compensatingControls: ["NOPE"] }))).toMatch(/compensating control "NOPE"/);
    Guardrails.suppress(c, "UY-C-5.13", "a good enough reason");
    expect(messageOf(() => Guardrails.suppress(c, "UY-C-5.13", "another good reason"))).toMatch(/already suppressed here/);
  });

  test("are inherited by children, accept the finding, and are reported with their reason", () => {
    const { evaluations } = evaluated(environment(), (e) => {
      e.workloads.app.replicas[0]!.container.addOverride("read_only", false);
      Guardrails.suppress(e.workloads.app, "UY-C-5.13", "the demo app writes its cache to the rootfs (tracked in #42)");
    });
    const f = evaluations.flatMap((e) => e.findings).find((x) => x.ruleId === "UY-C-5.13" && x.path === "workloads/app/replica-0/Resource")!;
    expect(f.suppression).toEqual({ kind: "suppression", reason: "the demo app writes its cache to the rootfs (tracked in #42)", declaredAt: "workloads/app" });
    expect(evaluations.find((e) => e.stack === "workloads")!.suppressions).toEqual(
      expect.arrayContaining([{ ruleId: "UY-C-5.13", reason: "the demo app writes its cache to the rootfs (tracked in #42)", declaredAt: "workloads/app" }]),
    );
    expect(blocking(evaluations.flatMap((e) => e.findings))).toEqual([]);
  });

  test("a provider-gap suppression does not apply where its compensating control fails", () => {
    const { evaluations } = evaluated(environment(), (e) => e.workloads.app.replicas[0]!.container.addOverride("memory_swap", -1));
    const open = blocking(evaluations.flatMap((e) => e.findings)).map((f) => [f.ruleId, f.path, f.message]);
    expect(open).toEqual([
      ["UY-C-5.29", "workloads/app/replica-0/Resource", "no PIDs limit (kreuzwerker/docker 3.6.2 cannot set one) (suppression at workloads does not apply: its compensating control UY-C-SWAP-1 fails here)"],
      ["UY-C-SWAP-1", "workloads/app/replica-0/Resource", "memory_swap -1 differs from memory 256: the container may swap"],
    ]);
  });

  test("each HardenedContainer weakening satisfies exactly its rules, for that container only", () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, "s");
    new DockerProvider(stack, "docker", {});
    Guardrails.attach(stack, { environment: "t", profile: "dev" });
    const weak = new HardenedContainer(stack, "weak", {
      name: "weak",
      image: "example/app:1.0",
      user: "0:0",
      networks: [{ name: "net" }],
      memoryMb: 64,
      runAsRoot: { reason: "fixture: needs root for the test" },
      writableRootfs: { reason: "fixture: writes to its rootfs" },
      addCapabilities: { capabilities: ["CHOWN"], reason: "fixture: chowns files" },
      noHealthCheck: { reason: "fixture: has nothing to probe" },
    });
    const strict = new HardenedContainer(stack, "strict", { name: "strict", image: "example/app:1.0", user: "1000:1000", networks: [{ name: "net" }], memoryMb: 64, healthCheck: { test: ["CMD", "true"] } });
    strict.container.addOverride("read_only", false);
    expect(weak.weakenings.map((w) => w.property).sort()).toEqual(Object.keys(WEAKENING_RULES).sort());
    const e = Guardrails.evaluate(stack);
    const byWeakening = e.findings.filter((f) => f.suppression?.kind === "weakening").map((f) => [f.ruleId, f.suppression!.property]);
    expect(byWeakening.sort()).toEqual([
      ["UY-C-4.1", "runAsRoot"],
      ["UY-C-5.13", "writableRootfs"],
      ["UY-C-5.27", "noHealthCheck"],
      ["UY-C-5.4", "addCapabilities"],
    ]);
    expect(blocking(e.findings).map((f) => [f.ruleId, f.path])).toEqual([["UY-C-5.13", "s/strict/Resource"]]);
    expect(e.weakenings.map((w) => w.resourcePath)).toEqual(["s/weak/Resource", "s/weak/Resource", "s/weak/Resource", "s/weak/Resource"]);
  });
});
