/**
 * The environment's five Docker networks, each with its own subnet:
 *
 * | network      | internal | ICC | who                                   |
 * |--------------|----------|-----|---------------------------------------|
 * | edge         | no       | off | the app's published port              |
 * | vaultPublish | no       | off | Vault nodes, only to publish 8200     |
 * | raft         | yes      | on  | Vault nodes (Raft, joins)             |
 * | vaultClients | yes      | on  | Vault nodes and their clients         |
 * | data         | yes      | on  | PostgreSQL and its clients            |
 *
 * Docker publishes ports only through a non-internal network (verified on a real engine), so the
 * two public-facing networks exist for publishing and nothing else: inter-container traffic is
 * off, and their default host binding is the configured interface, never 0.0.0.0.
 */
import { Construct } from "constructs";
import { Network } from "@cdktf/provider-docker/lib/network";
import { NETWORK_NAMES, type EnvironmentConfig, type NetworkName } from "../../config/schema";

export interface EnvironmentNetworksProps {
  /** Environment name: prefix of every network name. */
  readonly environment: string;
  /** Subnet of each network. */
  readonly networks: EnvironmentConfig["networks"];
  /** Host interface the public-facing networks publish on by default. */
  readonly bindAddress: string;
}

/** A Docker network as constructs receive it: the network itself (its name is a reference), never a name typed by hand. */
export interface NetworkHandle {
  /** The Docker network's name (a reference to the docker_network, across stacks an output). */
  readonly name: string;
}

/** How each network is isolated; see the table above. */
export const NETWORK_ISOLATION: Readonly<Record<NetworkName, { internal: boolean; interContainer: boolean }>> = {
  edge: { internal: false, interContainer: false },
  vaultPublish: { internal: false, interContainer: false },
  raft: { internal: true, interContainer: true },
  vaultClients: { internal: true, interContainer: true },
  data: { internal: true, interContainer: true },
};

/** Docker name of a network: `<environment>-<kebab-case name>`. */
export function networkName(environment: string, name: NetworkName): string {
  return `${environment}-${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

export class EnvironmentNetworks extends Construct {
  private readonly byName: Record<NetworkName, Network>;

  constructor(scope: Construct, id: string, props: EnvironmentNetworksProps) {
    super(scope, id);
    const entries = NETWORK_NAMES.map((name) => {
      const isolation = NETWORK_ISOLATION[name];
      const options: Record<string, string> = {
        "com.docker.network.bridge.enable_icc": String(isolation.interContainer),
      };
      if (!isolation.internal) options["com.docker.network.bridge.host_binding_ipv4"] = props.bindAddress;
      const network = new Network(this, name, {
        name: networkName(props.environment, name),
        driver: "bridge",
        internal: isolation.internal,
        ipamConfig: [{ subnet: props.networks[name].subnet }],
        options,
        labels: [
          { label: "uyoop.environment", value: props.environment },
          { label: "uyoop.network", value: name },
        ],
      });
      return [name, network] as const;
    });
    this.byName = Object.fromEntries(entries) as Record<NetworkName, Network>;
  }

  /** The Docker network resource for a logical network. */
  network(name: NetworkName): Network {
    return this.byName[name];
  }
}
