/**
 * The environment's topology, read from the synthesized stacks alone: containers (long-running
 * services, one-shot jobs, seeders), networks, volumes, published ports, which files each
 * container receives (CA, certificates, keys) and which services talk to which (from URLs in
 * container environments, the Vault database engine's connection URL, URLs stored in KV secrets
 * and the Vault provider's address). Pure: JSON in, a plain model out.
 */
import {
  type Json,
  type JsonObject,
  type StackSet,
  type ResourceEntry,
  resourcesOf,
  dockerLabels,
  block,
  stringList,
  isObject,
  resolvedReferencesIn,
  isPureExpression,
} from "../plan-diff/tf-json";
import { isEveryInterface } from "../../kernel/invariants";

/** A resource identity across stacks. */
export type ResourceKey = string; // `${stack}|${type}.${name}`
const keyOf = (stack: string, address: string): ResourceKey => `${stack}|${address}`;

export interface Port {
  readonly ip: string;
  readonly external: number | string;
  readonly internal: number | string;
  readonly protocol: string;
}

export interface Mount {
  /** The docker_volume, when the mount is a named volume. */
  readonly volume?: ResourceKey;
  /** The host path (bind mount). */
  readonly hostPath?: string;
  readonly target: string;
  readonly readOnly: boolean;
}

export interface NetworkAttachment {
  readonly network: ResourceKey;
  readonly aliases: readonly string[];
}

export interface Container {
  readonly key: ResourceKey;
  readonly stack: string;
  readonly address: string;
  readonly name: string;
  readonly component: string;
  /** must_run = false: a job that runs to completion. */
  readonly oneShot: boolean;
  /** A one-shot job that uploads files into a volume for others. */
  readonly seeder: boolean;
  readonly image: string;
  readonly user: string;
  readonly readOnly: boolean;
  readonly networks: readonly NetworkAttachment[];
  readonly networkMode: string | undefined;
  readonly ports: readonly Port[];
  readonly mounts: readonly Mount[];
  readonly env: readonly string[];
  readonly uploads: readonly { readonly file: string; readonly sources: readonly ResourceKey[] }[];
}

export interface Network {
  readonly key: ResourceKey;
  readonly stack: string;
  readonly name: string;
  /** The `uyoop.network` label (edge, raft, ...) or the Docker name. */
  readonly role: string;
  readonly internal: boolean;
  readonly subnet: string | undefined;
  readonly icc: boolean;
  readonly hostBinding: string | undefined;
}

export interface Volume {
  readonly key: ResourceKey;
  readonly stack: string;
  readonly name: string;
  readonly stateful: string | undefined;
  readonly protected: boolean;
}

export type Material = "ca" | "cert" | "key";

export interface Certificate {
  readonly key: ResourceKey;
  readonly ca: boolean;
  readonly commonName: string;
  readonly uses: readonly string[];
  readonly keyAlgorithm: string;
  readonly validityHours: number | undefined;
}

/** Who holds what: a container, the operator directory, or a Vault configuration object. */
export interface Holding {
  readonly holder: string; // container key, or "terraform-host", or "vault:<address>"
  readonly holderLabel: string;
  readonly material: Material;
  readonly certificate: ResourceKey;
  readonly path: string;
}

export interface ServiceEdge {
  readonly from: readonly string[]; // container keys, or "terraform"
  readonly to: readonly string[];
  readonly label: string;
}

export interface Topology {
  readonly stacks: readonly string[];
  readonly containers: readonly Container[];
  readonly networks: readonly Network[];
  readonly volumes: readonly Volume[];
  readonly certificates: readonly Certificate[];
  readonly holdings: readonly Holding[];
  readonly edges: readonly ServiceEdge[];
  /** The container the Vault provider (Terraform) talks to, if any. */
  readonly terraformTarget?: { readonly container: string; readonly via: string; readonly mtls: boolean };
}

function str(v: Json | undefined): string | undefined {
  return typeof v === "string" ? v : undefined;
}

/** The resources a value points at, across stacks, as keys (type filter optional). */
function targets(stacks: StackSet, stack: string, value: Json | undefined, types?: readonly string[]): { key: ResourceKey; attr: string | undefined }[] {
  return resolvedReferencesIn(stacks, stack, value)
    .filter((r) => r.ref.mode === "resource" && (!types || types.includes(r.ref.type)))
    .map((r) => ({ key: keyOf(r.stack, r.ref.address), attr: r.ref.path[0] }));
}

export function extractTopology(stacks: StackSet): Topology {
  const ids = Object.keys(stacks);
  const all = new Map<ResourceKey, ResourceEntry>();
  for (const s of ids) for (const [a, e] of resourcesOf(s, stacks[s])) all.set(keyOf(s, a), e);
  const ofType = (type: string) => [...all.entries()].filter(([, e]) => e.type === type);

  const imageOf = (stack: string, value: Json | undefined, depth = 0): string => {
    const literal = str(value);
    if (literal && !literal.includes("${")) return literal;
    for (const t of targets(stacks, stack, value, ["docker_image", "docker_container"])) {
      const e = all.get(t.key);
      if (e?.type === "docker_image") return str(e.config["name"]) ?? t.key;
      if (e?.type === "docker_container" && depth < 3) return imageOf(e.stack, e.config["image"], depth + 1);
    }
    return "?";
  };

  const networks: Network[] = ofType("docker_network").map(([key, e]) => {
    const opts = isObject(e.config["options"]) ? e.config["options"] : {};
    const name = str(e.config["name"]) ?? e.address;
    return {
      key,
      stack: e.stack,
      name,
      role: dockerLabels(e.config)["uyoop.network"] ?? name,
      internal: e.config["internal"] === true,
      subnet: str(block(e.config["ipam_config"])?.["subnet"]),
      icc: String(opts["com.docker.network.bridge.enable_icc"] ?? "true") !== "false",
      hostBinding: str(opts["com.docker.network.bridge.host_binding_ipv4"]),
    };
  });

  const volumes: Volume[] = ofType("docker_volume").map(([key, e]) => ({
    key,
    stack: e.stack,
    name: str(e.config["name"]) ?? e.address,
    stateful: dockerLabels(e.config)["uyoop.stateful"],
    protected: block(e.config["lifecycle"])?.["prevent_destroy"] === true,
  }));

  const containers: Container[] = ofType("docker_container").map(([key, e]) => {
    const c = e.config;
    const attachments: NetworkAttachment[] = [];
    for (const n of Array.isArray(c["networks_advanced"]) ? c["networks_advanced"] : []) {
      if (!isObject(n)) continue;
      const t = targets(stacks, e.stack, n["name"], ["docker_network"])[0];
      if (t) attachments.push({ network: t.key, aliases: stringList(n["aliases"]) });
    }
    const mounts: Mount[] = [];
    for (const v of Array.isArray(c["volumes"]) ? c["volumes"] : []) {
      if (!isObject(v)) continue;
      const target = str(v["container_path"]) ?? "?";
      const readOnly = v["read_only"] === true;
      const vol = targets(stacks, e.stack, v["volume_name"], ["docker_volume"])[0];
      if (vol) mounts.push({ volume: vol.key, target, readOnly });
      else if (str(v["host_path"])) mounts.push({ hostPath: hostPathText(str(v["host_path"])!), target, readOnly });
    }
    const uploads = (Array.isArray(c["upload"]) ? c["upload"] : []).filter(isObject).map((u) => ({
      file: str(u["file"]) ?? "?",
      sources: targets(stacks, e.stack, u["content"], ["tls_self_signed_cert", "tls_locally_signed_cert", "tls_private_key"]).map((t) => t.key),
    }));
    const oneShot = c["must_run"] === false;
    return {
      key,
      stack: e.stack,
      address: e.address,
      name: str(c["name"]) ?? e.address,
      component: dockerLabels(c)["uyoop.component"] ?? str(c["name"]) ?? e.address,
      oneShot,
      seeder: oneShot && uploads.length > 0,
      image: imageOf(e.stack, c["image"]),
      user: str(c["user"]) ?? "",
      readOnly: c["read_only"] === true,
      networks: attachments,
      networkMode: str(c["network_mode"]),
      ports: (Array.isArray(c["ports"]) ? c["ports"] : []).filter(isObject).map((p) => ({
        ip: str(p["ip"]) ?? "0.0.0.0",
        external: (p["external"] as number | string | undefined) ?? "random",
        internal: (p["internal"] as number | string | undefined) ?? "?",
        protocol: str(p["protocol"]) ?? "tcp",
      })),
      mounts,
      env: stringList(c["env"]),
      uploads,
    };
  });

  // Certificates: the CA and every leaf, with the CN of their request and their key algorithm.
  const keyText = (k: JsonObject | undefined): string => {
    if (!k) return "?";
    const alg = str(k["algorithm"]) ?? "?";
    return alg === "ECDSA" ? `ECDSA ${str(k["ecdsa_curve"]) ?? "P224"}` : alg === "RSA" ? `RSA ${String(k["rsa_bits"] ?? 2048)}` : alg;
  };
  const certificates: Certificate[] = [];
  for (const [key, e] of [...ofType("tls_self_signed_cert"), ...ofType("tls_locally_signed_cert")]) {
    const ca = e.type === "tls_self_signed_cert";
    let subject = block(e.config["subject"]);
    let privateKey: { key: ResourceKey; attr: string | undefined } | undefined = targets(stacks, e.stack, e.config["private_key_pem"], ["tls_private_key"])[0];
    if (!ca) {
      const csr = targets(stacks, e.stack, e.config["cert_request_pem"], ["tls_cert_request"])[0];
      const csrEntry = csr ? all.get(csr.key) : undefined;
      subject = block(csrEntry?.config["subject"]);
      privateKey = csrEntry ? targets(stacks, csrEntry.stack, csrEntry.config["private_key_pem"], ["tls_private_key"])[0] : undefined;
    }
    certificates.push({
      key,
      ca: ca || e.config["is_ca_certificate"] === true,
      commonName: str(subject?.["common_name"]) ?? e.address,
      uses: stringList(e.config["allowed_uses"]),
      keyAlgorithm: keyText(privateKey ? all.get(privateKey.key)?.config : undefined),
      validityHours: typeof e.config["validity_period_hours"] === "number" ? e.config["validity_period_hours"] : undefined,
    });
  }
  // A key belongs to the certificate issued for it.
  const certOfKey = new Map<ResourceKey, ResourceKey>();
  for (const [key, e] of ofType("tls_self_signed_cert")) for (const t of targets(stacks, e.stack, e.config["private_key_pem"], ["tls_private_key"])) certOfKey.set(t.key, key);
  for (const [key, e] of ofType("tls_locally_signed_cert")) {
    const csr = targets(stacks, e.stack, e.config["cert_request_pem"], ["tls_cert_request"])[0];
    const csrEntry = csr ? all.get(csr.key) : undefined;
    if (csrEntry) for (const t of targets(stacks, csrEntry.stack, csrEntry.config["private_key_pem"], ["tls_private_key"])) certOfKey.set(t.key, key);
  }
  const caKeys = new Set(certificates.filter((c) => c.ca).map((c) => c.key));
  const material = (source: ResourceKey): { material: Material; certificate: ResourceKey } | undefined => {
    if (caKeys.has(source)) return { material: "ca", certificate: source };
    if (all.get(source)?.type === "tls_locally_signed_cert") return { material: "cert", certificate: source };
    const cert = certOfKey.get(source);
    if (cert && !caKeys.has(cert)) return { material: "key", certificate: cert };
    if (cert) return { material: "key", certificate: cert };
    return undefined;
  };

  // Holdings: a seeder's uploads land in its volume; every other container mounting that volume holds them.
  const holdings: Holding[] = [];
  for (const s of containers) {
    for (const u of s.uploads) {
      for (const source of u.sources) {
        const m = material(source);
        if (!m) continue;
        const mount = s.mounts.find((x) => x.volume && u.file.startsWith(x.target.endsWith("/") ? x.target : `${x.target}/`));
        if (s.seeder && mount?.volume) {
          const rel = u.file.slice(mount.target.length).replace(/^\//, "");
          for (const consumer of containers) {
            if (consumer.key === s.key) continue;
            const cm = consumer.mounts.find((x) => x.volume === mount.volume);
            if (cm) holdings.push({ holder: consumer.key, holderLabel: consumer.name, ...m, path: `${cm.target.replace(/\/$/, "")}/${rel}` });
          }
        } else holdings.push({ holder: s.key, holderLabel: s.name, ...m, path: u.file });
      }
    }
  }
  for (const [, e] of [...ofType("local_file"), ...ofType("local_sensitive_file")]) {
    for (const t of targets(stacks, e.stack, e.config["content"])) {
      const m = material(t.key);
      if (m) holdings.push({ holder: "terraform-host", holderLabel: "Terraform host (operator directory)", ...m, path: hostPathText(str(e.config["filename"]) ?? "?") });
    }
  }
  for (const [, e] of ofType("vault_cert_auth_backend_role")) {
    for (const t of targets(stacks, e.stack, e.config["certificate"])) {
      const m = material(t.key);
      if (m) holdings.push({ holder: "vault:auth-cert", holderLabel: "Vault cert auth method", ...m, path: `auth/cert/certs/${str(e.config["name"]) ?? e.name}` });
    }
  }
  for (const [, e] of ofType("vault_database_secret_backend_connection")) {
    for (const t of targets(stacks, e.stack, block(e.config["postgresql"])?.["tls_ca"])) {
      const m = material(t.key);
      if (m) holdings.push({ holder: "vault:database", holderLabel: "Vault database engine", ...m, path: `database/config/${str(e.config["name"]) ?? e.name} (tls_ca)` });
    }
  }

  // Service edges.
  const netOf = (c: Container) => new Map(c.networks.map((n) => [n.network, n] as const));
  const resolveHost = (from: Container | undefined, host: string): Container[] => {
    const shared = (t: Container) => !from || t.networks.some((n) => netOf(from).has(n.network));
    const byName = containers.filter((t) => t.name === host && shared(t) && t.key !== from?.key);
    if (byName.length) return byName;
    return containers.filter((t) => t.key !== from?.key && !t.oneShot && t.networks.some((n) => n.aliases.includes(host) && (!from || netOf(from).has(n.network))));
  };
  const URL = /\b(https?|postgres(?:ql)?):\/\/(?:[^@/\s"']*@)?([A-Za-z0-9_.-]+)(?::(\d+))?/g;
  const triples: { from: string; to: string; label: string }[] = [];
  const addEdge = (from: string[], to: string[], label: string) => {
    for (const f of from) for (const t of to) if (!triples.some((x) => x.from === f && x.to === t && x.label === label)) triples.push({ from: f, to: t, label });
  };
  for (const c of containers) {
    const clientCert = c.env.some((e) => /CLIENT_CERT=/.test(e));
    for (const entry of c.env) {
      for (const m of entry.matchAll(URL)) {
        const to = resolveHost(c, m[2]!);
        addEdge([c.key], to.map((t) => t.key), `${m[1]} :${m[3] ?? "default port"}${clientCert && m[1] === "https" ? " with a client certificate" : ""}`);
      }
    }
  }

  // Terraform's Vault provider: its address is a published port on the host.
  let terraformTarget: Topology["terraformTarget"];
  let vaultCluster: Container[] = [];
  for (const s of ids) {
    const p = block((stacks[s]?.provider?.["vault"] ?? []) as Json);
    const address = str(p?.["address"]);
    const m = address ? /^https?:\/\/([^:/]+)(?::(\d+))?/.exec(address) : null;
    if (!m) continue;
    const port = Number(m[2] ?? 8200);
    const hostIps = m[1] === "localhost" ? ["127.0.0.1", "::1"] : [m[1]!];
    const target = containers.find((c) => c.ports.some((x) => Number(x.external) === port && (hostIps.includes(x.ip) || isEveryInterface(x.ip))));
    if (target) {
      terraformTarget = { container: target.key, via: `${address}`, mtls: block(p?.["client_auth"]) !== undefined };
      vaultCluster = containers.filter((c) => !c.oneShot && c.component === target.component);
    }
  }
  // Vault's database engine connects to the database.
  for (const [, e] of ofType("vault_database_secret_backend_connection")) {
    const url = str(block(e.config["postgresql"])?.["connection_url"]);
    for (const m of url?.matchAll(URL) ?? []) {
      const to = resolveHost(vaultCluster[0], m[2]!);
      const sslmode = /sslmode=([a-z-]+)/.exec(url ?? "")?.[1];
      addEdge(vaultCluster.map((c) => c.key), to.map((t) => t.key), `${m[1]} :${m[3] ?? "5432"} dynamic credentials${sslmode ? ` (sslmode=${sslmode})` : ""}`);
    }
  }
  // URLs stored in KV secrets reach the containers that read those secrets.
  const mounts = new Map(ofType("vault_mount").map(([key, e]) => [key, e] as const));
  for (const [, e] of ofType("vault_kv_secret_v2")) {
    const mount = targets(stacks, e.stack, e.config["mount"], ["vault_mount"])[0];
    const mountPath = str(mount ? mounts.get(mount.key)?.config["path"] : e.config["mount"]);
    const name = str(e.config["name"]);
    const raw = str(e.config["data_json"]);
    if (!mountPath || !name || !raw || isPureExpression(raw)) continue;
    const secretPath = `${mountPath}/data/${name}`;
    const readers = containers.filter((c) => c.env.some((v) => v.endsWith(`=${secretPath}`)));
    let data: unknown;
    try {
      data = JSON.parse(raw);
    } catch {
      continue;
    }
    for (const v of Object.values(isObject(data as Json) ? (data as JsonObject) : {})) {
      if (typeof v !== "string") continue;
      for (const m of v.matchAll(URL)) {
        for (const r of readers) {
          const to = resolveHost(r, m[2]!);
          const dbCreds = r.env.some((x) => /=[^=]*\/creds\//.test(x));
          const sslmode = /sslmode=([a-z-]+)/.exec(v)?.[1];
          addEdge([r.key], to.map((t) => t.key), `${m[1]} :${m[3] ?? "5432"}${dbCreds ? " with Vault-issued credentials" : ""}${sslmode ? ` (sslmode=${sslmode})` : ""}`);
        }
      }
    }
  }
  return { stacks: ids, containers, networks, volumes, certificates, holdings, edges: groupEdges(triples), ...(terraformTarget ? { terraformTarget } : {}) };
}

/** Edges with the same label and source set merge their targets, then the same label and target set merge their sources. */
function groupEdges(triples: readonly { from: string; to: string; label: string }[]): ServiceEdge[] {
  const byFrom = new Map<string, { from: string; to: string[]; label: string }>();
  for (const t of triples) {
    const k = `${t.from}|${t.label}`;
    const e = byFrom.get(k) ?? { from: t.from, to: [], label: t.label };
    if (!e.to.includes(t.to)) e.to.push(t.to);
    byFrom.set(k, e);
  }
  const out = new Map<string, ServiceEdge>();
  for (const e of byFrom.values()) {
    const to = [...e.to].sort();
    const k = `${to.join(",")}|${e.label}`;
    const existing = out.get(k);
    out.set(k, { from: [...(existing?.from ?? []), e.from].sort(), to, label: e.label });
  }
  return [...out.values()].sort((a, b) => `${a.from}|${a.to}|${a.label}`.localeCompare(`${b.from}|${b.to}|${b.label}`));
}

/** `${pathexpand("~/.uyoop-cal/uyoop-dev")}/ca.pem` reads as `~/.uyoop-cal/uyoop-dev/ca.pem`. */
export function hostPathText(text: string): string {
  return text.replace(/\$\{pathexpand\("([^"]*)"\)\}/g, "$1");
}
