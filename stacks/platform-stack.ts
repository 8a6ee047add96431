/**
 * Platform stack (tls + docker + local): the PKI, the networks, the Vault cluster and its
 * bootstrap, and the operator directory. Applied first: the Vault provider cannot configure a
 * Vault that the same apply creates, initializes and unseals.
 */
import type { Construct } from "constructs";
import { DockerProvider } from "@cdktf/provider-docker/lib/provider";
import { LocalProvider } from "@cdktf/provider-local/lib/provider";
import { RandomProvider } from "@cdktf/provider-random/lib/provider";
import { PostgresServer } from "../constructs/postgres/postgres-server";
import { TlsProvider } from "@cdktf/provider-tls/lib/provider";
import { EnvironmentPki } from "../constructs/pki/environment-pki";
import { EnvironmentNetworks } from "../constructs/docker/environment-networks";
import { OperatorDirectory } from "../constructs/operator-directory";
import { VaultCluster } from "../constructs/vault/vault-cluster";
import { VaultBootstrap } from "../constructs/vault/vault-bootstrap";
import { ClientIdentity } from "../constructs/vault/client-identity";
import { VAULT_GID, VAULT_UID } from "../constructs/vault/vault-cluster";
import { parseOwner } from "../constructs/docker/hardened-container";
import type { HandedOverSecret } from "../constructs/operator-directory";
import { vaultServerFlavour } from "../constructs/vault/vault-server-flavour";
import { auditDevices } from "../constructs/vault/audit-devices";
import { UyoopStack, type UyoopStackProps } from "./uyoop-stack";

/** DNS names of PostgreSQL on the data network. */
export function postgresDnsNames(environment: string): string[] {
  return [`${environment}-postgres`, "postgres"];
}

/** Each node's image: the per-node override, else the cluster image. */
export function vaultNodeImages(vault: UyoopStackProps["config"]["vault"]): string[] {
  return Array.from({ length: vault.nodeCount }, (_, i) => vault.nodeImages[String(i + 1)] ?? vault.image);
}

export class PlatformStack extends UyoopStack {
  public readonly pki: EnvironmentPki;
  public readonly networks: EnvironmentNetworks;
  public readonly vault: VaultCluster;
  public readonly bootstrap: VaultBootstrap;
  public readonly operatorDirectory: OperatorDirectory;
  public readonly postgres: PostgresServer;
  /** PostgreSQL's admin password for the vault-config stack, as an operator-directory file. */
  public readonly postgresAdminPassword: HandedOverSecret;
  /** Identities of the Vault clients that run in later stacks: their keys stay in this stack. */
  public readonly clientIdentities: { readonly app: ClientIdentity; readonly secretid: ClientIdentity; readonly snapshot: ClientIdentity };

  constructor(scope: Construct, id: string, props: UyoopStackProps) {
    super(scope, id, props);
    const c = this.config;
    new TlsProvider(this, "tls", {});
    new DockerProvider(this, "docker", {});
    new LocalProvider(this, "local", {});
    new RandomProvider(this, "random", {});

    this.pki = new EnvironmentPki(this, "pki", {
      environment: c.name,
      tls: c.tls,
      vaultNodeCount: c.vault.nodeCount,
      bindAddress: c.host.bindAddress,
      postgresDnsNames: postgresDnsNames(c.name),
    });

    this.networks = new EnvironmentNetworks(this, "networks", {
      environment: c.name,
      networks: c.networks,
      bindAddress: c.host.bindAddress,
    });

    this.operatorDirectory = new OperatorDirectory(this, "operator-dir", {
      operatorDir: c.host.operatorDir,
      ca: this.pki.ca,
      terraformClient: this.pki.clients.terraform,
    });

    const flavour = vaultServerFlavour(c.vault.server);
    this.vault = new VaultCluster(this, "vault", {
      environment: c.name,
      flavour,
      auditDevices: auditDevices(c.vault.audit, flavour.paths.logs),
      nodeImages: vaultNodeImages(c.vault),
      hostPorts: c.vault.hostPorts,
      bindAddress: c.host.bindAddress,
      networks: {
        raft: this.networks.network("raft").name,
        clients: this.networks.network("vaultClients").name,
        publish: this.networks.network("vaultPublish").name,
        data: this.networks.network("data").name,
      },
      ca: this.pki.ca,
      nodeCertificates: this.pki.vaultNodes,
      tlsMinVersion: c.vault.tlsMinVersion,
      mtls: c.vault.mtls,
      memoryMb: c.vault.memoryMb,
      logLevel: c.vault.logLevel,
      protection: this.protection,
    });

    const [, postgresAlias] = postgresDnsNames(c.name);
    this.postgres = new PostgresServer(this, "postgres", {
      environment: c.name,
      image: c.postgres.image,
      database: c.postgres.database,
      memoryMb: c.postgres.memoryMb,
      dataNetwork: this.networks.network("data").name,
      dataSubnet: c.networks.data.subnet,
      alias: postgresAlias!,
      certificate: this.pki.postgres,
      caCertPem: this.pki.ca.certPem,
      tlsMinVersion: c.vault.tlsMinVersion,
      protection: this.protection,
    });

    this.postgresAdminPassword = this.operatorDirectory.handOver("postgresAdminPassword", this.postgres.adminPassword.result);

    const seederImage = this.vault.nodes[0]!.container.container.image;
    const appOwner = parseOwner(c.app.user) ?? { uid: 0, gid: 0 };
    const identity = (client: "app" | "secretid" | "snapshot", owner: { uid: number; gid: number }) =>
      new ClientIdentity(this, `${client}-identity`, { environment: c.name, client, certificate: this.pki.clients[client], ca: this.pki.ca, owner, seederImage });
    this.clientIdentities = {
      app: identity("app", appOwner),
      secretid: identity("secretid", appOwner),
      snapshot: identity("snapshot", { uid: VAULT_UID, gid: VAULT_GID }),
    };

    this.bootstrap = new VaultBootstrap(this, "vault-bootstrap", {
      environment: c.name,
      nodes: this.vault.nodes,
      image: this.vault.nodes[0]!.container.container.image,
      clientsNetwork: this.networks.network("vaultClients").name,
      ca: this.pki.ca,
      clientCertificate: this.pki.clients.bootstrap,
      mtls: c.vault.mtls,
      keyShares: c.vault.unseal.keyShares,
      keyThreshold: c.vault.unseal.keyThreshold,
      pgpKeys: c.vault.unseal.pgpKeys,
      operatorDir: c.host.operatorDir,
      operatorUid: c.host.operatorUid,
      operatorGid: c.host.operatorGid,
      operatorDirReady: this.operatorDirectory.files,
      cli: flavour.cli,
    });
  }
}
