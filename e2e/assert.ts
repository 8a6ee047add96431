/**
 * The e2e assertions: what the deployed environment does, read from the running system (the
 * Vault/OpenBao HTTP API over mTLS, `docker inspect`, the containers' own files and logs), never
 * from the synthesized JSON. e2e/run.sh runs one phase at a time:
 *
 *   node dist/e2e/assert.js <running|plan|restart|replace|upgrade|snapshot|rotation|protected|gone>
 *
 * Each assertion prints one line, `PASS|FAIL|GAP <name>: <evidence>`, and is appended to
 * $UYOOP_E2E_RESULTS (JSON lines) for the final table. Exit 1 when any assertion of the phase
 * failed. GAP marks what the system cannot show for a reason outside the project (named).
 *
 * Environment: UYOOP_ENV_FILE (the environment that was deployed), UYOOP_E2E_RESULTS.
 */
import { execFileSync, spawn, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as https from "https";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import * as tls from "tls";
import { loadEnvironment } from "../config/load";
import type { EnvironmentConfig } from "../config/schema";
import { projectRoot, readProjectFile } from "../constructs/project-files";
import { OPERATOR_FILES } from "../constructs/operator-directory";
import { POLICY_CATALOG, policyFile } from "../policies/catalog";
import { allVaultNodeNames } from "../constructs/vault/vault-names";
import { vaultServerFlavour } from "../constructs/vault/vault-server-flavour";
import { networkName } from "../constructs/docker/environment-networks";
import { DATABASE_CONNECTION } from "../constructs/vault/database-engine";
import { VAULT_DATABASE_ROLE } from "../constructs/postgres/dynamic-credentials-sql";
import { POSTGRES_ADMIN } from "../constructs/postgres/postgres-server";
import { APP_ROLE, APP_VAULT_DIR, appDatabaseUrl } from "../constructs/app/app-contract";
import { postgresDnsNames } from "../constructs/postgres/postgres-server";
import { SECRET_ID_ISSUER_JOB } from "../constructs/app/uyoop-app";
import { SNAPSHOT_JOB } from "../constructs/vault/raft-snapshots";
import { JOB_IDENTITY_MOUNT } from "../constructs/vault/vault-cli-job";
import { IDENTITY_FILES } from "../constructs/vault/client-identity";
import { STACK_IDS } from "../stacks/environment";

// ---------------------------------------------------------------------------------------------
// Results

type Status = "PASS" | "FAIL" | "GAP";
interface Result {
  readonly phase: string;
  readonly name: string;
  readonly status: Status;
  readonly detail: string;
  readonly seconds: number;
}

const phase = process.argv[2] ?? "";
const results: Result[] = [];
const resultsFile = process.env["UYOOP_E2E_RESULTS"];

function record(name: string, status: Status, detail: string, started: number): void {
  const r: Result = { phase, name, status, detail: detail.replace(/\s+/g, " ").trim(), seconds: (Date.now() - started) / 1000 };
  results.push(r);
  process.stdout.write(`${status} ${name}: ${r.detail} (${r.seconds.toFixed(1)} s)\n`);
  if (resultsFile) fs.appendFileSync(resultsFile, `${JSON.stringify(r)}\n`);
}

/** Runs one assertion: its function returns the evidence, or throws what is wrong. */
async function check(name: string, fn: () => Promise<string> | string): Promise<void> {
  const started = Date.now();
  try {
    record(name, "PASS", await fn(), started);
  } catch (e) {
    record(name, "FAIL", e instanceof Error ? e.message : String(e), started);
  }
}

function gap(name: string, detail: string): void {
  record(name, "GAP", detail, Date.now());
}

class Failure extends Error {}
function expectThat(ok: boolean, message: string): asserts ok {
  if (!ok) throw new Failure(message);
}
function same(actual: unknown, expected: unknown, what: string): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  expectThat(a === e, `${what}: got ${a}, expected ${e}`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, seconds: number, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  let last = "";
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    if (Date.now() > deadline) throw new Failure(`${what} within ${seconds} s${last ? ` (last: ${last})` : ""}`);
    await sleep(1000);
  }
}

// ---------------------------------------------------------------------------------------------
// The deployed environment

const envFile = process.env["UYOOP_ENV_FILE"];
if (!envFile) throw new Error("UYOOP_ENV_FILE must name the environment that was deployed");
const config: EnvironmentConfig = loadEnvironment(projectRoot(), { UYOOP_ENV_FILE: envFile });
const env = config.name;
const flavour = vaultServerFlavour(config.vault.server);
const nodes = allVaultNodeNames(env, config.vault.nodeCount).map((n, i) => ({ ...n, hostPort: config.vault.hostPorts[i]! }));
const operatorDir = config.host.operatorDir.replace(/^~(?=\/)/, os.homedir());
const operatorFile = (f: keyof typeof OPERATOR_FILES) => path.join(operatorDir, OPERATOR_FILES[f]);
const host = config.host.bindAddress;

function run(cmd: string, args: readonly string[], input?: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: "utf8", input, timeout: 180_000, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status ?? 1, stdout: r.stdout ?? "", stderr: r.stderr ?? String(r.error ?? "") };
}
/** Where the deployed stacks were synthesized, and the Terraform binary the e2e deploys with. */
const outdir = process.env["CDKTF_OUTDIR"] ?? "cdktf.out";
const terraformBin = process.env["TERRAFORM_BINARY_NAME"] ?? "tofu";

/** `<terraform> <args>` in one synthesized stack's directory; its stdout and stderr together. */
function terraform(stack: string, args: readonly string[], timeoutMs = 300_000): { status: number | null; out: string } {
  const r = spawnSync(terraformBin, args, { cwd: path.join(outdir, "stacks", stack), encoding: "utf8", timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, out: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}

/** A plan of `stack` that must show no changes: its evidence, or a Failure naming the changes. */
function planWithoutChanges(stack: string): string {
  const r = terraform(stack, ["plan", "-input=false", "-no-color", "-detailed-exitcode"]);
  if (r.status === 2) {
    const changes = r.out.split("\n").filter((l) => /^ {2}# .* (will|must) be /.test(l)).map((l) => l.trim().replace(/^# /, ""));
    throw new Failure(`${changes.length} change(s): ${changes.slice(0, 8).join("; ")}`);
  }
  expectThat(r.status === 0, `${terraformBin} plan exited ${r.status}: ${r.out.slice(-400)}`);
  return `${terraformBin} plan -detailed-exitcode: 0 (${/No changes\.[^\n]*/.exec(r.out)?.[0] ?? "no changes"})`;
}

function docker(...args: string[]): string {
  const r = run("docker", args);
  if (r.code !== 0) throw new Failure(`docker ${args.join(" ")}: ${r.stderr.trim().slice(0, 300)}`);
  return r.stdout;
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
const inspect = (name: string): Json => (JSON.parse(docker("inspect", name)) as Json[])[0];
const envContainers = (): string[] =>
  docker("ps", "-a", "--filter", `label=uyoop.environment=${env}`, "--format", "{{.Names}}").split("\n").filter(Boolean).sort();

// ---------------------------------------------------------------------------------------------
// The Vault/OpenBao HTTP API, over TLS verified with the environment's CA and Terraform's client certificate

const tlsFiles = () => ({
  ca: fs.readFileSync(operatorFile("caCert")),
  cert: fs.readFileSync(operatorFile("terraformClientCert")),
  key: fs.readFileSync(operatorFile("terraformClientKey")),
});
const rootToken = () => fs.readFileSync(operatorFile("terraformToken"), "utf8").trim();

interface ApiResponse {
  readonly status: number;
  readonly json: Json;
}

function api(port: number, method: string, apiPath: string, opts: { token?: string; body?: unknown; clientCert?: boolean; servername?: string } = {}): Promise<ApiResponse> {
  const files = tlsFiles();
  const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host,
        port,
        method,
        path: `/v1/${apiPath}`,
        servername: opts.servername ?? "localhost",
        ca: files.ca,
        ...(opts.clientCert === false ? {} : { cert: files.cert, key: files.key }),
        rejectUnauthorized: true,
        timeout: 10_000,
        headers: { ...(opts.token ? { "X-Vault-Token": opts.token } : {}), ...(body ? { "Content-Type": "application/json" } : {}) },
      },
      (res) => {
        let raw = "";
        res.setEncoding("utf8");
        res.on("data", (c) => (raw += c));
        res.on("end", () => {
          let json: Json = null;
          try {
            json = raw ? JSON.parse(raw) : null;
          } catch {
            json = { raw };
          }
          resolve({ status: res.statusCode ?? 0, json });
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${method} ${apiPath} timed out`)));
    req.on("error", reject);
    if (body) req.write(body);
    req.end();
  });
}

async function apiOk(port: number, method: string, apiPath: string, body?: unknown): Promise<Json> {
  const r = await api(port, method, apiPath, { token: rootToken(), body });
  expectThat(r.status >= 200 && r.status < 300, `${method} ${apiPath} on :${port}: HTTP ${r.status} ${JSON.stringify(r.json).slice(0, 200)}`);
  return r.json;
}

const node1Port = nodes[0]!.hostPort;

async function activeNode(): Promise<(typeof nodes)[number]> {
  const leader = (await apiOk(node1Port, "GET", "sys/leader")) as { leader_address: string };
  const n = nodes.find((x) => leader.leader_address === x.apiAddr);
  expectThat(n !== undefined, `sys/leader names ${leader.leader_address}, no node of ${env}`);
  return n;
}

/** The node a drill takes away: the last one that is not the leader. */
function standbyBesides(active: (typeof nodes)[number]): (typeof nodes)[number] {
  return [...nodes].reverse().find((n) => n.nodeId !== active.nodeId)!;
}

/** Waits until `target` is unsealed and every node is a voter again; returns the Raft servers. */
async function rejoined(target: (typeof nodes)[number], seconds: number): Promise<{ node_id: string; voter: boolean }[]> {
  await until(`${target.container} unsealed`, seconds, async () => ((await api(target.hostPort, "GET", "sys/seal-status")).json.sealed === false ? true : undefined));
  return until(`${target.nodeId} a voter again`, seconds, async () => {
    const s = (await apiOk(node1Port, "GET", "sys/storage/raft/configuration")).data.config.servers as { node_id: string; voter: boolean }[];
    return s.length === nodes.length && s.every((x) => x.voter) ? s : undefined;
  });
}

function tlsHandshake(port: number, servername: string, withCa: boolean): Promise<{ authorized: boolean; error?: string; altNames: string }> {
  const files = tlsFiles();
  return new Promise((resolve) => {
    const socket = tls.connect({ host, port, servername, ...(withCa ? { ca: files.ca } : {}), cert: files.cert, key: files.key, rejectUnauthorized: false }, () => {
      const peer = socket.getPeerCertificate();
      const identity = tls.checkServerIdentity(servername, peer);
      resolve({
        authorized: socket.authorized && identity === undefined,
        ...(socket.authorizationError ? { error: String(socket.authorizationError) } : identity ? { error: identity.message } : {}),
        altNames: peer.subjectaltname ?? "",
      });
      socket.end();
    });
    socket.on("error", (e) => resolve({ authorized: false, error: e.message, altNames: "" }));
  });
}

/** A bao/vault CLI command in a throwaway hardened container on the clients network, as the app's uid. */
function cliOnClientsNetwork(args: readonly string[], secretIdInline?: string): { code: number; out: string } {
  const [uid, gid] = config.app.user.split(":");
  const r = run("docker", [
    "run", "--rm", "--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges:true",
    "--user", `${uid}:${gid}`, "--network", networkName(env, "vaultClients"), "--tmpfs", "/tmp:rw,noexec,nosuid,size=8m",
    "-v", `${env}-app-identity:/v:ro`, "-v", `${env}-app-role-id:/r:ro`, "-v", `${env}-app-secret-id:/s:ro`,
    "-e", "VAULT_ADDR=https://vault:8200", "-e", `VAULT_CACERT=/v/${IDENTITY_FILES.caCert}`, "-e", `VAULT_CLIENT_CERT=/v/${IDENTITY_FILES.cert}`,
    "-e", `VAULT_CLIENT_KEY=/v/${IDENTITY_FILES.key}`, "-e", "HOME=/tmp", "--entrypoint", flavour.cli, config.vault.image,
    ...args, ...(secretIdInline !== undefined ? [`secret_id=${secretIdInline}`] : []),
  ]);
  return { code: r.code, out: `${r.stdout}${r.stderr}` };
}

function readAsAppUser(volume: string, file: string): string {
  return readAs(config.app.user, volume, file);
}

function readAs(user: string, volume: string, file: string, command: readonly string[] = ["cat"]): string {
  return docker("run", "--rm", "--read-only", "--cap-drop", "ALL", "--network", "none", "--user", user, "-v", `${volume}:/d:ro`, "--entrypoint", command[0]!, config.vault.image, ...command.slice(1), `/d/${file}`).trim();
}

// ---------------------------------------------------------------------------------------------
// Terraform state, as the deploy left it (state/<environment>/<stack>.tfstate)

const statePath = (stack: string) => path.join(projectRoot(), "state", env, `${stack}.tfstate`);
const readState = (stack: string): Json => JSON.parse(fs.readFileSync(statePath(stack), "utf8"));

/** Every place of a state file whose text contains `needle`: `<address>.<attribute path>` or `output.<name>`. */
function placesIn(state: Json, needle: string): string[] {
  const out = new Set<string>();
  const walk = (v: Json, at: string): void => {
    if (typeof v === "string") {
      if (v.includes(needle)) out.add(at);
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${at}[${i}]`));
    else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x as Json, `${at}.${k}`);
  };
  for (const r of state.resources ?? []) {
    const address = `${r.mode === "data" ? "data." : ""}${r.type}.${r.name}`;
    for (const inst of r.instances ?? []) walk(inst.attributes, address);
  }
  for (const [name, o] of Object.entries(state.outputs ?? {})) walk((o as Json).value, `output.${name}`);
  return [...out].map((p) => p.replace(/\[\d+\]/g, "[]")).filter((p, i, all) => all.indexOf(p) === i).sort();
}

/**
 * The private keys and the PostgreSQL admin password, as the platform state holds them: a key by
 * the middle base64 line of each of its encodings (PEM, PKCS#8, OpenSSH; the first line of an
 * OpenSSH key is a header every key shares), so a copy in any of them is found.
 */
function platformSecrets(): { name: string; values: string[] }[] {
  const platform = readState(STACK_IDS.platform);
  const secrets: { name: string; values: string[] }[] = [];
  for (const r of platform.resources ?? []) {
    for (const inst of r.instances ?? []) {
      const a = inst.attributes;
      if (r.type === "tls_private_key") {
        const middle = (pem: string) => {
          const body = pem.split("\n").filter((l) => l !== "" && !l.startsWith("-----"));
          return body[Math.floor(body.length / 2)]!;
        };
        const lines = [a.private_key_pem, a.private_key_pem_pkcs8, a.private_key_openssh].filter((x) => typeof x === "string" && x !== "").map(middle);
        secrets.push({ name: `key of ${r.name}`, values: lines });
      }
      if (r.type === "random_password") secrets.push({ name: `password ${r.name}`, values: [String(a.result)] });
    }
  }
  return secrets;
}

const placesOf = (state: Json, secret: { values: string[] }) => [...new Set(secret.values.flatMap((v) => placesIn(state, v)))].sort();

/** The app's /health answer on its published port (the e2e stand-in reports every step it ran). */
function appHealth(): Promise<Json> {
  return new Promise<Json>((resolve, reject) => {
    http
      .get({ host, port: config.app.hostPort, path: config.app.healthPath, timeout: 5000 }, (res) => {
        let raw = "";
        res.on("data", (c) => (raw += c));
        res.on("end", () => {
          try {
            resolve(JSON.parse(raw));
          } catch (e) {
            reject(e);
          }
        });
      })
      .on("error", reject);
  });
}

function totpCode(secretB32: string, period: number, digits: number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const ch of secretB32.replace(/=+$/, "").toUpperCase()) bits += alphabet.indexOf(ch).toString(2).padStart(5, "0");
  const key = Buffer.from(bits.match(/.{8}/g)!.map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 1000 / period)));
  const mac = crypto.createHmac("sha1", key).update(counter).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 10 ** digits).padStart(digits, "0");
}

// ---------------------------------------------------------------------------------------------
// Phases

async function running(): Promise<void> {
  await check("every node is initialized and unsealed", async () => {
    const states = await Promise.all(nodes.map(async (n) => ({ n: n.nodeId, s: (await api(n.hostPort, "GET", "sys/seal-status")).json })));
    for (const { n, s } of states) expectThat(s.initialized === true && s.sealed === false, `${n}: initialized=${s.initialized} sealed=${s.sealed}`);
    return states.map(({ n, s }) => `${n} unsealed (${s.type}, ${s.version})`).join(", ");
  });

  await check(`Raft has ${nodes.length} voters and one leader`, async () => {
    // Autopilot adds joining nodes as non-voters and promotes them once stable
    // (server_stabilization_time): allow for it.
    const started = Date.now();
    const servers = await until("every member promoted to voter", 90, async () => {
      const s = (await apiOk(node1Port, "GET", "sys/storage/raft/configuration")).data.config.servers as { node_id: string; leader: boolean; voter: boolean }[];
      same(s.map((x) => x.node_id).sort(), nodes.map((n) => n.nodeId), "Raft members");
      if (!s.every((x) => x.voter)) throw new Failure(`non-voters: ${s.filter((x) => !x.voter).map((x) => x.node_id).join(", ")}`);
      return s;
    });
    const leaders = servers.filter((s) => s.leader);
    same(leaders.length, 1, "leaders");
    return `${servers.length} voters (all promoted ${((Date.now() - started) / 1000).toFixed(0)} s after this check began), leader ${leaders[0]!.node_id}`;
  });

  await check("Raft joins verified TLS with the environment's CA", async () => {
    const ca = fs.readFileSync(operatorFile("caCert"), "utf8").trim();
    for (const n of nodes) {
      const container = n.container;
      const conf = docker("exec", container, "cat", flavour.paths.configFile);
      const joins = conf.split("retry_join").length - 1;
      same(joins, nodes.length - 1, `${container} retry_join blocks`);
      expectThat((conf.match(new RegExp(`leader_ca_cert_file = "${flavour.paths.caCert}"`, "g")) ?? []).length === joins, `${container}: a retry_join lacks leader_ca_cert_file`);
      expectThat((conf.match(/leader_tls_servername = "vault-\d+-raft"/g) ?? []).length === joins, `${container}: a retry_join lacks leader_tls_servername`);
      same(docker("exec", container, "cat", flavour.paths.caCert).trim(), ca, `${container} CA file`);
      const logs = run("docker", ["logs", container]);
      expectThat(!/x509|unknown authority|bad certificate/i.test(logs.stdout + logs.stderr), `${container} logged a TLS verification error`);
    }
    return `every node joins with leader_ca_cert_file = our CA and leader_tls_servername; all ${nodes.length} joined; no x509 error in their logs`;
  });

  await check("each published API port serves TLS that verifies with the CA under every node name", async () => {
    const out: string[] = [];
    for (const n of nodes) {
      for (const name of [n.container, n.clientAlias, "localhost"]) {
        const h = await tlsHandshake(n.hostPort, name, true);
        expectThat(h.authorized, `${host}:${n.hostPort} as ${name}: ${h.error ?? "not authorized"}`);
      }
      const wrong = await tlsHandshake(n.hostPort, n.container, false);
      expectThat(!wrong.authorized, `${host}:${n.hostPort} verified without our CA: the system trust store should not know it`);
      out.push(`${n.hostPort}`);
    }
    return `ports ${out.join(", ")} verify as <container>, <client alias> and localhost with the CA, and fail without it`;
  });

  await check("each published API port demands a client certificate", async () => {
    for (const n of nodes) {
      const r = await api(n.hostPort, "GET", "sys/health", { clientCert: false }).then(
        (x) => `HTTP ${x.status}`,
        (e: Error) => `refused: ${e.message}`,
      );
      expectThat(r.startsWith("refused"), `${n.container} answered ${r} without a client certificate`);
    }
    return "every node refuses a TLS client without a certificate";
  });

  await check("only the API port is published, on the configured interface; 8201 never", async () => {
    const out: string[] = [];
    for (const name of envContainers()) {
      const ports = (inspect(name).HostConfig.PortBindings ?? {}) as Record<string, { HostIp: string; HostPort: string }[]>;
      for (const [containerPort, bindings] of Object.entries(ports)) {
        for (const b of bindings) {
          expectThat(b.HostIp === host, `${name} publishes ${containerPort} on ${b.HostIp || "0.0.0.0"}, not ${host}`);
          out.push(`${name.replace(`${env}-`, "")} ${containerPort}->${b.HostIp}:${b.HostPort}`);
        }
        if (nodes.some((n) => n.container === name)) expectThat(containerPort === "8200/tcp", `${name} publishes ${containerPort}`);
      }
    }
    return out.join(", ");
  });

  await check("both audit devices are enabled and write", async () => {
    const devices = (await apiOk(node1Port, "GET", "sys/audit")).data as Record<string, { type: string; options: Record<string, string> }>;
    same(Object.keys(devices).sort(), ["file/", "stdout/"], "audit devices");
    const nonce = `e2e-audit-${crypto.randomBytes(6).toString("hex")}`;
    await api(node1Port, "GET", `secret/data/${nonce}`, { token: rootToken() });
    const active = await activeNode();
    const fileLog = await until("the request in the file device's log", 20, () => {
      const text = docker("exec", active.container, "cat", devices["file/"]!.options["file_path"]!);
      return text.includes(nonce) ? text : undefined;
    });
    const stdoutLog = await until("the request in the stdout device (docker logs)", 20, () => {
      const r = run("docker", ["logs", "--since", "5m", active.container]);
      return (r.stdout + r.stderr).includes(nonce) ? "ok" : undefined;
    });
    expectThat(!fileLog.includes(rootToken()), "the audit log holds the token in clear");
    return `a request for secret/data/${nonce} is in ${active.container}'s ${devices["file/"]!.options["file_path"]} and in its docker logs (${stdoutLog}); tokens are hashed`;
  });

  await check("policies read back equal policies/*.hcl", async () => {
    for (const p of POLICY_CATALOG) {
      const got = (await apiOk(node1Port, "GET", `sys/policies/acl/${p.name}`)).data.policy as string;
      same(got.trimEnd(), readProjectFile(policyFile(p.name)).trimEnd(), `policy ${p.name}`);
    }
    return POLICY_CATALOG.map((p) => p.name).join(", ");
  });

  await check("the AppRole role's limits equal the environment", async () => {
    const r = (await apiOk(node1Port, "GET", `auth/approle/role/${APP_ROLE}`)).data;
    const a = config.vault.appRole;
    const clients = config.networks.vaultClients.subnet;
    same(
      [r.token_ttl, r.token_max_ttl, r.secret_id_ttl, r.secret_id_num_uses, r.bind_secret_id, r.token_type, r.token_bound_cidrs, r.secret_id_bound_cidrs, r.token_policies],
      [a.tokenTtlSeconds, a.tokenMaxTtlSeconds, a.secretIdTtlSeconds, a.secretIdNumUses, true, "service", [clients], [clients], ["app-policy"]],
      `${APP_ROLE} [token_ttl, token_max_ttl, secret_id_ttl, secret_id_num_uses, bind_secret_id, token_type, token_bound_cidrs, secret_id_bound_cidrs, token_policies]`,
    );
    return `token ttl ${r.token_ttl}/${r.token_max_ttl} s, SecretID ttl ${r.secret_id_ttl} s x${r.secret_id_num_uses}, bound to ${clients}`;
  });

  await check("KV v2, TOTP and database mounts exist with their settings; the app's configuration reads back", async () => {
    const mounts = (await apiOk(node1Port, "GET", "sys/mounts")).data as Record<string, { type: string; options: Record<string, string> | null }>;
    same([mounts["secret/"]?.type, mounts["secret/"]?.options?.["version"], mounts["totp/"]?.type, mounts["database/"]?.type], ["kv", "2", "totp", "database"], "mounts");
    same((await apiOk(node1Port, "GET", "secret/config")).data.max_versions, config.vault.kv.maxVersions, "secret/config max_versions");
    const data = (await apiOk(node1Port, "GET", "secret/data/app/config")).data.data;
    same(data, { database_url: appDatabaseUrl(env, config.postgres.database) }, "secret/app/config");
    return `secret/ kv v2 (max_versions ${config.vault.kv.maxVersions}), totp/, database/; database_url ${data.database_url}`;
  });

  await check("the TOTP engine creates a key and validates its code", async () => {
    const name = `e2e-${crypto.randomBytes(4).toString("hex")}`;
    const key = (await apiOk(node1Port, "POST", `totp/keys/${name}`, { generate: true, issuer: "uyoop-e2e", account_name: "e2e@uyoop.local", exported: true })).data;
    const q = new URL(key.url as string).searchParams;
    const code = totpCode(q.get("secret")!, Number(q.get("period") ?? 30), Number(q.get("digits") ?? 6));
    const valid = (await apiOk(node1Port, "POST", `totp/code/${name}`, { code })).data.valid;
    await apiOk(node1Port, "DELETE", `totp/keys/${name}`);
    same(valid, true, "code valid");
    return `totp/keys/${name}: a locally computed code validates`;
  });

  await check("the database engine's connection and role equal the environment", async () => {
    const c = (await apiOk(node1Port, "GET", `database/config/${DATABASE_CONNECTION}`)).data;
    const host0 = postgresDnsNames(env)[0];
    const ca = flavour.databaseCa === "sslrootcert" ? `&sslrootcert=${flavour.paths.caCert}` : "";
    same(
      [c.connection_details.connection_url, c.connection_details.username, c.allowed_roles, c.plugin_name],
      [`postgresql://{{username}}:{{password}}@${host0}:5432/${config.postgres.database}?sslmode=verify-full${ca}`, POSTGRES_ADMIN, [VAULT_DATABASE_ROLE], "postgresql-database-plugin"],
      `database/config/${DATABASE_CONNECTION} [connection_url, username, allowed_roles, plugin_name]`,
    );
    expectThat(c.connection_details.password === undefined, "the connection reads back a password");
    const role = (await apiOk(node1Port, "GET", `database/roles/${VAULT_DATABASE_ROLE}`)).data;
    same([role.default_ttl, role.max_ttl, role.db_name], [config.vault.appRole.tokenTtlSeconds, config.vault.appRole.tokenMaxTtlSeconds, DATABASE_CONNECTION], "role ttl");
    return `verify-full TLS to ${host0}, role ${VAULT_DATABASE_ROLE} ttl ${role.default_ttl}/${role.max_ttl} s`;
  });

  await check("the app is healthy after doing what docs/APP-CONTRACT.md says", async () => {
    const app = `${env}-app-0`;
    const health = await until(`${app} healthy`, 120, () => (inspect(app).State.Health?.Status === "healthy" ? "healthy" : undefined));
    const body = await appHealth();
    same(body.ok, true, "/health ok");
    for (const step of ["approle_login", "kv_read", "db_creds", "postgres", "totp"]) expectThat(String(body.steps?.[step] ?? "").startsWith("ok"), `step ${step}: ${body.steps?.[step]}`);
    expectThat(/ssl True/.test(body.steps.postgres), `PostgreSQL without TLS: ${body.steps.postgres}`);
    return `${app} ${health}; ${Object.entries(body.steps).map(([k, v]) => `${k} ${v}`).join("; ")}`;
  });

  await check("docker inspect shows every container hardened (seeders: their recorded weakenings only)", async () => {
    const lines: string[] = [];
    for (const name of envContainers()) {
      const c = inspect(name);
      const h = c.HostConfig;
      const seeder = name.endsWith("-seeder");
      const user = String(c.Config.User ?? "");
      const longRunning = h.RestartPolicy?.Name === "unless-stopped";
      const problems: string[] = [];
      if (!seeder && h.ReadonlyRootfs !== true) problems.push("writable rootfs");
      if (JSON.stringify(h.CapDrop) !== JSON.stringify(["ALL"])) problems.push(`CapDrop ${JSON.stringify(h.CapDrop)}`);
      const added = (h.CapAdd ?? []) as string[];
      if (added.length > 0 && !(seeder && JSON.stringify(added) === JSON.stringify(["CAP_CHOWN"]))) problems.push(`CapAdd ${JSON.stringify(added)}`);
      if (!(h.SecurityOpt ?? []).includes("no-new-privileges:true")) problems.push("no no-new-privileges");
      if (h.Privileged) problems.push("privileged");
      if (!seeder && (!/^\d+:\d+$/.test(user) || user.startsWith("0:"))) problems.push(`user ${JSON.stringify(user)}`);
      if (!(h.Memory > 0) || h.MemorySwap !== h.Memory) problems.push(`memory ${h.Memory} swap ${h.MemorySwap}`);
      if (h.Init !== true) problems.push("no init");
      if (h.IpcMode !== "private") problems.push(`ipc ${h.IpcMode}`);
      if (longRunning && !c.Config.Healthcheck?.Test?.length) problems.push("no health check");
      if (problems.length > 0) throw new Failure(`${name}: ${problems.join(", ")}`);
      lines.push(`${name.replace(`${env}-`, "")}${seeder ? " (seeder: root, writable rootfs, CAP_CHOWN)" : ""}`);
    }
    return `${lines.length} containers: read-only rootfs, CapDrop ALL, no-new-privileges, non-root numeric user, memory = swap limit, init, private IPC, health checks on long-running ones: ${lines.join(", ")}`;
  });

  await check("no private key or admin password in vault-config's or workloads' state; platform's holds them", () => {
    const secrets = platformSecrets();
    expectThat(secrets.filter((x) => x.name.startsWith("key")).length >= 5 && secrets.some((x) => x.name.startsWith("password")), `platform state lacks the keys or the password: found ${secrets.map((x) => x.name).join(", ")}`);
    const password = fs.readFileSync(operatorFile("postgresAdminPassword"), "utf8");
    expectThat(secrets.some((x) => x.values[0] === password), "the operator directory's postgres-admin-password is not the platform's random_password");
    const leaks: string[] = [];
    for (const stack of [STACK_IDS.vaultConfig, STACK_IDS.workloads]) {
      const text = fs.readFileSync(statePath(stack), "utf8");
      if (/PRIVATE KEY/.test(text)) leaks.push(`${stack}: a PRIVATE KEY block`);
      for (const x of secrets) if (x.values.some((v) => text.includes(v))) leaks.push(`${stack}: ${x.name} at ${placesOf(readState(stack), x).join(", ")}`);
    }
    expectThat(leaks.length === 0, leaks.join("; "));
    const platform = readState(STACK_IDS.platform);
    const where = secrets.map((x) => `${x.name}: ${placesOf(platform, x).join(", ")}`).join("; ");
    return `${secrets.length} secrets (every tls_private_key, the admin password) appear in neither vault-config's nor workloads' state; platform's state holds them at: ${where}`;
  });

  await check("each Vault client's identity reaches its container read-only from the platform's volume, owned by its uid", () => {
    const platform = readState(STACK_IDS.platform);
    const certOf = (client: string) => platform.resources.find((r: Json) => r.type === "tls_locally_signed_cert" && r.name === `pki_client-${client}_cert`).instances[0].attributes.cert_pem as string;
    const out: string[] = [];
    for (const [container, client, dir] of [
      [`${env}-app-0`, "app", APP_VAULT_DIR],
      [`${env}-secretid-issuer`, SECRET_ID_ISSUER_JOB, JOB_IDENTITY_MOUNT],
      [`${env}-raft-snapshots`, SNAPSHOT_JOB, JOB_IDENTITY_MOUNT],
    ] as const) {
      const c = inspect(container);
      const volume = `${env}-${client}-identity`;
      const mount = (c.Mounts as Json[]).find((m) => m.Name === volume);
      expectThat(mount !== undefined && mount.Destination === dir && mount.RW === false, `${container} mounts ${volume} as ${JSON.stringify(mount && { Destination: mount.Destination, RW: mount.RW })}`);
      const user = String(c.Config.User);
      same(readAs(user, volume, IDENTITY_FILES.cert), certOf(client).trim(), `${volume}/${IDENTITY_FILES.cert} read as ${user}`);
      same(readAs(user, volume, IDENTITY_FILES.key, ["stat", "-c", "%a %u:%g"]), `400 ${user}`, `${volume}/${IDENTITY_FILES.key} mode and owner`);
      out.push(`${container} <- ${volume} at ${dir} (ro, key 0400 ${user})`);
    }
    return `${out.join("; ")}; every certificate equals the platform state's`;
  });

  gap(
    "PIDs cgroup limit",
    `docker inspect shows PidsLimit ${JSON.stringify(inspect(nodes[0]!.container).HostConfig.PidsLimit)} on every container: kreuzwerker/docker 3.6.2 has no pids_limit (guardrail UY-C-5.29 records the gap; compensating: memory limit + init)`,
  );
}

async function restart(): Promise<void> {
  await check("a restarted node is unsealed by scripts/unseal.sh and rejoins while the cluster serves reads", async () => {
    const active = await activeNode();
    const target = standbyBesides(active);
    const readers = nodes.filter((n) => n.nodeId !== target.nodeId);
    const reads = readWhile(readers);
    let servers: { node_id: string; voter: boolean }[];
    let ok: number;
    let failures: string[];
    try {
      docker("restart", target.container);
      const sealed = await until(`${target.container} answers after the restart`, 90, async () => {
        const s = (await api(target.hostPort, "GET", "sys/seal-status")).json;
        return s?.initialized === true ? s : undefined;
      });
      expectThat(sealed.sealed === true, `${target.container} came back unsealed by itself (sealed=${sealed.sealed})`);
      const unseal = run("sh", [path.join(projectRoot(), "scripts/unseal.sh"), env]);
      expectThat(unseal.code === 0, `scripts/unseal.sh ${env} exited ${unseal.code}: ${(unseal.stdout + unseal.stderr).slice(-400)}`);
      servers = await rejoined(target, 60);
      await until(`${target.container} healthy`, 60, () => (inspect(target.container).State.Health?.Status === "healthy" ? true : undefined));
    } finally {
      // Always: a reader loop left running would keep this process (and the e2e run) alive.
      ({ ok, failures } = await reads.stop());
    }
    expectThat(failures.length === 0, `${failures.length} reads failed while ${target.nodeId} was down, e.g. ${failures[0]}`);
    expectThat(ok > 0, "no read was made meanwhile");
    return `${target.container} (a standby; leader ${active.nodeId}) restarted sealed, unseal.sh unsealed it, ${servers.length} voters again; ${ok} reads through ${readers.map((n) => n.nodeId).join(", ")} meanwhile, none failed`;
  });
}

async function replaceNode(): Promise<void> {
  await check("a replaced node is unsealed by the bootstrap job, re-run through replace_triggered_by (RUNBOOK upgrade step)", async () => {
    const active = await activeNode();
    const target = standbyBesides(active);
    const bootstrap = `${env}-vault-bootstrap`;
    const before = { node: inspect(target.container).Id as string, bootstrap: inspect(bootstrap).Id as string };
    const address = `docker_container.vault_${target.nodeId}_server`;
    const r = terraform(STACK_IDS.platform, ["apply", "-auto-approve", "-input=false", "-no-color", `-replace=${address}`], 600_000);
    expectThat(r.status === 0, `${terraformBin} apply -replace=${address} exited ${r.status}: ${r.out.slice(-400)}`);
    const replaced = [...r.out.matchAll(/^(\S+): Destruction complete/gm)].map((m) => m[1]!).sort();
    const after = { node: inspect(target.container).Id as string, bootstrap: inspect(bootstrap) };
    expectThat(after.node !== before.node, `${target.container} was not replaced`);
    expectThat(after.bootstrap.Id !== before.bootstrap, `${bootstrap} was not re-created, so it did not run again`);
    same(after.bootstrap.State.ExitCode, 0, `${bootstrap} exit code`);
    const servers = await rejoined(target, 90);
    return `${terraformBin} apply -replace=${address} replaced ${replaced.join(", ")}; the re-created ${bootstrap} exited 0 and ${target.container} (a standby) is unsealed; ${servers.length} voters`;
  });
}

/** Reads through `readers` until stop() (the cluster serving while one node is away). */
function readWhile(readers: readonly (typeof nodes)[number][]): { stop: () => Promise<{ ok: number; failures: string[] }> } {
  let ok = 0;
  const failures: string[] = [];
  let reading = true;
  const loop = (async () => {
    while (reading) {
      for (const n of readers) {
        // An async wrapper: what throws synchronously (an unreadable token file) is a failed read too.
        const r = await (async () => api(n.hostPort, "GET", "secret/data/app/config", { token: rootToken() }))().catch((e: Error) => ({ status: 0, json: e.message }));
        if (r.status === 200) ok++;
        else failures.push(`${n.nodeId}: ${r.status} ${JSON.stringify(r.json).slice(0, 120)}`);
      }
      await sleep(250);
    }
  })();
  return {
    stop: async () => {
      reading = false;
      await loop;
      return { ok, failures };
    },
  };
}

/**
 * A command run without blocking the event loop (the readers go on meanwhile). It runs in a
 * process group of its own: at the timeout the whole group (cdktf and the tofu it started) gets
 * SIGTERM, then SIGKILL 15 s later. A command that cannot start resolves as exit 127.
 */
function runAsync(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: projectRoot(), env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const signalGroup = (signal: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // the group is gone already
      }
    };
    let kill: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      out += `\n(timed out after ${timeoutMs / 1000} s: SIGTERM to the process group)\n`;
      signalGroup("SIGTERM");
      kill = setTimeout(() => signalGroup("SIGKILL"), 15_000);
    }, timeoutMs);
    const done = (code: number) => {
      clearTimeout(timer);
      if (kill) clearTimeout(kill);
      resolve({ code, out });
    };
    child.on("error", (e) => {
      out += e.message;
      done(127);
    });
    child.on("close", (code) => done(code ?? 1));
  });
}

async function upgrade(): Promise<void> {
  await check("a rolling upgrade step (RUNBOOK): vault.nodeImages moves one standby to a new image with `cdktf deploy platform`; only it, its seeder and the bootstrap job are replaced, reads go on, it rejoins unsealed", async () => {
    const active = await activeNode();
    const target = standbyBesides(active);
    const readers = nodes.filter((n) => n.nodeId !== target.nodeId);
    // The new release: only one server release builds here, so the same binary under another
    // image id (what Terraform and Docker see of an upgrade: a new image for one node).
    const newImage = `${config.vault.image}-upgrade-drill`;
    // The legacy builder (e2e/build-images.sh says why); the Dockerfile on stdin, no context.
    const built = spawnSync("docker", ["build", "-q", "-t", newImage, "-"], {
      encoding: "utf8",
      input: `FROM ${config.vault.image}\nLABEL uyoop.e2e.upgrade-drill="${target.nodeId}"\n`,
      env: { ...process.env, DOCKER_BUILDKIT: "0" },
      timeout: 180_000,
    });
    expectThat(built.status === 0, `docker build ${newImage}: ${(built.stderr ?? "").slice(-300)}`);
    const newImageId = inspect(newImage).Id as string;
    expectThat(newImageId !== inspect(config.vault.image).Id, `${newImage} has the old image's id`);

    const document = JSON.parse(fs.readFileSync(envFile!, "utf8")) as Json;
    document.vault.nodeImages = { [String(nodes.indexOf(target) + 1)]: newImage };
    const upgradeEnv = path.join(os.tmpdir(), `${env}-upgrade-drill.json`);
    fs.writeFileSync(upgradeEnv, JSON.stringify(document, null, 2));
    // (the drill image's tag stays on the Docker host: docker_image keeps images locally)

    const idsBefore = new Map(envContainers().map((c) => [c, inspect(c).Id as string]));
    const reads = readWhile(readers);
    let servers: { node_id: string; voter: boolean }[];
    let ok: number;
    let failures: string[];
    try {
      const deploy = await runAsync("cdktf", ["deploy", "platform", "--auto-approve", "--skip-provider-lock"], { ...process.env, UYOOP_ENV_FILE: upgradeEnv }, 600_000);
      expectThat(deploy.code === 0, `cdktf deploy platform exited ${deploy.code}: ${deploy.out.slice(-400)}`);
      servers = await rejoined(target, 90);
    } finally {
      ({ ok, failures } = await reads.stop());
      fs.rmSync(upgradeEnv, { force: true });
    }

    const bootstrap = `${env}-vault-bootstrap`;
    const replaced = [...idsBefore].filter(([c, id]) => inspect(c).Id !== id).map(([c]) => c).sort();
    // The node, its config seeder (it runs from the node's image) and the bootstrap job
    // (replace_triggered_by the node): nothing else.
    same(replaced, [target.container, `${target.container}-config-seeder`, bootstrap].sort(), "containers replaced by the upgrade step");
    same(inspect(target.container).Image, newImageId, `${target.container}'s image`);
    for (const n of readers) same(inspect(n.container).Image, inspect(config.vault.image).Id, `${n.container}'s image`);
    same(inspect(bootstrap).State.ExitCode, 0, `${bootstrap} exit code`);
    expectThat(failures.length === 0, `${failures.length} reads failed during the upgrade step, e.g. ${failures[0]}`);
    expectThat(ok > 0, "no read was made during the upgrade step");

    planWithoutChanges(STACK_IDS.platform);
    return `nodeImages {"${nodes.indexOf(target) + 1}": "${newImage}"}: cdktf deploy platform replaced only ${replaced.join(" and ")}; ${target.container} (a standby; leader ${active.nodeId}) runs ${newImageId.slice(7, 19)}, unsealed, ${servers.length} voters; ${ok} reads through ${readers.map((n) => n.nodeId).join(", ")} meanwhile, none failed; a second plan shows no changes`;
  });
}

async function snapshot(): Promise<void> {
  const job = `${env}-raft-snapshots`;
  let snap = "";
  await check("the snapshot job writes a Raft snapshot onto its protected volume", async () => {
    snap = await until("a raft-*.snap in /snapshots", 120, () => {
      const files = docker("exec", job, "ls", "/snapshots").split("\n").filter((f) => /^raft-.*\.snap$/.test(f));
      return files.length > 0 ? files.sort().pop() : undefined;
    });
    const size = docker("exec", job, "stat", "-c", "%s", `/snapshots/${snap}`).trim();
    const health = inspect(job).State.Health?.Status;
    expectThat(Number(size) > 0, `${snap} is empty`);
    return `${snap} (${size} bytes) on ${job}-data; job ${health}`;
  });
  if (!snap) return;

  await check("the snapshot restores into a fresh cluster (docs/RUNBOOK.md, restore drill)", async () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "uyoop-restore-"));
    const name = `${env}-restore-drill`;
    const port = String(Math.max(...config.vault.hostPorts) + 90);
    try {
      // The RUNBOOK's drill, step by step.
      docker("cp", `${job}:/snapshots/${snap}`, path.join(work, "restore.snap"));
      docker("cp", `${env}-vault-1-config-seeder:/seed/tls`, path.join(work, "tls"));
      fs.writeFileSync(
        path.join(work, "drill.hcl"),
        [
          'storage "raft" {',
          `  path = "${flavour.paths.data}"`,
          '  node_id = "restore-drill"',
          "}",
          'listener "tcp" {',
          '  address = "0.0.0.0:8200"',
          '  tls_cert_file = "/drill/tls/node.pem"',
          '  tls_key_file = "/drill/tls/node-key.pem"',
          "}",
          'api_addr = "https://127.0.0.1:8200"',
          'cluster_addr = "https://127.0.0.1:8201"',
          ...(flavour.mlockSetting ? ["disable_mlock = true"] : []),
          "",
        ].join("\n"),
      );
      execFileSync("chown", ["-R", "100:1000", work]);
      docker("volume", "create", `${name}-data`);
      docker(
        "run", "-d", "--name", name, "--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges:true", "--user", "100:1000",
        "--memory", "256m", "--memory-swap", "256m", "--tmpfs", "/tmp:rw,noexec,nosuid,size=16m,uid=100,gid=1000",
        "-v", `${name}-data:${flavour.paths.data}`, "-v", `${work}:/drill:ro`, "-p", `127.0.0.1:${port}:8200`,
        "-e", "VAULT_ADDR=https://127.0.0.1:8200", "-e", "VAULT_CACERT=/drill/tls/ca.pem", "-e", "HOME=/tmp",
        "--entrypoint", flavour.cli, config.vault.image, "server", "-config=/drill/drill.hcl",
      );
      const cli = (...args: string[]) => run("docker", ["exec", name, flavour.cli, ...args]);
      await until("the drill node's API", 60, () => (cli("status").code === 2 ? true : undefined));
      const init = JSON.parse(cli("operator", "init", "-key-shares=1", "-key-threshold=1", "-format=json").stdout) as { unseal_keys_b64: string[]; root_token: string };
      expectThat(cli("operator", "unseal", init.unseal_keys_b64[0]!).code === 0, "unsealing the fresh node failed");
      await until("the fresh node active", 60, () => (run("docker", ["exec", "-e", `VAULT_TOKEN=${init.root_token}`, name, flavour.cli, "read", "sys/leader"]).stdout.includes("true") ? true : undefined));
      const restore = run("docker", ["exec", "-e", `VAULT_TOKEN=${init.root_token}`, name, flavour.cli, "operator", "raft", "snapshot", "restore", "-force", "/drill/restore.snap"]);
      expectThat(restore.code === 0, `snapshot restore: ${restore.stdout}${restore.stderr}`);
      // The restored data is sealed with the original cluster's keys: unseal with its shares.
      const original = JSON.parse(fs.readFileSync(operatorFile("initMaterial"), "utf8")) as { unseal_keys_b64: string[]; unseal_threshold?: number };
      await until("the restored node sealed with the original keys", 30, () => (cli("status").code === 2 ? true : undefined));
      for (const k of original.unseal_keys_b64.slice(0, config.vault.unseal.keyThreshold)) cli("operator", "unseal", k);
      await until("the restored node unsealed", 60, () => (cli("status").code === 0 ? true : undefined));
      const read = await until("the app's configuration from the restored data", 60, () => {
        const r = run("docker", ["exec", "-e", `VAULT_TOKEN=${rootToken()}`, name, flavour.cli, "kv", "get", "-format=json", "secret/app/config"]);
        return r.code === 0 ? (JSON.parse(r.stdout) as Json) : undefined;
      });
      same(read.data.data, { database_url: appDatabaseUrl(env, config.postgres.database) }, "restored secret/app/config");
      return `${snap} restored (-force) into a fresh one-node cluster, unsealed with the original shares, original root token reads secret/app/config`;
    } finally {
      run("docker", ["rm", "-f", name]);
      run("docker", ["volume", "rm", "-f", `${name}-data`]);
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
}

async function rotation(): Promise<void> {
  await check("scripts/rotate-secret-id.sh gives the app a new SecretID and the old one fails", async () => {
    const volume = `${env}-app-secret-id`;
    const before = readAsAppUser(volume, "secret-id");
    const roleIdLogin = ["write", "-format=json", "auth/approle/login", "role_id=@/r/role-id"];
    const pre = cliOnClientsNetwork(roleIdLogin, before);
    expectThat(pre.code === 0, `the current SecretID does not log in before the rotation: ${pre.out.slice(0, 300)}`);
    const r = run("sh", [path.join(projectRoot(), "scripts/rotate-secret-id.sh"), env]);
    expectThat(r.code === 0, `rotate-secret-id.sh exited ${r.code}: ${(r.stdout + r.stderr).slice(-300)}`);
    const after = readAsAppUser(volume, "secret-id");
    expectThat(after !== before && after.length > 0, "the SecretID file did not change");
    const fresh = cliOnClientsNetwork(roleIdLogin, after);
    expectThat(fresh.code === 0, `the new SecretID does not log in: ${fresh.out.slice(0, 300)}`);
    const old = cliOnClientsNetwork(roleIdLogin, before);
    expectThat(old.code !== 0, "the old SecretID still logs in");
    const app = `${env}-app-0`;
    const since = Date.now();
    await until("the app's next login (with the new SecretID) succeeding", 120, async () => {
      const h = await appHealth();
      return h.ok === true && Date.parse(h.checked_at as string) > since ? true : undefined;
    });
    return `new SecretID logs in from the clients network, the old one is refused (${old.out.trim().split("\n").pop()?.slice(0, 80)}), ${app} stays healthy`;
  });
}

async function plan(): Promise<void> {
  for (const stack of fs.readdirSync(path.join(outdir, "stacks")).sort()) {
    await check(`a second plan of ${stack} shows no changes`, () => planWithoutChanges(stack));
  }
}

async function protectedResources(): Promise<void> {
  await check("the user's routine destroy (cdktf destroy '*') is refused by prevent_destroy", () => {
    const logFile = process.env["UYOOP_E2E_DESTROY_LOG"];
    expectThat(logFile !== undefined && fs.existsSync(logFile), "no log of the refused destroy (UYOOP_E2E_DESTROY_LOG)");
    const text = fs.readFileSync(logFile, "utf8").replace(/\u001b\[[0-9;]*m/g, "");
    expectThat(/Invoking Terraform CLI failed with exit code [1-9]/.test(text), `cdktf destroy did not fail: ${text.slice(-300)}`);
    expectThat(!/Destruction complete/.test(text), "cdktf destroy destroyed something");
    // cdktf-cli 0.21 does not print Terraform's reason: ask Terraform itself, stack by stack.
    const refused: string[] = [];
    for (const stack of fs.readdirSync(path.join(outdir, "stacks")).sort()) {
      const r = terraform(stack, ["plan", "-destroy", "-input=false", "-no-color"]);
      // Diagnostics are wrapped at the terminal width, inside box-drawing characters; Terraform
      // says "Resource X has lifecycle.prevent_destroy set", OpenTofu "Resource instance X has prevent_destroy set".
      const out = r.out.replace(/[│╷╵]/g, " ").replace(/\s+/g, " ");
      const names = [...out.matchAll(/Resource (?:instance )?([a-z_]+\.[A-Za-z0-9_-]+) has (?:lifecycle\.)?prevent_destroy set/g)].map((m) => m[1]!);
      expectThat(r.status !== 0 && names.length > 0, `${terraformBin} plan -destroy of ${stack} did not fail on prevent_destroy (exit ${r.status}): ${/Error: .{0,300}/.exec(out)?.[0] ?? out.slice(-300)}`);
      refused.push(`${stack}: ${[...new Set(names)].join(", ")}`);
    }
    return `cdktf destroy failed before destroying anything; ${terraformBin} plan -destroy names the protected resources: ${refused.join("; ")}`;
  });
  await check("after the refused destroy nothing is lost", () => {
    const volumes = docker("volume", "ls", "-q", "--filter", `name=^${env}-`).split("\n").filter(Boolean).sort();
    const stateful = volumes.filter((v) => /-(data|audit)$/.test(v));
    expectThat(stateful.length >= nodes.length * 2 + 2, `expected the Raft, audit, PostgreSQL and snapshot volumes, found ${stateful.join(", ")}`);
    const runningNow = docker("ps", "--filter", `label=uyoop.environment=${env}`, "-q").split("\n").filter(Boolean).length;
    expectThat(runningNow >= nodes.length + 3, `only ${runningNow} containers run`);
    return `after the refused destroy: ${stateful.length} stateful volumes (${stateful.join(", ")}) and ${runningNow} running containers are still there`;
  });
}

async function gone(): Promise<void> {
  await check("the teardown with allowDataLoss leaves no container, volume or network of the environment", () => {
    const left = [
      ...docker("ps", "-a", "--format", "{{.Names}}", "--filter", `name=${env}`).split("\n"),
      ...docker("volume", "ls", "--format", "{{.Name}}", "--filter", `name=${env}`).split("\n"),
      ...docker("network", "ls", "--format", "{{.Name}}", "--filter", `name=${env}`).split("\n"),
    ].filter(Boolean);
    expectThat(left.length === 0, `left behind: ${left.join(", ")}`);
    return `no container, volume or network named *${env}*`;
  });
}

const PHASES: Record<string, () => Promise<void>> = { running, plan, restart, replace: replaceNode, upgrade, snapshot, rotation, protected: protectedResources, gone };

async function main(): Promise<number> {
  const fn = PHASES[phase];
  if (!fn) {
    process.stderr.write(`usage: node dist/e2e/assert.js <${Object.keys(PHASES).join("|")}>\n`);
    return 2;
  }
  await fn();
  const failed = results.filter((r) => r.status === "FAIL");
  process.stdout.write(`${phase}: ${results.length - failed.length}/${results.length} passed or known gaps\n`);
  return failed.length > 0 ? 1 : 0;
}

main()
  .then(
    (code) => (process.exitCode = code),
    (e: unknown) => {
      process.stderr.write(`e2e assertions (${phase}) crashed: ${e instanceof Error ? e.stack : String(e)}\n`);
      process.exitCode = 1;
    },
  )
  // Whatever an assertion left running (a timer, a socket), the phase ends: run.sh goes on to
  // the teardown. (unref: a phase that ends by itself exits at once.)
  .finally(() => setTimeout(() => process.exit(), 2000).unref());
