/**
 * Platform stack (tls + docker + local + random): the PKI, the networks, the Vault cluster and
 * its bootstrap, PostgreSQL, the operator directory, and the identities of the Vault clients that
 * run in later stacks (issued here so their keys stay in this stack's state). Applied first: the
 * Vault provider cannot configure a Vault that the same apply creates, initializes and unseals.
 */
import type { Construct } from "constructs";
import { DockerProvider } from "@cdktf/provider-docker/lib/provider";
import { LocalProvider } from "@cdktf/provider-local/lib/provider";
import { RandomProvider } from "@cdktf/provider-random/lib/provider";
import { TlsProvider } from "@cdktf/provider-tls/lib/provider";
import { PostgresServer, postgresDnsNames } from "../constructs/postgres/postgres-server";
import { EnvironmentPki } from "../constructs/pki/environment-pki";
import { EnvironmentNetworks } from "../constructs/docker/environment-networks";
import { OperatorDirectory, type HandedOverSecret } from "../constructs/operator-directory";
import { VaultCluster, vaultNodeImages } from "../constructs/vault/vault-cluster";
import { allVaultNodeNames } from "../constructs/vault/vault-names";
import { VaultBootstrap } from "../constructs/vault/vault-bootstrap";
import { ClientIdentities } from "../constructs/vault/client-identity";
import { vaultServerFlavour } from "../constructs/vault/vault-server-flavour";
import { auditDevices } from "../constructs/vault/audit-devices";
import { UyoopStack, type UyoopStackProps } from "./uyoop-stack";

export class PlatformStack extends UyoopStack {
  public readonly pki: EnvironmentPki;
  public readonly networks: EnvironmentNetworks;
  public readonly vault: VaultCluster;
  public readonly bootstrap: VaultBootstrap;
  public readonly operatorDirectory: OperatorDirectory;
  public readonly postgres: PostgresServer;
  /** PostgreSQL's admin password for the vault-config stack, as an operator-directory file. */
  public readonly postgresAdminPassword: HandedOverSecret;
  /** Identities of the Vault clients of later stacks, issued on request (VaultAccess). */
  public readonly vaultClients: ClientIdentities;

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
      vaultNodes: allVaultNodeNames(c.name, c.vault.nodeCount).map((n) => ({ id: n.nodeId, commonName: n.container, dnsNames: n.dnsNames })),
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
      terraformClient: this.pki.clientCertificate("terraform"),
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
        raft: this.networks.network("raft"),
        clients: this.networks.network("vaultClients"),
        publish: this.networks.network("vaultPublish"),
        data: this.networks.network("data"),
      },
      ca: this.pki.ca,
      nodeCertificates: this.pki.vaultNodes,
      tlsMinVersion: c.vault.tlsMinVersion,
      mtls: c.vault.mtls,
      memoryMb: c.vault.memoryMb,
      logLevel: c.vault.logLevel,
      protection: this.protection,
    });

    this.postgres = new PostgresServer(this, "postgres", {
      environment: c.name,
      image: c.postgres.image,
      database: c.postgres.database,
      memoryMb: c.postgres.memoryMb,
      dataNetwork: this.networks.network("data"),
      dataSubnet: c.networks.data.subnet,
      certificate: this.pki.postgres,
      ca: this.pki.ca,
      tlsMinVersion: c.vault.tlsMinVersion,
      protection: this.protection,
    });
    this.postgresAdminPassword = this.operatorDirectory.handOver("postgresAdminPassword", this.postgres.adminPassword.result);

    this.vaultClients = new ClientIdentities(this, "vault-clients", {
      environment: c.name,
      pki: this.pki,
      seederImage: this.vault.nodes[0]!.container.container.image,
    });

    this.bootstrap = new VaultBootstrap(this, "vault-bootstrap", {
      environment: c.name,
      nodes: this.vault.nodes,
      image: this.vault.nodes[0]!.container.container.image,
      clientsNetwork: this.networks.network("vaultClients"),
      ca: this.pki.ca,
      clientCertificate: this.pki.clientCertificate("bootstrap"),
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
