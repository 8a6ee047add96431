/**
 * The secrets engines the app uses: KV v2 at `secret/` (bounded versions) and TOTP at `totp/`.
 * Data lives there, so both refuse destruction unless `allowDataLoss` says why. A grouping
 * construct: its resources keep the addresses `kv`, `kv-settings`, `totp` and the ids given to
 * `kvSecret`.
 */
import { Construct } from "constructs";
import { Mount } from "@cdktf/provider-vault/lib/mount";
import { KvSecretBackendV2 } from "@cdktf/provider-vault/lib/kv-secret-backend-v2";
import { KvSecretV2 } from "@cdktf/provider-vault/lib/kv-secret-v2";
import { groupingOnly } from "../addressing";
import type { DataProtection } from "../data-protection";

export interface SecretsEnginesProps {
  /** Versions KV keeps per secret. */
  readonly kvMaxVersions: number;
  /** Destroy protection of both mounts. */
  readonly protection: DataProtection;
}

export class SecretsEngines extends Construct {
  public readonly kv: Mount;
  public readonly totp: Mount;

  constructor(scope: Construct, id: string, props: SecretsEnginesProps) {
    super(scope, id);
    groupingOnly(this);
    this.kv = new Mount(this, "kv", {
      path: "secret",
      type: "kv",
      options: { version: "2" },
      description: "uyoop-cal application configuration (KV v2)",
      lifecycle: props.protection.lifecycle(),
    });
    new KvSecretBackendV2(this, "kv-settings", { mount: this.kv.path, maxVersions: props.kvMaxVersions, casRequired: false });
    this.totp = new Mount(this, "totp", {
      path: "totp",
      type: "totp",
      description: "uyoop-cal users' TOTP keys",
      lifecycle: props.protection.lifecycle(),
    });
  }

  /**
   * A KV entry Terraform writes. Its data sits in state (data_json): only for values that are
   * not secrets, such as the app's credential-less configuration.
   */
  kvSecret(id: string, name: string, data: Readonly<Record<string, string>>): KvSecretV2 {
    return new KvSecretV2(this, id, { mount: this.kv.path, name, dataJson: JSON.stringify(data) });
  }
}
