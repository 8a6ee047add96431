/**
 * Vault server pack: the Vault production-hardening guide's items that a Docker deployment can
 * express, judged on each `vault_server` subject: the container that runs `vault server`, its
 * arguments, and its configuration file as Vault reads it (HCL, read from the synthesized JSON).
 */
import { asNumber, asObject, asString, isObject, isTrue, objects, strings } from "../json";
import { VAULT_SERVER_TYPE, type Json, type JsonObject, type Rule, type Subject } from "../types";
import { auditOptionProblems } from "./vault";

const SERVER = [VAULT_SERVER_TYPE];
const GUIDE = "Vault production hardening";

function config(s: Subject): JsonObject | undefined {
  const c = s.body["config"];
  return isObject(c) ? c : undefined;
}

function container(s: Subject): JsonObject {
  return asObject(s.body["container"]);
}

/** `listener "tcp" { ... }` bodies. */
function tcpListeners(c: JsonObject): JsonObject[] {
  return objects(asObject(c["listener"])["tcp"]);
}

function raftJoins(c: JsonObject): JsonObject[] {
  return objects(asObject(c["storage"])["raft"]).flatMap((r) => objects(r["retry_join"]));
}

function port(address: string | undefined, fallback: number): number {
  const m = /:(\d+)$/.exec(address ?? "");
  return m ? Number(m[1]) : fallback;
}

/** Rules on the configuration only run when it was read; UY-VS-CFG-1 reports when it was not. */
function withConfig(check: (c: JsonObject, s: Subject) => string[]): (s: Subject) => string[] {
  return (s) => {
    const c = config(s);
    return c ? check(c, s) : [];
  };
}

const TLS_VERSIONS = ["tls10", "tls11", "tls12", "tls13"];

export const vaultServerRules: readonly Rule[] = [
  {
    id: "UY-VS-CFG-1",
    pack: "vault-server",
    level: "error",
    title: "The server reads one configuration file, known at synth",
    rationale:
      "Vault merges several -config files (and VAULT_LOCAL_CONFIG) non-deterministically; a configuration the guardrails cannot read cannot be verified, so every other Vault server rule would pass vacuously.",
    fix: "Run `vault server -config=<one file>` with the file rendered from the typed configuration and delivered by a VolumeSeed.",
    source: `${GUIDE}: "Be aware of non-deterministic configuration file merging"`,
    securitySeverity: "6.0",
    appliesTo: SERVER,
    check: (s) => {
      const problem = asString(s.body["configProblem"]);
      return problem ? [problem] : [];
    },
  },
  {
    id: "UY-VS-DEV-1",
    pack: "vault-server",
    level: "error",
    title: "Never dev mode",
    rationale: "A dev server keeps everything in memory, listens without TLS, starts unsealed and prints a root token.",
    fix: "Remove `-dev*` flags and VAULT_DEV_* variables; run with a configuration file.",
    source: `${GUIDE}: "Use end-to-end TLS", "Avoid root tokens"; Vault docs: dev server mode is never for production`,
    securitySeverity: "9.5",
    appliesTo: SERVER,
    check: (s) => [
      ...strings(s.body["args"]).filter((a) => /^--?dev(-|=|$)/.test(a)).map((a) => `runs with ${a}`),
      ...Object.keys(asObject(s.body["env"])).filter((k) => k.startsWith("VAULT_DEV_")).map((k) => `sets ${k}`),
    ],
  },
  {
    id: "UY-VS-TLS-1",
    pack: "vault-server",
    level: "error",
    title: "Every listener serves TLS, and addresses are https",
    rationale: "Tokens, secrets and unseal keys cross the API; without TLS anyone on the network path reads them.",
    fix: "Give every tcp listener `tls_cert_file` and `tls_key_file`, never `tls_disable`; use https for api_addr and cluster_addr.",
    source: `${GUIDE}: "Use end-to-end TLS"`,
    securitySeverity: "9.0",
    appliesTo: SERVER,
    check: withConfig((c) => {
      const out: string[] = [];
      const listeners = tcpListeners(c);
      if (listeners.length === 0) out.push("no tcp listener is configured");
      listeners.forEach((l) => {
        const at = asString(l["address"]) ?? "127.0.0.1:8200";
        if (isTrue(l["tls_disable"])) out.push(`listener ${at} has tls_disable`);
        else if (!asString(l["tls_cert_file"]) || !asString(l["tls_key_file"])) out.push(`listener ${at} has no tls_cert_file/tls_key_file`);
      });
      for (const key of ["api_addr", "cluster_addr"]) {
        const v = asString(c[key]);
        if (v !== undefined && !v.startsWith("https://")) out.push(`${key} ${JSON.stringify(v)} is not https`);
      }
      return out;
    }),
  },
  {
    id: "UY-VS-TLS-2",
    pack: "vault-server",
    level: "error",
    title: "Listeners require TLS 1.2 at least, TLS 1.3 in prod",
    rationale: "TLS 1.0/1.1 are broken; TLS 1.3 removes the legacy cipher suites and always gives forward secrecy.",
    fix: 'Set `tls_min_version = "tls13"` (environment `vault.tlsMinVersion`); "tls12" only outside prod.',
    source: `${GUIDE}: "Use the safest algorithms available"`,
    securitySeverity: "7.0",
    appliesTo: SERVER,
    check: (s, ctx) => {
      const c = config(s);
      if (!c) return [];
      return tcpListeners(c).flatMap((l) => {
        if (isTrue(l["tls_disable"])) return [];
        const at = asString(l["address"]) ?? "127.0.0.1:8200";
        const v = asString(l["tls_min_version"]) ?? "tls12";
        const rank = TLS_VERSIONS.indexOf(v);
        if (rank < 0) return [`listener ${at}: unknown tls_min_version ${JSON.stringify(v)}`];
        if (rank < 2) return [`listener ${at} accepts ${v}`];
        if (ctx.profile === "prod" && rank < 3) return [`listener ${at} accepts ${v}; the prod profile requires tls13`];
        return [];
      });
    },
  },
  {
    id: "UY-VS-MTLS-1",
    pack: "vault-server",
    level: "warning",
    title: "Listeners require and verify client certificates (mTLS)",
    rationale: "With mTLS only holders of a certificate signed by the environment CA can even reach Vault's API: a stolen token alone is not enough.",
    fix: "Set `tls_require_and_verify_client_cert = true` with `tls_client_ca_file` (environment `vault.mtls: true`).",
    source: `${GUIDE}: "Use end-to-end TLS", "Firewall traffic"`,
    securitySeverity: "5.0",
    appliesTo: SERVER,
    check: withConfig((c) =>
      tcpListeners(c).flatMap((l) => {
        if (isTrue(l["tls_disable"])) return [];
        const at = asString(l["address"]) ?? "127.0.0.1:8200";
        if (!isTrue(l["tls_require_and_verify_client_cert"]) || isTrue(l["tls_disable_client_certs"])) return [`listener ${at} does not require client certificates`];
        return asString(l["tls_client_ca_file"]) ? [] : [`listener ${at} requires client certificates without tls_client_ca_file`];
      }),
    ),
  },
  {
    id: "UY-VS-JOIN-1",
    pack: "vault-server",
    level: "error",
    title: "Raft joins verify the leader over TLS",
    rationale: "A retry_join without a CA or server name trusts whoever answers: a rogue node could receive the joining node's credentials and feed it data.",
    fix: "Give each retry_join an https `leader_api_addr`, `leader_ca_cert_file` and `leader_tls_servername`.",
    source: `${GUIDE}: "Use end-to-end TLS"; Vault Raft retry_join`,
    securitySeverity: "7.5",
    appliesTo: SERVER,
    check: withConfig((c) =>
      raftJoins(c).flatMap((j) => {
        const leader = asString(j["leader_api_addr"]);
        const auto = asString(j["auto_join"]);
        const at = leader ?? auto ?? "(auto_join)";
        const out: string[] = [];
        if (leader !== undefined && !leader.startsWith("https://")) out.push(`retry_join ${at} is not https`);
        if (leader === undefined && auto !== undefined && asString(j["auto_join_scheme"]) === "http") out.push(`retry_join ${at} uses auto_join_scheme http`);
        if (!asString(j["leader_ca_cert_file"]) && !asString(j["leader_ca_cert"])) out.push(`retry_join ${at} has no leader CA: the leader is not verified`);
        if (!asString(j["leader_tls_servername"])) out.push(`retry_join ${at} has no leader_tls_servername`);
        return out;
      }),
    ),
  },
  {
    id: "UY-VS-JOIN-2",
    pack: "vault-server",
    level: "error",
    title: "With mTLS, Raft joins present a client certificate",
    rationale: "When listeners require client certificates, a join that presents none is refused: the node never joins and the cluster runs below quorum.",
    fix: "Set `leader_client_cert_file` and `leader_client_key_file` on every retry_join.",
    source: "Vault Raft retry_join with tls_require_and_verify_client_cert",
    securitySeverity: "4.0",
    appliesTo: SERVER,
    check: withConfig((c) => {
      const mtls = tcpListeners(c).some((l) => isTrue(l["tls_require_and_verify_client_cert"]));
      if (!mtls) return [];
      return raftJoins(c)
        .filter((j) => !(asString(j["leader_client_cert_file"]) ?? asString(j["leader_client_cert"])) || !(asString(j["leader_client_key_file"]) ?? asString(j["leader_client_key"])))
        .map((j) => `retry_join ${asString(j["leader_api_addr"]) ?? "(auto_join)"} presents no client certificate to an mTLS listener`);
    }),
  },
  {
    id: "UY-VS-AUDIT-1",
    pack: "vault-server",
    level: "error",
    title: "An OpenBao server declares its audit devices, hashed and private",
    rationale:
      "OpenBao refuses to enable audit devices through the API; they exist only if every node's configuration declares them, and every node must (a standby that becomes active applies its own). Raw logging or an open file mode hands secrets to the host.",
    fix: "Keep `vault.audit.file`/`vault.audit.stdout` on: VaultCluster renders them as `audit` blocks for OpenBao; never `log_raw`, file modes like 0600.",
    source: `OpenBao: declarative audit devices (sys/audit refuses API creation); ${GUIDE}: "Enable audit device logs"`,
    securitySeverity: "7.0",
    appliesTo: SERVER,
    check: withConfig((c, s) => {
      if (asString(s.body["binary"]) !== "bao") return [];
      const devices = Object.entries(asObject(c["audit"])).flatMap(([type, byPath]) =>
        Object.entries(asObject(byPath)).flatMap(([path, bodies]) => objects(bodies).map((b) => ({ type, path, body: b }))),
      );
      if (devices.length === 0) return ["the configuration declares no audit device, and OpenBao enables none through the API"];
      return devices.flatMap((d) => auditOptionProblems(d.type, asObject(d.body["options"])).map((p) => `audit "${d.type}" "${d.path}": ${p}`));
    }),
  },
  {
    id: "UY-VS-MLOCK-1",
    pack: "vault-server",
    level: "error",
    title: "Memory cannot reach disk: mlock disabled only with swap off",
    rationale:
      "With integrated storage HashiCorp recommends disable_mlock, and then swap must be off or Vault's memory (keys, secrets) can be paged to disk; with mlock on, the container needs IPC_LOCK or Vault refuses to start.",
    fix: "Keep `disable_mlock = true` with the container's `memory_swap` equal to `memory`; or, with mlock, add IPC_LOCK. OpenBao has no mlock: keep `memory_swap` equal to `memory`.",
    source: `${GUIDE}: "Disable swap", "Consider memory usage when configuring disable_mlock with integrated storage"`,
    securitySeverity: "6.0",
    appliesTo: SERVER,
    check: withConfig((c, s) => {
      const box = container(s);
      const swapOff = (problem: string): string[] => {
        const memory = asNumber(box["memory"]);
        const swap = asNumber(box["memory_swap"]);
        return memory !== undefined && swap === memory ? [] : [`${problem} (memory ${memory ?? "unset"}, memory_swap ${swap ?? "unset"})`];
      };
      // OpenBao 2.x has no mlock at all: swap must be off.
      if (asString(s.body["binary"]) === "bao") return swapOff("OpenBao cannot lock memory and swap is allowed");
      if (isTrue(c["disable_mlock"])) return swapOff("disable_mlock with swap allowed");
      const add = strings(asObject(objects(box["capabilities"])[0])["add"]).map((x) => x.toUpperCase().replace(/^CAP_/, ""));
      return add.includes("IPC_LOCK") ? [] : ["mlock is on (disable_mlock unset or false) but the container lacks IPC_LOCK: Vault cannot start"];
    }),
  },
  {
    id: "UY-VS-NET-1",
    pack: "vault-server",
    level: "error",
    title: "Only the API port is published; the cluster port never",
    rationale: "Port 8201 carries Raft and request forwarding between nodes; it belongs on the internal Raft network, not on the host.",
    fix: "Publish only the listener's API port; keep cluster_address on the internal network.",
    source: `${GUIDE}: "Firewall traffic"`,
    securitySeverity: "6.5",
    appliesTo: SERVER,
    check: withConfig((c, s) => {
      const listeners = tcpListeners(c);
      const api = new Set(listeners.map((l) => port(asString(l["address"]), 8200)));
      const cluster = new Set(listeners.map((l) => port(asString(l["cluster_address"]), 8201)));
      return objects(container(s)["ports"]).flatMap((p) => {
        const internal = asNumber(p["internal"]);
        if (internal === undefined) return [];
        if (cluster.has(internal)) return [`publishes the cluster port ${internal}`];
        return api.has(internal) ? [] : [`publishes port ${internal}, which is not an API listener`];
      });
    }),
  },
  {
    id: "UY-VS-WRITE-1",
    pack: "vault-server",
    level: "error",
    title: "Configuration and TLS files are on read-only mounts",
    rationale: "The Vault process must not be able to rewrite its own configuration or certificates; only Raft data and audit logs may be writable.",
    fix: "Mount the configuration volume read-only (`read_only = true`); keep the rootfs read-only.",
    source: `${GUIDE}: "Allow minimal write privileges", "Use correct filesystem permissions"`,
    securitySeverity: "6.0",
    appliesTo: SERVER,
    check: withConfig((c, s) => {
      const files = new Set<string>(strings(s.body["configFiles"]));
      for (const l of tcpListeners(c)) for (const k of ["tls_cert_file", "tls_key_file", "tls_client_ca_file"]) {
        const f = asString(l[k]);
        if (f) files.add(f);
      }
      for (const j of raftJoins(c)) for (const k of ["leader_ca_cert_file", "leader_client_cert_file", "leader_client_key_file"]) {
        const f = asString(j[k]);
        if (f) files.add(f);
      }
      const box = container(s);
      const rootReadOnly = isTrue(box["read_only"]);
      const mounts = objects(box["volumes"]).map((v) => ({ path: (asString(v["container_path"]) ?? "").replace(/\/$/, ""), readOnly: isTrue(v["read_only"]) }));
      return [...files].flatMap((f) => {
        const mount = mounts.filter((m) => f.startsWith(`${m.path}/`)).sort((a, b) => b.path.length - a.path.length)[0];
        const writable = mount ? !mount.readOnly : !rootReadOnly;
        return writable ? [`${f} is writable by the server (${mount ? `volume at ${mount.path} is read-write` : "read-write root filesystem"})`] : [];
      });
    }),
  },
  {
    id: "UY-VS-HSTS-1",
    pack: "vault-server",
    level: "warning",
    title: "Listeners send an HSTS header",
    rationale: "Strict-Transport-Security keeps browsers (the UI) from ever falling back to plain http.",
    fix: 'Set `custom_response_headers { default = { "Strict-Transport-Security" = ["max-age=31536000; includeSubDomains"] } }`.',
    source: `${GUIDE}: "Use end-to-end TLS" (HSTS via custom response headers)`,
    securitySeverity: "3.0",
    appliesTo: SERVER,
    check: withConfig((c) =>
      tcpListeners(c).flatMap((l) => {
        if (isTrue(l["tls_disable"])) return [];
        const headers = objects(l["custom_response_headers"]).map((h) => asObject(h["default"]));
        const ok = headers.some((h) => Object.keys(h).some((k) => k.toLowerCase() === "strict-transport-security"));
        return ok ? [] : [`listener ${asString(l["address"]) ?? ""} sends no Strict-Transport-Security header`];
      }),
    ),
  },
  {
    id: "UY-VS-TEL-1",
    pack: "vault-server",
    level: "warning",
    title: "Metrics are not served unauthenticated",
    rationale: "Unauthenticated /sys/metrics tells anyone who can reach the API about the cluster's state and usage.",
    fix: "Leave `telemetry { unauthenticated_metrics_access = false }` on every listener.",
    source: "Vault tcp listener telemetry parameters",
    securitySeverity: "3.0",
    appliesTo: SERVER,
    check: withConfig((c) =>
      tcpListeners(c)
        .filter((l) => objects(l["telemetry"]).some((t) => isTrue(t["unauthenticated_metrics_access"])))
        .map((l) => `listener ${asString(l["address"]) ?? ""} allows unauthenticated metrics`),
    ),
  },
  {
    id: "UY-VS-SEAL-1",
    pack: "vault-server",
    level: "error",
    title: "No clear-text credentials in seal stanzas",
    rationale: "A KMS secret key, transit token or HSM PIN written in the configuration is readable by everyone who can read the file (and here, the synthesized JSON and state).",
    fix: "Use platform identity, or pass the credential through the environment (e.g. VAULT_HSM_PIN) from a secret file.",
    source: `${GUIDE}: "Do not use clear text credentials"`,
    securitySeverity: "8.0",
    appliesTo: SERVER,
    check: withConfig((c) => {
      const secretKeys = ["token", "secret_key", "access_key", "client_secret", "pin", "password"];
      const out: string[] = [];
      const seal = c["seal"];
      const visit = (v: Json | undefined, where: string): void => {
        if (Array.isArray(v)) v.forEach((x) => visit(x, where));
        else if (isObject(v)) {
          for (const [k, x] of Object.entries(v)) {
            if (secretKeys.includes(k) && typeof x === "string" && x !== "") out.push(`seal ${where}: ${k} is written in clear text`);
            else visit(x, where === "" ? k : where);
          }
        }
      };
      visit(seal, "");
      return out;
    }),
  },
];
