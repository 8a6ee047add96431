/**
 * What a security reviewer must see, and what can lose data, in a diff between two synthesized
 * environments. Each check compares a resource's base and head configuration (created resources
 * are checked against absolute rules); none of them needs a live Docker or Vault.
 */
import { type Json, type JsonObject, type StackSet, isObject, resourcesOf, dockerLabels, block, stringList, resolvedReferencesIn, expressionsOf, isPureExpression, type ResourceEntry } from "./tf-json";
import { changedLines, scrubPem } from "./values";
import { isEveryInterface } from "../../kernel/invariants";
import type { StackDiff, ResourceChange } from "./diff";

export interface Flag {
  readonly category: "security" | "data-loss" | "guardrail";
  readonly stack: string;
  /** Resource address(es) with their names, comma-separated (or a construct path for guardrail errors, or "stack"). */
  readonly subject: string;
  /** The same, one entry per resource. */
  readonly subjects?: readonly string[];
  readonly title: string;
  readonly detail: string;
}

interface Context {
  readonly base: StackSet;
  readonly head: StackSet;
  readonly stacks: readonly StackDiff[];
}

export function securityAndDataLossFlags(ctx: Context): Flag[] {
  const flags: Flag[] = [];
  for (const sd of ctx.stacks) {
    const baseRes = resourcesOf(sd.id, ctx.base[sd.id]);
    const headRes = resourcesOf(sd.id, ctx.head[sd.id]);
    const add = (rc: ResourceChange | undefined, category: Flag["category"], title: string, detail: string, subject?: string) => {
      flags.push({ category, stack: sd.id, subject: subject ?? (rc ? `${rc.address}${rc.label ? ` (${rc.label})` : ""}` : "stack"), title, detail });
    };
    for (const rc of sd.resources) {
      const b = baseRes.get(rc.address);
      const h = headRes.get(rc.address);
      const emit = (category: Flag["category"], title: string, detail: string) => add(rc, category, title, detail);
      protectionChecks(rc, b?.config, h?.config, emit);
      switch (rc.type) {
        case "docker_container":
          containerChecks(ctx, sd.id, b, h, emit);
          break;
        case "docker_image":
          imageChecks(b?.config, h?.config, emit);
          break;
        case "docker_network":
          networkChecks(b?.config, h?.config, emit);
          break;
        case "docker_volume":
          volumeChecks(rc, b?.config, h?.config, emit);
          break;
        case "vault_policy":
          policyChecks(rc, b?.config, h?.config, emit);
          break;
        case "vault_mount":
          if (rc.action === "replace" || rc.action === "destroy") {
            emit("data-loss", `secrets mount ${rc.action === "replace" ? "replaced" : "removed"}`, `${describeMount(b?.config)}: every secret stored under it is lost${rc.action === "replace" ? ` (${rc.reasons.join("; ")})` : ""}`);
          }
          break;
        case "vault_kv_secret_v2":
          if (rc.action === "destroy" || rc.action === "replace") emit("data-loss", `KV secret ${rc.action === "replace" ? "replaced" : "removed"}`, "its versions are deleted");
          break;
        case "vault_generic_endpoint": {
          const path = String(h?.config["path"] ?? b?.config["path"] ?? "");
          if (/^totp\/keys\//.test(path) && (rc.action === "replace" || rc.action === "destroy" || rc.changes.some((c) => c.attribute === "data_json"))) {
            emit("data-loss", "TOTP key rewritten or removed", `${path}: every write re-generates the seed, enrolled authenticators stop working`);
          }
          break;
        }
        case "vault_audit":
          if (rc.action === "destroy") emit("security", "audit device removed", `${describeAudit(b?.config)} no longer records requests`);
          else if (rc.action === "replace") emit("security", "audit device replaced", `${describeAudit(b?.config)} is disabled then enabled again: requests in between are not audited by it`);
          if (h && b && String(block(h.config["options"])?.["log_raw"]) === "true" && String(block(b.config["options"])?.["log_raw"]) !== "true") {
            emit("security", "audit log_raw enabled", "secrets are written to the audit log in clear text");
          }
          break;
        case "vault_database_secret_backend_connection":
          databaseConnectionChecks(b?.config, h?.config, emit);
          break;
        case "vault_database_secret_backend_role":
          databaseRoleChecks(b?.config, h?.config, emit);
          break;
        case "tls_private_key":
          keyChecks(b?.config, h?.config, emit);
          break;
        case "tls_self_signed_cert":
        case "tls_locally_signed_cert":
          certificateChecks(rc, b?.config, h?.config, emit);
          break;
      }
      if (rc.type.startsWith("vault_") || rc.type.startsWith("tls_")) accessChecks(b?.config, h?.config, emit);
      textChecks(b?.config, h?.config, emit);
    }

    // More than one Vault server replaced or removed in one apply: quorum and Raft data at risk.
    const vaultNodes = sd.resources.filter((rc) => {
      if (rc.type !== "docker_container" || (rc.action !== "replace" && rc.action !== "destroy")) return false;
      const name = String(headRes.get(rc.address)?.config["name"] ?? baseRes.get(rc.address)?.config["name"] ?? "");
      return /-vault-\d+$/.test(name);
    });
    if (vaultNodes.length > 1) {
      add(undefined, "data-loss", `${vaultNodes.length} Vault nodes replaced in one apply`,
        `${vaultNodes.map((n) => `${n.address} (${n.action})`).join(", ")}: Raft loses quorum while they restart (and its data with a node whose volume goes); roll nodes one at a time (vault.nodeImages)`);
    }

    // Stack settings: state location and provider trust.
    const bt = ctx.base[sd.id]?.terraform;
    const ht = ctx.head[sd.id]?.terraform;
    if (bt && ht && JSON.stringify(bt["backend"]) !== JSON.stringify(ht["backend"])) {
      add(undefined, "data-loss", "state location changed", `backend ${JSON.stringify(bt["backend"])} → ${JSON.stringify(ht["backend"])}: without a state migration Terraform no longer sees the existing objects and plans to create them again`);
    }
    const bv = block((ctx.base[sd.id]?.provider?.["vault"] ?? []) as Json);
    const hv = block((ctx.head[sd.id]?.provider?.["vault"] ?? []) as Json);
    if (hv) {
      if (hv["skip_tls_verify"] === true && bv?.["skip_tls_verify"] !== true) add(undefined, "security", "Vault provider skips TLS verification", "skip_tls_verify = true", "provider.vault");
      if (typeof hv["address"] === "string" && hv["address"].startsWith("http://")) add(undefined, "security", "Vault provider over plain HTTP", String(hv["address"]), "provider.vault");
      if (bv?.["ca_cert_file"] !== undefined && hv["ca_cert_file"] === undefined) add(undefined, "security", "Vault provider no longer pins the CA", "ca_cert_file removed", "provider.vault");
      if (hv["skip_child_token"] === true && bv?.["skip_child_token"] !== true) add(undefined, "security", "Vault provider uses its token directly", "skip_child_token = true: the long-lived token is used instead of a short child token", "provider.vault");
      ttlCheck("max_lease_ttl_seconds", bv?.["max_lease_ttl_seconds"], hv["max_lease_ttl_seconds"], (t, d) => add(undefined, "security", t, d, "provider.vault"));
    }
  }
  return mergeFlags(flags);
}

/** One flag per finding: identical findings on several resources of a stack are listed together. */
function mergeFlags(flags: Flag[]): Flag[] {
  const out: Flag[] = [];
  const index = new Map<string, number>();
  for (const f of flags) {
    const k = `${f.category}|${f.stack}|${f.title}|${f.detail}`;
    const i = index.get(k);
    if (i === undefined) {
      index.set(k, out.length);
      out.push(f);
    } else {
      const subjects = [...(out[i]!.subjects ?? [out[i]!.subject]), f.subject];
      out[i] = { ...out[i]!, subject: subjects.join(", "), subjects };
    }
  }
  return out;
}

type Emit = (category: Flag["category"], title: string, detail: string) => void;

function protectionChecks(rc: ResourceChange, b: JsonObject | undefined, h: JsonObject | undefined, emit: Emit): void {
  const wasProtected = block(b?.["lifecycle"])?.["prevent_destroy"] === true;
  if (!wasProtected) return;
  if (!h) {
    if (!["docker_volume", "vault_mount"].includes(rc.type)) {
      emit("data-loss", "protected resource removed", "it had prevent_destroy; removing it from the configuration removes the protection too, so Terraform destroys it");
    }
    return;
  }
  if (block(h["lifecycle"])?.["prevent_destroy"] !== true) {
    emit("security", "destroy protection lifted", "lifecycle.prevent_destroy true → false (allowDataLoss?): a later change can destroy this object and its data");
  }
}

// ---------------------------------------------------------------- containers

interface Port {
  readonly ip: string;
  readonly external: string;
  readonly internal: string;
  readonly protocol: string;
}

interface Posture {
  readonly readOnly: boolean;
  readonly privileged: boolean;
  readonly capAdd: string[];
  readonly dropsAll: boolean;
  readonly noNewPrivileges: boolean;
  readonly unconfined: string[];
  readonly user: string;
  readonly root: boolean;
  readonly ports: Port[];
  readonly publishAll: boolean;
  readonly hostModes: string[];
  readonly binds: { source: string; target: string; readOnly: boolean }[];
  readonly volumes: Map<string, boolean>;
  readonly memory: number | undefined;
  readonly tmpfs: Map<string, string>;
  readonly networks: string[];
}

function posture(c: JsonObject): Posture {
  const caps = block(c["capabilities"]);
  const securityOpts = stringList(c["security_opts"]);
  const user = typeof c["user"] === "string" ? c["user"] : "";
  const ports: Port[] = (Array.isArray(c["ports"]) ? c["ports"] : []).filter(isObject).map((p) => ({
    ip: typeof p["ip"] === "string" ? p["ip"] : "0.0.0.0",
    external: String(p["external"] ?? "(random)"),
    internal: String(p["internal"] ?? ""),
    protocol: String(p["protocol"] ?? "tcp"),
  }));
  const binds: Posture["binds"] = [];
  const volumes = new Map<string, boolean>();
  for (const v of Array.isArray(c["volumes"]) ? c["volumes"] : []) {
    if (!isObject(v)) continue;
    const target = String(v["container_path"] ?? "");
    if (typeof v["host_path"] === "string") binds.push({ source: v["host_path"], target, readOnly: v["read_only"] === true });
    else volumes.set(target, v["read_only"] === true);
  }
  for (const m of Array.isArray(c["mounts"]) ? c["mounts"] : []) {
    if (!isObject(m)) continue;
    const target = String(m["target"] ?? "");
    if (m["type"] === "bind") binds.push({ source: String(m["source"] ?? ""), target, readOnly: m["read_only"] === true });
    else if (m["type"] === "volume") volumes.set(target, m["read_only"] === true);
  }
  const tmpfs = new Map<string, string>();
  const t = c["tmpfs"];
  if (isObject(t)) for (const [k, v] of Object.entries(t)) tmpfs.set(k, String(v));
  const hostModes = ["network_mode", "pid_mode", "ipc_mode", "userns_mode", "cgroupns_mode"].filter((k) => c[k] === "host").map((k) => `${k} = "host"`);
  return {
    readOnly: c["read_only"] === true,
    privileged: c["privileged"] === true,
    capAdd: stringList(caps?.["add"]).map((x) => x.toUpperCase().replace(/^CAP_/, "")),
    dropsAll: stringList(caps?.["drop"]).some((x) => x.toUpperCase() === "ALL"),
    noNewPrivileges: securityOpts.some((o) => /^no-new-privileges(:true|=true)?$/.test(o)),
    unconfined: securityOpts.filter((o) => /unconfined/.test(o)),
    user,
    root: user === "" || /^(0|root)(:|$)/.test(user),
    ports,
    publishAll: c["publish_all_ports"] === true,
    hostModes,
    binds,
    volumes,
    memory: typeof c["memory"] === "number" ? c["memory"] : undefined,
    tmpfs,
    networks: (Array.isArray(c["networks_advanced"]) ? c["networks_advanced"] : []).filter(isObject).map((n) => String(n["name"] ?? "")),
  };
}

const portText = (p: Port) => `${p.ip || "0.0.0.0"}:${p.external}→${p.internal}/${p.protocol}`;

/** Name and internal flag of the docker_network a networks_advanced name points at. */
function networkInfo(stacks: StackSet, stackId: string, ref: string): { name: string; internal: boolean | undefined } {
  for (const r of resolvedReferencesIn(stacks, stackId, ref)) {
    if (r.ref.type !== "docker_network") continue;
    const n = resourcesOf(r.stack, stacks[r.stack]).get(r.ref.address)?.config;
    if (n) return { name: String(n["name"] ?? r.ref.address), internal: n["internal"] === true };
  }
  return { name: ref, internal: undefined };
}

function containerChecks(ctx: Context, stackId: string, be: ResourceEntry | undefined, he: ResourceEntry | undefined, emit: Emit): void {
  if (!he) return;
  const h = posture(he.config);
  const b = be ? posture(be.config) : undefined;
  const weak = (title: string, detail: string) => emit("security", title, detail);
  if (h.privileged && !b?.privileged) weak("privileged container", "privileged = true: every capability and device of the host");
  const addedCaps = h.capAdd.filter((x) => !b?.capAdd.includes(x));
  if (addedCaps.length && b) weak("capabilities added", `cap_add ${addedCaps.join(", ")}`);
  if (b?.dropsAll && !h.dropsAll) weak("capabilities no longer dropped", 'capabilities.drop no longer contains "ALL"');
  if (b?.noNewPrivileges && !h.noNewPrivileges) weak("no-new-privileges removed", "security_opts lost no-new-privileges:true: setuid binaries can raise privileges");
  const unconfined = h.unconfined.filter((o) => !b?.unconfined.includes(o));
  if (unconfined.length) weak("confinement disabled", unconfined.join(", "));
  for (const m of h.hostModes) if (!b?.hostModes.includes(m)) weak("host namespace shared", m);
  if (b) {
    if (b.readOnly && !h.readOnly) weak("hardening weakened: writable root filesystem", "read_only true → false");
    if (!b.root && h.root) weak("hardening weakened: runs as root", `user ${JSON.stringify(b.user)} → ${JSON.stringify(h.user || "(image default)")}`);
    if (b.memory !== undefined && h.memory === undefined) weak("memory limit removed", `memory ${b.memory} MB → unlimited`);
    for (const [target, ro] of h.volumes) if (b.volumes.get(target) === true && !ro) weak("volume mount made writable", `${target} read_only true → false`);
    for (const [target, opts] of h.tmpfs) {
      const before = b.tmpfs.get(target);
      const lost = ["noexec", "nosuid", "nodev"].filter((o) => before?.split(",").includes(o) && !opts.split(",").includes(o));
      if (lost.length) weak("tmpfs options weakened", `${target} lost ${lost.join(", ")}`);
    }
  } else {
    const missing = [
      !h.readOnly && "writable root filesystem",
      h.root && `runs as ${h.user ? JSON.stringify(h.user) : "the image's default user"} (root)`,
      !h.dropsAll && "capabilities not dropped",
      !h.noNewPrivileges && "no no-new-privileges",
      addedCaps.length > 0 && `adds capabilities ${addedCaps.join(", ")}`,
    ].filter((x): x is string => typeof x === "string");
    if (missing.length) weak("new container without full hardening", missing.join("; "));
  }
  // Ports
  const before = new Set((b?.ports ?? []).map(portText));
  for (const p of h.ports) {
    if (before.has(portText(p))) continue;
    const all = isEveryInterface(p.ip);
    weak(all ? "port exposed on all interfaces" : "port published", `${portText(p)}${all ? " (0.0.0.0 is the provider's default: every host interface)" : ""}`);
  }
  if (h.publishAll && !b?.publishAll) weak("all ports published", "publish_all_ports = true: every EXPOSEd port on a random host port of every interface");
  // Host paths
  for (const bind of h.binds) {
    if (b?.binds.some((x) => x.source === bind.source && x.target === bind.target && (x.readOnly || !bind.readOnly))) continue;
    const sock = /docker\.sock|containerd\.sock/.test(bind.source);
    weak(sock ? "Docker socket mounted" : "host path mounted", `${bind.source} → ${bind.target}${bind.readOnly ? " (ro)" : " (rw)"}${sock ? ": root on the host" : ""}`);
  }
  // Networks
  if (b) {
    for (const n of h.networks) {
      if (b.networks.includes(n)) continue;
      const info = networkInfo(ctx.head, stackId, n);
      weak("container joins a network", `${info.name}${info.internal === false ? " (not internal: egress and publishing)" : info.internal ? " (internal)" : ""}: it can reach every container there`);
    }
  }
  // Secrets in env
  for (const e of stringList(he.config["env"])) {
    const eq = e.indexOf("=");
    const name = eq > 0 ? e.slice(0, eq) : e;
    const value = eq > 0 ? e.slice(eq + 1) : "";
    if (!/(PASSWORD|PASSWD|SECRET|TOKEN|PRIVATE_KEY|API_KEY)/i.test(name) || /_(FILE|PATH|DIR)$/i.test(name) || value.startsWith("/") || value === "") continue;
    if (stringList(be?.config["env"]).includes(e)) continue;
    weak("secret in container environment", `${name}=… (${isPureExpression(value) ? "from " + value : "literal value"}): env is visible in docker inspect and in state; use a *_FILE variable`);
  }
}

function imageChecks(b: JsonObject | undefined, h: JsonObject | undefined, emit: Emit): void {
  const bn = typeof b?.["name"] === "string" ? b["name"] : undefined;
  const hn = typeof h?.["name"] === "string" ? h["name"] : undefined;
  if (!bn || !hn || bn === hn) return;
  if (bn.includes("@sha256:") && !hn.includes("@sha256:")) emit("security", "image no longer pinned by digest", `${bn} → ${hn}`);
  const repo = (n: string) => n.split("@")[0]!.replace(/:[^/:]+$/, "");
  if (repo(bn) !== repo(hn)) emit("security", "image repository changed", `${repo(bn)} → ${repo(hn)}`);
}

function networkChecks(b: JsonObject | undefined, h: JsonObject | undefined, emit: Emit): void {
  if (!h) return;
  const opts = (c: JsonObject | undefined) => (isObject(c?.["options"]) ? (c!["options"] as JsonObject) : {});
  if (b && b["internal"] === true && h["internal"] !== true) emit("security", "network no longer internal", `${String(h["name"])}: containers on it get egress and can publish ports`);
  if (!b && h["internal"] !== true) emit("security", "new non-internal network", `${String(h["name"])}: egress and port publishing`);
  const bi = opts(b)["com.docker.network.bridge.enable_icc"];
  const hi = opts(h)["com.docker.network.bridge.enable_icc"];
  if (b && String(bi) === "false" && String(hi) !== "false") emit("security", "inter-container traffic enabled", `${String(h["name"])}: enable_icc false → ${String(hi ?? "default (true)")}`);
  const bb = opts(b)["com.docker.network.bridge.host_binding_ipv4"];
  const hb = opts(h)["com.docker.network.bridge.host_binding_ipv4"];
  if (b && bb !== undefined && bb !== hb) emit("security", "publishing interface changed", `${String(h["name"])}: host_binding_ipv4 ${String(bb)} → ${String(hb ?? "default (0.0.0.0)")}`);
}

function volumeChecks(rc: ResourceChange, b: JsonObject | undefined, h: JsonObject | undefined, emit: Emit): void {
  if (!b || (rc.action !== "replace" && rc.action !== "destroy")) return;
  const stateful = dockerLabels(b)["uyoop.stateful"];
  const protectedBefore = block(b["lifecycle"])?.["prevent_destroy"] === true;
  if (stateful === undefined && !protectedBefore) return;
  const what = `${String(b["name"] ?? rc.address)}${stateful ? ` (stateful: ${stateful})` : ""}`;
  if (rc.action === "destroy") {
    emit("data-loss", "protected volume removed", `${what}: removed from the configuration, so prevent_destroy goes with it and Terraform deletes the volume and its data`);
  } else {
    const stillProtected = block(h?.["lifecycle"])?.["prevent_destroy"] === true;
    emit("data-loss", "protected volume replaced", `${what}: ${rc.reasons.join("; ")}; ${stillProtected ? "prevent_destroy makes this plan fail; lifting it deletes the data" : "the volume and its data are deleted"}`);
  }
}

function describeMount(c: JsonObject | undefined): string {
  return c ? `${String(c["path"] ?? "?")}/ (${String(c["type"] ?? "?")})` : "mount";
}
function describeAudit(c: JsonObject | undefined): string {
  return c ? `audit device ${String(c["path"] ?? c["type"] ?? "?")}` : "audit device";
}

// ---------------------------------------------------------------- Vault policies

/** Paths and capabilities of a Vault ACL policy (HCL), by a small brace-aware reader. */
export function policyRules(text: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const src = text.replace(/#[^\n]*/g, "").replace(/\/\/[^\n]*/g, "");
  const re = /path\s+"([^"]+)"\s*\{/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(src))) {
    let depth = 1;
    let j = re.lastIndex;
    for (; j < src.length && depth > 0; j++) {
      if (src[j] === "{") depth++;
      else if (src[j] === "}") depth--;
    }
    const body = src.slice(re.lastIndex, j - 1);
    const caps = /capabilities\s*=\s*\[([^\]]*)\]/.exec(body);
    const set = out.get(m[1]!) ?? new Set<string>();
    for (const c of (caps?.[1] ?? "").matchAll(/"([^"]+)"/g)) set.add(c[1]!);
    out.set(m[1]!, set);
    re.lastIndex = j;
  }
  return out;
}

function policyChecks(rc: ResourceChange, b: JsonObject | undefined, h: JsonObject | undefined, emit: Emit): void {
  const text = h?.["policy"];
  if (typeof text !== "string" || isPureExpression(text)) return;
  const name = String(h?.["name"] ?? rc.address);
  const head = policyRules(text);
  const before = typeof b?.["policy"] === "string" ? policyRules(b["policy"]) : undefined;
  const widened: string[] = [];
  for (const [path, caps] of head) {
    const old = before?.get(path);
    if (before) {
      const added = [...caps].filter((c) => c !== "deny" && !old?.has(c));
      if (old?.has("deny") && !caps.has("deny")) widened.push(`"${path}" no longer denied`);
      if (added.length) widened.push(`"${path}" ${old ? "gains" : "(new path)"} ${added.join(", ")}`);
    } else if (caps.has("sudo") || path === "*" || /^[^/*]+\/\*$/.test(path) || path === "+/*") {
      widened.push(`"${path}": ${[...caps].join(", ")}`);
    }
  }
  if (widened.length) {
    const sudo = widened.some((w) => /\bsudo\b/.test(w));
    emit("security", before ? `policy widened${sudo ? " (sudo)" : ""}` : "new policy with broad rights", `${name}: ${widened.join("; ")}`);
  }
}

// ---------------------------------------------------------------- TTLs and access restrictions

function seconds(v: Json | undefined): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v !== "string" || v.trim() === "") return undefined;
  if (/^\d+$/.test(v)) return Number(v);
  let total = 0;
  let matched = false;
  for (const m of v.matchAll(/(\d+(?:\.\d+)?)(h|m|s|d)/g)) {
    matched = true;
    total += Number(m[1]) * { d: 86400, h: 3600, m: 60, s: 1 }[m[2] as "d" | "h" | "m" | "s"];
  }
  return matched ? total : undefined;
}

function human(s: number): string {
  if (s % 86400 === 0 && s >= 86400) return `${s / 86400}d`;
  if (s % 3600 === 0 && s >= 3600) return `${s / 3600}h`;
  if (s % 60 === 0 && s >= 60) return `${s / 60}m`;
  return `${s}s`;
}

const TTL_KEY = /(^|_)(ttl|period)(_seconds)?$|lease_ttl|^ttl$/;

function ttlCheck(key: string, before: Json | undefined, after: Json | undefined, emit: (title: string, detail: string) => void, unitHours = false): void {
  const f = unitHours ? 3600 : 1;
  const b = seconds(before);
  const a = seconds(after);
  if (b === undefined || b === 0) return;
  if (a === undefined || a === 0) emit("TTL lengthened", `${key} ${human(b * f)} → ${a === 0 ? "0" : "unset"} (the mount/system default, up to 32 days)`);
  else if (a > b) emit("TTL lengthened", `${key} ${human(b * f)} → ${human(a * f)}`);
}

const RESTRICTIONS = ["token_bound_cidrs", "secret_id_bound_cidrs", "cidr_list", "bound_cidrs", "allowed_common_names", "allowed_dns_sans", "allowed_email_sans", "allowed_uri_sans", "allowed_organizational_units", "allowed_names", "allowed_roles"];
const GRANTS = ["token_policies", "policies", "allowed_policies"];

function accessChecks(b: JsonObject | undefined, h: JsonObject | undefined, emit: Emit): void {
  if (!b || !h) return;
  for (const key of Object.keys(h)) {
    if (TTL_KEY.test(key)) ttlCheck(key, b[key], h[key], (t, d) => emit("security", t, d), key === "validity_period_hours");
  }
  if (h["validity_period_hours"] !== undefined) ttlCheck("validity_period_hours", b["validity_period_hours"], h["validity_period_hours"], (t, d) => emit("security", t.replace("TTL", "certificate validity"), d), true);
  for (const key of ["secret_id_num_uses", "token_num_uses"]) {
    const bb = seconds(b[key]);
    const hh = seconds(h[key]);
    if (bb !== undefined && bb > 0 && (hh === undefined || hh === 0)) emit("security", "use limit removed", `${key} ${bb} → unlimited`);
    else if (bb !== undefined && hh !== undefined && hh > bb && bb > 0) emit("security", "use limit raised", `${key} ${bb} → ${hh}`);
  }
  if (b["bind_secret_id"] !== false && h["bind_secret_id"] === false) emit("security", "SecretID no longer required", "bind_secret_id true → false: the RoleID alone logs in");
  if (b["token_no_default_policy"] === true && h["token_no_default_policy"] !== true) emit("security", "default policy attached again", "token_no_default_policy true → false");
  for (const key of RESTRICTIONS) {
    const bl = stringList(b[key]);
    const hl = stringList(h[key]);
    if (bl.length === 0) continue;
    const added = hl.filter((x) => !bl.includes(x));
    if (hl.length === 0) emit("security", "restriction removed", `${key} ${JSON.stringify(bl)} → none`);
    else if (added.length) emit("security", "restriction widened", `${key} gains ${added.join(", ")}`);
  }
  for (const key of GRANTS) {
    const added = stringList(h[key]).filter((x) => !stringList(b[key]).includes(x));
    if (added.length) emit("security", "policies attached", `${key} gains ${added.join(", ")}`);
  }
}

function databaseConnectionChecks(b: JsonObject | undefined, h: JsonObject | undefined, emit: Emit): void {
  if (!b || !h) return;
  const pb = block(b["postgresql"]);
  const ph = block(h["postgresql"]);
  const rank = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"];
  const mode = (c: JsonObject | undefined) => /sslmode=([a-z-]+)/.exec(String(c?.["connection_url"] ?? ""))?.[1];
  const mb = mode(pb);
  const mh = mode(ph) ?? "prefer (libpq default)";
  if (mb && rank.indexOf(mh.split(" ")[0]!) < rank.indexOf(mb)) emit("security", "database TLS weakened", `sslmode ${mb} → ${mh}`);
  if (pb?.["tls_ca"] !== undefined && ph?.["tls_ca"] === undefined) emit("security", "database CA no longer pinned", "postgresql.tls_ca removed");
  if (pb?.["password_authentication"] === "scram-sha-256" && ph?.["password_authentication"] !== "scram-sha-256") emit("security", "database password hashing weakened", `password_authentication scram-sha-256 → ${String(ph?.["password_authentication"] ?? "password (default)")}`);
}

function databaseRoleChecks(b: JsonObject | undefined, h: JsonObject | undefined, emit: Emit): void {
  const attrs = (c: JsonObject | undefined) => {
    const text = stringList(c?.["creation_statements"]).join("\n").toUpperCase();
    return new Set(["SUPERUSER", "CREATEDB", "CREATEROLE", "REPLICATION", "BYPASSRLS"].filter((a) => new RegExp(`(^|[^A-Z])${a}`).test(text.replace(new RegExp(`NO${a}`, "g"), ""))));
  };
  const before = attrs(b);
  const gained = [...attrs(h)].filter((a) => !before.has(a));
  if (gained.length) emit("security", "dynamic database role gains privileges", gained.join(", "));
}

// ---------------------------------------------------------------- TLS

function keyStrength(c: JsonObject | undefined): { bits: number; text: string } | undefined {
  if (!c) return undefined;
  const alg = String(c["algorithm"] ?? "");
  if (alg === "RSA") {
    const n = typeof c["rsa_bits"] === "number" ? c["rsa_bits"] : 2048;
    return { bits: n >= 15360 ? 256 : n >= 7680 ? 192 : n >= 4096 ? 152 : n >= 3072 ? 128 : n >= 2048 ? 112 : 80, text: `RSA ${n}` };
  }
  if (alg === "ECDSA") {
    const curve = String(c["ecdsa_curve"] ?? "P224");
    const bits = { P224: 112, P256: 128, P384: 192, P521: 256 }[curve] ?? 0;
    return { bits, text: `ECDSA ${curve}${c["ecdsa_curve"] === undefined ? " (provider default)" : ""}` };
  }
  if (alg === "ED25519") return { bits: 128, text: "ED25519" };
  return undefined;
}

function keyChecks(b: JsonObject | undefined, h: JsonObject | undefined, emit: Emit): void {
  const before = keyStrength(b);
  const after = keyStrength(h);
  if (!after) return;
  if (before && after.bits < before.bits) emit("security", "key size weakened", `${before.text} → ${after.text}`);
  else if (!before && after.bits < 128) emit("security", "weak key", `${after.text} (< 128-bit security)`);
}

function certificateChecks(rc: ResourceChange, b: JsonObject | undefined, h: JsonObject | undefined, emit: Emit): void {
  if (rc.type === "tls_self_signed_cert" && rc.action === "replace" && (b?.["is_ca_certificate"] === true || h?.["is_ca_certificate"] === true)) {
    emit("security", "CA replaced", "every certificate it signed is replaced, and every party trusting the old CA must receive the new one");
  }
  if (!b || !h) return;
  const added = stringList(h["allowed_uses"]).filter((u) => !stringList(b["allowed_uses"]).includes(u));
  if (added.length) emit("security", "certificate usages widened", `allowed_uses gains ${added.join(", ")}`);
  if (b["is_ca_certificate"] !== true && h["is_ca_certificate"] === true) emit("security", "certificate becomes a CA", "is_ca_certificate false → true");
}

// ---------------------------------------------------------------- rendered configuration files

interface LineRule {
  readonly re: RegExp;
  readonly what: string;
}

const RISKY_LINES: readonly LineRule[] = [
  { re: /\btls_disable\s*=\s*("?true"?|"?1"?)\b/, what: "Vault listener TLS disabled" },
  { re: /\btls_require_and_verify_client_cert\s*=\s*false/, what: "client certificates (mTLS) no longer required" },
  { re: /\bunauthenticated_metrics_access\s*=\s*true/, what: "metrics readable without a token" },
  { re: /\b(tls_skip_verify|insecure_skip_verify|skip_verify)\s*=\s*true/, what: "TLS verification skipped" },
  { re: /^\s*ssl\s*=\s*'?(off|false)'?\s*$/, what: "PostgreSQL TLS turned off" },
  { re: /^\s*password_encryption\s*=\s*'?md5/, what: "PostgreSQL md5 password hashing" },
  { re: /^\s*(local|host|hostssl|hostnossl)\s.*\s(trust|password|md5|ident)\s*$/, what: "pg_hba: weak authentication method" },
  { re: /^\s*(hostnossl|host)\s+(?!.*\sreject\s*$)/, what: "pg_hba: accepts connections without TLS" },
  { re: /^\s*host\S*\s+\S+\s+\S+\s+(0\.0\.0\.0\/0|::\/0|all)\s+(?!reject)/, what: "pg_hba: accepts every address" },
  { re: /\blog_raw\s*=\s*"?true/, what: "raw secrets in audit logs" },
];

const VERSION_KEYS: readonly { re: RegExp; order: string[]; what: string }[] = [
  { re: /\btls_min_version\s*=\s*"(tls1[0-3])"/, order: ["tls10", "tls11", "tls12", "tls13"], what: "minimum TLS version lowered" },
  { re: /\bssl_min_protocol_version\s*=\s*'(TLSv1(?:\.[0-3])?)'/, order: ["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"], what: "PostgreSQL minimum TLS version lowered" },
];

function textsOf(value: Json | undefined, where: string, out: { where: string; text: string }[]): void {
  if (typeof value === "string") {
    if (value.includes("\n") && expressionsOf(value).length === 0) out.push({ where, text: value });
  } else if (Array.isArray(value)) {
    value.forEach((v) => textsOf(v, isObject(v) && typeof v["file"] === "string" ? `${where}["${v["file"]}"]` : where, out));
  } else if (isObject(value)) for (const [k, v] of Object.entries(value)) textsOf(v, `${where}.${k}`, out);
}

function textChecks(b: JsonObject | undefined, h: JsonObject | undefined, emit: Emit): void {
  if (!h) return;
  const found = new Set<string>();
  for (const [attr, value] of Object.entries(h)) {
    if (attr === "//" || attr === "lifecycle") continue;
    const headTexts: { where: string; text: string }[] = [];
    textsOf(value, attr, headTexts);
    const baseTexts: { where: string; text: string }[] = [];
    textsOf(b?.[attr], attr, baseTexts);
    for (const t of headTexts) {
      const before = baseTexts.find((x) => x.where === t.where)?.text;
      if (before === t.text) continue;
      const { added, removed } = changedLines(b ? before : "", t.text);
      for (const rule of RISKY_LINES) {
        const line = added.find((l) => rule.re.test(l) && !removed.some((r) => rule.re.test(r)));
        if (line && !found.has(rule.what + t.where)) {
          found.add(rule.what + t.where);
          emit("security", rule.what, `${t.where}: \`${scrubPem(line.trim())}\``);
        }
      }
      for (const v of VERSION_KEYS) {
        const nb = removed.map((l) => v.re.exec(l)?.[1]).find((x) => x !== undefined);
        const na = added.map((l) => v.re.exec(l)?.[1]).find((x) => x !== undefined);
        if (nb && na && v.order.indexOf(na) < v.order.indexOf(nb)) emit("security", v.what, `${t.where}: ${nb} → ${na}`);
      }
    }
  }
}
