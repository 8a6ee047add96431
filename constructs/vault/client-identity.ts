/**
 * ClientIdentity: who a Vault client is, as one handle: its certificate (common name
 * `<environment>-<client>`, signed by the environment CA) and a named volume holding the CA, that
 * certificate and its key, owned by the uid that reads them.
 *
 * The volume is created and seeded in the stack that issues the certificate (platform), so the
 * private key never crosses a stack boundary: consumers in later stacks mount the volume
 * read-only by name (`mountAt`). What crosses is the volume's name and the seeder's id, neither
 * a secret. A renewed certificate or CA re-creates the seeder (its upload changes), which rewrites
 * the files; the seeder's id is a label of every consumer, so they are re-created with them.
 */
import { Construct } from "constructs";
import { UserInputError } from "../../kernel/errors";
import { groupingOnly } from "../addressing";
import type { Owner, VolumeAttachment } from "../docker/hardened-container";
import { VolumeSeed } from "../docker/volume-seed";
import type { CertificateAuthority } from "../pki/certificate-authority";
import type { LeafCertificate } from "../pki/leaf-certificate";
import type { EnvironmentPki } from "../pki/environment-pki";

/** File names inside an identity volume. */
export const IDENTITY_FILES = { caCert: "ca.pem", cert: "client.pem", key: "client-key.pem" } as const;

/** Label on a consumer carrying the identity seeder's id: a re-seeded identity replaces the consumer. */
export const IDENTITY_LABEL = "uyoop.identity";

/** What a container needs to use an identity mounted at a directory. */
export interface IdentityMount {
  readonly volume: VolumeAttachment;
  /** The vault CLI's variables naming the files (VAULT_CACERT, VAULT_CLIENT_CERT, VAULT_CLIENT_KEY). */
  readonly env: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
}

export interface ClientIdentityProps {
  /** Environment name (volume name prefix). */
  readonly environment: string;
  /** Client name: `<environment>-<client>` is its certificate's CN, `<environment>-<client>-identity` its volume. */
  readonly client: string;
  /** The client's certificate (a `client` usage LeafCertificate). */
  readonly certificate: LeafCertificate;
  /** The CA that signed it and every server certificate. */
  readonly ca: CertificateAuthority;
  /** uid:gid of the process that reads the files. */
  readonly owner: Owner;
  /** Image with /bin/sh and chown for the seeder. */
  readonly seederImage: string;
}

export class ClientIdentity extends Construct {
  public readonly client: string;
  /** The certificate's CN: what a cert auth role must allow. */
  public readonly commonName: string;
  public readonly certificate: LeafCertificate;
  public readonly owner: Owner;
  public readonly files: VolumeSeed;

  constructor(scope: Construct, id: string, props: ClientIdentityProps) {
    super(scope, id);
    this.client = props.client;
    this.commonName = props.certificate.commonName;
    this.certificate = props.certificate;
    this.owner = props.owner;
    this.files = new VolumeSeed(this, "Default", {
      volumeName: `${props.environment}-${props.client}-identity`,
      image: props.seederImage,
      owner: props.owner,
      labels: { "uyoop.environment": props.environment, "uyoop.component": "vault-client-identity", "uyoop.vault.client": props.client },
      files: [
        { path: IDENTITY_FILES.caCert, content: props.ca.certPem, mode: "0444" },
        { path: IDENTITY_FILES.cert, content: props.certificate.certPem, mode: "0444" },
        { path: IDENTITY_FILES.key, content: props.certificate.keyPem, mode: "0400" },
      ],
    });
  }

  /** The identity read-only at `dir`, the variables naming its files, and the re-seed label. */
  mountAt(dir: string): IdentityMount {
    return {
      volume: { volume: this.files.volume.name, target: dir, readOnly: true },
      env: {
        VAULT_CACERT: `${dir}/${IDENTITY_FILES.caCert}`,
        VAULT_CLIENT_CERT: `${dir}/${IDENTITY_FILES.cert}`,
        VAULT_CLIENT_KEY: `${dir}/${IDENTITY_FILES.key}`,
      },
      labels: { [IDENTITY_LABEL]: this.files.seeder.container.id },
    };
  }
}

export interface ClientIdentitiesProps {
  readonly environment: string;
  /** Issues the client certificates. */
  readonly pki: EnvironmentPki;
  /** Image with /bin/sh and chown for the seeders. */
  readonly seederImage: string;
}

/**
 * The identities of the Vault clients that run in later stacks, issued on request in the stack
 * that holds the PKI (a grouping construct: each identity's resources are addressed
 * `<client>-identity_*`).
 */
export class ClientIdentities extends Construct {
  private readonly byClient = new Map<string, ClientIdentity>();

  constructor(
    scope: Construct,
    id: string,
    private readonly props: ClientIdentitiesProps,
  ) {
    super(scope, id);
    groupingOnly(this);
  }

  /** The identity of `client`, its files owned by `owner`; one per client. */
  issue(client: string, owner: Owner): ClientIdentity {
    const existing = this.byClient.get(client);
    if (existing) {
      if (existing.owner.uid !== owner.uid || existing.owner.gid !== owner.gid) {
        throw UserInputError.of(this.node.path, client, `is already issued for ${existing.owner.uid}:${existing.owner.gid}; a client has one owner (${owner.uid}:${owner.gid} asked)`);
      }
      return existing;
    }
    const identity = new ClientIdentity(this, `${client}-identity`, {
      environment: this.props.environment,
      client,
      certificate: this.props.pki.clientCertificate(client),
      ca: this.props.pki.ca,
      owner,
      seederImage: this.props.seederImage,
    });
    this.byClient.set(client, identity);
    return identity;
  }
}
