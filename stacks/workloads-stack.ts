/**
 * Workloads stack (docker): the uyoop-cal app, which needs what Vault issued (its AppRole RoleID
 * from the vault-config stack, and a SecretID issued at run time). Applied last.
 */
import type { Construct } from "constructs";
import { DockerProvider } from "@cdktf/provider-docker/lib/provider";
import { UyoopApp } from "../constructs/app/uyoop-app";
import { VAULT_SERVICE_ALIAS } from "../constructs/vault/vault-names";
import { VAULT_API_PORT } from "../constructs/vault/vault-server-config";
import type { PlatformStack } from "./platform-stack";
import { APP_ROLE, SECRET_ID_ISSUER_ROLE, SNAPSHOT_ROLE, type VaultConfigStack } from "./vault-config-stack";
import { RaftSnapshots } from "../constructs/vault/raft-snapshots";
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
    const identities = props.platform.clientIdentities;
    const networks = props.platform.networks;
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
      networks: {
        edge: networks.network("edge").name,
        vaultClients: networks.network("vaultClients").name,
        data: networks.network("data").name,
      },
      vaultAddr: `https://${VAULT_SERVICE_ALIAS}:${VAULT_API_PORT}`,
      identity: identities.app,
      issuerIdentity: identities.secretid,
      issuerCertRole: SECRET_ID_ISSUER_ROLE,
      appRoleName: APP_ROLE,
      roleId: props.vaultConfig.appRole.roleId,
      vaultCliImage: c.vault.image,
      vaultCli: props.platform.vault.flavour.cli,
    });

    this.snapshots = new RaftSnapshots(this, "raft-snapshots", {
      environment: c.name,
      image: c.vault.image,
      vaultAddr: `https://${VAULT_SERVICE_ALIAS}:${VAULT_API_PORT}`,
      clientsNetwork: networks.network("vaultClients").name,
      identity: identities.snapshot,
      certRole: SNAPSHOT_ROLE,
      intervalMinutes: c.vault.snapshots.intervalMinutes,
      retain: c.vault.snapshots.retain,
      protection: this.protection,
      cli: props.platform.vault.flavour.cli,
    });
  }
}
