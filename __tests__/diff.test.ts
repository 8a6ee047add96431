/**
 * The plan diff's pure core (scripts/plan-diff): replacement model, propagation through
 * references and replace triggers, security and data-loss flags, guardrail errors, exit codes and
 * redaction; on small JSON fixtures and on the environment synthesized in-process from two
 * configurations (or one synthesized environment and a deliberately edited copy of it).
 */
import { synthesize, environment } from "./helpers";
import { diffStacks, exitCodeOf, type DiffResult, type Annotation } from "../scripts/plan-diff/diff";
import { renderMarkdown } from "../scripts/plan-diff/markdown";
import { policyRules } from "../scripts/plan-diff/flags";
import { lineDiff } from "../scripts/plan-diff/values";
import type { StackSet, TfJson } from "../scripts/plan-diff/tf-json";

type Resources = Record<string, Record<string, Record<string, unknown>>>;

function stack(resource: Resources, extra: Record<string, unknown> = {}): TfJson {
  return { terraform: { backend: { local: { path: "../../../state/t/s.tfstate" } } }, resource, ...extra } as TfJson;
}

function change(result: DiffResult, address: string, stackId?: string) {
  const all = result.stacks.filter((s) => stackId === undefined || s.id === stackId).flatMap((s) => s.resources);
  return all.find((r) => r.address === address);
}

function titles(result: DiffResult, category?: string): string[] {
  return result.flags.filter((f) => category === undefined || f.category === category).map((f) => f.title);
}

const md = (result: DiffResult) => renderMarkdown(result, { baseLabel: "base", headLabel: "head" });

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

const HARDENED = {
  name: "t-app",
  image: "app:1",
  read_only: true,
  user: "1000:1000",
  capabilities: { drop: ["ALL"] },
  security_opts: ["no-new-privileges:true"],
  memory: 256,
  memory_swap: 256,
  ports: [{ internal: 8000, external: 8000, ip: "127.0.0.1", protocol: "tcp" }],
};

describe("diffStacks on fixtures", () => {
  test("creates, updates in place, replaces and destroys, by address, with the provider's model", () => {
    const base = { s: stack({ docker_container: { a: HARDENED, b: HARDENED }, docker_network: { old: { name: "n", internal: true } } }) };
    const head = {
      s: stack({
        docker_container: { a: { ...HARDENED, memory: 512, memory_swap: 512 }, b: { ...HARDENED, image: "app:2" } },
        docker_volume: { v: { name: "t-v" } },
      }),
    };
    const r = diffStacks(base, head);
    expect(change(r, "docker_container.a")?.action).toBe("update");
    expect(change(r, "docker_container.b")?.action).toBe("replace");
    expect(change(r, "docker_container.b")?.reasons).toContain("`image` forces replacement");
    expect(change(r, "docker_volume.v")?.action).toBe("create");
    expect(change(r, "docker_network.old")?.action).toBe("destroy");
    expect(r.counts).toEqual({ create: 1, update: 1, replace: 1, destroy: 1, "no-op": 0 });
    expect(r.flags).toEqual([]);
    expect(exitCodeOf(r)).toBe(1);
    const text = md(r);
    expect(text).toContain("#### 🔁 Replaced (1)");
    expect(text).toContain("| `memory` | `256` → `512` | update in place |");
  });

  test("unknown resource types and unmodelled attributes are 'update (replacement unknown)'", () => {
    const base = { s: stack({ acme_widget: { w: { size: 1 } }, docker_container: { c: { ...HARDENED, new_flag: 1 } } }) };
    const head = { s: stack({ acme_widget: { w: { size: 2 } }, docker_container: { c: { ...HARDENED, new_flag: 2 } } }) };
    const r = diffStacks(base, head);
    for (const a of ["acme_widget.w", "docker_container.c"]) {
      expect(change(r, a)).toMatchObject({ action: "update", replacementUnknown: true });
    }
    expect(change(r, "acme_widget.w")?.reasons).toContain("replacement unknown: acme_widget is not in the provider model");
    expect(md(r)).toContain("update (replacement unknown)");
  });

  test("a healthcheck change alone is ignored by the provider; through a terraform_data replace trigger it replaces", () => {
    const hc = (interval: string) => ({ test: ["CMD", "true"], interval });
    const base = { s: stack({ docker_container: { c: { ...HARDENED, healthcheck: hc("10s") } } }) };
    const head = { s: stack({ docker_container: { c: { ...HARDENED, healthcheck: hc("15s") } } }) };
    const plain = diffStacks(base, head);
    expect(change(plain, "docker_container.c")?.action).toBe("update");
    expect(change(plain, "docker_container.c")?.reasons.join()).toMatch(/provider ignores/);

    const withTrigger = (interval: string) =>
      stack({
        terraform_data: { c_trigger: { input: { healthcheck: hc(interval) } } },
        docker_container: { c: { ...HARDENED, healthcheck: hc(interval), lifecycle: { replace_triggered_by: ["terraform_data.c_trigger"] } } },
      });
    const r = diffStacks({ s: withTrigger("10s") }, { s: withTrigger("15s") });
    expect(change(r, "terraform_data.c_trigger")?.action).toBe("update");
    expect(change(r, "docker_container.c")?.action).toBe("replace");
    expect(change(r, "docker_container.c")?.reasons).toContain("replace_triggered_by terraform_data.c_trigger (updated)");
  });

  test("a replaced resource's computed values propagate: key -> CSR -> certificate -> seeder, and across stacks", () => {
    const platform = (curve: string): TfJson =>
      stack(
        {
          tls_private_key: { k: { algorithm: "ECDSA", ecdsa_curve: curve } },
          tls_cert_request: { csr: { private_key_pem: "${tls_private_key.k.private_key_pem}", subject: [{ common_name: "x" }] } },
          tls_self_signed_cert: { ca: { private_key_pem: "${tls_private_key.k.private_key_pem}", is_ca_certificate: true, validity_period_hours: 100, allowed_uses: ["cert_signing"] } },
          docker_network: { net: { name: "t-net", internal: true } },
          docker_container: {
            seeder: { ...HARDENED, upload: [{ file: "/seed/ca.pem", content: "${tls_self_signed_cert.ca.cert_pem}" }], networks_advanced: [{ name: "${docker_network.net.name}" }] },
          },
        },
        {
          output: {
            "cross-stack-output-ca": { value: "${tls_self_signed_cert.ca.cert_pem}", sensitive: true },
            "cross-stack-output-net": { value: "${docker_network.net.name}", sensitive: true },
          },
        },
      );
    const workloads: TfJson = stack(
      {
        docker_container: {
          app_seeder: {
            ...HARDENED,
            upload: [{ file: "/seed/ca.pem", content: "${data.terraform_remote_state.cross-stack-reference-input-platform.outputs.cross-stack-output-ca}" }],
          },
          app: { ...HARDENED, networks_advanced: [{ name: "${data.terraform_remote_state.cross-stack-reference-input-platform.outputs.cross-stack-output-net}" }] },
        },
      },
      { data: { terraform_remote_state: { "cross-stack-reference-input-platform": { backend: "local", config: { path: "../../../state/t/platform.tfstate" } } } } },
    );
    const r = diffStacks({ platform: platform("P256"), workloads }, { platform: platform("P384"), workloads });
    expect(change(r, "tls_private_key.k")?.action).toBe("replace");
    expect(change(r, "tls_cert_request.csr")?.action).toBe("replace");
    expect(change(r, "tls_self_signed_cert.ca")?.action).toBe("replace");
    expect(change(r, "docker_container.seeder")?.action).toBe("replace");
    // across stacks: the CA PEM reaches the workloads seeder through a remote state output
    const w = change(r, "docker_container.app_seeder", "workloads");
    expect(w?.action).toBe("replace");
    expect(w?.changes[0]?.because).toMatch(/tls_self_signed_cert\.ca is replaced.*stack platform, through its output cross-stack-output-ca/);
    // the network name is configuration, known at plan time and unchanged: no change for the app
    expect(change(r, "docker_network.net")).toBeUndefined();
    expect(change(r, "docker_container.app", "workloads")).toBeUndefined();
    expect(r.stacks.map((s) => s.id)).toEqual(["platform", "workloads"]);
    expect(titles(r)).toContain("CA replaced");
  });

  test("lifting prevent_destroy is a Terraform-only change and a security flag", () => {
    const base = { s: stack({ vault_mount: { kv: { path: "secret", type: "kv", lifecycle: { prevent_destroy: true } } } }) };
    const head = { s: stack({ vault_mount: { kv: { path: "secret", type: "kv", lifecycle: { prevent_destroy: false } } } }) };
    const r = diffStacks(base, head);
    expect(change(r, "vault_mount.kv")?.action).toBe("no-op");
    expect(titles(r, "security")).toEqual(["destroy protection lifted"]);
    expect(exitCodeOf(r)).toBe(2);
    expect(md(r)).toContain("Terraform-only changes (no plan action)");
  });

  test("lifecycle.ignore_changes: Terraform plans nothing for those arguments", () => {
    const c = (opts: Record<string, string>) => ({ ...HARDENED, log_opts: opts, lifecycle: { ignore_changes: ["log_opts"] } });
    const r = diffStacks({ s: stack({ docker_container: { c: c({ "max-size": "10m" }) } }) }, { s: stack({ docker_container: { c: c({ "max-size": "20m" }) } }) });
    expect(change(r, "docker_container.c")?.action).toBe("no-op");
    expect(md(r)).toContain("Terraform only (lifecycle.ignore_changes: Terraform plans no change for it)");
  });

  test("secrets never reach the output: literal PEM blocks, key files, secret env values; references do", () => {
    const pem = `-----BEGIN ${"PRIVATE"} KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END ${"PRIVATE"} KEY-----\n` /* a fake, split so no key block sits in git */;
    const base = { s: stack({ docker_container: { c: { ...HARDENED, env: ["A=1"], upload: [{ file: "/seed/ca.pem", content: "${tls_self_signed_cert.ca.cert_pem}" }] } } }) };
    const head = {
      s: stack({
        docker_container: {
          c: {
            ...HARDENED,
            env: ["A=1", "DB_PASSWORD=hunter2-literal", "DB_PASSWORD_FILE=/run/secrets/db", "TOKEN_REF=${random_password.p.result}"],
            upload: [
              { file: "/seed/ca.pem", content: "${tls_self_signed_cert.ca.cert_pem}" },
              { file: "/seed/node-key.pem", content: "not-a-pem-but-a-key-file-literal" },
              { file: "/seed/readme", content: `intro\n${pem}outro\n` },
              { file: "/seed/client-key.pem", content: "${tls_private_key.k.private_key_pem}" },
            ],
          },
        },
      }),
    };
    const r = diffStacks(base, head);
    const text = md(r) + JSON.stringify(r);
    for (const secret of ["hunter2-literal", "not-a-pem-but-a-key-file-literal", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC", "BEGIN PRIVATE KEY"]) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain("DB_PASSWORD=(sensitive value redacted)");
    expect(text).toContain("DB_PASSWORD_FILE=/run/secrets/db");
    expect(text).toContain("${tls_private_key.k.private_key_pem}");
    expect(text).toContain("${random_password.p.result}");
    expect(text).toContain("(PEM block redacted)");
    expect(titles(r, "security")).toContain("secret in container environment");
  });

  test("policies: new paths, added capabilities, sudo, lifted deny; new policies with broad rights", () => {
    const before = 'path "secret/data/app/*" {\n  capabilities = ["read"]\n}\npath "sys/raw" { capabilities = ["deny"] }\n';
    const after = 'path "secret/data/app/*" {\n  capabilities = ["read", "update"]\n}\npath "sys/raw" { capabilities = ["read"] }\npath "auth/token/create" {\n  capabilities = ["update", "sudo"]\n}\n';
    expect([...policyRules(after).entries()].map(([p, c]) => [p, [...c]])).toEqual([
      ["secret/data/app/*", ["read", "update"]],
      ["sys/raw", ["read"]],
      ["auth/token/create", ["update", "sudo"]],
    ]);
    const r = diffStacks({ s: stack({ vault_policy: { p: { name: "app", policy: before } } }) }, { s: stack({ vault_policy: { p: { name: "app", policy: after }, q: { name: "ops", policy: 'path "sys/*" { capabilities = ["sudo", "read"] }' } } }) });
    const f = r.flags.find((x) => x.title.startsWith("policy widened"));
    expect(f?.title).toBe("policy widened (sudo)");
    expect(f?.detail).toBe('app: "secret/data/app/*" gains update; "sys/raw" no longer denied; "sys/raw" gains read; "auth/token/create" (new path) update, sudo');
    expect(titles(r)).toContain("new policy with broad rights");
    expect(change(r, "vault_policy.p")?.action).toBe("update");
  });

  test("AppRole and certificate TTLs lengthened, use limits lifted, SecretID no longer bound", () => {
    const role = { role_name: "app", backend: "approle", token_ttl: 3600, token_max_ttl: 14400, secret_id_num_uses: 10, bind_secret_id: true, token_bound_cidrs: ["172.30.3.0/24"], token_policies: ["app"] };
    const r = diffStacks(
      { s: stack({ vault_approle_auth_backend_role: { r: role }, tls_locally_signed_cert: { c: { validity_period_hours: 2160, early_renewal_hours: 720 } } }) },
      {
        s: stack({
          vault_approle_auth_backend_role: { r: { ...role, token_ttl: 86400, token_max_ttl: 0, secret_id_num_uses: 0, bind_secret_id: false, token_bound_cidrs: ["172.30.3.0/24", "0.0.0.0/0"], token_policies: ["app", "admin"] } },
          tls_locally_signed_cert: { c: { validity_period_hours: 8760, early_renewal_hours: 720 } },
        }),
      },
    );
    const details = r.flags.map((f) => `${f.title}: ${f.detail}`);
    expect(details).toEqual(
      expect.arrayContaining([
        "TTL lengthened: token_ttl 1h → 1d",
        "TTL lengthened: token_max_ttl 4h → 0 (the mount/system default, up to 32 days)",
        "use limit removed: secret_id_num_uses 10 → unlimited",
        "SecretID no longer required: bind_secret_id true → false: the RoleID alone logs in",
        "restriction widened: token_bound_cidrs gains 0.0.0.0/0",
        "policies attached: token_policies gains admin",
        "certificate validity lengthened: validity_period_hours 90d → 365d",
      ]),
    );
    expect(change(r, "vault_approle_auth_backend_role.r")?.action).toBe("update");
    expect(change(r, "tls_locally_signed_cert.c")?.action).toBe("replace");
  });

  test("data loss: a secrets mount replaced, an audit device removed, two Vault nodes replaced at once", () => {
    const node = (n: number, image: string) => ({ ...HARDENED, name: `t-vault-${n}`, image });
    const base = { s: stack({ vault_mount: { kv: { path: "secret", type: "kv" } }, vault_audit: { a: { type: "file", path: "file" } }, docker_container: { v1: node(1, "vault:1"), v2: node(2, "vault:1"), v3: node(3, "vault:1") } }) };
    const head = { s: stack({ vault_mount: { kv: { path: "secret", type: "kv-v2" } }, docker_container: { v1: node(1, "vault:2"), v2: node(2, "vault:2"), v3: node(3, "vault:1") } }) };
    const r = diffStacks(base, head);
    expect(titles(r, "data-loss")).toEqual(["secrets mount replaced", "2 Vault nodes replaced in one apply"]);
    expect(titles(r, "security")).toEqual(["audit device removed"]);
    // one node at a time is the supported upgrade path: not flagged
    const one = diffStacks(base, { s: stack({ ...head.s.resource, docker_container: { v1: node(1, "vault:2"), v2: node(2, "vault:1"), v3: node(3, "vault:1") } } as Resources) });
    expect(titles(one, "data-loss")).not.toContain("2 Vault nodes replaced in one apply");
  });

  test("key strength: a weaker curve, and the tls provider's P224 default on a new key", () => {
    const r = diffStacks(
      { s: stack({ tls_private_key: { a: { algorithm: "ECDSA", ecdsa_curve: "P384" } } }) },
      { s: stack({ tls_private_key: { a: { algorithm: "ECDSA", ecdsa_curve: "P256" }, b: { algorithm: "ECDSA" }, c: { algorithm: "RSA", rsa_bits: 4096 } } }) },
    );
    expect(r.flags.map((f) => `${f.title}: ${f.detail}`)).toEqual(["key size weakened: ECDSA P384 → ECDSA P256", "weak key: ECDSA P224 (provider default) (< 128-bit security)"]);
  });

  test("guardrail errors: new ones, ones already in the base, fixed ones; exit code 3 wins", () => {
    const s = { s: stack({ docker_container: { c: HARDENED } }) };
    const a = (message: string, level = "@cdktf/error"): Annotation => ({ stack: "s", constructPath: "s/c", level, message });
    const r = diffStacks(s, s, { baseAnnotations: [a("old"), a("fixed")], headAnnotations: [a("old"), a("new"), a("just a warning", "@cdktf/warn")] });
    expect(r.guardrails.newErrors.map((x) => x.message)).toEqual(["new"]);
    expect(r.guardrails.fixedErrors.map((x) => x.message)).toEqual(["fixed"]);
    expect(r.guardrails.warnings.map((x) => x.message)).toEqual(["just a warning"]);
    expect(titles(r, "guardrail")).toEqual(["guardrail error (already in base)", "new guardrail error"]);
    expect(exitCodeOf(r)).toBe(3);
    const text = md(r);
    expect(text).toContain("🚫 **2 guardrail error(s)** (1 new)");
    expect(text).toContain("| **new** | `s` | `s/c` | new |");
    expect(text).toContain("| fixed | `s` | `s/c` | ~~fixed~~ |");
    // the brief's "ERROR" spelling is accepted too
    expect(exitCodeOf(diffStacks(s, s, { headAnnotations: [a("x", "ERROR")] }))).toBe(3);
  });

  test("identical input: no changes, exit code 0", () => {
    const s = { s: stack({ docker_container: { c: HARDENED } }) };
    const r = diffStacks(s, clone(s));
    expect(exitCodeOf(r)).toBe(0);
    expect(md(r)).toContain("No changes: both revisions synthesize the same resources");
  });

  test("line diffs keep two lines of context", () => {
    expect(lineDiff("a\nb\nc\nd\ne\nf\ng", "a\nb\nc\nD\ne\nf\ng")).toEqual(["  b", "  c", "- d", "+ D", "  e", "  f"]);
  });
});

describe("diffStacks on the synthesized environment", () => {
  const parse = (json: Record<string, string>): StackSet => Object.fromEntries(Object.entries(json).map(([k, v]) => [k, JSON.parse(v) as TfJson]));
  const base = parse(synthesize(environment()).json);
  type Mutable = { resource: Record<string, Record<string, Record<string, unknown>>> };
  const res = (s: StackSet, stackId: string, type: string, name: string) => (s[stackId] as unknown as Mutable).resource[type]![name]!;

  test("the same configuration twice: no changes", () => {
    const r = diffStacks(base, parse(synthesize(environment()).json));
    expect(exitCodeOf(r)).toBe(0);
    expect(r.stacks.map((s) => s.status)).toEqual(["unchanged", "unchanged", "unchanged"]);
  });

  test("a deliberately weakened app container is replaced and flagged for security review", () => {
    const head = clone(base);
    const app = res(head, "workloads", "docker_container", "app_replica-0");
    app["read_only"] = false;
    app["user"] = "0:0";
    app["capabilities"] = { add: ["NET_ADMIN"], drop: [] };
    app["security_opts"] = [];
    app["ports"] = [{ external: 8000, internal: 8000, ip: "0.0.0.0", protocol: "tcp" }];
    app["privileged"] = true;
    const r = diffStacks(base, head);
    const c = change(r, "docker_container.app_replica-0");
    expect(c?.action).toBe("replace");
    expect(c?.reasons).toEqual(expect.arrayContaining(["`read_only` forces replacement", "`ports` forces replacement", "`user` forces replacement"]));
    expect(titles(r, "security").sort()).toEqual(
      [
        "privileged container",
        "capabilities added",
        "capabilities no longer dropped",
        "no-new-privileges removed",
        "hardening weakened: writable root filesystem",
        "hardening weakened: runs as root",
        "port exposed on all interfaces",
      ].sort(),
    );
    expect(exitCodeOf(r)).toBe(2);
    const text = md(r);
    expect(text).toContain("### 🔐 Security review");
    expect(text).toContain("- **hardening weakened: writable root filesystem** — `workloads` `docker_container.app_replica-0 (uyoop-dev-app-0)`: read_only true → false");
    expect(text).toContain("- **port exposed on all interfaces** — `workloads` `docker_container.app_replica-0 (uyoop-dev-app-0)`: 0.0.0.0:8000→8000/tcp");
    expect(text).toContain("| `read_only` | `true` → `false` | forces replacement |");
    expect(text).not.toMatch(/BEGIN [A-Z ]*PRIVATE KEY/);
  });

  test("a deliberately replaced PostgreSQL data volume is a data-loss risk, and its server is replaced with it", () => {
    const head = clone(base);
    res(head, "platform", "docker_volume", "postgres_data")["driver_opts"] = { type: "tmpfs", device: "tmpfs" };
    const r = diffStacks(base, head);
    expect(change(r, "docker_volume.postgres_data")?.action).toBe("replace");
    const loss = r.flags.filter((f) => f.category === "data-loss");
    expect(loss.map((f) => f.title)).toEqual(["protected volume replaced"]);
    expect(loss[0]!.detail).toMatch(/^uyoop-dev-postgres-data \(stateful: postgres\): `driver_opts` forces replacement; prevent_destroy makes this plan fail/);
    expect(exitCodeOf(r)).toBe(2);

    // renamed: the server's volume reference changes with it (its name is configuration)
    const renamed = clone(base);
    res(renamed, "platform", "docker_volume", "postgres_data")["name"] = "uyoop-dev-postgres-data-2";
    const r2 = diffStacks(base, renamed);
    expect(change(r2, "docker_container.postgres_server")?.action).toBe("replace");
    expect(change(r2, "docker_container.postgres_server")?.changes[0]).toMatchObject({ attribute: "volumes", cause: "dependency", because: "docker_volume.postgres_data.name changes" });

    // removed from the configuration: prevent_destroy goes with it
    const removed = clone(base);
    delete (removed["platform"] as unknown as Mutable).resource["docker_volume"]!["vault_vault-2_data"];
    expect(titles(diffStacks(base, removed), "data-loss")).toContain("protected volume removed");
  });

  test("configuration changes: a Vault image bump replaces every node at once", () => {
    const r = diffStacks(base, parse(synthesize(environment({ vault: { image: "hashicorp/vault:1.21.8" } })).json));
    expect(titles(r, "data-loss")).toEqual(["3 Vault nodes replaced in one apply"]);
    expect(change(r, "docker_container.vault_vault-1_server")?.reasons).toContain("`image` forces replacement");
    // overriding node 1 (the first image in order) leaves nodes 2 and 3 untouched: image
    // construct ids follow the reference, not the position
    const first = diffStacks(base, parse(synthesize(environment({ vault: { nodeImages: { "1": "hashicorp/vault:1.21.8" } } })).json));
    expect(titles(first, "data-loss")).toEqual([]);
    expect(change(first, "docker_container.vault_vault-2_server")).toBeUndefined();
    expect(change(first, "docker_container.vault_vault-1_server")?.reasons).toContain("`image` forces replacement");
    // rolling one node (vault.nodeImages) is the documented upgrade: no quorum flag
    const rolling = diffStacks(base, parse(synthesize(environment({ vault: { nodeImages: { "3": "hashicorp/vault:1.21.8" } } })).json));
    expect(titles(rolling, "data-loss")).toEqual([]);
    expect(change(rolling, "docker_container.vault_vault-3_server")?.action).toBe("replace");
    expect(change(rolling, "docker_container.vault_vault-1_server")).toBeUndefined();
  });

  test("configuration changes: mTLS off, an audit device dropped, longer app tokens, protection lifted", () => {
    const r = diffStacks(base, parse(synthesize(environment({ vault: { mtls: false, audit: { stdout: false }, appRole: { tokenTtlSeconds: 7200 } } })).json));
    const details = r.flags.map((f) => `${f.category}: ${f.title}: ${f.detail}`);
    expect(details).toEqual(
      expect.arrayContaining([
        'security: client certificates (mTLS) no longer required: upload["/seed/vault.hcl"].content: `tls_require_and_verify_client_cert = false`',
        "security: audit device removed: audit device stdout no longer records requests",
        "security: TTL lengthened: token_ttl 1h → 2h",
      ]),
    );
    const lifted = diffStacks(base, parse(synthesize(environment({ allowDataLoss: { reason: "tear down the dev environment" } })).json));
    const subjects = lifted.flags.filter((f) => f.title === "destroy protection lifted").map((f) => `${f.stack}: ${f.subject}`);
    expect(subjects.join("\n")).toMatch(/^platform: .*docker_volume\.postgres_data \(uyoop-dev-postgres-data\)/m);
    expect(subjects.join("\n")).toMatch(/^vault-config: .*vault_mount\.kv \(secret\)/m);
    expect(lifted.counts.replace + lifted.counts.update).toBe(0);
  });

  test("a CA rotation replaces every certificate and every seeder of a PEM, across stacks, without printing a key", () => {
    const r = diffStacks(base, parse(synthesize(environment({ tls: { ecdsaCurve: "P384" } })).json));
    expect(titles(r)).toEqual(["CA replaced"]);
    expect(change(r, "docker_container.app-identity_seeder", "platform")?.action).toBe("replace");
    // Its consumer follows through the identity label (the seeder's id crosses the stacks).
    expect(change(r, "docker_container.app_replica-0", "workloads")?.action).toBe("replace");
    expect(change(r, "vault_cert_auth_backend_role.secretid-issuer-role", "vault-config")?.action).toBe("replace");
    expect(md(r)).not.toMatch(/PRIVATE KEY/);
  });
});
