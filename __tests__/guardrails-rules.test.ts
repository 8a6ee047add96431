/**
 * Every guardrails rule against a violating and a compliant fixture: small stack JSON in the
 * shape `stack.toTerraform()` renders (tokens as "${...}" strings). The compliant base has one
 * of every kind of subject and passes every rule in both profiles; each case changes it in one
 * place and expects its rule (and only the rule under test is asserted) to fire.
 */
import { RULES, evaluateStackJson, evaluateView, type Finding, type Rule } from "../guardrails";
import { buildStackView } from "../guardrails/stack-view";
import type { GuardrailSettings, SuppressionLookup } from "../guardrails/evaluate";
import type { AppliedSuppression, JsonObject } from "../guardrails/types";
import { renderVaultServerConfig } from "../constructs/vault/vault-server-config";
import { SETTINGS_HASH_LABEL, settingsHashOf } from "../kernel/invariants";

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const DIGEST = `sha256:${"ab".repeat(32)}`;
const HEALTHCHECK = { test: ["CMD", "true"], interval: "10s", timeout: "5s", start_period: "30s", retries: 3 };
const TMPFS = { "/tmp": "rw,noexec,nosuid,nodev,size=64m" };
const meta = (path: string) => ({ metadata: { path: `s/${path}`, uniqueId: path } });

const VAULT_HCL = renderVaultServerConfig({
  clusterName: "t",
  nodeId: "vault-1",
  apiAddr: "https://vault-1:8200",
  clusterAddr: "https://vault-1-raft:8201",
  storagePath: "/vault/file",
  retryJoin: [{ leaderApiAddr: "https://vault-2-raft:8200", leaderTlsServerName: "vault-2-raft" }],
  tls: { caCertFile: "/vault/config/tls/ca.pem", certFile: "/vault/config/tls/node.pem", keyFile: "/vault/config/tls/node-key.pem" },
  tlsMinVersion: "tls13",
  requireClientCert: true,
});

/** A container with every hardening property, and the settings-hash label that makes health check and tmpfs edits replace it. */
function hardened(name: string, extra: Any = {}): Any {
  return {
    "//": meta(`${name}/Resource`),
    name,
    image: "${docker_image.img.image_id}",
    user: "1000:1000",
    read_only: true,
    capabilities: { drop: ["ALL"] },
    security_opts: ["no-new-privileges:true"],
    privileged: false,
    publish_all_ports: false,
    ipc_mode: "private",
    init: true,
    memory: 128,
    memory_swap: 128,
    cpu_shares: 512,
    pids_limit: 256,
    ulimit: [{ name: "core", soft: 0, hard: 0 }],
    networks_advanced: [{ name: "${docker_network.net.name}" }],
    healthcheck: HEALTHCHECK,
    tmpfs: TMPFS,
    log_driver: "json-file",
    log_opts: { "max-size": "10m", "max-file": "5" },
    restart: "on-failure",
    max_retry_count: 5,
    must_run: true,
    env: ["PORT=8000", "DB_PASSWORD_FILE=/run/secrets/db"],
    labels: [{ label: SETTINGS_HASH_LABEL, value: settingsHashOf(HEALTHCHECK, TMPFS) }],
    ...extra,
  };
}

function base(): Any {
  return {
    provider: {
      vault: [
        {
          address: "https://localhost:8200",
          ca_cert_file: "/operator/ca.pem",
          client_auth: [{ cert_file: "/operator/c.pem", key_file: "/operator/k.pem" }],
          skip_tls_verify: false,
          skip_child_token: false,
          max_lease_ttl_seconds: 1200,
        },
      ],
    },
    resource: {
      docker_image: { img: { "//": meta("img"), name: `example/app:1.0@${DIGEST}`, keep_locally: true } },
      docker_network: {
        net: {
          "//": meta("net"),
          name: "net",
          internal: false,
          options: { "com.docker.network.bridge.enable_icc": "false", "com.docker.network.bridge.host_binding_ipv4": "127.0.0.1" },
        },
        raft: { "//": meta("raft"), name: "raft", internal: true },
      },
      docker_volume: {
        vcfg: { "//": meta("vcfg"), name: "vcfg" },
        vdata: { "//": meta("vdata"), name: "vdata", labels: [{ label: "uyoop.stateful", value: "raft" }], lifecycle: { prevent_destroy: true } },
      },
      docker_container: {
        app: hardened("app", { ports: [{ internal: 8000, external: 18000, ip: "127.0.0.1", protocol: "tcp" }] }),
        vault: hardened("vault", {
          user: "100:1000",
          entrypoint: ["vault"],
          command: ["server", "-config=/vault/config/vault.hcl"],
          ports: [{ internal: 8200, external: 8200, ip: "127.0.0.1", protocol: "tcp" }],
          volumes: [
            { volume_name: "${docker_volume.vcfg.name}", container_path: "/vault/config", read_only: true },
            { volume_name: "${docker_volume.vdata.name}", container_path: "/vault/file", read_only: false },
          ],
        }),
        seed: hardened("seed", {
          read_only: false,
          attach: true,
          must_run: false,
          restart: "no",
          max_retry_count: undefined,
          healthcheck: undefined,
          tmpfs: undefined,
          labels: [],
          network_mode: "none",
          networks_advanced: [],
          volumes: [{ volume_name: "${docker_volume.vcfg.name}", container_path: "/seed", read_only: false }],
          upload: [{ file: "/seed/vault.hcl", content: VAULT_HCL, permissions: "0440" }],
        }),
      },
      vault_audit: {
        file: { "//": meta("audit-file"), type: "file", path: "file", options: { file_path: "/vault/logs/audit.log", mode: "0600", log_raw: "false" } },
        stdout: { "//": meta("audit-stdout"), type: "file", path: "stdout", options: { file_path: "stdout", log_raw: "false" } },
      },
      vault_policy: {
        app: { "//": meta("policies/app"), name: "app-policy", policy: 'path "secret/data/app/*" {\n  capabilities = ["read"]\n}' },
        operator: { "//": meta("policies/operator"), name: "operator-policy", policy: 'path "sys/mounts/*" {\n  capabilities = ["create", "read", "update", "sudo"]\n}' },
      },
      vault_approle_auth_backend_role: {
        role: {
          "//": meta("app-role"),
          backend: "approle",
          role_name: "app",
          token_policies: ["${vault_policy.app.name}"],
          token_ttl: 3600,
          token_max_ttl: 14400,
          bind_secret_id: true,
          secret_id_ttl: 691200,
          secret_id_num_uses: 1000,
          token_bound_cidrs: ["172.30.3.0/24"],
          secret_id_bound_cidrs: ["172.30.3.0/24"],
        },
      },
      vault_cert_auth_backend_role: { job: { "//": meta("job-role"), name: "job", token_ttl: 300, token_max_ttl: 600 } },
      vault_database_secret_backend_connection: {
        db: {
          "//": meta("db"),
          postgresql: [
            {
              connection_url: "postgresql://{{username}}:{{password}}@db:5432/app?sslmode=verify-full",
              username: "postgres",
              password_wo: "${random_password.pw.result}",
            },
          ],
        },
      },
      vault_database_secret_backend_role: { role: { "//": meta("db-role"), default_ttl: 3600, max_ttl: 14400 } },
      vault_mount: { kv: { "//": meta("kv"), path: "secret", type: "kv", lifecycle: { prevent_destroy: true } } },
      tls_private_key: {
        ca: { "//": meta("ca/key"), algorithm: "ECDSA", ecdsa_curve: "P256" },
        leaf: { "//": meta("leaf/key"), algorithm: "RSA", rsa_bits: 3072 },
      },
      tls_self_signed_cert: {
        ca: {
          "//": meta("ca/cert"),
          private_key_pem: "${tls_private_key.ca.private_key_pem}",
          is_ca_certificate: true,
          set_subject_key_id: true,
          allowed_uses: ["cert_signing", "crl_signing", "digital_signature"],
          validity_period_hours: 43800,
          early_renewal_hours: 8760,
        },
      },
      tls_cert_request: { leaf: { "//": meta("leaf/csr"), private_key_pem: "${tls_private_key.leaf.private_key_pem}", dns_names: ["svc"] } },
      tls_locally_signed_cert: {
        leaf: {
          "//": meta("leaf/cert"),
          cert_request_pem: "${tls_cert_request.leaf.cert_request_pem}",
          ca_cert_pem: "${tls_self_signed_cert.ca.cert_pem}",
          ca_private_key_pem: "${tls_private_key.ca.private_key_pem}",
          allowed_uses: ["digital_signature", "key_encipherment", "server_auth"],
          validity_period_hours: 2160,
          early_renewal_hours: 720,
        },
      },
    },
    output: { role_id: { value: "${vault_approle_auth_backend_role.role.role_id}", sensitive: true } },
  };
}

const DEV: GuardrailSettings = { environment: "t", profile: "dev" };
const PROD: GuardrailSettings = { environment: "t", profile: "prod" };

/** The seeder's writable rootfs is a weakening in real stacks; the fixtures accept it the same way. */
const seederWeakening: SuppressionLookup = {
  lookup: (path: string, ruleId: string): AppliedSuppression | undefined =>
    path === "s/seed/Resource" && ruleId === "UY-C-5.13" ? { kind: "weakening", property: "writableRootfs", reason: "fixture seeder", declaredAt: "s/seed" } : undefined,
};

function evaluate(json: Any, settings: GuardrailSettings = DEV): Finding[] {
  return evaluateStackJson("s", JSON.parse(JSON.stringify(json)) as JsonObject, settings, seederWeakening);
}

function variant(change: (j: Any) => void): Any {
  const j = base();
  change(j);
  return j;
}

const c = (j: Any, name = "app"): Any => j.resource.docker_container[name];
const setHcl = (j: Any, edit: (hcl: string) => string) => {
  const upload = c(j, "seed").upload[0];
  upload.content = edit(upload.content as string);
};

interface Case {
  readonly violating: Any;
  readonly compliant?: Any;
  readonly settings?: GuardrailSettings;
}

const CASES: Record<string, Case> = {
  // container
  "UY-C-4.1": { violating: variant((j) => (c(j).user = "0:0")) },
  "UY-C-4.5": { violating: variant((j) => (j.resource.docker_image.img.name = "example/app:1.0")), settings: PROD },
  "UY-C-5.2": { violating: variant((j) => c(j).security_opts.push("apparmor=unconfined")) },
  "UY-C-5.3": { violating: variant((j) => c(j).security_opts.push("label=disable")) },
  "UY-C-5.4": { violating: variant((j) => (c(j).capabilities = { drop: ["NET_RAW"] })) },
  "UY-C-CAP-1": { violating: variant((j) => (c(j).capabilities = { drop: ["ALL"], add: ["SYS_ADMIN"] })) },
  "UY-C-5.5": { violating: variant((j) => (c(j).privileged = true)) },
  "UY-C-5.6": { violating: variant((j) => (c(j).volumes = [{ host_path: "/etc", container_path: "/host-etc", read_only: true }])) },
  "UY-C-5.7": { violating: variant((j) => (c(j).command = ["/usr/sbin/sshd", "-D"])) },
  "UY-C-5.8": { violating: variant((j) => (c(j).ports[0].external = 80)) },
  "UY-C-5.9": { violating: variant((j) => (c(j).publish_all_ports = true)) },
  "UY-C-5.10": { violating: variant((j) => (c(j).network_mode = "host")) },
  "UY-C-5.11": { violating: variant((j) => delete c(j).memory) },
  "UY-C-5.12": { violating: variant((j) => delete c(j).cpu_shares) },
  "UY-C-5.13": { violating: variant((j) => (c(j).read_only = false)) },
  "UY-C-5.14": { violating: variant((j) => (c(j).ports[0].ip = "0.0.0.0")) },
  "UY-C-5.15": { violating: variant((j) => (c(j).restart = "always")) },
  "UY-C-5.16": { violating: variant((j) => (c(j).pid_mode = "host")) },
  "UY-C-5.17": { violating: variant((j) => (c(j).ipc_mode = "host")) },
  "UY-C-5.18": { violating: variant((j) => (c(j).devices = [{ host_path: "/dev/sda" }])) },
  "UY-C-5.19": { violating: variant((j) => (c(j).ulimit = [])) },
  "UY-C-5.20": { violating: variant((j) => (c(j).mounts = [{ type: "bind", source: "/srv/data", target: "/data", bind_options: [{ propagation: "rshared" }] }])) },
  "UY-C-5.22": { violating: variant((j) => c(j).security_opts.push("seccomp=unconfined")) },
  "UY-C-5.25": { violating: variant((j) => (c(j).cgroup_parent = "/custom")) },
  "UY-C-5.26": { violating: variant((j) => (c(j).security_opts = [])) },
  "UY-C-5.27": { violating: variant((j) => delete c(j).healthcheck) },
  "UY-C-5.28": { violating: variant((j) => (j.resource.docker_image.img.name = "example/app:latest")) },
  "UY-C-5.29": { violating: variant((j) => delete c(j).pids_limit) },
  "UY-C-5.30": { violating: variant((j) => (c(j).networks_advanced = [])) },
  "UY-C-5.31": { violating: variant((j) => (c(j).userns_mode = "host")) },
  "UY-C-5.32": { violating: variant((j) => (c(j).volumes = [{ host_path: "/var/run/docker.sock", container_path: "/var/run/docker.sock", read_only: true }])) },
  "UY-C-UPLOAD-1": { violating: variant((j) => (c(j).upload = [{ file: "/etc/app.conf", content: "x", permissions: "0444" }])) },
  "UY-C-SWAP-1": { violating: variant((j) => (c(j).memory_swap = -1)) },
  "UY-C-TMPFS-1": { violating: variant((j) => (c(j).tmpfs = { "/tmp": "rw,size=64m" })) },
  "UY-C-TRIGGER-1": { violating: variant((j) => (c(j).tmpfs = { "/tmp": "rw,noexec,nosuid,nodev,size=128m" })) },
  "UY-C-LOG-1": { violating: variant((j) => delete c(j).log_opts) },
  "UY-C-INIT-1": { violating: variant((j) => (c(j).init = false)) },
  "UY-C-NET-1": { violating: variant((j) => (j.resource.docker_network.net.options["com.docker.network.bridge.enable_icc"] = "true")) },
  "UY-C-NET-2": { violating: variant((j) => delete j.resource.docker_network.net.options["com.docker.network.bridge.host_binding_ipv4"]) },
  // vault server
  "UY-VS-CFG-1": { violating: variant((j) => c(j, "vault").command.push("-config=/vault/config/extra.hcl")) },
  "UY-VS-DEV-1": { violating: variant((j) => c(j, "vault").command.push("-dev")) },
  "UY-VS-TLS-1": { violating: variant((j) => setHcl(j, (h) => h.replace("tls_disable = false", "tls_disable = true"))) },
  "UY-VS-TLS-2": { violating: variant((j) => setHcl(j, (h) => h.replace('tls_min_version = "tls13"', 'tls_min_version = "tls12"'))), settings: PROD },
  "UY-VS-MTLS-1": { violating: variant((j) => setHcl(j, (h) => h.replace("tls_require_and_verify_client_cert = true", "tls_require_and_verify_client_cert = false"))) },
  "UY-VS-JOIN-1": { violating: variant((j) => setHcl(j, (h) => h.replace(/ *leader_tls_servername = .*\n/, ""))) },
  "UY-VS-JOIN-2": { violating: variant((j) => setHcl(j, (h) => h.replace(/ *leader_client_cert_file = .*\n/, ""))) },
  "UY-VS-MLOCK-1": { violating: variant((j) => setHcl(j, (h) => h.replace("disable_mlock = true", "disable_mlock = false"))) },
  // an OpenBao server (bao) whose configuration declares no audit device
  "UY-VS-AUDIT-1": { violating: variant((j) => (c(j, "vault").entrypoint = ["bao"])) },
  "UY-VS-NET-1": { violating: variant((j) => c(j, "vault").ports.push({ internal: 8201, external: 8201, ip: "127.0.0.1" })) },
  "UY-VS-WRITE-1": { violating: variant((j) => (c(j, "vault").volumes[0].read_only = false)) },
  "UY-VS-HSTS-1": { violating: variant((j) => setHcl(j, (h) => h.replace(/ *custom_response_headers \{[\s\S]*?\n {2}\}\n/, ""))) },
  "UY-VS-TEL-1": { violating: variant((j) => setHcl(j, (h) => h.replace("unauthenticated_metrics_access = false", "unauthenticated_metrics_access = true"))) },
  "UY-VS-SEAL-1": { violating: variant((j) => setHcl(j, (h) => `${h}seal "transit" {\n  address = "https://kms:8200"\n  token = "not-a-real-token"\n}\n`)) },
  // vault resources
  "UY-V-TLS-1": { violating: variant((j) => (j.provider.vault[0].skip_tls_verify = true)) },
  "UY-V-TLS-2": { violating: variant((j) => delete j.provider.vault[0].client_auth) },
  "UY-V-TOKEN-1": { violating: variant((j) => (j.provider.vault[0].skip_child_token = true)) },
  "UY-V-APPROLE-1": { violating: variant((j) => (j.resource.vault_approle_auth_backend_role.role.bind_secret_id = false)) },
  "UY-V-APPROLE-2": { violating: variant((j) => (j.resource.vault_approle_auth_backend_role.role.secret_id_num_uses = 0)) },
  "UY-V-APPROLE-3": { violating: variant((j) => (j.resource.vault_approle_auth_backend_role.role.token_bound_cidrs = ["0.0.0.0/0"])) },
  "UY-V-TTL-1": { violating: variant((j) => (j.resource.vault_cert_auth_backend_role.job.token_period = 3600)) },
  "UY-V-TTL-2": { violating: variant((j) => (j.resource.vault_database_secret_backend_role.role.max_ttl = 0)) },
  "UY-V-DB-1": {
    violating: variant((j) => (j.resource.vault_database_secret_backend_connection.db.postgresql[0].connection_url = "postgresql://{{username}}:{{password}}@db:5432/app?sslmode=require")),
  },
  "UY-V-AUDIT-1": { violating: variant((j) => delete j.resource.vault_audit) },
  "UY-V-AUDIT-2": { violating: variant((j) => delete j.resource.vault_audit.stdout) },
  "UY-V-AUDIT-3": { violating: variant((j) => (j.resource.vault_audit.file.options.mode = "0644")) },
  "UY-V-POL-1": { violating: variant((j) => (j.resource.vault_policy.app.policy = 'path "*" {\n  capabilities = ["read"]\n}')) },
  "UY-V-POL-2": { violating: variant((j) => (j.resource.vault_approle_auth_backend_role.role.token_policies = ["${vault_policy.operator.name}"])) },
  // tls
  "UY-T-KEY-1": { violating: variant((j) => delete j.resource.tls_private_key.ca.ecdsa_curve) },
  "UY-T-KEY-2": { violating: variant((j) => (j.resource.tls_private_key.leaf.rsa_bits = 2048)), settings: PROD },
  "UY-T-CA-1": { violating: variant((j) => (j.resource.tls_self_signed_cert.ca.is_ca_certificate = false)) },
  "UY-T-CA-2": { violating: variant((j) => j.resource.tls_locally_signed_cert.leaf.allowed_uses.push("cert_signing")) },
  "UY-T-USE-1": { violating: variant((j) => (j.resource.tls_locally_signed_cert.leaf.allowed_uses = ["key_encipherment"])) },
  "UY-T-VAL-1": { violating: variant((j) => (j.resource.tls_locally_signed_cert.leaf.validity_period_hours = 20000)) },
  "UY-T-VAL-2": { violating: variant((j) => (j.resource.tls_locally_signed_cert.leaf.early_renewal_hours = 0)) },
  "UY-T-VAL-3": { violating: variant((j) => (j.resource.tls_self_signed_cert.ca.early_renewal_hours = 100)) },
  "UY-T-SAN-1": { violating: variant((j) => delete j.resource.tls_cert_request.leaf.dns_names) },
  // data
  "UY-D-SECRET-1": { violating: variant((j) => (j.output.role_id.value = `-----BEGIN ${"PRIVATE"} KEY-----\nMIIB\n-----END ${"PRIVATE"} KEY-----` /* fake, split */)) },
  "UY-D-ENV-1": { violating: variant((j) => c(j).env.push("DB_PASSWORD=hunter2")) },
  "UY-D-TEMPLATE-1": { violating: variant((j) => c(j).env.push('GREETING=${file("/etc/passwd")}')) },
  "UY-D-OUT-1": { violating: variant((j) => (j.output.role_id.value = "${tls_private_key.leaf.private_key_pem}")) },
  "UY-D-PROTECT-1": { violating: variant((j) => delete j.resource.docker_volume.vdata.lifecycle) },
  "UY-D-PROTECT-2": { violating: variant((j) => delete j.resource.vault_mount.kv.lifecycle) },
  "UY-D-LOSS-1": {
    violating: variant((j) => (j.resource.docker_volume.vdata.lifecycle.prevent_destroy = false)),
    settings: { ...DEV, allowDataLoss: "tear down the demo environment" },
  },
};

describe("the compliant base fixture", () => {
  test.each([
    ["dev", DEV],
    ["prod", PROD],
  ])("passes every rule in %s", (_name, settings) => {
    expect(evaluate(base(), settings).filter((f) => !f.suppression)).toEqual([]);
  });

  test("has one subject of every type the rules judge", () => {
    const judged = new Set(RULES.flatMap((r) => r.appliesTo));
    const json = base();
    const present = new Set([...Object.keys(json.resource), ...Object.keys(json.provider), ...(json.output ? ["output"] : []), "vault_server", "*"]);
    expect([...judged].filter((t) => !present.has(t) && !t.endsWith("_role") && t !== "vault_ldap_auth_backend")).toEqual([]);
  });
});

describe("every rule has a violating and a compliant fixture", () => {
  test("every rule of the catalogue has a case (and no case names a missing rule)", () => {
    expect(Object.keys(CASES).sort()).toEqual(RULES.map((r) => r.id).sort());
  });

  test.each(RULES.map((r) => [r.id, r.level] as const))("%s (%s)", (id) => {
    const kase = CASES[id]!;
    const settings = kase.settings ?? DEV;
    const violations = evaluate(kase.violating, settings).filter((f) => f.ruleId === id && !f.suppression);
    expect(violations.length).toBeGreaterThan(0);
    for (const v of violations) {
      expect(v.path).toMatch(/^s(\/|$)/);
      expect(v.message.length).toBeGreaterThan(5);
    }
    expect(evaluate(kase.compliant ?? base(), settings).filter((f) => f.ruleId === id && !f.suppression)).toEqual([]);
  });
});

describe("rule details", () => {
  const only = (json: Any, id: string, settings = DEV) => evaluate(json, settings).filter((f) => f.ruleId === id).map((f) => f.message);

  test("ports without an explicit host interface are published on 0.0.0.0", () => {
    expect(only(variant((j) => delete c(j).ports[0].ip), "UY-C-5.14")).toEqual(["port 18000 has no host interface: Docker publishes it on 0.0.0.0"]);
  });

  test("an OpenBao server: its declared audit devices are judged like vault_audit ones, and swap must be off", () => {
    const bao = (hcl: (h: string) => string, extra: (j: Any) => void = () => undefined) =>
      variant((j) => {
        c(j, "vault").entrypoint = ["bao"];
        setHcl(j, hcl);
        extra(j);
      });
    const audited = (options: string) => (h: string) => `${h}audit "file" "file" {\n  options = {\n${options}\n  }\n}\n`;
    const good = audited('    "file_path" = "/openbao/logs/audit.log"\n    "mode" = "0600"');
    expect(only(bao(good), "UY-VS-AUDIT-1")).toEqual([]);
    expect(only(bao(audited('    "file_path" = "/openbao/logs/audit.log"\n    "mode" = "0644"\n    "log_raw" = "true"')), "UY-VS-AUDIT-1")).toEqual([
      'audit "file" "file": file /openbao/logs/audit.log mode 0644 is executable or open to others',
      'audit "file" "file": log_raw = true: secrets are written in clear',
    ]);
    expect(only(bao((h) => h), "UY-VS-AUDIT-1")).toEqual(["the configuration declares no audit device, and OpenBao enables none through the API"]);
    // OpenBao has no mlock: disable_mlock does not matter, swap does.
    expect(only(bao(good), "UY-VS-MLOCK-1")).toEqual([]);
    expect(only(bao(good, (j) => (c(j, "vault").memory_swap = -1)), "UY-VS-MLOCK-1")).toEqual([
      "OpenBao cannot lock memory and swap is allowed (memory 128, memory_swap -1)",
    ]);
    // A Vault server's audit devices are vault_audit resources: the rule does not look at it.
    expect(only(base(), "UY-VS-AUDIT-1")).toEqual([]);
  });

  test("an OpenBao environment needs no vault_audit resource (its devices are in the server configuration)", () => {
    const noAudit = variant((j) => delete j.resource.vault_audit);
    expect(only(noAudit, "UY-V-AUDIT-1")).toEqual(["the stack that configures Vault declares no audit device"]);
    expect(only(noAudit, "UY-V-AUDIT-1", { ...DEV, server: "openbao" })).toEqual([]);
  });

  test("prod-only rules do not run in dev", () => {
    const unpinned = variant((j) => (j.resource.docker_image.img.name = "example/app:1.0"));
    expect(only(unpinned, "UY-C-4.5")).toEqual([]);
    expect(only(unpinned, "UY-C-4.5", PROD)).toEqual(['image "example/app:1.0" is not pinned by digest']);
    const tls12 = variant((j) => setHcl(j, (h) => h.replace('tls_min_version = "tls13"', 'tls_min_version = "tls12"')));
    expect(only(tls12, "UY-VS-TLS-2")).toEqual([]);
  });

  test("a host path under ~ (pathexpand) is not sensitive; another expression cannot be proven safe", () => {
    const home = variant((j) => (c(j).volumes = [{ host_path: '${pathexpand("~/.uyoop-cal/dev")}', container_path: "/operator", read_only: false }]));
    expect(only(home, "UY-C-5.6")).toEqual([]);
    const unknown = variant((j) => (c(j).volumes = [{ host_path: "${var.dir}", container_path: "/x", read_only: true }]));
    expect(only(unknown, "UY-C-5.6")).toEqual(['host path "${var.dir}" is an expression, unknown at synth']);
  });

  test("the Vault configuration is found through the volume its seeder fills, and an unreadable one is an error", () => {
    const missing = variant((j) => (c(j, "seed").upload = []));
    expect(only(missing, "UY-VS-CFG-1")[0]).toMatch(/no resource in this stack delivers \/vault\/config\/vault.hcl/);
    const templated = variant((j) => setHcl(j, (h) => `${h}x = "\${var.y}"\n`));
    expect(only(templated, "UY-VS-CFG-1")[0]).toMatch(/Terraform expressions/);
    const env = variant((j) => c(j, "vault").env.push('VAULT_LOCAL_CONFIG={"ui":true}'));
    expect(only(env, "UY-VS-CFG-1")[0]).toMatch(/VAULT_LOCAL_CONFIG/);
  });

  test("the official image's entrypoint form (command starting with server) is recognised", () => {
    const official = variant((j) => {
      delete c(j, "vault").entrypoint;
      j.resource.docker_image.img.name = `hashicorp/vault:1.21.7@${DIGEST}`;
      c(j, "vault").command.push("-dev");
    });
    expect(only(official, "UY-VS-DEV-1")).toEqual(["runs with -dev"]);
  });

  test("a policy granted to the AppRole is linted as an application policy, whatever its name", () => {
    expect(only(CASES["UY-V-POL-2"]!.violating, "UY-V-POL-2")).toEqual([
      "grants operator-policy: path \"sys/mounts/*\" grants create, update, sudo on sys/; an application policy must not change Vault's configuration or auth",
      'grants operator-policy: path "sys/mounts/*" grants sudo; only the operator policy may',
    ]);
    expect(only(variant((j) => (j.resource.vault_approle_auth_backend_role.role.token_policies = ["root"])), "UY-V-POL-2")).toEqual(["grants the root policy"]);
  });

  test("secret scanning finds literal secrets in fields, in JSON inside strings, and in env references", () => {
    const field = variant((j) => (j.provider.vault[0].token = "hvs.CAESIJlU8Zqj8xSUp5s9aK6qgYbpV0"));
    expect(only(field, "UY-D-SECRET-1").join("\n")).toMatch(/token contains a Vault token|is a literal token/);
    const kv = variant((j) => (j.resource.vault_mount.kv.options = { config: JSON.stringify({ password: "hunter2" }) }));
    expect(only(kv, "UY-D-SECRET-1")).toEqual(["options.config (JSON) password is a literal password"]);
    const dsn = variant((j) => (j.resource.vault_mount.kv.description = "postgresql://app:pw@db:5432/x"));
    expect(only(dsn, "UY-D-SECRET-1")).toEqual(["description contains a URL with credentials"]);
    const ref = variant((j) => c(j).env.push("DB_URL=postgresql://app:${random_password.pw.result}@db/x"));
    expect(only(ref, "UY-D-ENV-1").join("\n")).toMatch(/receives a secret attribute \(random_password.pw.result\)/);
    expect(only(base(), "UY-D-SECRET-1")).toEqual([]);
  });

  test("stack outputs: a private key, a password, a passed-on value, a literal and anything but one plain reference fail; the public attributes pass", () => {
    const outputs = variant((j) => {
      j.output = {
        key: { value: "${tls_private_key.leaf.private_key_pem_pkcs8}", sensitive: true },
        password: { value: "${random_password.pw.result}", sensitive: true },
        passedOn: { value: "${data.terraform_remote_state.platform.outputs.x}", sensitive: true },
        literal: { value: `-----BEGIN ${"PRIVATE"} KEY-----\nMIIB\n-----END ${"PRIVATE"} KEY-----` /* fake, split */ },
        // Beside a public reference, what cannot be judged is refused (fail-closed).
        object: { value: { n: "${docker_network.net.name}", k: "${local.kl}" } },
        list: { value: ["${docker_network.net.name}", "${var.pw}"] },
        indexed: { value: "${tls_private_key.leaf[0].private_key_pem}" },
        around: { value: "${docker_network.net.name}${tls_private_key.leaf.private_key_pem}" },
        ca: { value: "${tls_self_signed_cert.ca.cert_pem}", sensitive: true },
        role: { value: "${vault_approle_auth_backend_role.role.role_id}", sensitive: true },
      };
    });
    const found = evaluate(outputs, DEV).filter((f) => f.ruleId === "UY-D-OUT-1");
    const notOne = "is not one plain reference to a public attribute (`${<type>.<name>.<attribute>}`, nothing around it)";
    expect(found.map((f) => f.message)).toEqual([
      `output "around" ${notOne}`,
      `output "indexed" ${notOne}`,
      'output "key" carries tls_private_key.leaf.private_key_pem_pkcs8, which is not a public attribute',
      `output "list" ${notOne}`,
      'output "literal" contains a private key',
      `output "literal" ${notOne}`,
      `output "object" ${notOne}`,
      'output "passedOn" passes on data.terraform_remote_state.platform.outputs.x (a value another stack or source produced)',
      'output "password" carries random_password.pw.result, which is not a public attribute',
    ]);
  });

  test("file(<reference>) passes only in a write-only argument; a literal path or another argument fails", () => {
    const pg = (j: Any) => j.resource.vault_database_secret_backend_connection.db.postgresql[0];
    const handedOver = variant((j) => (pg(j).password_wo = "${file(data.terraform_remote_state.p.outputs.password_file)}"));
    expect(only(handedOver, "UY-D-TEMPLATE-1")).toEqual([]);
    const literal = variant((j) => (pg(j).password_wo = '${file("/etc/passwd")}'));
    expect(only(literal, "UY-D-TEMPLATE-1")).toEqual([`postgresql[0].password_wo holds ${JSON.stringify('${file("/etc/passwd")}')}, which Terraform would evaluate`]);
    const notWriteOnly = variant((j) => (pg(j).username = "${file(data.terraform_remote_state.p.outputs.password_file)}"));
    expect(only(notWriteOnly, "UY-D-TEMPLATE-1")).toHaveLength(1);
  });

  test("a volume mounted read-write by a long-running container is stateful even without a label", () => {
    const unlabelled = variant((j) => {
      delete j.resource.docker_volume.vdata.labels;
      delete j.resource.docker_volume.vdata.lifecycle;
    });
    expect(only(unlabelled, "UY-D-PROTECT-1")).toEqual(["holds state (mounted read-write by the long-running docker_container.vault) but lifecycle.prevent_destroy is not true"]);
  });

  test("a rule that throws becomes a finding, never a pass", () => {
    const throwing: Rule = { ...RULES[0]!, id: "UY-C-TEST", appliesTo: ["docker_network"], check: () => { throw new Error("boom"); } };
    const findings = evaluateView(buildStackView("s", base() as JsonObject), DEV, undefined, [throwing]);
    expect(findings.map((f) => [f.ruleId, f.message])).toEqual([
      ["UY-C-TEST", "the rule could not evaluate this subject: boom"],
      ["UY-C-TEST", "the rule could not evaluate this subject: boom"],
    ]);
  });
});
