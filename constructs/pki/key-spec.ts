/** Key algorithm and size, always explicit: the tls provider's ECDSA default is P224. */
import type { EnvironmentConfig } from "../../config/schema";

export type KeySpec =
  | { readonly algorithm: "ECDSA"; readonly ecdsaCurve: "P256" | "P384" }
  | { readonly algorithm: "RSA"; readonly rsaBits: 2048 | 3072 | 4096 };

/** The key spec the environment's TLS settings call for. */
export function keySpecOf(tls: EnvironmentConfig["tls"]): KeySpec {
  return tls.algorithm === "ECDSA"
    ? { algorithm: "ECDSA", ecdsaCurve: tls.ecdsaCurve }
    : { algorithm: "RSA", rsaBits: tls.rsaBits };
}

/** Arguments of a tls_private_key for the spec: exactly one of ecdsa_curve or rsa_bits. */
export function privateKeyArgs(spec: KeySpec): { algorithm: string; ecdsaCurve?: string; rsaBits?: number } {
  return spec.algorithm === "ECDSA"
    ? { algorithm: "ECDSA", ecdsaCurve: spec.ecdsaCurve }
    : { algorithm: "RSA", rsaBits: spec.rsaBits };
}
