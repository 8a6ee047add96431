/** The rule catalogue: every pack and every rule, by stable id. */
import { containerRules } from "./packs/container";
import { dataRules } from "./packs/data";
import { tlsRules } from "./packs/tls";
import { vaultRules } from "./packs/vault";
import { vaultServerRules } from "./packs/vault-server";
import type { PackId, Rule } from "./types";

export interface Pack {
  readonly id: PackId;
  readonly title: string;
  readonly description: string;
  readonly rules: readonly Rule[];
}

export const PACKS: readonly Pack[] = [
  {
    id: "container",
    title: "Container runtime",
    description:
      "CIS Docker Benchmark v1.6.0 section 5 (and the image items of section 4) as far as a kreuzwerker/docker `docker_container`, `docker_image` or `docker_network` can express them, plus the provider's traps.",
    rules: containerRules,
  },
  {
    id: "vault-server",
    title: "Vault server configuration and cluster",
    description:
      "The Vault production-hardening guide's items a Docker deployment can express, judged on each container that runs `vault server`: its arguments and its configuration file, read from the synthesized JSON as Vault reads it.",
    rules: vaultServerRules,
  },
  {
    id: "vault",
    title: "Vault resources",
    description: "The vault provider's resources: provider TLS verification, AppRole limits, token and lease TTLs, audit devices, policy lint.",
    rules: vaultRules,
  },
  {
    id: "tls",
    title: "TLS",
    description: "The environment's PKI: algorithms, curves and sizes, CA constraints, key usages, validity and renewal windows, SANs.",
    rules: tlsRules,
  },
  {
    id: "data",
    title: "Secrets and data",
    description: "No secret value in synthesized JSON or container env; stateful volumes and secrets engines protected from destruction; lifted protection always reported.",
    rules: dataRules,
  },
];

export const RULES: readonly Rule[] = PACKS.flatMap((p) => p.rules);

const byId = new Map<string, Rule>();
for (const rule of RULES) {
  if (byId.has(rule.id)) throw new Error(`guardrails: rule id ${rule.id} is defined twice`);
  if (!/^UY-[A-Z]+-[A-Z0-9.-]+$/.test(rule.id)) throw new Error(`guardrails: rule id ${rule.id} does not follow UY-<PACK>-<ITEM>`);
  const severity = Number(rule.securitySeverity);
  if (!/^\d+\.\d$/.test(rule.securitySeverity) || severity < 0 || severity > 10) {
    throw new Error(`guardrails: ${rule.id} security-severity ${rule.securitySeverity} is not "0.0".."10.0"`);
  }
  byId.set(rule.id, rule);
}

export function ruleById(id: string): Rule | undefined {
  return byId.get(id);
}
