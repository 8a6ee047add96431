/**
 * Access to Vault at the level of intent: a job says which policy it needs, and gets everything
 * it takes to use it.
 *
 *   const login = vault.grantCertLogin({ name: "raft-snapshot", owner }, "snapshot-policy");
 *
 * creates, together, the job's client certificate (CN `<environment>-raft-snapshot`, in the stack
 * holding the PKI), its identity volume (seeded there, so the key never crosses a stack), and the
 * cert auth role `raft-snapshot` that allows exactly that CN with exactly that policy (in the
 * stack configuring Vault). Adding a job that talks to Vault is that one call plus its policy file.
 */
import { Construct } from "constructs";
import { UserInputError } from "../../kernel/errors";
import { AuthBackend } from "@cdktf/provider-vault/lib/auth-backend";
import { CertAuthBackendRole } from "@cdktf/provider-vault/lib/cert-auth-backend-role";
import { groupingOnly } from "../addressing";
import type { Owner } from "../docker/hardened-container";
import type { NetworkHandle } from "../docker/environment-networks";
import type { CertificateAuthority } from "../pki/certificate-authority";
import type { ClientIdentities, ClientIdentity } from "./client-identity";
import type { VaultCli } from "./vault-server-flavour";
import type { PolicyName } from "../../policies/catalog";
import type { VaultPolicies } from "./vault-policies";

/** How clients reach Vault. */
export interface VaultEndpoint {
  /** Address on the clients network, any node: `https://vault:8200`. */
  readonly address: string;
  /** The network clients reach it on. */
  readonly network: NetworkHandle;
}

/** The vault CLI jobs run: an image reference and the binary in it. */
export interface VaultCliTool {
  readonly image: string;
  readonly binary: VaultCli;
}

/** A job that logs in to Vault with its client certificate. */
export interface VaultJob {
  /** Its name: the cert auth role, and the client whose CN (`<environment>-<name>`) the role allows. */
  readonly name: string;
  /** The uid:gid it runs as (owner of its key file). */
  readonly owner: Owner;
}

/** What a granted job holds: its identity and the role it logs in to (CERT_ROLE). */
export interface CertLogin {
  readonly identity: ClientIdentity;
  readonly role: string;
}

export interface CertAuthProps {
  /** The CA whose certificates the method trusts. */
  readonly ca: CertificateAuthority;
  /** The policies roles may hold. */
  readonly policies: VaultPolicies;
  /** Where logins may come from (the clients network). */
  readonly boundCidrs: readonly string[];
}

/**
 * Vault's cert auth method and its roles (a grouping construct: `vault_auth_backend.cert`,
 * `vault_cert_auth_backend_role.<role>-role`). Jobs prove who they are with the client
 * certificate they present on every connection anyway: no secret is ever handed to them.
 */
export class CertAuth extends Construct {
  public readonly backend: AuthBackend;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: CertAuthProps,
  ) {
    super(scope, id);
    groupingOnly(this);
    this.backend = new AuthBackend(this, "cert", { type: "cert", path: "cert", description: "job logins by client certificate" });
  }

  /** One role: only `identity`'s CN logs in, with only `policy`, briefly, from the clients network. */
  allow(role: string, identity: ClientIdentity, policy: PolicyName): CertAuthBackendRole {
    if (this.node.tryFindChild(`${role}-role`) !== undefined) {
      throw UserInputError.of(this.node.path, role, "is granted a cert login twice; a job has one role with one policy: grant it once");
    }
    return new CertAuthBackendRole(this, `${role}-role`, {
      backend: this.backend.path,
      name: role,
      certificate: this.props.ca.certPem,
      allowedCommonNames: [identity.commonName],
      tokenPolicies: [this.props.policies.policy(policy).name],
      tokenTtl: 300,
      tokenMaxTtl: 600,
      tokenBoundCidrs: [...this.props.boundCidrs],
      tokenType: "service",
    });
  }
}

export interface VaultAccessProps {
  readonly endpoint: VaultEndpoint;
  readonly cli: VaultCliTool;
  /** Issues identities (in the stack holding the PKI). */
  readonly identities: ClientIdentities;
  /** The cert auth method (in the stack configuring Vault). */
  readonly certAuth: CertAuth;
}

/** The one handle constructs take to talk to Vault. */
export class VaultAccess {
  public readonly endpoint: VaultEndpoint;
  public readonly cli: VaultCliTool;

  constructor(private readonly props: VaultAccessProps) {
    this.endpoint = props.endpoint;
    this.cli = props.cli;
  }

  /** An identity for mutual TLS only (a client that logs in otherwise, e.g. the app with AppRole). */
  identity(client: string, owner: Owner): ClientIdentity {
    return this.props.identities.issue(client, owner);
  }

  /** Certificate, identity volume and cert auth role of `job`, holding `policy`. */
  grantCertLogin(job: VaultJob, policy: PolicyName): CertLogin {
    const identity = this.props.identities.issue(job.name, job.owner);
    this.props.certAuth.allow(job.name, identity, policy);
    return { identity, role: job.name };
  }
}
