/**
 * Facts the constructs, the guardrails and the reviewer tools all rely on, stated once. The
 * constructs enforce them when they build; the guardrails check the synthesized JSON against
 * them; the config validates against them; none imports another for them (docs/ARCHITECTURE.md
 * "Kernel").
 */
import { createHash } from "crypto";

/** JSON as parsed: the synthesized stacks, environment files, Terraform state. */
export type Json = null | boolean | number | string | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}

/**
 * Host addresses that mean "every interface". A port is never published on one: it would be
 * reachable from every network the host is on (kreuzwerker/docker's default when `ip` is unset).
 */
const EVERY_INTERFACE: readonly string[] = ["0.0.0.0", "::", "[::]"];

/** Whether a host address means every interface (or none was given, which Docker reads the same way). */
export function isEveryInterface(ip: string | undefined): boolean {
  return ip === undefined || ip.trim() === "" || EVERY_INTERFACE.includes(ip.trim());
}

/** Capabilities a container may add back (with a reasoned weakening) after dropping ALL; anything broader is refused. */
export const ADDABLE_CAPABILITIES: readonly string[] = ["CHOWN", "FOWNER", "DAC_OVERRIDE", "SETUID", "SETGID", "NET_BIND_SERVICE"];

/** Environment variable names that look like they carry a secret (a `_FILE` suffix names a file instead). */
export const SECRET_ENV_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|PRIVATE_KEY|API_KEY|CREDENTIALS?)$/i;

/** Container log rotation: json-file logs, at most 5 files of 10 MB. */
export const LOG_OPTIONS = { "max-size": "10m", "max-file": "5" } as const;

/**
 * Label carrying the hash of the container settings kreuzwerker/docker 3.6.2 ignores on update
 * (health check, tmpfs). Labels force replacement, so the hash as a label replaces the container
 * when either changes.
 */
export const SETTINGS_HASH_LABEL = "uyoop.settings-hash";

/** The hash of a container's health check and tmpfs as synthesized (snake_case JSON), for SETTINGS_HASH_LABEL. */
export function settingsHashOf(healthcheck: Readonly<Record<string, unknown>> | undefined, tmpfs: Readonly<Record<string, string>>): string {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(canonical) : v && typeof v === "object" ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, canonical(x)])) : v;
  return createHash("sha256")
    .update(JSON.stringify(canonical({ healthcheck: healthcheck ?? null, tmpfs })))
    .digest("hex")
    .slice(0, 16);
}

/**
 * Construct metadata a container's explicit opt-out of one hardening default is recorded under
 * (on its docker_container resource): `{ property, reason }`. The guardrails read it as the
 * reasoned suppression of the matching rule.
 */
export const WEAKENING_METADATA = "uyoop:container:weakening";

/** One recorded weakening. */
export interface RecordedWeakening {
  /** The opt-out: runAsRoot, writableRootfs, addCapabilities or noHealthCheck. */
  readonly property: string;
  readonly reason: string;
}

/**
 * An opt-out (a container's weakening, a guardrail suppression, `allowDataLoss`, prod without
 * mTLS) says why in at least MIN_REASON_LENGTH characters, and at most MAX_REASON_LENGTH: the
 * reason is printed in every synth and audit report.
 */
export const MIN_REASON_LENGTH = 10;
export const MAX_REASON_LENGTH = 300;
