/**
 * VaultAccess: one call grants a job its Vault login (certificate, identity volume, cert auth
 * role with its policy), across the stacks that hold each part; the role allows exactly the
 * certificate's CN.
 */
import { Testing } from "cdktf";
import { environment, resourcesOf, synthesize } from "./helpers";
import { buildEnvironment } from "../stacks/environment";
import { UserInputError } from "../kernel/errors";

type Resource = Record<string, unknown>;

describe("grantCertLogin", () => {
  const app = Testing.app();
  const env = buildEnvironment(app, environment());
  const login = env.vaultConfig.access.grantCertLogin({ name: "report-job", owner: { uid: 4242, gid: 4242 } }, "snapshot-policy");
  for (const s of [env.platform, env.vaultConfig, env.workloads]) s.prepareStack();
  const platform = Testing.synth(env.platform);
  const vaultConfig = Testing.synth(env.vaultConfig);

  test("creates the certificate and the identity volume in platform, owned by the job's uid", () => {
    const csr = resourcesOf(platform, "tls_cert_request")["pki_client-report-job_csr"]!;
    expect(csr["subject"]).toEqual([expect.objectContaining({ common_name: "uyoop-dev-report-job" })]);
    expect(resourcesOf(platform, "docker_volume")["report-job-identity_volume"]).toMatchObject({ name: "uyoop-dev-report-job-identity" });
    const seeder = resourcesOf(platform, "docker_container")["report-job-identity_seeder"]!;
    expect(seeder["command"]).toEqual(["chown -R 4242:4242 /seed && echo seeded"]);
    expect(login).toMatchObject({ role: "report-job", identity: { commonName: "uyoop-dev-report-job", owner: { uid: 4242, gid: 4242 } } });
  });

  test("creates the cert auth role in vault-config: that CN only, that policy only, short tokens from the clients network", () => {
    expect(resourcesOf(vaultConfig, "vault_cert_auth_backend_role")["report-job-role"]).toMatchObject({
      backend: "${vault_auth_backend.cert.path}",
      name: "report-job",
      allowed_common_names: ["uyoop-dev-report-job"],
      token_policies: ["${vault_policy.policies_snapshot-policy.name}"],
      token_ttl: 300,
      token_max_ttl: 600,
      token_bound_cidrs: ["172.30.3.0/24"],
    });
  });

  test("a client has one owner: asking again for another uid is refused", () => {
    expect(() => env.vaultConfig.access.grantCertLogin({ name: "report-job", owner: { uid: 1, gid: 1 } }, "snapshot-policy")).toThrow(UserInputError);
  });

  test("a job is granted once: a second grant is a clear error, not a construct-tree clash", () => {
    expect(() => env.vaultConfig.access.grantCertLogin({ name: "report-job", owner: { uid: 4242, gid: 4242 } }, "snapshot-policy")).toThrow(/report-job: is granted a cert login twice/);
  });
});

describe("the environment", () => {
  const { json } = synthesize();
  const cns = Object.values(resourcesOf(json["platform"]!, "tls_cert_request")).map((r) => (r["subject"] as { common_name: string }[])[0]!.common_name);

  test("every cert auth role allows the CN of a certificate the platform issued, and is named like it", () => {
    const roles = Object.values(resourcesOf(json["vault-config"]!, "vault_cert_auth_backend_role")) as Resource[];
    expect(roles.map((r) => r["name"]).sort()).toEqual(["raft-snapshot", "secretid-issuer"]);
    for (const r of roles) expect(r["allowed_common_names"]).toEqual([`uyoop-dev-${String(r["name"])}`]);
    for (const r of roles) expect(cns).toContain((r["allowed_common_names"] as string[])[0]);
  });

  test("every job's CERT_ROLE names a role of the cert auth method", () => {
    const roles = Object.values(resourcesOf(json["vault-config"]!, "vault_cert_auth_backend_role")).map((r) => r["name"]);
    const certRoles = Object.values(resourcesOf(json["workloads"]!, "docker_container")).flatMap((c) => ((c["env"] as string[] | undefined) ?? []).filter((e) => e.startsWith("CERT_ROLE=")).map((e) => e.slice(10)));
    expect(certRoles.sort()).toEqual([...roles].sort());
  });
});
