import { Network } from "@cdktf/provider-docker/lib/network";
import { Image } from "@cdktf/provider-docker/lib/image";
import { PrivateKey } from "@cdktf/provider-tls/lib/private-key";
import { SelfSignedCert } from "@cdktf/provider-tls/lib/self-signed-cert";
import { Mount } from "@cdktf/provider-vault/lib/mount";
import { environment, synthesize, stackSummary, resourcesOf } from "./helpers";
import { STACK_IDS } from "../stacks/environment";
import { statePath } from "../stacks/uyoop-stack";
import { vaultAddressForTerraform } from "../constructs/vault/terraform-vault-provider";
import { Testing } from "cdktf";

// cdktf's jest matchers (toHaveResourceWithProperties, ...), for this file's assertions.
Testing.setupJest();

describe("stack wiring", () => {
  const { stacks, json } = synthesize();

  test("three stacks, ordered platform -> vault-config -> workloads", () => {
    expect(Object.keys(json).sort()).toEqual(["platform", "vault-config", "workloads"]);
    expect(stacks.vaultConfig.dependencies).toEqual([stacks.platform]);
    expect(stacks.workloads.dependencies).toEqual(expect.arrayContaining([stacks.platform, stacks.vaultConfig]));
    expect(stacks.platform.dependencies).toEqual([]);
  });

  test("each stack has an explicit local backend with a relative, per-environment state path", () => {
    for (const id of Object.values(STACK_IDS)) {
      const backend = (JSON.parse(json[id]!) as { terraform: { backend: { local: { path: string } } } }).terraform.backend;
      expect(backend).toEqual({ local: { path: `../../../state/uyoop-dev/${id}.tfstate` } });
      expect(statePath("uyoop-dev", id)).toBe(backend.local.path);
    }
  });

  test("each stack configures exactly the providers it uses, at the versions the bindings pin", () => {
    const providers = (id: string) =>
      (JSON.parse(json[id]!) as { terraform: { required_providers: Record<string, { source: string; version: string }> } }).terraform
        .required_providers;
    expect(providers("platform")).toEqual({
      docker: { source: "kreuzwerker/docker", version: "3.6.2" },
      local: { source: "hashicorp/local", version: "2.6.1" },
      random: { source: "hashicorp/random", version: "3.7.2" },
      tls: { source: "hashicorp/tls", version: "4.1.0" },
    });
    expect(providers("vault-config")).toEqual({ vault: { source: "hashicorp/vault", version: "5.6.0" } });
    expect(providers("workloads")).toEqual({ docker: { source: "kreuzwerker/docker", version: "3.6.2" } });
  });

  test("no absolute machine path or secret-looking value in any stack", () => {
    for (const text of Object.values(json)) {
      expect(text).not.toMatch(/"\/(work|tmp|home|root|Users)\//);
      expect(text).not.toContain(process.cwd());
      expect(text).not.toMatch(/BEGIN [A-Z ]*PRIVATE KEY/);
    }
  });
});

describe("platform stack", () => {
  const { json } = synthesize();
  const platform = json["platform"]!;

  test("the CA key is explicit ECDSA P-256 (never the provider's P224 default)", () => {
    expect(platform).toHaveResourceWithProperties(PrivateKey, { algorithm: "ECDSA", ecdsa_curve: "P256" });
  });

  test("RSA environments get an RSA key of the configured size and no curve", () => {
    const rsa = synthesize(environment({ tls: { algorithm: "RSA", rsaBits: 4096 } })).json["platform"]!;
    const keys = Object.values(resourcesOf(rsa, "tls_private_key"));
    expect(keys.length).toBeGreaterThan(1);
    for (const key of keys) {
      expect(key).toMatchObject({ algorithm: "RSA", rsa_bits: 4096 });
      expect(key).not.toHaveProperty("ecdsa_curve");
    }
  });

  test("the CA certificate is a CA with signing uses, validity and renewal from the config", () => {
    expect(platform).toHaveResourceWithProperties(SelfSignedCert, {
      is_ca_certificate: true,
      set_subject_key_id: true,
      validity_period_hours: 43800,
      early_renewal_hours: 8760,
      allowed_uses: ["cert_signing", "crl_signing", "digital_signature"],
      subject: [{ common_name: "uyoop-cal uyoop-dev CA", organization: "uyoop-cal" }],
    });
  });

  test("five networks with their subnets; only edge and vaultPublish are non-internal, both without ICC", () => {
    const networks = resourcesOf(platform, "docker_network");
    const summary = Object.fromEntries(
      Object.values(networks).map((n) => [
        n["name"],
        {
          internal: n["internal"],
          subnet: (n["ipam_config"] as { subnet: string }[])[0]!.subnet,
          icc: (n["options"] as Record<string, string>)["com.docker.network.bridge.enable_icc"],
          hostBinding: (n["options"] as Record<string, string>)["com.docker.network.bridge.host_binding_ipv4"],
        },
      ]),
    );
    expect(summary).toEqual({
      "uyoop-dev-edge": { internal: false, subnet: "172.30.0.0/24", icc: "false", hostBinding: "127.0.0.1" },
      "uyoop-dev-vault-publish": { internal: false, subnet: "172.30.1.0/24", icc: "false", hostBinding: "127.0.0.1" },
      "uyoop-dev-raft": { internal: true, subnet: "172.30.2.0/24", icc: "true", hostBinding: undefined },
      "uyoop-dev-vault-clients": { internal: true, subnet: "172.30.3.0/24", icc: "true", hostBinding: undefined },
      "uyoop-dev-data": { internal: true, subnet: "172.30.4.0/24", icc: "true", hostBinding: undefined },
    });
    expect(platform).toHaveResourceWithProperties(Network, { driver: "bridge" });
  });

  test("subnets and names follow the configuration", () => {
    const custom = synthesize(environment({ name: "uyoop-qa", networks: { data: { subnet: "10.99.0.0/24" } } })).json["platform"]!;
    expect(custom).toHaveResourceWithProperties(Network, { name: "uyoop-qa-data", ipam_config: [{ subnet: "10.99.0.0/24" }] });
  });
});

describe("platform stack: operator directory and bootstrap", () => {
  const platform = synthesize().json["platform"]!;
  const dir = '${pathexpand("~/.uyoop-cal/uyoop-dev")}';

  test("the operator directory gets the CA, Terraform's client certificate and PostgreSQL's admin password; secrets are 0600 and sensitive", () => {
    expect(resourcesOf(platform, "local_file")).toEqual({
      "operator-dir_ca": expect.objectContaining({ filename: `${dir}/ca.pem`, file_permission: "0644", directory_permission: "0700" }),
      "operator-dir_terraform-client-cert": expect.objectContaining({ filename: `${dir}/terraform-client.pem`, file_permission: "0644" }),
    });
    expect(resourcesOf(platform, "local_sensitive_file")).toEqual({
      "operator-dir_terraform-client-key": expect.objectContaining({ filename: `${dir}/terraform-client-key.pem`, file_permission: "0600", directory_permission: "0700" }),
      "operator-dir_postgres-admin-password": {
        filename: `${dir}/postgres-admin-password`,
        content: "${random_password.postgres_admin-password.result}",
        file_permission: "0600",
        directory_permission: "0700",
      },
    });
  });

  test("the bootstrap is a one-shot job on the clients network writing only to the operator directory", () => {
    const job = Object.values(resourcesOf(platform, "docker_container")).find((c) => c["name"] === "uyoop-dev-vault-bootstrap")!;
    expect(job).toMatchObject({ attach: true, must_run: false, rm: false, logs: false, read_only: true, capabilities: { drop: ["ALL"] } });
    expect(job["networks_advanced"]).toEqual([{ name: "${docker_network.networks_vaultClients.name}" }]);
    expect(job["volumes"]).toEqual([
      expect.objectContaining({ container_path: "/bootstrap", read_only: true }),
      { host_path: dir, container_path: "/operator", read_only: false },
    ]);
    expect(job["env"]).toEqual(
      expect.arrayContaining([
        "VAULT_NODES=https://vault-1:8200 https://vault-2:8200 https://vault-3:8200",
        "INIT_FILE=/operator/vault-init.json",
        "TOKEN_FILE=/operator/terraform-token",
        "KEY_SHARES=5",
        "KEY_THRESHOLD=3",
        "VAULT_CLIENT_CERT=/bootstrap/tls/client.pem",
      ]),
    );
    const triggers = (job["lifecycle"] as { replace_triggered_by: string[] }).replace_triggered_by;
    for (const n of [1, 2, 3]) expect(triggers).toContain(`docker_container.vault_vault-${n}_server`);
  });

  test("the bootstrap runs as the operator directory's owner; root is a recorded weakening", () => {
    const { stacks } = synthesize(environment({ host: { operatorUid: 1000, operatorGid: 1000 } }));
    expect(stacks.platform.bootstrap.job.weakenings).toEqual([]);
    const root = synthesize().stacks.platform.bootstrap.job.weakenings;
    expect(root.map((w) => w.property)).toEqual(["runAsRoot"]);
  });
});

describe("vault-config stack", () => {
  test("the provider verifies TLS with the CA from the operator directory and presents its client certificate", () => {
    const vault = synthesize().json["vault-config"]!;
    expect(vault).toHaveProviderWithProperties(
      { tfResourceType: "vault" },
      {
        address: "https://localhost:8200",
        ca_cert_file: '${pathexpand("~/.uyoop-cal/uyoop-dev")}/ca.pem',
        client_auth: [
          {
            cert_file: '${pathexpand("~/.uyoop-cal/uyoop-dev")}/terraform-client.pem',
            key_file: '${pathexpand("~/.uyoop-cal/uyoop-dev")}/terraform-client-key.pem',
          },
        ],
        skip_tls_verify: false,
        skip_child_token: false,
        token_name: "terraform-uyoop-dev",
      },
    );
    const provider = (JSON.parse(vault) as { provider: { vault: Record<string, unknown>[] } }).provider.vault[0]!;
    expect(provider).not.toHaveProperty("token");
  });

  test("without mTLS the provider presents no client certificate", () => {
    const vault = synthesize(environment({ vault: { mtls: false } })).json["vault-config"]!;
    const provider = (JSON.parse(vault) as { provider: { vault: Record<string, unknown>[] } }).provider.vault[0]!;
    expect(provider).not.toHaveProperty("client_auth");
  });

  test("the address follows the bind interface and node 1's host port", () => {
    expect(vaultAddressForTerraform("127.0.0.1", 8200)).toBe("https://localhost:8200");
    expect(vaultAddressForTerraform("10.0.0.5", 18200)).toBe("https://10.0.0.5:18200");
  });

  test("the KV v2 mount is protected from destruction unless allowDataLoss says why", () => {
    const prot = synthesize().json["vault-config"]!;
    expect(prot).toHaveResourceWithProperties(Mount, { path: "secret", type: "kv", options: { version: "2" }, lifecycle: { prevent_destroy: true } });
    const open = synthesize(environment({ allowDataLoss: { reason: "tear down the demo environment" } })).json["vault-config"]!;
    expect(open).toHaveResourceWithProperties(Mount, { path: "secret", lifecycle: { prevent_destroy: false } });
  });
});

describe("workloads stack", () => {
  test("the app image comes from the configuration and is kept on destroy", () => {
    const workloads = synthesize(environment({ app: { image: "uyoop-cal:2.3.4" } })).json["workloads"]!;
    expect(workloads).toHaveResourceWithProperties(Image, { name: "uyoop-cal:2.3.4", keep_locally: true });
  });
});

describe("snapshots (review each change as a plan diff)", () => {
  const { json } = synthesize();
  test.each(Object.values(STACK_IDS))("%s", (id) => {
    expect(stackSummary(json[id]!)).toMatchSnapshot();
  });
});
