/**
 * TLS pack: the environment's PKI as the tls provider declares it: key algorithms, curves and
 * sizes (never the provider's P224 default), CA constraints, key usages, validity and renewal
 * windows, SANs of server certificates.
 */
import { asNumber, asString, isTrue, strings } from "../json";
import type { Rule, Subject } from "../types";

const LEAF = ["tls_locally_signed_cert"];
const CA = ["tls_self_signed_cert"];
const CERTS = [...CA, ...LEAF];

/** Upper bounds of validity: 10 years for the CA, 397 days for leaves (what clients accept). */
export const MAX_CA_VALIDITY_HOURS = 87600;
export const MAX_LEAF_VALIDITY_HOURS = 9528;

function uses(s: Subject): string[] {
  return strings(s.body["allowed_uses"]);
}

export const tlsRules: readonly Rule[] = [
  {
    id: "UY-T-KEY-1",
    pack: "tls",
    level: "error",
    title: "Keys use an explicit, strong algorithm (ECDSA P-256/P-384/P-521, RSA or Ed25519)",
    rationale: "The tls provider's ECDSA default curve is P-224, below every current recommendation and refused by modern TLS stacks.",
    fix: 'Set `algorithm` and, for ECDSA, `ecdsa_curve = "P256"` or "P384" (environment `tls`).',
    source: "NIST SP 800-57 / SP 800-186; hashicorp/tls tls_private_key defaults",
    securitySeverity: "7.0",
    appliesTo: ["tls_private_key"],
    check: (s) => {
      const algorithm = asString(s.body["algorithm"]);
      if (algorithm === "ECDSA") {
        const curve = asString(s.body["ecdsa_curve"]);
        if (curve === undefined) return ["ECDSA without ecdsa_curve: the provider's default is P224"];
        return ["P256", "P384", "P521"].includes(curve) ? [] : [`ECDSA curve ${curve} is too weak`];
      }
      if (algorithm === "RSA" || algorithm === "ED25519") return [];
      return [`algorithm ${JSON.stringify(algorithm ?? "(unset)")} is not ECDSA, RSA or ED25519`];
    },
  },
  {
    id: "UY-T-KEY-2",
    pack: "tls",
    level: "error",
    title: "RSA keys have at least 2048 bits, 3072 in prod",
    rationale: "RSA-2048 is the floor today (about 112-bit security); long-lived production keys need 3072 (128-bit).",
    fix: "Set `rsa_bits` to 3072 or 4096 (environment `tls.rsaBits`).",
    source: "NIST SP 800-57 Part 1 Rev. 5 (key sizes)",
    securitySeverity: "6.0",
    appliesTo: ["tls_private_key"],
    check: (s, ctx) => {
      if (asString(s.body["algorithm"]) !== "RSA") return [];
      const bits = asNumber(s.body["rsa_bits"]) ?? 2048;
      if (bits < 2048) return [`RSA ${bits} bits`];
      if (ctx.profile === "prod" && bits < 3072) return [`RSA ${bits} bits; the prod profile requires 3072`];
      return [];
    },
  },
  {
    id: "UY-T-CA-1",
    pack: "tls",
    level: "error",
    title: "The self-signed certificate is a CA and only a CA",
    rationale: "The only self-signed certificate is the environment CA: it must be marked CA and sign certificates, and must not also act as a server or client certificate.",
    fix: "Set `is_ca_certificate = true`, `allowed_uses` with cert_signing (and crl_signing, digital_signature), `set_subject_key_id = true`; no server_auth/client_auth/any_extended.",
    source: "RFC 5280 4.2.1.9 (basic constraints) and 4.2.1.3 (key usage)",
    securitySeverity: "6.5",
    appliesTo: CA,
    check: (s) => {
      const out: string[] = [];
      const u = uses(s);
      if (!isTrue(s.body["is_ca_certificate"])) out.push("a self-signed certificate that is not a CA: sign leaves with the environment CA");
      if (!u.includes("cert_signing")) out.push("allowed_uses lacks cert_signing");
      const extra = u.filter((x) => ["server_auth", "client_auth", "any_extended"].includes(x));
      if (extra.length > 0) out.push(`the CA also allows ${extra.join(", ")}`);
      if (!isTrue(s.body["set_subject_key_id"])) out.push("set_subject_key_id is not set: chains cannot be built by key id");
      return out;
    },
  },
  {
    id: "UY-T-CA-2",
    pack: "tls",
    level: "error",
    title: "Leaf certificates cannot sign",
    rationale: "A leaf that may sign certificates is a second CA: whoever holds its key (a container) could mint identities Vault and PostgreSQL trust.",
    fix: "Never set `is_ca_certificate` on a leaf; no cert_signing, crl_signing or any_extended in its `allowed_uses`.",
    source: "RFC 5280 4.2.1.9 (basic constraints cA=false for end entities)",
    securitySeverity: "8.0",
    appliesTo: LEAF,
    check: (s) => [
      ...(isTrue(s.body["is_ca_certificate"]) ? ["is_ca_certificate = true on a leaf"] : []),
      ...uses(s)
        .filter((x) => ["cert_signing", "crl_signing", "any_extended"].includes(x))
        .map((x) => `a leaf allows ${x}`),
    ],
  },
  {
    id: "UY-T-USE-1",
    pack: "tls",
    level: "error",
    title: "Leaf certificates state what they are for",
    rationale: "Without extended key usages a certificate is valid for any purpose; with them, a client certificate cannot impersonate a server and vice versa.",
    fix: "Give every leaf digital_signature and server_auth and/or client_auth (LeafCertificate `usage`).",
    source: "RFC 5280 4.2.1.12 (extended key usage)",
    securitySeverity: "5.0",
    appliesTo: LEAF,
    check: (s) => {
      const u = uses(s);
      const out: string[] = [];
      if (!u.includes("digital_signature")) out.push("allowed_uses lacks digital_signature");
      if (!u.includes("server_auth") && !u.includes("client_auth")) out.push("allowed_uses has neither server_auth nor client_auth");
      return out;
    },
  },
  {
    id: "UY-T-VAL-1",
    pack: "tls",
    level: "error",
    title: "Validity is bounded (CA 10 years, leaves 397 days)",
    rationale: "Short-lived certificates limit how long a stolen key is useful; clients refuse leaves valid longer than 397 days.",
    fix: "Lower `validity_period_hours` (environment `tls.caValidityHours`, `tls.leafValidityHours`).",
    source: `${"Vault production hardening"}: "Use short TTLs" (X.509 certificates); CA/Browser Forum 397-day limit`,
    securitySeverity: "4.0",
    appliesTo: CERTS,
    check: (s) => {
      const hours = asNumber(s.body["validity_period_hours"]);
      const max = s.type === "tls_self_signed_cert" ? MAX_CA_VALIDITY_HOURS : MAX_LEAF_VALIDITY_HOURS;
      if (hours === undefined || hours <= 0) return ["validity_period_hours is unset"];
      return hours > max ? [`valid for ${hours} h, more than ${max} h`] : [];
    },
  },
  {
    id: "UY-T-VAL-2",
    pack: "tls",
    level: "error",
    title: "Certificates are renewed early, before they expire",
    rationale: "Terraform only replaces a certificate at an apply inside its early-renewal window; without one, certificates expire in place and TLS stops.",
    fix: "Set `early_renewal_hours` above 24 and below `validity_period_hours`.",
    source: "hashicorp/tls early_renewal_hours",
    securitySeverity: "3.5",
    appliesTo: CERTS,
    check: (s) => {
      const validity = asNumber(s.body["validity_period_hours"]) ?? 0;
      const early = asNumber(s.body["early_renewal_hours"]) ?? 0;
      if (early < 24) return [`early_renewal_hours ${early}: renew at least a day before expiry`];
      return early >= validity ? [`early_renewal_hours ${early} is not below validity ${validity}: replaced on every apply`] : [];
    },
  },
  {
    id: "UY-T-VAL-3",
    pack: "tls",
    level: "error",
    title: "The CA is renewed before any leaf could outlive it",
    rationale: "A leaf signed shortly before the CA expires would outlive it and fail; the CA's renewal window must cover a whole leaf lifetime.",
    fix: "Keep the CA's `early_renewal_hours` at least the leaves' `validity_period_hours`.",
    source: "hashicorp/tls: tls_locally_signed_cert does not cap validity to the CA's",
    securitySeverity: "3.5",
    appliesTo: LEAF,
    check: (s, ctx) => {
      const ca = ctx.stack.resolve(asString(s.body["ca_cert_pem"]) ?? "");
      if (!ca || ca.type !== "tls_self_signed_cert") return [];
      const window = asNumber(ca.body["early_renewal_hours"]) ?? 0;
      const leaf = asNumber(s.body["validity_period_hours"]) ?? 0;
      return window >= leaf ? [] : [`the CA renews ${window} h before expiry, less than this leaf's ${leaf} h validity`];
    },
  },
  {
    id: "UY-T-SAN-1",
    pack: "tls",
    level: "error",
    title: "Server certificates name their hosts in SANs",
    rationale: "Clients verify the host name against the SANs (the common name is ignored); without them verification fails, inviting clients to turn it off.",
    fix: "List every name clients use in the request's `dns_names`/`ip_addresses` (LeafCertificate `dnsNames`).",
    source: "RFC 6125; RFC 5280 4.2.1.6",
    securitySeverity: "5.0",
    appliesTo: LEAF,
    check: (s, ctx) => {
      if (!uses(s).includes("server_auth")) return [];
      const csr = ctx.stack.resolve(asString(s.body["cert_request_pem"]) ?? "");
      if (!csr) return [];
      return strings(csr.body["dns_names"]).length + strings(csr.body["ip_addresses"]).length > 0 ? [] : ["a server certificate without SANs"];
    },
  },
];
