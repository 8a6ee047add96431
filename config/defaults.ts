/**
 * Profile defaults. An environment file only states what differs from its profile's defaults;
 * the loader deep-merges it onto these (objects merge, arrays and scalars replace).
 */
import type { EnvironmentConfig, Profile } from "./schema";

/** The node image when an environment names its server but no image. */
export const DEFAULT_SERVER_IMAGES = { vault: "hashicorp/vault:1.21.7", openbao: "openbao/openbao:2.6.2" } as const;

/** A complete, working dev environment on one Docker host. */
export function devDefaults(): EnvironmentConfig {
  return {
    name: "uyoop-dev",
    profile: "dev",
    host: {
      bindAddress: "127.0.0.1",
      operatorDir: "~/.uyoop-cal/uyoop-dev",
      operatorUid: 0,
      operatorGid: 0,
    },
    networks: {
      edge: { subnet: "172.30.0.0/24" },
      vaultPublish: { subnet: "172.30.1.0/24" },
      raft: { subnet: "172.30.2.0/24" },
      vaultClients: { subnet: "172.30.3.0/24" },
      data: { subnet: "172.30.4.0/24" },
    },
    tls: {
      algorithm: "ECDSA",
      ecdsaCurve: "P256",
      rsaBits: 3072,
      caValidityHours: 43800,
      caEarlyRenewalHours: 8760,
      leafValidityHours: 2160,
      leafEarlyRenewalHours: 720,
      organization: "uyoop-cal",
    },
    vault: {
      server: "vault",
      nodeCount: 3,
      image: DEFAULT_SERVER_IMAGES.vault,
      nodeImages: {},
      hostPorts: [8200, 8210, 8220],
      tlsMinVersion: "tls12",
      mtls: true,
      terraformToken: "file",
      memoryMb: 512,
      logLevel: "info",
      unseal: { keyShares: 5, keyThreshold: 3, pgpKeys: [] },
      audit: { file: true, stdout: true, fileMode: "0600" },
      snapshots: { intervalMinutes: 60, retain: 48 },
      kv: { maxVersions: 10 },
      appRole: {
        tokenTtlSeconds: 3600,
        tokenMaxTtlSeconds: 14400,
        secretIdTtlSeconds: 691200,
        secretIdNumUses: 1000,
      },
    },
    postgres: {
      image: "postgres:15.14-bookworm",
      database: "devops_calendar",
      memoryMb: 512,
    },
    app: {
      image: "uyoop-cal:1.0.0",
      user: "1000:1000",
      port: 8000,
      healthPath: "/health",
      replicas: 1,
      hostPort: 8000,
      memoryMb: 256,
    },
  };
}

/**
 * Production: the dev defaults, tightened. Images have no default digest (this project cannot
 * know the digest of the image you mirror), so a prod environment file must pin every image
 * by digest or validation rejects it.
 */
export function prodDefaults(): EnvironmentConfig {
  const dev = devDefaults();
  return {
    ...dev,
    name: "uyoop-prod",
    profile: "prod",
    host: { ...dev.host, operatorDir: "~/.uyoop-cal/uyoop-prod" },
    tls: { ...dev.tls, caValidityHours: 87600, caEarlyRenewalHours: 17520 },
    vault: { ...dev.vault, tlsMinVersion: "tls13", memoryMb: 1024 },
  };
}

export function defaultsFor(profile: Profile): EnvironmentConfig {
  return profile === "prod" ? prodDefaults() : devDefaults();
}
