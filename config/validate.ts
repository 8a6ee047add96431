/**
 * The rules of the environment configuration, beyond types. Each rule is a small pure function
 * that declares the fields it reads and returns the problems it finds; `validateEnvironment`
 * runs them in order so a user sees every problem at once.
 *
 * Order and skipping state one principle: bounds before derived checks. A rule is skipped when a
 * field it reads already has a problem (from the type check or an earlier rule), so a derived
 * check never runs on a value known to be wrong: `app.replicas: 1000000000` is refused by its
 * bound and the published-ports check, which loops over replicas, never runs; a problem is
 * reported once, on the field that has it. Rules that check many fields one by one ask
 * `ctx.hasProblem(field)` per field instead.
 *
 * Messages name the field, quote the bad value and say how to fix it.
 */
import { parseIpv4Cidr, overlaps, isIpv4Address, ipv4Range, isPrivateBlock, type Ipv4Block } from "../kernel/cidr";
import { fieldOf, show, UNSAFE_TEXT, type InputProblem } from "../kernel/errors";
import { formatRelease, parseImageRef, isOfficialOpenBaoImage, isOfficialVaultImage, namesServer, releaseOfTag, releaseBelowFloor } from "../kernel/image-ref";
import { MAX_REASON_LENGTH, MIN_REASON_LENGTH, isEveryInterface } from "../kernel/invariants";
import { NETWORK_NAMES, type EnvironmentConfig } from "./schema";
import { PG_HBA_DATABASE_KEYWORDS, POSTGRES_RESERVED_KEYWORDS, POSTGRES_SYSTEM_DATABASES } from "./sql-keywords";

export interface RuleContext {
  /** Whether the field (or a field inside it, or the object holding it) already has a problem. */
  hasProblem(field: string): boolean;
}

export interface EnvironmentRule {
  /** Fields the rule reads: it is skipped when one of them already has a problem. */
  readonly reads: readonly string[];
  readonly check: (config: EnvironmentConfig, ctx: RuleContext) => InputProblem[];
}

const problem = (field: string, message: string): InputProblem => ({ field, message });
const rule = (reads: readonly string[], check: EnvironmentRule["check"]): EnvironmentRule => ({ reads, check });

/** The field path a problem is about (`app.hostPort (+2 for replica 2)` is about `app.hostPort`). */
function fieldKey(field: string): string {
  const space = field.indexOf(" ");
  return space < 0 ? field : field.slice(0, space);
}

/** Whether one field contains the other (or is it). */
export function fieldsOverlap(a: string, b: string): boolean {
  const x = fieldKey(a);
  const y = fieldKey(b);
  const within = (inner: string, outer: string) => inner === outer || inner.startsWith(`${outer}.`) || inner.startsWith(`${outer}[`);
  return within(x, y) || within(y, x);
}

export const MIN_HOST_PORT = 1024;
export const MAX_HOST_PORT = 65535;
/** The largest uid/gid: 2^32 - 2 (2^32 - 1 is (uid_t) -1, "no change" to chown). */
export const MAX_ID = 4294967294;

// ---- every text --------------------------------------------------------------------------------

/**
 * No text may carry a Terraform template sequence or a character a reader cannot see.
 *
 * Terraform evaluates `${...}` / `%{...}` wherever a value lands in the JSON (a certificate
 * subject, a label, a path): `${file("/etc/passwd")}` reads a host file at apply. Control and
 * invisible characters (C0/C1 controls, bidirectional overrides, zero-width characters, line
 * separators) make a value read differently from what it is, in a review, a certificate or a
 * log. No field has a use for either. Keys are checked like values (`vault.nodeImages` keys).
 */
function textProblem(text: string): string | undefined {
  const opener = /[$%]\{/.exec(text);
  if (opener) return `contains ${show(opener[0])}, which Terraform would evaluate as an expression; remove it (no field takes a template)`;
  UNSAFE_TEXT.lastIndex = 0;
  const hidden = UNSAFE_TEXT.exec(text);
  if (hidden) {
    const code = hidden[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0");
    return `contains the control or invisible character U+${code}, which makes text read differently from what it is; remove it`;
  }
  return undefined;
}

const checkText: EnvironmentRule = rule([], (c, ctx) => {
  const out: InputProblem[] = [];
  const visit = (v: unknown, path: (string | number)[]): void => {
    if (typeof v === "string") {
      if (ctx.hasProblem(fieldOf(path))) return;
      const p = textProblem(v);
      if (p) out.push(problem(fieldOf(path), p));
    } else if (Array.isArray(v)) v.forEach((x, i) => visit(x, [...path, i]));
    else if (v !== null && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) {
        const p = textProblem(k);
        if (p) out.push(problem(fieldOf([...path, k]), `the key ${p}`));
        else visit(x, [...path, k]);
      }
    }
  };
  visit(c, []);
  return out;
});

// ---- host --------------------------------------------------------------------------------------

const ENVIRONMENT_NAME = /^[a-z][a-z0-9-]{1,30}[a-z0-9]$/;

/** Whether a value is a valid environment name (3-32 lowercase letters, digits, dashes). */
export function isEnvironmentName(value: unknown): value is string {
  return typeof value === "string" && ENVIRONMENT_NAME.test(value);
}

const checkName = rule(["name"], (c) =>
  isEnvironmentName(c.name)
    ? []
    : [problem("name", `${show(c.name)} is not a valid environment name; use 3-32 lowercase letters, digits and dashes, starting with a letter`)],
);

/** Ranges an interface address can be published on (ipaddr.js names). */
const BINDABLE_RANGES = ["loopback", "private", "unicast", "carrierGradeNat"];

const checkBindAddress = rule(["host.bindAddress"], (c) => {
  const a = c.host.bindAddress;
  const field = "host.bindAddress";
  if (!isIpv4Address(a)) {
    return [problem(field, `${show(a)} is not an IPv4 address in dotted-decimal form; use the address of the interface to publish on, e.g. "127.0.0.1"`)];
  }
  if (isEveryInterface(a)) {
    return [problem(field, `${show(a)} publishes every port on every interface; name one interface, e.g. "127.0.0.1" or the host's private address`)];
  }
  const range = ipv4Range(a)!;
  if (!BINDABLE_RANGES.includes(range)) {
    return [problem(field, `${show(a)} is a ${range} address, not one of a host interface; name the interface to publish on, e.g. "127.0.0.1" or the host's private address`)];
  }
  return [];
});

/**
 * Where the operator directory may be. The bootstrap job mounts it read-write and, unless
 * host.operatorUid says otherwise, runs as root: a system directory there (/run holds the Docker
 * socket, /var/lib Docker's state, ~/.ssh the operator's keys) would hand a container the host.
 * So the rule is positive: a directory of the project's own (its first component below the base
 * names uyoop) under one of these bases, written plainly.
 */
export const OPERATOR_DIR_BASES: readonly { readonly prefix: readonly string[]; readonly user?: true; readonly label: string }[] = [
  { prefix: ["~"], label: "~/" },
  { prefix: ["home"], user: true, label: "/home/<user>/" },
  { prefix: ["Users"], user: true, label: "/Users/<user>/" },
  { prefix: ["root"], label: "/root/" },
  { prefix: ["srv"], label: "/srv/" },
  { prefix: ["opt"], label: "/opt/" },
  { prefix: ["var", "lib"], label: "/var/lib/" },
];
const OPERATOR_DIR_COMPONENT = /^[A-Za-z0-9._@+-]{1,64}$/;
const OPERATOR_DIR_MAX = 200;

/** What is wrong with an operator directory, or undefined. */
export function operatorDirProblem(dir: string, name: string): string | undefined {
  const example = `"~/.uyoop-cal/${isEnvironmentName(name) ? name : "<name>"}"`;
  const bases = OPERATOR_DIR_BASES.map((b) => b.label).join(", ");
  if (dir.length > OPERATOR_DIR_MAX) return `is longer than ${OPERATOR_DIR_MAX} characters; use a short path, e.g. ${example}`;
  const parts = dir.startsWith("~/") ? ["~", ...dir.slice(2).split("/")] : dir.startsWith("/") ? dir.slice(1).split("/") : undefined;
  if (parts === undefined) return `${show(dir)} must start with "~/" or "/" (a path relative to the stack's directory would land in cdktf.out, wiped on every synth); e.g. ${example}`;
  if (parts.some((p) => p === "" || p === "." || p === "..")) {
    return `${show(dir)} must be written plainly: no "..", "." or empty parts, no trailing "/"; e.g. ${example}`;
  }
  const odd = parts.find((p, i) => !(i === 0 && p === "~") && !OPERATOR_DIR_COMPONENT.test(p));
  if (odd !== undefined) return `${show(dir)} has a part (${show(odd)}) with characters other than letters, digits, ".", "_", "-", "+", "@"; e.g. ${example}`;
  const base = OPERATOR_DIR_BASES.find((b) => b.prefix.every((p, i) => parts[i] === p) && (!b.user || parts.length > b.prefix.length));
  if (base === undefined) {
    return `${show(dir)} is not under a base for operator files (${bases}); the bootstrap job mounts it read-write as host.operatorUid, so a system directory would hand it the host: use ${example}`;
  }
  const below = parts.slice(base.prefix.length + (base.user ? 1 : 0));
  const first = below[0];
  if (first === undefined || !first.toLowerCase().includes("uyoop")) {
    return `${show(dir)} is not a directory of the project's own: the first directory below ${base.label} must name it (contain "uyoop"), so no existing directory (~/.ssh, /var/lib/docker, the home itself) is mounted read-write into the bootstrap job; use ${example}`;
  }
  return undefined;
}

const checkOperatorDir = rule(["host.operatorDir"], (c) => {
  const p = operatorDirProblem(c.host.operatorDir, c.name);
  return p === undefined ? [] : [problem("host.operatorDir", p)];
});

// ---- networks ----------------------------------------------------------------------------------

const checkSubnets = rule([], (c, ctx) => {
  const out: InputProblem[] = [];
  const parsed: { name: string; block: Ipv4Block }[] = [];
  for (const name of NETWORK_NAMES) {
    const field = `networks.${name}.subnet`;
    if (ctx.hasProblem(field)) continue;
    const text = c.networks[name].subnet;
    const block = parseIpv4Cidr(text);
    if (!block) {
      out.push(problem(field, `${show(text)} is not an IPv4 network in dotted-decimal CIDR form with host bits zero; use e.g. "172.30.0.0/24"`));
    } else if (!isPrivateBlock(block)) {
      out.push(problem(field, `${show(text)} is not inside a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16); a Docker network elsewhere hides real addresses from the host: use e.g. "172.30.0.0/24"`));
    } else if (block.prefix < 16 || block.prefix > 28) {
      out.push(problem(field, `${show(text)} has prefix /${block.prefix}; use a prefix between /16 and /28`));
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
          problem(`networks.${b.name}.subnet`, `${show(b.block.text)} overlaps networks.${a.name}.subnet ${show(a.block.text)}; give every network its own non-overlapping subnet`),
        );
      }
    }
  }
  return out;
});

// ---- ports -------------------------------------------------------------------------------------

const checkNodeCount = rule(["vault.nodeCount"], (c) => {
  const n = c.vault.nodeCount;
  if (n < 3 || n > 7 || n % 2 === 0) {
    return [problem("vault.nodeCount", `${show(n)} is not allowed; Raft needs an odd number of voters from 3 to 7 to keep a majority through failures: use 3, 5 or 7`)];
  }
  return [];
});

const checkReplicas = rule(["app.replicas"], (c) =>
  c.app.replicas < 1 || c.app.replicas > 50 ? [problem("app.replicas", `${c.app.replicas} is outside 1-50`)] : [],
);

function portRangeProblem(port: number, what: string): string | undefined {
  return port < MIN_HOST_PORT || port > MAX_HOST_PORT ? `host port ${port} (${what}) is outside ${MIN_HOST_PORT}-${MAX_HOST_PORT}; pick an unprivileged port in that range` : undefined;
}

const checkHostPortRanges = rule([], (c, ctx) => {
  const out: InputProblem[] = [];
  if (!ctx.hasProblem("vault.hostPorts")) {
    if (c.vault.hostPorts.length > 7) {
      out.push(problem("vault.hostPorts", `has ${c.vault.hostPorts.length} ports; a cluster has at most 7 nodes: list one host port per node`));
    } else {
      c.vault.hostPorts.forEach((port, i) => {
        const p = portRangeProblem(port, `vault node ${i + 1}`);
        if (p) out.push(problem(`vault.hostPorts[${i}]`, p));
      });
    }
  }
  if (!ctx.hasProblem("app.hostPort")) {
    const p = portRangeProblem(c.app.hostPort, "app replica 0");
    if (p) out.push(problem("app.hostPort", p));
  }
  return out;
});

const checkHostPortCount = rule(["vault.hostPorts", "vault.nodeCount"], (c) =>
  c.vault.hostPorts.length !== c.vault.nodeCount
    ? [problem("vault.hostPorts", `has ${c.vault.hostPorts.length} port(s) for ${c.vault.nodeCount} nodes; list exactly one distinct host port per node`)]
    : [],
);

/** Every published endpoint and its host port(s). Call only on a validated configuration (replicas bounded). */
export function publishedEndpoints(c: EnvironmentConfig): { field: string; port: number; what: string }[] {
  const out = c.vault.hostPorts.map((port, i) => ({ field: `vault.hostPorts[${i}]`, port, what: `vault node ${i + 1}` }));
  for (let r = 0; r < Math.max(c.app.replicas, 1); r++) {
    out.push({ field: r === 0 ? "app.hostPort" : `app.hostPort (+${r} for replica ${r})`, port: c.app.hostPort + r, what: `app replica ${r}` });
  }
  return out;
}

const checkPublishedPortsDistinct = rule(["vault.hostPorts", "app.hostPort", "app.replicas"], (c) => {
  const out: InputProblem[] = [];
  const seen = new Map<number, string>();
  for (const e of publishedEndpoints(c)) {
    const range = portRangeProblem(e.port, e.what);
    if (range) {
      out.push(problem(e.field, range));
      continue;
    }
    const other = seen.get(e.port);
    if (other !== undefined) out.push(problem(e.field, `host port ${e.port} (${e.what}) is already used by ${other}; give every published endpoint its own host port`));
    else seen.set(e.port, e.what);
  }
  return out;
});

// ---- images ------------------------------------------------------------------------------------

function checkImage(field: string, reference: string, profile: string): InputProblem[] {
  const ref = parseImageRef(reference);
  if (!ref) return [problem(field, `${show(reference)} is not a valid image reference; use "repository:tag" (or "repository:tag@sha256:<digest>")`)];
  if (ref.repository.length > 255) return [problem(field, `${show(reference)} has a repository name longer than Docker's limit of 255 characters`)];
  if (ref.tag === undefined) return [problem(field, `${show(reference)} has no tag; pin a release, e.g. "${ref.repository}:1.2.3"`)];
  if (ref.tag === "latest") return [problem(field, `${show(reference)} uses the moving "latest" tag; pin a release tag`)];
  if (profile === "prod" && ref.digest === undefined) {
    return [problem(field, `${show(reference)} has no digest, which the prod profile requires; append "@sha256:<digest>" (docker buildx imagetools inspect ${reference})`)];
  }
  return [];
}

const SERVER_NAMES = { vault: "Vault", openbao: "OpenBao" } as const;

/**
 * A server image's release: an official image must name an exact release (a moving "1.21" tag
 * could become a broken release); any image of the server (official or a mirror keeping the
 * upstream tag) must not be below the release floors of kernel/image-ref.ts.
 */
function checkServerRelease(field: string, reference: string, server: EnvironmentConfig["vault"]["server"]): InputProblem[] {
  const ref = parseImageRef(reference);
  if (!ref || ref.tag === undefined || !namesServer(ref, server)) return [];
  const release = releaseOfTag(ref.tag);
  const official = server === "vault" ? isOfficialVaultImage(ref) : isOfficialOpenBaoImage(ref);
  if (release === undefined) {
    return official ? [problem(field, `${show(reference)}: tag ${show(ref.tag)} is not an exact release; pin one, e.g. "${ref.repository}:${server === "vault" ? "1.21.7" : "2.6.2"}"`)] : [];
  }
  const why = releaseBelowFloor(server, release);
  return why === undefined ? [] : [problem(field, `${show(reference)} is ${SERVER_NAMES[server]} ${formatRelease(release)}, which ${why}`)];
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

function checkServerImage(field: string, reference: string, c: EnvironmentConfig): InputProblem[] {
  const basic = checkImage(field, reference, c.profile);
  if (basic.length > 0) return basic;
  const mismatch = checkServerMatchesImage(field, reference, c.vault.server);
  return mismatch.length > 0 ? mismatch : checkServerRelease(field, reference, c.vault.server);
}

const checkImages = rule(["profile", "vault.server"], (c, ctx) => {
  const out: InputProblem[] = [];
  if (!ctx.hasProblem("vault.image")) out.push(...checkServerImage("vault.image", c.vault.image, c));
  for (const [node, image] of Object.entries(c.vault.nodeImages)) {
    const field = fieldOf(["vault", "nodeImages", node]);
    if (ctx.hasProblem(field)) continue;
    const count = ctx.hasProblem("vault.nodeCount") ? undefined : c.vault.nodeCount;
    if (!/^[1-7]$/.test(node) || (count !== undefined && Number(node) > count)) {
      out.push(problem(field, `key ${show(node)} is not a node number; use "1" to "${count ?? "<vault.nodeCount>"}"`));
      continue;
    }
    out.push(...checkServerImage(field, image, c));
  }
  if (!ctx.hasProblem("postgres.image")) out.push(...checkImage("postgres.image", c.postgres.image, c.profile));
  if (!ctx.hasProblem("app.image")) out.push(...checkImage("app.image", c.app.image, c.profile));
  return out;
});

// ---- TLS ---------------------------------------------------------------------------------------

/** 20 years: beyond it, the tls provider's duration arithmetic comes close to overflowing. */
export const MAX_CA_VALIDITY_HOURS = 175200;

const checkCaValidity = rule(["tls.caValidityHours"], (c) =>
  c.tls.caValidityHours > MAX_CA_VALIDITY_HOURS
    ? [problem("tls.caValidityHours", `${c.tls.caValidityHours} exceeds 20 years (${MAX_CA_VALIDITY_HOURS} h); rotate the CA at least that often, e.g. 87600 (10 years)`)]
    : [],
);

const checkLeafValidity = rule(["tls.leafValidityHours"], (c) =>
  c.tls.leafValidityHours > 9528
    ? [problem("tls.leafValidityHours", `${c.tls.leafValidityHours} exceeds 397 days (9528 h), the most clients accept; use at most 9528`)]
    : [],
);

/** An early-renewal window must be shorter than the validity it renews, or every apply replaces the certificate(s). */
function renewalWithinValidity(kind: "ca" | "leaf", what: string): EnvironmentRule {
  const window = `tls.${kind}EarlyRenewalHours` as const;
  const validity = `tls.${kind}ValidityHours` as const;
  return rule([window, validity], (c) => {
    const early = c.tls[`${kind}EarlyRenewalHours`];
    const valid = c.tls[`${kind}ValidityHours`];
    return early >= valid
      ? [problem(window, `${early} is not below ${validity} (${valid}); ${what} would be replaced on every apply: use a smaller window`)]
      : [];
  });
}

const checkCaRenewal = renewalWithinValidity("ca", "the CA");
const checkLeafRenewal = renewalWithinValidity("leaf", "every certificate");

const checkLeafWithinCa = rule(["tls.leafValidityHours", "tls.caValidityHours", "tls.caEarlyRenewalHours"], (c) => {
  const t = c.tls;
  return t.leafValidityHours > t.caValidityHours - t.caEarlyRenewalHours
    ? [
        problem(
          "tls.leafValidityHours",
          `${t.leafValidityHours} outlives the CA's renewal point (caValidityHours - caEarlyRenewalHours = ${t.caValidityHours - t.caEarlyRenewalHours}); shorten leaves or lengthen the CA`,
        ),
      ]
    : [];
});

const checkRsaBits = rule(["tls.rsaBits", "tls.algorithm"], (c) =>
  c.profile === "prod" && c.tls.algorithm === "RSA" && c.tls.rsaBits < 3072 ? [problem("tls.rsaBits", `${c.tls.rsaBits} is below the prod minimum; use 3072 or 4096`)] : [],
);

// ---- unseal ------------------------------------------------------------------------------------

const checkKeyShares = rule(["vault.unseal.keyShares"], (c) => {
  const n = c.vault.unseal.keyShares;
  if (n < 1 || n > 10) return [problem("vault.unseal.keyShares", `${n} is outside 1-10; use e.g. 5`)];
  if (c.profile === "prod" && n < 3) {
    return [problem("vault.unseal.keyShares", `${n} is too few for prod: with fewer than 3 shares, one lost or one leaked share decides; use at least 3, e.g. 5 with keyThreshold 3`)];
  }
  return [];
});

const checkKeyThreshold = rule(["vault.unseal.keyThreshold", "vault.unseal.keyShares"], (c) => {
  const u = c.vault.unseal;
  const field = "vault.unseal.keyThreshold";
  if (u.keyThreshold < 1 || u.keyThreshold > u.keyShares) return [problem(field, `${u.keyThreshold} must be between 1 and vault.unseal.keyShares (${u.keyShares})`)];
  if (u.keyShares > 1 && u.keyThreshold < 2) return [problem(field, `1 lets any single share holder unseal Vault alone; use at least 2 when keyShares is ${u.keyShares}`)];
  if (c.profile === "prod" && u.keyThreshold === u.keyShares) {
    return [problem(field, `${u.keyThreshold} equals keyShares: losing any one share loses Vault for good; in prod use fewer, e.g. 3 of 5`)];
  }
  return [];
});

const checkPgpKeyCount = rule(["vault.unseal.pgpKeys", "vault.unseal.keyShares"], (c) => {
  const u = c.vault.unseal;
  return u.pgpKeys.length > 0 && u.pgpKeys.length !== u.keyShares
    ? [problem("vault.unseal.pgpKeys", `has ${u.pgpKeys.length} key(s) for ${u.keyShares} shares; give exactly one PGP key per share, or none`)]
    : [];
});

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** A real OpenPGP public key (a key packet, a user ID, a self-signature) is never shorter. */
const MIN_PGP_KEY_BYTES = 64;

/** The OpenPGP packet tag of the first packet (RFC 4880 §4.2, old and new formats). */
function firstPacketTag(bytes: Buffer): number | undefined {
  const b = bytes[0];
  if (b === undefined || (b & 0x80) === 0) return undefined;
  return b & 0x40 ? b & 0x3f : (b >> 2) & 0x0f;
}

/** What is wrong with a PGP key as Vault's init takes it (base64 of the binary public key), or undefined. */
export function pgpKeyProblem(key: string): string | undefined {
  const how = "export it with `gpg --export <key id> | base64 -w0`";
  if (key.includes("BEGIN PGP")) return `is ASCII-armored; give the binary key in base64: ${how}`;
  if (key.startsWith("keybase:")) return `is a keybase reference, which this project does not take; ${how}`;
  if (!BASE64.test(key) || key.length === 0) return `is not base64 (one line, no spaces); ${how}`;
  const bytes = Buffer.from(key, "base64");
  const tag = firstPacketTag(bytes);
  if (tag === 5) return "is an OpenPGP SECRET key: remove it from this file now (and from the repository's history if it was committed), then give the public key: `gpg --export <key id> | base64 -w0`";
  if (tag !== 6 || bytes.length < MIN_PGP_KEY_BYTES) return `is not an OpenPGP public key (it does not start with a public-key packet); ${how}`;
  return undefined;
}

const checkPgpKeys = rule(["vault.unseal.pgpKeys"], (c) =>
  c.vault.unseal.pgpKeys.flatMap((k, i) => {
    const p = pgpKeyProblem(k);
    return p === undefined ? [] : [problem(`vault.unseal.pgpKeys[${i}]`, p)];
  }),
);

// ---- Vault settings ----------------------------------------------------------------------------

/** Audit file modes: Vault must reopen the file for writing (owner rw), nobody else may write or read beyond the group. */
export const AUDIT_FILE_MODES: readonly string[] = ["0600", "0640"];

const checkAuditFileMode = rule(["vault.audit.fileMode"], (c) =>
  AUDIT_FILE_MODES.includes(c.vault.audit.fileMode)
    ? []
    : [
        problem(
          "vault.audit.fileMode",
          `${show(c.vault.audit.fileMode)} is not allowed; use "0600" (owner only) or "0640" (and a log reader's group): Vault reopens the file to write, and nobody else may write it or read it (no execute bits either)`,
        ),
      ],
);

const checkAuditDevices = rule(["vault.audit.file", "vault.audit.stdout"], (c) =>
  !c.vault.audit.file && !c.vault.audit.stdout
    ? [problem("vault.audit", "both devices are off; Vault must audit every request: enable file, stdout or both (two avoid blocking)")]
    : [],
);

/** A bound on one integer field. */
function bounded(field: string, get: (c: EnvironmentConfig) => number, min: number, max: number, why: string): EnvironmentRule {
  return rule([field], (c) => {
    const v = get(c);
    return v < min || v > max ? [problem(field, `${v} is outside ${min}-${max}; ${why}`)] : [];
  });
}

const checkSnapshotInterval = bounded("vault.snapshots.intervalMinutes", (c) => c.vault.snapshots.intervalMinutes, 5, 1440, "snapshot at least daily, at most every 5 minutes");
const checkSnapshotRetain = bounded("vault.snapshots.retain", (c) => c.vault.snapshots.retain, 2, 1000, "keep at least two snapshots");
const checkKvVersions = bounded("vault.kv.maxVersions", (c) => c.vault.kv.maxVersions, 1, 100, "KV v2 must keep a bounded number of versions, e.g. 10");
const checkTokenMaxTtl = rule(["vault.appRole.tokenMaxTtlSeconds"], (c) => {
  const v = c.vault.appRole.tokenMaxTtlSeconds;
  if (v > 86400) return [problem("vault.appRole.tokenMaxTtlSeconds", `${v} exceeds 24 h (86400); app tokens must stay short-lived`)];
  if (v < 60) return [problem("vault.appRole.tokenMaxTtlSeconds", `${v} is below 60 seconds; use e.g. 14400 (4 h)`)];
  return [];
});
const checkTokenTtl = rule(["vault.appRole.tokenTtlSeconds", "vault.appRole.tokenMaxTtlSeconds"], (c) => {
  const a = c.vault.appRole;
  return a.tokenTtlSeconds < 60 || a.tokenTtlSeconds > a.tokenMaxTtlSeconds
    ? [problem("vault.appRole.tokenTtlSeconds", `${a.tokenTtlSeconds} must be at least 60 and at most vault.appRole.tokenMaxTtlSeconds (${a.tokenMaxTtlSeconds})`)]
    : [];
});
const checkSecretIdTtl = bounded(
  "vault.appRole.secretIdTtlSeconds",
  (c) => c.vault.appRole.secretIdTtlSeconds,
  3600,
  31 * 86400,
  "a SecretID must expire (1 h-31 days), e.g. 691200 (8 days)",
);
const checkSecretIdUses = bounded(
  "vault.appRole.secretIdNumUses",
  (c) => c.vault.appRole.secretIdNumUses,
  1,
  100000,
  "0 (unlimited) is not allowed: bound the uses, e.g. 1000",
);

/** What is wrong with the reason an opt-out gives (kernel/invariants.ts), or undefined. */
function reasonProblem(reason: string, example: string): string | undefined {
  if (reason.trim().length < MIN_REASON_LENGTH) return `${show(reason)} is too short; say why in at least ${MIN_REASON_LENGTH} characters, e.g. ${show(example)}`;
  if (reason.length > MAX_REASON_LENGTH) return `is ${reason.length} characters long; it is printed in every synth and audit: say why in at most ${MAX_REASON_LENGTH}`;
  return undefined;
}

/** Prod keeps mutual TLS unless the file says why not; a reason is only meaningful with mTLS off. */
const checkMtls = rule(["vault.mtls", "vault.mtlsOffReason"], (c) => {
  const reason = c.vault.mtlsOffReason;
  const field = "vault.mtlsOffReason";
  if (reason !== undefined && c.vault.mtls) return [problem(field, "is set but vault.mtls is true; remove it (a reason is for turning mutual TLS off)")];
  const why = reason === undefined ? undefined : reasonProblem(reason, "clients behind the load balancer cannot present certificates");
  if (why !== undefined) return [problem(field, why)];
  if (reason === undefined && !c.vault.mtls && c.profile === "prod") {
    return [
      problem(
        "vault.mtls",
        'false in prod needs a reason: any process that reaches the API could then try tokens without a client certificate; keep true, or add vault.mtlsOffReason, e.g. "clients behind the load balancer cannot present certificates"',
      ),
    ];
  }
  return [];
});

// ---- workloads ---------------------------------------------------------------------------------

export function databaseNameProblem(name: string): string | undefined {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) return `${show(name)} is not a plain lowercase SQL identifier; use letters, digits and underscores, e.g. "devops_calendar"`;
  if (name.startsWith("pg_")) return `${show(name)} starts with "pg_", which PostgreSQL reserves; e.g. "devops_calendar"`;
  if (POSTGRES_SYSTEM_DATABASES.includes(name)) return `${show(name)} is a database every PostgreSQL cluster has (maintenance or template); the app needs its own, e.g. "devops_calendar"`;
  if (POSTGRES_RESERVED_KEYWORDS.has(name)) return `${show(name)} is a reserved word in PostgreSQL (it needs quoting everywhere); e.g. "devops_calendar"`;
  if (PG_HBA_DATABASE_KEYWORDS.includes(name)) return `${show(name)} is a keyword of pg_hba.conf's database column; e.g. "devops_calendar"`;
  return undefined;
}

const checkDatabase = rule(["postgres.database"], (c) => {
  const p = databaseNameProblem(c.postgres.database);
  return p === undefined ? [] : [problem("postgres.database", p)];
});

const checkAppUser = rule(["app.user"], (c) => {
  const m = /^(0|[1-9][0-9]{0,9}):(0|[1-9][0-9]{0,9})$/.exec(c.app.user);
  const refuse = (why: string) => [problem("app.user", `${show(c.app.user)} must be a numeric non-root "uid:gid"${why}; use the image's unprivileged numeric "uid:gid", e.g. "1000:1000"`)];
  if (!m) return refuse(" (decimal ids without leading zeros)");
  const [uid, gid] = [Number(m[1]), Number(m[2])];
  if (uid === 0) return refuse(" (uid 0 is root)");
  if (gid === 0) return refuse(": gid 0 is the root group, which owns files root keeps from everyone else");
  if (uid > MAX_ID || gid > MAX_ID) return refuse(` with each id at most ${MAX_ID}`);
  return [];
});

const checkAppPort = rule(["app.port"], (c) =>
  c.app.port < 1024 || c.app.port > 65535
    ? [problem("app.port", `${c.app.port} needs NET_BIND_SERVICE or is invalid; listen on a port from 1024 to 65535 (the seeds' app uses 8000)`)]
    : [],
);

const checkHealthPath = rule(["app.healthPath"], (c) =>
  /^\/[A-Za-z0-9._~/-]{0,199}$/.test(c.app.healthPath) ? [] : [problem("app.healthPath", `${show(c.app.healthPath)} must be an absolute URL path such as "/health"`)],
);

const checkAllowDataLoss = rule(["allowDataLoss"], (c) => {
  const why = c.allowDataLoss === undefined ? undefined : reasonProblem(c.allowDataLoss.reason, "tear down the dev environment after the demo");
  return why === undefined ? [] : [problem("allowDataLoss.reason", why)];
});

/** In order: text of every field first, then single-field bounds and formats, then checks that combine fields. */
export const ENVIRONMENT_RULES: readonly EnvironmentRule[] = [
  // A PGP key is strict base64: its own message (e.g. "ASCII-armored") says more than the text rule's.
  checkPgpKeys,
  checkText,
  checkName,
  checkBindAddress,
  checkOperatorDir,
  checkSubnets,
  checkNodeCount,
  checkReplicas,
  checkHostPortRanges,
  checkAppPort,
  checkHealthPath,
  checkAppUser,
  checkDatabase,
  checkCaValidity,
  checkLeafValidity,
  checkKeyShares,
  checkAuditFileMode,
  checkSnapshotInterval,
  checkSnapshotRetain,
  checkKvVersions,
  checkTokenMaxTtl,
  checkSecretIdTtl,
  checkSecretIdUses,
  checkAllowDataLoss,
  // Checks that combine fields: each runs only when every field it reads is sound.
  checkHostPortCount,
  checkPublishedPortsDistinct,
  checkImages,
  checkCaRenewal,
  checkLeafRenewal,
  checkLeafWithinCa,
  checkRsaBits,
  checkKeyThreshold,
  checkPgpKeyCount,
  checkAuditDevices,
  checkTokenTtl,
  checkMtls,
];

/**
 * Runs every rule; returns the problems found (empty when the configuration is valid).
 * @param known problems already found (the type check's): rules reading those fields are skipped
 */
export function validateEnvironment(config: EnvironmentConfig, known: readonly InputProblem[] = []): InputProblem[] {
  const all: InputProblem[] = [...known];
  const out: InputProblem[] = [];
  const ctx: RuleContext = { hasProblem: (field) => all.some((p) => fieldsOverlap(p.field, field)) };
  for (const r of ENVIRONMENT_RULES) {
    if (r.reads.some((f) => ctx.hasProblem(f))) continue;
    const found = r.check(config, ctx);
    all.push(...found);
    out.push(...found);
  }
  return out;
}
