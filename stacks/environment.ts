/**
 * The whole environment: three stacks in dependency order, so `cdktf deploy '*'` applies
 * platform -> vault-config -> workloads by itself.
 */
import type { App } from "cdktf";
import type { EnvironmentConfig } from "../config/schema";
import { PlatformStack } from "./platform-stack";
import { VaultConfigStack } from "./vault-config-stack";
import { WorkloadsStack } from "./workloads-stack";

/** Stack ids: directory names under cdktf.out/stacks and the state file names. */
export const STACK_IDS = { platform: "platform", vaultConfig: "vault-config", workloads: "workloads" } as const;

export interface UyoopEnvironment {
  readonly platform: PlatformStack;
  readonly vaultConfig: VaultConfigStack;
  readonly workloads: WorkloadsStack;
}

export function buildEnvironment(app: App, config: EnvironmentConfig): UyoopEnvironment {
  const platform = new PlatformStack(app, STACK_IDS.platform, { config });
  const vaultConfig = new VaultConfigStack(app, STACK_IDS.vaultConfig, { config, platform });
  vaultConfig.addDependency(platform);
  const workloads = new WorkloadsStack(app, STACK_IDS.workloads, { config, platform, vaultConfig });
  workloads.addDependency(vaultConfig);
  workloads.addDependency(platform);
  return { platform, vaultConfig, workloads };
}
