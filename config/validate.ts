/**
 * Cross-field rules of the environment configuration. Each rule is a small pure function that
 * returns the problems it finds; `validateEnvironment` runs them all so a user sees every
 * problem at once. Messages name the field, quote the bad value and say how to fix it.
 */
import { parseIpv4Cidr, overlaps, isIpv4Address, type Ipv4Block } from "./cidr";
import { show, type InputProblem } from "./errors";
import {
  parseImageRef,
  isOfficialOpenBaoImage,
  isOfficialVaultImage,
  releaseOfTag,
  VAULT_IMAGE_TAGS_THAT_CANNOT_START_HARDENED,
} from "./image-ref";
import { NETWORK_NAMES, type EnvironmentConfig } from "./schema";

type Rule = (config: EnvironmentConfig) => InputProblem[];

const problem = (field: string, message: string): InputProblem => ({ field, message });

export const MIN_HOST_PORT = 1024;
export const MAX_HOST_PORT = 65535;

const checkName: Rule = (c) =>
  /^[a-z][a-z0-9-]{1,30}[a-z0-9]$/.test(c.name)
    ? []
    : [
        problem(
          "name",
          `${show(c.name)} is not a valid environment name; use 3-32 lowercase letters, digits and dashes, starting with a letter`,
        ),
      ];

const checkBindAddress: Rule = (c) => {
  const a = c.host.bindAddress;
  if (!isIpv4Address(a)) {
    return [problem("host.bindAddress", `${show(a)} is not an IPv4 address; use the address of the interface to publish on, e.g. "127.0.0.1"`)];
  }
  if (a === "0.0.0.0") {
    return [
      problem(
        "host.bindAddress",
        `"0.0.0.0" publishes every port on every interface; name one interface, e.g. "127.0.0.1" or the host's private address`,
      ),
    ];
  }
  return [];
};

const checkOperatorDir: Rule = (c) => {
  const d = c.host.operatorDir;
  // Either home-relative (expanded at apply time) or absolute; never relative to the stack's
  // working directory, which is inside cdktf.out and wiped on every synth.
  // Template sequences are refused for every field (checkNoTemplateSequences).
  if (!(d.startsWith("~/") || d.startsWith("/")) || d.includes("..") || /\s/.test(d)) {
    return [
      problem(
        "host.operatorDir",
        `${show(d)} must be "~/..." or an absolute path without ".." or spaces, e.g. "~/.uyoop-cal/${c.name}"`,
      ),
    ];
  }
  return [];
};

const checkSubnets: Rule = (c) => {
  const out: InputProblem[] = [];
  const parsed: { name: string; block: Ipv4Block }[] = [];
  for (const name of NETWORK_NAMES) {
    const text = c.networks[name].subnet;
    const block = parseIpv4Cidr(text);
    if (!block) {
      out.push(
        problem(`networks.${name}.subnet`, `${show(text)} is not an IPv4 network in CIDR form with host bits zero; use e.g. "172.30.0.0/24"`),
      );
    } else if (block.prefix < 16 || block.prefix > 28) {
      out.push(problem(`networks.${name}.subnet`, `${show(text)} has prefix /${block.prefix}; use a prefix between /16 and /28`));
    } else {
      parsed.push({ name, block });
    }
  }
  for (let i = 0; i < parsed.length; i++) {
    for (let j = i + 1; j < parsed.length; j++) {
      const a = parsed[i]!;
      const b = parsed[j]!;
      if (overlaps(a.block, b.block)) {
        out.push(
          problem(
            `networks.${b.name}.subnet`,
            `${show(b.block.text)} overlaps networks.${a.name}.subnet ${show(a.block.text)}; give every network its own non-overlapping subnet`,
          ),
        );
      }
    }
  }
  return out;
};

const checkNodeCount: Rule = (c) => {
  const n = c.vault.nodeCount;
  if (n < 3 || n > 7 || n % 2 === 0) {
    return [
      problem(
        "vault.nodeCount",
        `${show(n)} is not allowed; Raft needs an odd number of voters from 3 to 7 to keep a majority through failures: use 3, 5 or 7`,
      ),
    ];
  }
  return [];
};

/** Every published endpoint and its host port(s). */
export function publishedEndpoints(c: EnvironmentConfig): { field: string; port: number; what: string }[] {
  const out = c.vault.hostPorts.map((port, i) => ({ field: `vault.hostPorts[${i}]`, port, what: `vault node ${i + 1}` }));
  for (let r = 0; r < Math.max(c.app.replicas, 1); r++) {
    out.push({
      field: r === 0 ? "app.hostPort" : `app.hostPort (+${r} for replica ${r})`,
      port: c.app.hostPort + r,
      what: `app replica ${r}`,
    });
  }
  return out;
}

const checkHostPorts: Rule = (c) => {
  const out: InputProblem[] = [];
  if (c.vault.hostPorts.length !== c.vault.nodeCount && c.vault.nodeCount >= 1) {
    out.push(
      problem(
        "vault.hostPorts",
        `has ${c.vault.hostPorts.length} port(s) for ${c.vault.nodeCount} nodes; list exactly one distinct host port per node`,
      ),
    );
  }
  const seen = new Map<number, string>();
  for (const e of publishedEndpoints(c)) {
    if (e.port < MIN_HOST_PORT || e.port > MAX_HOST_PORT) {
      out.push(problem(e.field, `host port ${e.port} (${e.what}) is outside ${MIN_HOST_PORT}-${MAX_HOST_PORT}; pick an unprivileged port in that range`));
      continue;
    }
    const other = seen.get(e.port);
    if (other !== undefined) {
      out.push(problem(e.field, `host port ${e.port} (${e.what}) is already used by ${other}; give every published endpoint its own host port`));
    } else {
      seen.set(e.port, e.what);
    }
  }
  return out;
};

function checkImage(field: string, reference: string, profile: string): InputProblem[] {
  const ref = parseImageRef(reference);
  if (!ref) {
    return [problem(field, `${show(reference)} is not a valid image reference; use "repository:tag" (or "repository:tag@sha256:<digest>")`)];
  }
  if (ref.tag === undefined) {
    return [problem(field, `${show(reference)} has no tag; pin a release, e.g. "${ref.repository}:1.2.3"`)];
  }
  if (ref.tag === "latest") {
    return [problem(field, `${show(reference)} uses the moving "latest" tag; pin a release tag`)];
  }
  if (profile === "prod" && ref.digest === undefined) {
    return [
      problem(
        field,
        `${show(reference)} has no digest, which the prod profile requires; append "@sha256:<digest>" (docker buildx imagetools inspect ${reference})`,
      ),
    ];
  }
  return [];
}

function checkVaultImage(field: string, reference: string): InputProblem[] {
  const ref = parseImageRef(reference);
  if (!ref || ref.tag === undefined || !isOfficialVaultImage(ref)) return [];
  const release = releaseOfTag(ref.tag);
  if (release !== undefined && VAULT_IMAGE_TAGS_THAT_CANNOT_START_HARDENED.includes(release)) {
    return [
      problem(
        field,
        `${show(reference)} cannot start without IPC_LOCK or root (setcap regression in ${release}); use 1.19.18+, 1.20.12+, 1.21.7+ or 2.0.2+`,
      ),
    ];
  }
  return [];
}

/** An official image of the other server than `vault.server` says: the binary, paths and audit model would not match. */
function checkServerMatchesImage(field: string, reference: string, server: EnvironmentConfig["vault"]["server"]): InputProblem[] {
  const ref = parseImageRef(reference);
  if (!ref) return [];
  if (server === "openbao" && isOfficialVaultImage(ref)) {
    return [problem(field, `${show(reference)} is HashiCorp Vault but vault.server is "openbao"; use an OpenBao image (e.g. "openbao/openbao:2.6.2") or set vault.server to "vault"`)];
  }
  if (server === "vault" && isOfficialOpenBaoImage(ref)) {
    return [problem(field, `${show(reference)} is OpenBao but vault.server is "vault"; set vault.server to "openbao" (or use a HashiCorp Vault image)`)];
  }
  return [];
}

const checkImages: Rule = (c) => {
  const out: InputProblem[] = [];
  const server = c.vault.server;
  out.push(
    ...checkImage("vault.image", c.vault.image, c.profile),
    ...checkVaultImage("vault.image", c.vault.image),
    ...checkServerMatchesImage("vault.image", c.vault.image, server),
  );
  for (const [node, image] of Object.entries(c.vault.nodeImages)) {
    const field = `vault.nodeImages.${node}`;
    const n = Number(node);
    if (!/^[1-9][0-9]*$/.test(node) || n > c.vault.nodeCount) {
      out.push(problem(field, `key ${show(node)} is not a node number; use "1" to "${c.vault.nodeCount}"`));
      continue;
    }
    out.push(...checkImage(field, image, c.profile), ...checkVaultImage(field, image), ...checkServerMatchesImage(field, image, server));
  }
  out.push(...checkImage("postgres.image", c.postgres.image, c.profile));
  out.push(...checkImage("app.image", c.app.image, c.profile));
  return out;
};

const checkTls: Rule = (c) => {
  const t = c.tls;
  const out: InputProblem[] = [];
  if (t.caEarlyRenewalHours >= t.caValidityHours) {
    out.push(
      problem(
        "tls.caEarlyRenewalHours",
        `${t.caEarlyRenewalHours} is not below tls.caValidityHours (${t.caValidityHours}); the CA would be replaced on every apply: use a smaller window`,
      ),
    );
  }
  if (t.leafEarlyRenewalHours >= t.leafValidityHours) {
    out.push(
      problem(
        "tls.leafEarlyRenewalHours",
        `${t.leafEarlyRenewalHours} is not below tls.leafValidityHours (${t.leafValidityHours}); every certificate would be replaced on every apply: use a smaller window`,
      ),
    );
  }
  if (t.leafValidityHours > t.caValidityHours - t.caEarlyRenewalHours) {
    out.push(
      problem(
        "tls.leafValidityHours",
        `${t.leafValidityHours} outlives the CA's renewal point (caValidityHours - caEarlyRenewalHours = ${t.caValidityHours - t.caEarlyRenewalHours}); shorten leaves or lengthen the CA`,
      ),
    );
  }
  if (t.leafValidityHours > 9528) {
    out.push(problem("tls.leafValidityHours", `${t.leafValidityHours} exceeds 397 days (9528 h), the most clients accept; use at most 9528`));
  }
  if (c.profile === "prod" && t.algorithm === "RSA" && t.rsaBits < 3072) {
    out.push(problem("tls.rsaBits", `${t.rsaBits} is below the prod minimum; use 3072 or 4096`));
  }
  return out;
};

const checkUnseal: Rule = (c) => {
  const u = c.vault.unseal;
  const out: InputProblem[] = [];
  if (u.keyShares < 1 || u.keyShares > 10) {
    out.push(problem("vault.unseal.keyShares", `${u.keyShares} is outside 1-10; use e.g. 5`));
  }
  if (u.keyThreshold < 1 || u.keyThreshold > u.keyShares) {
    out.push(problem("vault.unseal.keyThreshold", `${u.keyThreshold} must be between 1 and vault.unseal.keyShares (${u.keyShares})`));
  } else if (u.keyShares > 1 && u.keyThreshold < 2) {
    out.push(problem("vault.unseal.keyThreshold", `1 lets any single share holder unseal Vault alone; use at least 2 when keyShares is ${u.keyShares}`));
  }
  if (u.pgpKeys.length > 0 && u.pgpKeys.length !== u.keyShares) {
    out.push(problem("vault.unseal.pgpKeys", `has ${u.pgpKeys.length} key(s) for ${u.keyShares} shares; give exactly one PGP key per share, or none`));
  }
  u.pgpKeys.forEach((k, i) => {
    if (!/^[A-Za-z0-9+/=\s]{40,}$/.test(k)) {
      out.push(problem(`vault.unseal.pgpKeys[${i}]`, "is not a base64-encoded PGP public key; export it with `gpg --export <id> | base64 -w0`"));
    }
  });
  return out;
};

const checkVaultSettings: Rule = (c) => {
  const v = c.vault;
  const out: InputProblem[] = [];
  if (!/^0[0-7]{3}$/.test(v.audit.fileMode) || /[1357]/.test(v.audit.fileMode)) {
    out.push(problem("vault.audit.fileMode", `${show(v.audit.fileMode)} must be an octal mode without execute bits, e.g. "0600"`));
  }
  if (!v.audit.file && !v.audit.stdout) {
    out.push(problem("vault.audit", "both devices are off; Vault must audit every request: enable file, stdout or both (two avoid blocking)"));
  }
  if (v.snapshots.intervalMinutes < 5 || v.snapshots.intervalMinutes > 1440) {
    out.push(problem("vault.snapshots.intervalMinutes", `${v.snapshots.intervalMinutes} is outside 5-1440; snapshot at least daily, at most every 5 minutes`));
  }
  if (v.snapshots.retain < 2 || v.snapshots.retain > 1000) {
    out.push(problem("vault.snapshots.retain", `${v.snapshots.retain} is outside 2-1000; keep at least two snapshots`));
  }
  if (v.kv.maxVersions < 1 || v.kv.maxVersions > 100) {
    out.push(problem("vault.kv.maxVersions", `${v.kv.maxVersions} is outside 1-100; KV v2 must keep a bounded number of versions, e.g. 10`));
  }
  const a = v.appRole;
  if (a.tokenTtlSeconds < 60 || a.tokenTtlSeconds > a.tokenMaxTtlSeconds) {
    out.push(problem("vault.appRole.tokenTtlSeconds", `${a.tokenTtlSeconds} must be at least 60 and at most vault.appRole.tokenMaxTtlSeconds (${a.tokenMaxTtlSeconds})`));
  }
  if (a.tokenMaxTtlSeconds > 86400) {
    out.push(problem("vault.appRole.tokenMaxTtlSeconds", `${a.tokenMaxTtlSeconds} exceeds 24 h (86400); app tokens must stay short-lived`));
  }
  if (a.secretIdTtlSeconds < 3600 || a.secretIdTtlSeconds > 31 * 86400) {
    out.push(problem("vault.appRole.secretIdTtlSeconds", `${a.secretIdTtlSeconds} is outside 3600-2678400 (1 h-31 days); a SecretID must expire, e.g. 691200 (8 days)`));
  }
  if (a.secretIdNumUses < 1 || a.secretIdNumUses > 100000) {
    out.push(problem("vault.appRole.secretIdNumUses", `${a.secretIdNumUses} is outside 1-100000; 0 (unlimited) is not allowed: bound the uses, e.g. 1000`));
  }
  return out;
};

const checkWorkloads: Rule = (c) => {
  const out: InputProblem[] = [];
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(c.postgres.database) || c.postgres.database.startsWith("pg_")) {
    out.push(problem("postgres.database", `${show(c.postgres.database)} is not a plain lowercase SQL identifier; use letters, digits and underscores, e.g. "devops_calendar"`));
  }
  if (!/^[1-9]\d*:\d+$/.test(c.app.user)) {
    out.push(problem("app.user", `${show(c.app.user)} must be a numeric non-root "uid:gid", e.g. "1000:1000"`));
  }
  if (c.app.port < 1024 || c.app.port > 65535) {
    out.push(problem("app.port", `${c.app.port} needs NET_BIND_SERVICE or is invalid; listen on a port from 1024 to 65535 (the seeds' app uses 8000)`));
  }
  if (!/^\/[A-Za-z0-9._~\/-]*$/.test(c.app.healthPath)) {
    out.push(problem("app.healthPath", `${show(c.app.healthPath)} must be an absolute URL path such as "/health"`));
  }
  if (c.app.replicas < 1 || c.app.replicas > 50) {
    out.push(problem("app.replicas", `${c.app.replicas} is outside 1-50`));
  }
  return out;
};

const checkAllowDataLoss: Rule = (c) => {
  if (c.allowDataLoss === undefined) return [];
  const reason = c.allowDataLoss.reason.trim();
  if (reason.length < 10) {
    return [
      problem(
        "allowDataLoss.reason",
        `${show(c.allowDataLoss.reason)} is too short; lifting destroy protection needs a reason of at least 10 characters, e.g. "tear down the dev environment after the demo"`,
      ),
    ];
  }
  return [];
};

/**
 * No field may carry a Terraform template sequence: Terraform would evaluate `${...}` / `%{...}`
 * wherever the value lands in the JSON (a certificate subject, a label, a path), e.g.
 * `${file("/etc/passwd")}` reads a host file at apply. No field has a use for one.
 */
const checkNoTemplateSequences: Rule = (c) => {
  const out: InputProblem[] = [];
  const visit = (v: unknown, field: string): void => {
    if (typeof v === "string") {
      const opener = /[$%]\{/.exec(v);
      if (opener) out.push(problem(field, `contains ${show(opener[0])}, which Terraform would evaluate as an expression; remove it (no field takes a template)`));
    } else if (Array.isArray(v)) v.forEach((x, i) => visit(x, `${field}[${i}]`));
    else if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v)) visit(x, field === "" ? k : `${field}.${k}`);
  };
  visit(c, "");
  return out;
};

export const ENVIRONMENT_RULES: readonly Rule[] = [
  checkNoTemplateSequences,
  checkName,
  checkBindAddress,
  checkOperatorDir,
  checkSubnets,
  checkNodeCount,
  checkHostPorts,
  checkImages,
  checkTls,
  checkUnseal,
  checkVaultSettings,
  checkWorkloads,
  checkAllowDataLoss,
];

/** Runs every rule; returns all problems (empty when the configuration is valid). */
export function validateEnvironment(config: EnvironmentConfig): InputProblem[] {
  return ENVIRONMENT_RULES.flatMap((rule) => rule(config));
}
