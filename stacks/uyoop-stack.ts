/**
 * Base class of the environment's stacks: an explicit local backend whose state path is
 * relative (no machine path in the synthesized JSON) and lives outside cdktf.out, one
 * directory per environment; and the guardrails (security rule packs evaluated at every synth,
 * attached here because cdktf ignores aspects added to the App).
 */
import { LocalBackend, TerraformElement, TerraformStack } from "cdktf";
import type { Construct, Node } from "constructs";
import type { EnvironmentConfig } from "../config/schema";
import { DataProtection } from "../constructs/data-protection";
import { isGroupingOnly } from "../constructs/addressing";
import { Guardrails } from "../guardrails";

/** Terraform runs each stack from cdktf.out/stacks/<stack>; state lives in <project>/state/<env>/. */
export function statePath(environment: string, stackId: string): string {
  return `../../../state/${environment}/${stackId}.tfstate`;
}

export interface UyoopStackProps {
  /** The resolved environment configuration. */
  readonly config: EnvironmentConfig;
}

export abstract class UyoopStack extends TerraformStack {
  public readonly config: EnvironmentConfig;
  public readonly protection: DataProtection;

  constructor(scope: Construct, id: string, props: UyoopStackProps) {
    super(scope, id);
    this.config = props.config;
    this.protection = DataProtection.of(props.config);
    new LocalBackend(this, { path: statePath(props.config.name, id) });
    Guardrails.attach(this, {
      environment: props.config.name,
      profile: props.config.profile,
      server: props.config.vault.server,
      ...(props.config.allowDataLoss ? { allowDataLoss: props.config.allowDataLoss.reason } : {}),
    });
  }

  /**
   * Readable Terraform addresses: the construct path below the stack joined with "_"
   * (`docker_network.networks_data`), not cdktf's hashed ids, so a plan reads like the code.
   * Addresses are part of state: renaming a construct moves its resource (caught in review).
   * Grouping constructs (constructs/addressing.ts) are left out.
   */
  override allocateLogicalId(element: TerraformElement | Node): string {
    const node = TerraformElement.isTerraformElement(element) ? element.node : element;
    const components = node.scopes
      .slice(node.scopes.indexOf(this) + 1)
      .filter((c) => !isGroupingOnly(c))
      .map((c) => c.node.id)
      .filter((id) => id !== "Default" && id !== "Resource");
    const logicalId = components.join("_").replace(/[^A-Za-z0-9_-]/g, "_");
    const owner = this.logicalIdOwners.get(logicalId);
    if (owner !== undefined && owner !== node.path) {
      throw new Error(`logical id "${logicalId}" is claimed by both ${owner} and ${node.path}; rename one construct`);
    }
    this.logicalIdOwners.set(logicalId, node.path);
    return logicalId;
  }

  private readonly logicalIdOwners = new Map<string, string>();
}
