/**
 * Workloads stack (docker): the uyoop-cal app, which needs what Vault issued (its AppRole RoleID
 * from the vault-config stack, and a SecretID issued at run time), and the scheduled Raft
 * snapshots. Applied last. Each construct asks `VaultAccess` for the Vault access it needs.
 */
import type { Construct } from "constructs";
import { DockerProvider } from "@cdktf/provider-docker/lib/provider";
import { UyoopApp } from "../constructs/app/uyoop-app";
import { RaftSnapshots } from "../constructs/vault/raft-snapshots";
import type { PlatformStack } from "./platform-stack";
import type { VaultConfigStack } from "./vault-config-stack";
import { UyoopStack, type UyoopStackProps } from "./uyoop-stack";

export interface WorkloadsStackProps extends UyoopStackProps {
  readonly platform: PlatformStack;
  readonly vaultConfig: VaultConfigStack;
}

export class WorkloadsStack extends UyoopStack {
  public readonly app: UyoopApp;
  public readonly snapshots: RaftSnapshots;

  constructor(scope: Construct, id: string, props: WorkloadsStackProps) {
    super(scope, id, props);
    const c = this.config;
    new DockerProvider(this, "docker", {});
    const networks = props.platform.networks;
    const vault = props.vaultConfig.access;
    this.app = new UyoopApp(this, "app", {
      environment: c.name,
      image: c.app.image,
      user: c.app.user,
      port: c.app.port,
      healthPath: c.app.healthPath,
      replicas: c.app.replicas,
      hostPort: c.app.hostPort,
      bindAddress: c.host.bindAddress,
      memoryMb: c.app.memoryMb,
      networks: { edge: networks.network("edge"), data: networks.network("data") },
      vault,
      appRole: props.vaultConfig.appRole.handle,
    });

    this.snapshots = new RaftSnapshots(this, "raft-snapshots", {
      environment: c.name,
      vault,
      intervalMinutes: c.vault.snapshots.intervalMinutes,
      retain: c.vault.snapshots.retain,
      protection: this.protection,
    });
  }
}
