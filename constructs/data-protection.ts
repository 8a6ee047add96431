/**
 * Destroy protection for stateful resources (Raft, audit and PostgreSQL volumes; the KV, TOTP
 * and database mounts). Protection is on unless the environment sets `allowDataLoss` with a
 * reason: that is the only switch that lifts it, and every report prints the reason.
 */
import type { TerraformResourceLifecycle } from "cdktf";
import type { EnvironmentConfig } from "../config/schema";

export class DataProtection {
  /** Protection as the environment configures it. */
  static of(config: EnvironmentConfig): DataProtection {
    return new DataProtection(config.allowDataLoss?.reason);
  }

  /** Full protection; what every construct uses unless told otherwise. */
  static readonly PROTECTED = new DataProtection(undefined);

  private constructor(
    /** Why destroy protection is lifted; undefined while it is on. */
    public readonly lossAllowedBecause: string | undefined,
  ) {}

  /** Whether stateful resources refuse destruction. */
  get isProtected(): boolean {
    return this.lossAllowedBecause === undefined;
  }

  /** The lifecycle block of a stateful resource. */
  lifecycle(extra: TerraformResourceLifecycle = {}): TerraformResourceLifecycle {
    return { ...extra, preventDestroy: this.isProtected };
  }
}
