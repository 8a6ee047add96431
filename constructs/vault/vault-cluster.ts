/**
 * VaultCluster: N Vault nodes (odd, 3-7) on Raft over TLS, each a HardenedContainer.
 *
 * Per node: its own config volume (rendered HCL + TLS files, delivered by a VolumeSeed and
 * mounted read-only), a protected Raft data volume and a protected audit volume; it runs as the
 * image's vault uid:gid with the image entrypoint bypassed (`vault server` directly: the
 * entrypoint's chown/setcap cannot work read-only without capabilities); a liveness check that
 * passes while sealed or uninitialized (so the first apply can finish); only the API port
 * published, on the configured interface, at the node's own host port. Nodes join the Raft
 * network (peers), the clients network, and the publish-only network Docker needs to publish.
 */
import { Construct } from "constructs";
import { Image } from "@cdktf/provider-docker/lib/image";
import { Volume } from "@cdktf/provider-docker/lib/volume";
import { UserInputError, show } from "../../kernel/errors";
import type { DataProtection } from "../data-protection";
import { HardenedContainer, type Owner } from "../docker/hardened-container";
import { VolumeSeed } from "../docker/volume-seed";
import type { CertificateAuthority } from "../pki/certificate-authority";
import type { LeafCertificate } from "../pki/leaf-certificate";
import { allVaultNodeNames, VAULT_SERVICE_ALIAS, type VaultNodeNames } from "./vault-names";
import { renderVaultServerConfig, VAULT_API_PORT } from "./vault-server-config";
import { livenessCommand, VAULT_SERVER_FLAVOURS, type VaultServerFlavour } from "./vault-server-flavour";
import type { AuditDevice } from "./audit-devices";
import type { NetworkHandle } from "../docker/environment-networks";
import type { VaultEndpoint } from "./vault-access";

/** Each node's image: the per-node override (`vault.nodeImages`, by node number), else the cluster image. */
export function vaultNodeImages(vault: { readonly nodeCount: number; readonly image: string; readonly nodeImages: Readonly<Record<string, string>> }): string[] {
  return Array.from({ length: vault.nodeCount }, (_, i) => vault.nodeImages[String(i + 1)] ?? vault.image);
}

/** uid:gid of the server's user in the official Vault and OpenBao images (Alpine adduser -S: 100, group 1000). */
export const VAULT_UID = 100;
export const VAULT_GID = 1000;
export const VAULT_OWNER: Owner = { uid: VAULT_UID, gid: VAULT_GID };


export interface VaultClusterProps {
  /** Environment name: prefix of every Docker object. */
  readonly environment: string;
  /** Image reference of each node (index 0 = node 1); its length is the node count: odd, 3-7. */
  readonly nodeImages: readonly string[];
  /** Host port of each node's API (index 0 = node 1); distinct. */
  readonly hostPorts: readonly number[];
  /** Host interface the API ports are published on. */
  readonly bindAddress: string;
  /** Docker networks. */
  readonly networks: {
    readonly raft: NetworkHandle;
    readonly clients: NetworkHandle;
    readonly publish: NetworkHandle;
    /** The data network, where Vault's database engine reaches PostgreSQL. @default not joined */
    readonly data?: NetworkHandle;
  };
  /** The CA that signed the node certificates (and every client's). */
  readonly ca: CertificateAuthority;
  /** Node certificates (index 0 = node 1). */
  readonly nodeCertificates: readonly LeafCertificate[];
  /** Minimum TLS version of the API listener. */
  readonly tlsMinVersion: "tls12" | "tls13";
  /** Require and verify client certificates on the API. */
  readonly mtls: boolean;
  /** Memory limit per node (MiB). */
  readonly memoryMb: number;
  /** Vault log level. */
  readonly logLevel: "trace" | "debug" | "info" | "warn" | "error";
  /** Destroy protection of the data and audit volumes. */
  readonly protection: DataProtection;
  /** Which server the images run (binary, paths, what the configuration states). @default HashiCorp Vault */
  readonly flavour?: VaultServerFlavour;
  /**
   * Audit devices, declared in every node's configuration when the flavour wants them there
   * (OpenBao); ignored otherwise (Vault's are `vault_audit` resources). @default none
   */
  readonly auditDevices?: readonly AuditDevice[];
}

export interface VaultNode {
  readonly names: VaultNodeNames;
  readonly container: HardenedContainer;
  readonly dataVolume: Volume;
  readonly auditVolume: Volume;
  readonly config: VolumeSeed;
  /** The rendered server configuration (HCL). */
  readonly configHcl: string;
  readonly hostPort: number;
}


export class VaultCluster extends Construct {
  public readonly nodes: readonly VaultNode[];
  public readonly flavour: VaultServerFlavour;
  /** How clients reach the cluster: any node, on the clients network, over TLS with the CA. */
  public readonly endpoint: VaultEndpoint;

  constructor(scope: Construct, id: string, props: VaultClusterProps) {
    super(scope, id);
    const fail = (field: string, message: string) => UserInputError.of(this.node.path, field, message);
    const n = props.nodeImages.length;
    if (n < 3 || n > 7 || n % 2 === 0) throw fail("nodeImages", `${n} nodes: Raft needs an odd number from 3 to 7; use 3, 5 or 7`);
    if (props.hostPorts.length !== n) throw fail("hostPorts", `has ${props.hostPorts.length} ports for ${n} nodes; give one per node`);
    if (new Set(props.hostPorts).size !== n) throw fail("hostPorts", `${show(props.hostPorts)} repeats a port; each node needs its own`);
    if (props.nodeCertificates.length !== n) throw fail("nodeCertificates", `has ${props.nodeCertificates.length} certificates for ${n} nodes`);

    const flavour = props.flavour ?? VAULT_SERVER_FLAVOURS.vault;
    this.flavour = flavour;
    this.endpoint = { address: `https://${VAULT_SERVICE_ALIAS}:${VAULT_API_PORT}`, network: props.networks.clients };
    const paths = flavour.paths;
    const names = allVaultNodeNames(props.environment, n);
    names.forEach((node, i) => {
      props.nodeCertificates[i]!.requireNames([...node.dnsNames, "127.0.0.1"], `peers and clients use to reach ${node.container}`);
    });

    // One docker_image per distinct reference, kept on destroy (other environments may use it).
    // Its construct id derives from the reference, not from its position: overriding node 1's
    // image must not rename (and so re-create) the image of the nodes that keep theirs.
    const images = new Map<string, Image>();
    const imageFor = (ref: string): Image => {
      let image = images.get(ref);
      if (!image) {
        const id = `image-${ref.replace(/@sha256:([0-9a-f]{12}).*$/, "-$1").replace(/[^A-Za-z0-9]+/g, "-")}`;
        image = new Image(this, id, { name: ref, keepLocally: true });
        images.set(ref, image);
      }
      return image;
    };

    const labels = { "uyoop.environment": props.environment, "uyoop.component": "vault" };
    this.nodes = names.map((node, i) => {
      const image = imageFor(props.nodeImages[i]!);
      const cert = props.nodeCertificates[i]!;
      const configHcl = renderVaultServerConfig({
        clusterName: props.environment,
        nodeId: node.nodeId,
        apiAddr: node.apiAddr,
        clusterAddr: node.clusterAddr,
        storagePath: paths.data,
        retryJoin: names.filter((peer) => peer.index !== node.index).map((peer) => ({
          leaderApiAddr: peer.joinAddr,
          leaderTlsServerName: peer.raftAlias,
        })),
        tls: { caCertFile: paths.caCert, certFile: paths.cert, keyFile: paths.key },
        tlsMinVersion: props.tlsMinVersion,
        requireClientCert: props.mtls,
        logLevel: props.logLevel,
        disableMlock: flavour.mlockSetting,
        ...(flavour.auditDevices === "config" ? { auditDevices: props.auditDevices ?? [] } : {}),
      });
      const scope = new Construct(this, node.nodeId);
      const config = new VolumeSeed(scope, "config", {
        volumeName: `${node.container}-config`,
        image: image.imageId,
        owner: VAULT_OWNER,
        labels,
        files: [
          { path: paths.configFile.slice(paths.config.length + 1), content: configHcl, mode: "0440" },
          { path: "tls/ca.pem", content: props.ca.certPem, mode: "0444" },
          { path: "tls/node.pem", content: cert.certPem, mode: "0444" },
          { path: "tls/node-key.pem", content: cert.keyPem, mode: "0400" },
        ],
      });
      const volumeLabels = Object.entries(labels).map(([label, value]) => ({ label, value }));
      const dataVolume = new Volume(scope, "data", {
        name: `${node.container}-data`,
        labels: [...volumeLabels, { label: "uyoop.stateful", value: "raft" }],
        lifecycle: props.protection.lifecycle(),
      });
      const auditVolume = new Volume(scope, "audit", {
        name: `${node.container}-audit`,
        labels: [...volumeLabels, { label: "uyoop.stateful", value: "audit" }],
        lifecycle: props.protection.lifecycle(),
      });
      const clientEnv: Record<string, string> = props.mtls
        ? { VAULT_CLIENT_CERT: paths.cert, VAULT_CLIENT_KEY: paths.key }
        : {};
      const container = new HardenedContainer(scope, "server", {
        name: node.container,
        image: image.imageId,
        user: `${VAULT_UID}:${VAULT_GID}`,
        entrypoint: [flavour.cli],
        command: ["server", `-config=${paths.configFile}`],
        env: {
          // For the health check and `docker exec ... vault ...`: talk to this node over TLS
          // (OpenBao's bao reads these VAULT_* names when no BAO_* one is set).
          VAULT_ADDR: `https://127.0.0.1:${VAULT_API_PORT}`,
          VAULT_CACERT: paths.caCert,
          ...clientEnv,
          // The image entrypoint is bypassed; these keep it inert if someone restores it.
          SKIP_SETCAP: "true",
          SKIP_CHOWN: "true",
        },
        networks: [
          { name: props.networks.raft.name, aliases: [node.raftAlias] },
          { name: props.networks.clients.name, aliases: [node.clientAlias, VAULT_SERVICE_ALIAS] },
          { name: props.networks.publish.name },
          ...(props.networks.data ? [{ name: props.networks.data.name }] : []),
        ],
        ports: [{ internal: VAULT_API_PORT, external: props.hostPorts[i]!, ip: props.bindAddress }],
        volumes: [
          { volume: config.volume.name, target: paths.config, readOnly: true },
          { volume: dataVolume.name, target: paths.data, readOnly: false },
          { volume: auditVolume.name, target: paths.logs, readOnly: false },
        ],
        tmpfs: { "/tmp": { sizeMb: 64, uid: VAULT_UID, gid: VAULT_GID, mode: "0700" } },
        memoryMb: props.memoryMb,
        healthCheck: { test: ["CMD-SHELL", livenessCommand(flavour)], intervalSeconds: 10, timeoutSeconds: 5, startPeriodSeconds: 30, retries: 3 },
        stopTimeoutSeconds: 30,
        // Up (sealed is fine) before the bootstrap runs against it.
        waitUntilHealthySeconds: 120,
        labels: { ...labels, "uyoop.vault.node": node.nodeId },
        dependsOn: [config.seeder.container],
      });
      return { names: node, container, dataVolume, auditVolume, config, configHcl, hostPort: props.hostPorts[i]! };
    });
  }
}
