/** Shared test helpers: environments built from a partial override, synthesized stacks as JSON. */
import type { TerraformStack } from "cdktf";
import { resolveEnvironment, deepMerge } from "../config/load";
import type { EnvironmentConfig } from "../config/schema";
import { UserInputError, formatProblem } from "../kernel/errors";
import type { UyoopEnvironment } from "../stacks/environment";
import type { VaultServerConfig } from "../constructs/vault/vault-server-config";

/** A syntactically valid digest for fixtures (tests never pull images). */
export const FIXTURE_DIGEST = `sha256:${"ab".repeat(32)}`;

/** Resolves a partial environment document exactly as an environment file would be. */
export function environment(document: Record<string, unknown> = {}): EnvironmentConfig {
  return resolveEnvironment(document, "test.json");
}

/** A valid prod environment: the prod profile with every image pinned by a fixture digest. */
export function prodDocument(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return deepMerge(
    {
      profile: "prod",
      vault: { image: `hashicorp/vault:1.21.7@${FIXTURE_DIGEST}` },
      postgres: { image: `postgres:15.14-bookworm@${FIXTURE_DIGEST}` },
      app: { image: `registry.example.internal/uyoop/uyoop-cal:1.0.0@${FIXTURE_DIGEST}` },
    },
    extra,
  ) as Record<string, unknown>;
}

/** The one-line messages a document is rejected with (empty when it is valid). */
export function problemsOf(document: Record<string, unknown>): string[] {
  try {
    resolveEnvironment(document, "test.json");
    return [];
  } catch (e) {
    if (e instanceof UserInputError) return e.problems.map(formatProblem);
    throw e;
  }
}

export interface SynthesizedEnvironment {
  readonly stacks: UyoopEnvironment;
  /** Synthesized JSON (as a string, the way the matchers want it) per stack id. */
  readonly json: Record<string, string>;
}

const synthesized = new Map<string, SynthesizedEnvironment>();

/**
 * Builds and synthesizes the whole environment in memory. The same configuration is synthesized
 * once per test file (synth is deterministic): treat the result as read-only, and build your
 * own app to change constructs.
 */
export function synthesize(config: EnvironmentConfig = environment()): SynthesizedEnvironment {
  const key = JSON.stringify(config);
  let result = synthesized.get(key);
  if (!result) {
    result = synthesizeFresh(config);
    synthesized.set(key, result);
  }
  return result;
}

function synthesizeFresh(config: EnvironmentConfig): SynthesizedEnvironment {
  // Loaded here, not at the top: the config-only test files import this module too, and cdktf
  // with the providers costs each of them ~0.3 s under jest.
  const { Testing } = require("cdktf") as typeof import("cdktf");
  const { buildEnvironment } = require("../stacks/environment") as typeof import("../stacks/environment");
  const app = Testing.app();
  const stacks = buildEnvironment(app, config);
  const all: TerraformStack[] = [stacks.platform, stacks.vaultConfig, stacks.workloads];
  all.forEach((s) => s.prepareStack());
  const json = Object.fromEntries(all.map((s) => [s.node.id, Testing.synth(s)]));
  return { stacks, json };
}

/** The resources of one type in a synthesized stack, by name. */
export function resourcesOf(stackJson: string, type: string): Record<string, Record<string, unknown>> {
  const parsed = JSON.parse(stackJson) as { resource?: Record<string, Record<string, Record<string, unknown>>> };
  return parsed.resource?.[type] ?? {};
}

/**
 * A small, stable summary of a stack for snapshots: backend, provider configuration and the
 * sorted resource addresses. Provider versions are dropped (they churn on upgrades and are
 * asserted separately).
 */
export function stackSummary(stackJson: string): unknown {
  const parsed = JSON.parse(stackJson) as {
    terraform: { backend: unknown; required_providers: Record<string, { source: string }> };
    provider?: Record<string, unknown[]>;
    resource?: Record<string, Record<string, unknown>>;
    data?: Record<string, Record<string, unknown>>;
    output?: Record<string, unknown>;
  };
  const addresses = (block?: Record<string, Record<string, unknown>>, prefix = "") =>
    Object.entries(block ?? {}).flatMap(([type, byName]) => Object.keys(byName).map((n) => `${prefix}${type}.${n}`)).sort();
  return {
    backend: parsed.terraform.backend,
    providers: Object.fromEntries(Object.entries(parsed.terraform.required_providers).map(([k, v]) => [k, v.source])),
    providerConfig: parsed.provider ?? {},
    resources: addresses(parsed.resource),
    data: addresses(parsed.data, "data."),
    outputs: Object.keys(parsed.output ?? {}).sort(),
  };
}

/** Node 1 of a dev cluster, as VaultCluster configures it: the fixture of the HCL tests. */
export const SAMPLE_VAULT_NODE_CONFIG: VaultServerConfig = {
  clusterName: "uyoop-dev",
  nodeId: "vault-1",
  apiAddr: "https://vault-1:8200",
  clusterAddr: "https://vault-1-raft:8201",
  storagePath: "/vault/file",
  retryJoin: [
    { leaderApiAddr: "https://vault-2-raft:8200", leaderTlsServerName: "vault-2-raft" },
    { leaderApiAddr: "https://vault-3-raft:8200", leaderTlsServerName: "vault-3-raft" },
  ],
  tls: { caCertFile: "/vault/config/tls/ca.pem", certFile: "/vault/config/tls/node.pem", keyFile: "/vault/config/tls/node-key.pem" },
  tlsMinVersion: "tls12",
  requireClientCert: true,
};
