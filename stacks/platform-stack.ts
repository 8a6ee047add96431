/**
 * Platform stack (tls + docker): the PKI, the networks, and (issue "The platform") the Vault
 * cluster with its bootstrap and PostgreSQL. Applied first: the Vault provider cannot configure
 * a Vault that the same apply creates, initializes and unseals.
 */
import type { Construct } from "constructs";
import { DockerProvider } from "@cdktf/provider-docker/lib/provider";
import { TlsProvider } from "@cdktf/provider-tls/lib/provider";
import { CertificateAuthority } from "../constructs/pki/certificate-authority";
import { keySpecOf } from "../constructs/pki/key-spec";
import { EnvironmentNetworks } from "../constructs/docker/environment-networks";
import { UyoopStack, type UyoopStackProps } from "./uyoop-stack";

export class PlatformStack extends UyoopStack {
  public readonly ca: CertificateAuthority;
  public readonly networks: EnvironmentNetworks;

  constructor(scope: Construct, id: string, props: UyoopStackProps) {
    super(scope, id, props);
    const c = this.config;
    new TlsProvider(this, "tls", {});
    new DockerProvider(this, "docker", {});

    this.ca = new CertificateAuthority(this, "ca", {
      commonName: `${c.tls.organization} ${c.name} CA`,
      organization: c.tls.organization,
      key: keySpecOf(c.tls),
      validityHours: c.tls.caValidityHours,
      earlyRenewalHours: c.tls.caEarlyRenewalHours,
    });

    this.networks = new EnvironmentNetworks(this, "networks", {
      environment: c.name,
      networks: c.networks,
      bindAddress: c.host.bindAddress,
    });
  }
}
