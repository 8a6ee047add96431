/** Shared test helpers: environments built from a partial override, synthesized stacks as JSON. */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import type { TerraformStack } from "cdktf";
import { resolveEnvironment, deepMerge } from "../config/load";
import type { EnvironmentConfig } from "../config/schema";
import { UserInputError, formatProblem } from "../kernel/errors";
import type { UyoopEnvironment } from "../stacks/environment";
import type { VaultServerConfig } from "../constructs/vault/vault-server-config";
import { SYNTH_CACHE_VARIABLE } from "./global-setup";

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
  /** The environment's stacks, built from the same configuration (read-only, as the JSON). */
  readonly stacks: UyoopEnvironment;
  /** Synthesized JSON (as a string, the way the matchers want it) per stack id. */
  readonly json: Record<string, string>;
}

const synthesized = new Map<string, SynthesizedEnvironment>();

/**
 * Builds and synthesizes the whole environment in memory. A configuration is synthesized once
 * per jest run (synth is deterministic): the JSON is kept in the run's directory for every test
 * file and worker (global-setup.ts), and `stacks` is built again only when a file reads it. Treat
 * the result as read-only, and build your own app to change constructs.
 */
export function synthesize(config: EnvironmentConfig = environment()): SynthesizedEnvironment {
  const key = JSON.stringify(config);
  let result = synthesized.get(key);
  if (!result) {
    result = synthesizeOnce(config, key);
    synthesized.set(key, result);
  }
  return result;
}

function synthesizeOnce(config: EnvironmentConfig, key: string): SynthesizedEnvironment {
  const runDir = process.env[SYNTH_CACHE_VARIABLE];
  const file = runDir && path.join(runDir, `${crypto.createHash("sha256").update(key).digest("hex")}.json`);
  let stacks: UyoopEnvironment | undefined;
  let json: Record<string, string>;
  if (file && fs.existsSync(file)) {
    json = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, string>;
  } else {
    stacks = build(config);
    json = Object.fromEntries(allStacks(stacks).map((s) => [s.node.id, testing().synth(s)]));
    if (file) {
      // Written aside and renamed: another worker never reads half a file.
      const partial = `${file}.${process.pid}`;
      fs.writeFileSync(partial, JSON.stringify(json));
      fs.renameSync(partial, file);
    }
  }
  return {
    json,
    get stacks() {
      return (stacks ??= build(config));
    },
  };
}

// Loaded on first use, not at the top: the config-only test files import this module too.
function testing(): typeof import("cdktf").Testing {
  return (require("cdktf") as typeof import("cdktf")).Testing;
}

/** The environment built and prepared for synthesis (cross-stack references resolved). */
function build(config: EnvironmentConfig): UyoopEnvironment {
  const { buildEnvironment } = require("../stacks/environment") as typeof import("../stacks/environment");
  const stacks = buildEnvironment(testing().app(), config);
  allStacks(stacks).forEach((s) => s.prepareStack());
  return stacks;
}

function allStacks(stacks: UyoopEnvironment): TerraformStack[] {
  return [stacks.platform, stacks.vaultConfig, stacks.workloads];
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
