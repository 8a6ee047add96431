import { Testing } from "cdktf";
import { EnvironmentPki } from "../constructs/pki/environment-pki";
import { LeafCertificate, type LeafCertificateProps } from "../constructs/pki/leaf-certificate";
import { CertificateAuthority } from "../constructs/pki/certificate-authority";
import { UserInputError } from "../kernel/errors";
import { environment, synthesize } from "./helpers";
import { allVaultNodeNames } from "../constructs/vault/vault-names";

const CLIENTS = ["bootstrap", "terraform", "app", "raft-snapshot", "secretid-issuer"];

type Json = { resource: Record<string, Record<string, Record<string, unknown>>> };

function pkiJson(overrides: Record<string, unknown> = {}, bindAddress = "127.0.0.1"): Json {
  const c = environment(overrides);
  return JSON.parse(
    Testing.synthScope((scope) => {
      const pki = new EnvironmentPki(scope, "pki", {
        environment: c.name,
        tls: c.tls,
        vaultNodes: allVaultNodeNames(c.name, c.vault.nodeCount).map((n) => ({ id: n.nodeId, commonName: n.container, dnsNames: n.dnsNames })),
        bindAddress,
        postgresDnsNames: ["uyoop-dev-postgres", "postgres"],
      });
      for (const client of CLIENTS) pki.clientCertificate(client);
    }),
  ) as Json;
}

const byCn = (json: Json) =>
  Object.fromEntries(
    Object.values(json.resource["tls_cert_request"]!).map((r) => [(r["subject"] as { common_name: string }[])[0]!.common_name, r]),
  );

describe("EnvironmentPki", () => {
  const json = pkiJson();

  test("every key is explicit: ECDSA P-256 by default, never the provider's P224", () => {
    const keys = Object.values(json.resource["tls_private_key"]!);
    expect(keys).toHaveLength(1 + 3 + 1 + 5);
    for (const k of keys) expect(k).toEqual(expect.objectContaining({ algorithm: "ECDSA", ecdsa_curve: "P256" }));
  });

  test("RSA environments get RSA keys of the configured size everywhere", () => {
    const keys = Object.values(pkiJson({ tls: { algorithm: "RSA", rsaBits: 4096 } }).resource["tls_private_key"]!);
    for (const k of keys) {
      expect(k).toMatchObject({ algorithm: "RSA", rsa_bits: 4096 });
      expect(k).not.toHaveProperty("ecdsa_curve");
    }
  });

  test("each Vault node's SANs cover every name peers and clients use, plus loopback", () => {
    const csr = byCn(json)["uyoop-dev-vault-2"]!;
    expect(csr["dns_names"]).toEqual(["uyoop-dev-vault-2", "vault-2", "vault-2-raft", "vault", "localhost"]);
    expect(csr["ip_addresses"]).toEqual(["127.0.0.1"]);
  });

  test("a non-loopback bind interface becomes an IP SAN of the nodes", () => {
    expect(byCn(pkiJson({}, "10.1.2.3"))["uyoop-dev-vault-1"]!["ip_addresses"]).toEqual(["127.0.0.1", "10.1.2.3"]);
  });

  test("usages: nodes serve and join as clients; PostgreSQL serves; clients only authenticate", () => {
    const certs = Object.values(json.resource["tls_locally_signed_cert"]!);
    const uses = certs.map((c) => (c["allowed_uses"] as string[]).join(",")).sort();
    expect(uses).toEqual(
      [
        ...Array(3).fill("digital_signature,key_encipherment,server_auth,client_auth"),
        "digital_signature,key_encipherment,server_auth",
        ...Array(5).fill("digital_signature,key_encipherment,client_auth"),
      ].sort(),
    );
  });

  test("client certificates are issued on request, once per client, CN <environment>-<client>", () => {
    expect(Object.keys(byCn(json)).filter((cn) => !cn.includes("vault-") && cn !== "uyoop-dev-postgres").sort()).toEqual(CLIENTS.map((c) => `uyoop-dev-${c}`).sort());
    Testing.synthScope((scope) => {
      const c = environment();
      const pki = new EnvironmentPki(scope, "pki", { environment: c.name, tls: c.tls, vaultNodes: [], bindAddress: "127.0.0.1", postgresDnsNames: ["postgres"] });
      expect(pki.clientCertificate("app")).toBe(pki.clientCertificate("app"));
      expect(pki.clientCertificate("app").commonName).toBe("uyoop-dev-app");
      expect(() => pki.clientCertificate("App_1")).toThrow(/client: "App_1" must be a lowercase name/);
    });
  });

  test("the whole environment issues exactly the clients that use Vault", () => {
    const platform = JSON.parse(synthesize().json["platform"]!) as Json;
    expect(Object.keys(byCn(platform)).filter((cn) => !cn.includes("vault-") && cn !== "uyoop-dev-postgres").sort()).toEqual(CLIENTS.map((c) => `uyoop-dev-${c}`).sort());
  });

  test("leaf validity and early renewal come from the configuration", () => {
    for (const cert of Object.values(pkiJson({ tls: { leafValidityHours: 1000, leafEarlyRenewalHours: 100 } }).resource["tls_locally_signed_cert"]!)) {
      expect(cert).toMatchObject({ validity_period_hours: 1000, early_renewal_hours: 100, set_subject_key_id: true });
    }
  });
});

describe("LeafCertificate rejects bad input", () => {
  function attempt(props: Partial<LeafCertificateProps>): string {
    try {
      Testing.synthScope((scope) => {
        const ca = new CertificateAuthority(scope, "ca", {
          commonName: "ca",
          organization: "o",
          key: { algorithm: "ECDSA", ecdsaCurve: "P256" },
          validityHours: 1000,
          earlyRenewalHours: 100,
        });
        new LeafCertificate(scope, "leaf", {
          ca,
          commonName: "x",
          organization: "o",
          usage: "server",
          dnsNames: ["x"],
          key: { algorithm: "ECDSA", ecdsaCurve: "P256" },
          validityHours: 100,
          earlyRenewalHours: 10,
          ...props,
        });
      });
      return "";
    } catch (e) {
      if (e instanceof UserInputError) return e.problems.map((p) => `${p.field}: ${p.message}`).join();
      throw e;
    }
  }

  test.each<[string, Partial<LeafCertificateProps>, RegExp]>([
    ["a server certificate without SANs", { dnsNames: [] }, /^dnsNames: a server certificate needs at least one SAN/],
    ["an invalid DNS name", { dnsNames: ["Vault_1"] }, /^dnsNames: "Vault_1" is not a lowercase DNS name/],
    ["an invalid IP", { ipAddresses: ["::1"] }, /^ipAddresses: "::1" is not an IPv4 address/],
    ["a renewal window >= validity", { earlyRenewalHours: 100 }, /^earlyRenewalHours: 100 is not below validityHours \(100\)/],
  ])("%s", (_t, props, expected) => expect(attempt(props)).toMatch(expected));

  test("a valid certificate passes", () => expect(attempt({})).toBe(""));
});
