/**
 * Every container of the environment, in every stack: the hardening defaults hold unless the
 * construct recorded a weakening with a reason; plus the app's and PostgreSQL's specifics.
 */
import { environment, resourcesOf, synthesize } from "./helpers";
import { HardenedContainer } from "../constructs/docker/hardened-container";
import { APP_FILES } from "../constructs/app/app-contract";

type Resource = Record<string, unknown>;
const env = synthesize();
const containers: [string, Resource][] = Object.entries(env.json).flatMap(([stack, json]) =>
  Object.values(resourcesOf(json, "docker_container")).map((c) => [stack, c] as [string, Resource]),
);
const weakenedBy = new Map<string, string[]>();
for (const stack of [env.stacks.platform, env.stacks.vaultConfig, env.stacks.workloads]) {
  for (const node of stack.node.findAll()) {
    if (node instanceof HardenedContainer) weakenedBy.set(node.name, node.weakenings.map((w) => w.property));
  }
}

describe("every container is hardened unless it says why not", () => {
  test("every container was declared through HardenedContainer", () => {
    expect(containers.map(([, c]) => c["name"]).sort()).toEqual([...weakenedBy.keys()].sort());
    expect(containers.length).toBeGreaterThanOrEqual(15);
  });

  test.each(containers.map(([stack, c]) => [`${stack}/${String(c["name"])}`, c] as const))("%s", (_name, c) => {
    const weakened = weakenedBy.get(c["name"] as string)!;
    expect(c["capabilities"]).toMatchObject({ drop: ["ALL"] });
    expect(c["security_opts"]).toEqual(["no-new-privileges:true"]);
    expect(c["privileged"]).toBe(false);
    expect(c["memory_swap"]).toBe(c["memory"]);
    expect(c["ulimit"]).toEqual([{ name: "core", soft: 0, hard: 0 }]);
    expect(c["log_opts"]).toEqual({ "max-size": "10m", "max-file": "5" });
    expect(c["read_only"]).toBe(!weakened.includes("writableRootfs"));
    if (!weakened.includes("runAsRoot")) expect(c["user"]).toMatch(/^[1-9]\d*:\d+$/);
    if (!weakened.includes("addCapabilities")) expect(c["capabilities"]).toEqual({ drop: ["ALL"] });
    for (const p of (c["ports"] as { ip: string }[] | undefined) ?? []) expect(p.ip).toBe("127.0.0.1");
    for (const opts of Object.values((c["tmpfs"] as Record<string, string> | undefined) ?? {})) {
      expect(opts).toMatch(/^rw,noexec,nosuid,nodev,size=\d+m/);
    }
    if (c["must_run"] !== false) expect(c["healthcheck"]).toBeDefined();
  });

  test("only seeders write their rootfs or add a capability, and only CHOWN", () => {
    const writable = [...weakenedBy].filter(([, w]) => w.includes("writableRootfs")).map(([n]) => n);
    expect(writable.every((n) => n.endsWith("-seeder"))).toBe(true);
    for (const [, c] of containers) {
      const caps = c["capabilities"] as { add?: string[] };
      if (caps.add) expect([c["name"], caps.add]).toEqual([c["name"], ["CAP_CHOWN"]]);
    }
  });

  test("nothing publishes 8201, and PostgreSQL publishes nothing", () => {
    expect(JSON.stringify(containers)).not.toMatch(/"external":\s*8201/);
    const pg = containers.find(([, c]) => c["name"] === "uyoop-dev-postgres")![1];
    expect(pg["ports"]).toEqual([]);
  });
});

describe("app", () => {
  const workloads = env.json["workloads"]!;
  const app = Object.values(resourcesOf(workloads, "docker_container")).find((c) => c["name"] === "uyoop-dev-app-0")!;

  test("receives addresses and file paths, never a secret, in its environment", () => {
    expect((app["env"] as string[]).sort()).toEqual(
      [
        "PORT=8000",
        "VAULT_ADDR=https://vault:8200",
        `VAULT_CACERT=${APP_FILES.caCert}`,
        `VAULT_CLIENT_CERT=${APP_FILES.clientCert}`,
        `VAULT_CLIENT_KEY=${APP_FILES.clientKey}`,
        "VAULT_CONFIG_PATH=secret/data/app/config",
        "VAULT_DB_CREDS_PATH=database/creds/uyoop-app",
        `VAULT_ROLE_ID_FILE=${APP_FILES.roleId}`,
        `VAULT_SECRET_ID_FILE=${APP_FILES.secretId}`,
        "VAULT_TOTP_MOUNT=totp",
      ].sort(),
    );
  });

  test("is on the edge, Vault clients and data networks, published on its host port, files mounted read-only", () => {
    expect((app["networks_advanced"] as { name: string }[]).map((n) => n.name)).toEqual([
      expect.stringContaining("networks_edge_name"),
      expect.stringContaining("networks_vaultClients_name"),
      expect.stringContaining("networks_data_name"),
    ]);
    expect(app["ports"]).toEqual([{ internal: 8000, external: 8000, ip: "127.0.0.1", protocol: "tcp" }]);
    expect((app["volumes"] as { read_only: boolean }[]).every((v) => v.read_only)).toBe(true);
    expect(app["user"]).toBe("1000:1000");
  });

  test("replicas get consecutive host ports", () => {
    const three = synthesize(environment({ app: { replicas: 3, hostPort: 9000 } })).json["workloads"]!;
    const ports = Object.values(resourcesOf(three, "docker_container"))
      .filter((c) => /-app-\d$/.test(c["name"] as string))
      .map((c) => (c["ports"] as { external: number }[])[0]!.external);
    expect(ports).toEqual([9000, 9001, 9002]);
  });

  test("the SecretID issuer is a job authenticating with its certificate, writing the app's volume as the app's uid", () => {
    const issuer = Object.values(resourcesOf(workloads, "docker_container")).find((c) => c["name"] === "uyoop-dev-secretid-issuer")!;
    expect(issuer).toMatchObject({ user: "1000:1000", attach: true, must_run: false, read_only: true });
    expect(issuer["env"]).toEqual(expect.arrayContaining(["CERT_ROLE=secretid-issuer", "APPROLE_ROLE=uyoop-app", "SECRET_ID_FILE=/out/secret-id"]));
    expect(JSON.stringify(issuer["env"])).not.toMatch(/SECRET_ID=|TOKEN=/);
  });

  test("the RoleID comes from the vault-config stack by reference, as a 0400 file", () => {
    const seeder = Object.values(resourcesOf(workloads, "docker_container")).find((c) => c["name"] === "uyoop-dev-app-role-id-seeder")!;
    expect(seeder["upload"]).toEqual([
      { file: "/seed/role-id", content: expect.stringMatching(/^\$\{data\.terraform_remote_state\.cross-stack-reference-input-vault-config\.outputs\.[^}]*role_id\}$/), permissions: "0400" },
    ]);
    expect(app["volumes"]).toEqual(expect.arrayContaining([{ volume_name: "${docker_volume.app_role-id_volume.name}", container_path: "/run/uyoop/approle", read_only: true }]));
  });
});

describe("Vault client identities: keys stay in the platform stack", () => {
  const platform = env.json["platform"]!;
  const workloads = env.json["workloads"]!;
  const byName = (json: string, name: string) => Object.values(resourcesOf(json, "docker_container")).find((c) => c["name"] === name)!;
  const output = (address: string) => `\${data.terraform_remote_state.cross-stack-reference-input-platform.outputs.cross-stack-output-${address}}`;

  test.each([
    ["uyoop-dev-app-0", "app", "/run/uyoop/vault", "1000:1000"],
    ["uyoop-dev-secretid-issuer", "secretid-issuer", "/identity", "1000:1000"],
    ["uyoop-dev-raft-snapshots", "raft-snapshot", "/identity", "100:1000"],
  ])("%s mounts the %s identity volume the platform seeded, read-only, and is replaced when it is re-seeded", (container, client, dir, owner) => {
    const c = byName(workloads, container);
    expect(c["volumes"]).toEqual(expect.arrayContaining([{ volume_name: output(`docker_volume_${client}-identity_volume_name`), container_path: dir, read_only: true }]));
    expect(c["env"]).toEqual(expect.arrayContaining([`VAULT_CACERT=${dir}/ca.pem`, `VAULT_CLIENT_CERT=${dir}/client.pem`, `VAULT_CLIENT_KEY=${dir}/client-key.pem`]));
    expect(c["labels"]).toEqual(expect.arrayContaining([{ label: "uyoop.identity", value: output(`docker_container_${client}-identity_seeder_id`) }]));
    expect(c["user"]).toBe(owner);
    const seeder = byName(platform, `uyoop-dev-${client}-identity-seeder`);
    expect(seeder["upload"]).toEqual([
      { file: "/seed/ca.pem", content: "${tls_self_signed_cert.pki_ca_cert.cert_pem}", permissions: "0444" },
      { file: "/seed/client.pem", content: `\${tls_locally_signed_cert.pki_client-${client}_cert.cert_pem}`, permissions: "0444" },
      { file: "/seed/client-key.pem", content: `\${tls_private_key.pki_client-${client}_key.private_key_pem_pkcs8}`, permissions: "0400" },
    ]);
    expect(seeder["command"]).toEqual([`chown -R ${owner} /seed && echo seeded`]);
  });

  test("no workloads seeder uploads a key or a certificate", () => {
    const uploads = Object.values(resourcesOf(workloads, "docker_container")).flatMap((c) => ((c["upload"] as { file: string }[] | undefined) ?? []).map((u) => u.file));
    expect(uploads.filter((f) => /\.pem$/.test(f))).toEqual([]);
  });
});

describe("PostgreSQL", () => {
  const platform = env.json["platform"]!;
  const pg = Object.values(resourcesOf(platform, "docker_container")).find((c) => c["name"] === "uyoop-dev-postgres")!;
  const seeder = Object.values(resourcesOf(platform, "docker_container")).find((c) => c["name"] === "uyoop-dev-postgres-config-seeder")!;

  test("follows the official image's contract: uid 999, PGDATA on the data volume, secrets as files", () => {
    expect(pg).toMatchObject({ user: "999:999", read_only: true, command: ["postgres", "-c", "config_file=/etc/uyoop-postgres/postgresql.conf"] });
    expect(pg["env"]).toEqual(expect.arrayContaining(["POSTGRES_PASSWORD_FILE=/etc/uyoop-postgres/secrets/admin-password", "PGDATA=/var/lib/postgresql/data/pgdata"]));
    expect(JSON.stringify(pg["env"])).not.toMatch(/POSTGRES_PASSWORD=/);
    expect(pg["tmpfs"]).toEqual({
      "/var/run/postgresql": "rw,noexec,nosuid,nodev,size=8m,uid=999,gid=999,mode=0700",
      "/tmp": "rw,noexec,nosuid,nodev,size=64m,uid=999,gid=999,mode=0700",
    });
  });

  test("the key is 0600 and owned by the server's uid; the admin password file comes from random_password", () => {
    expect(seeder["command"]).toEqual(["chown -R 999:999 /seed && echo seeded"]);
    expect(seeder["upload"]).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ file: "/seed/tls/server-key.pem", permissions: "0600" }),
        { file: "/seed/secrets/admin-password", content: "${random_password.postgres_admin-password.result}", permissions: "0400" },
      ]),
    );
  });

  test("the data volume is protected; only the data network reaches it", () => {
    const data = Object.values(resourcesOf(platform, "docker_volume")).find((v) => v["name"] === "uyoop-dev-postgres-data")!;
    expect(data["lifecycle"]).toEqual({ prevent_destroy: true });
    expect(pg["networks_advanced"]).toEqual([{ name: "${docker_network.networks_data.name}", aliases: ["postgres"] }]);
  });

  test("hba admits only hostssl + scram from the data subnet", () => {
    const hba = env.stacks.platform.postgres.pgHbaConf;
    const rules = hba.split("\n").filter((l) => l.trim() !== "" && !l.startsWith("#"));
    for (const r of rules) expect(r).toMatch(/^(hostssl \S+ \S+ 172\.30\.4\.0\/24 scram-sha-256|local\s.*scram-sha-256|host(nossl)?\s.*reject)$/);
    expect(hba).not.toMatch(/\b(trust|md5|password|peer|ident)\b/);
  });

  test("settings: TLS on, scram, connection logging, never log_statement all", () => {
    const conf = env.stacks.platform.postgres.postgresqlConf;
    expect(conf).toMatch(/^ssl = on$/m);
    expect(conf).toMatch(/^password_encryption = 'scram-sha-256'$/m);
    expect(conf).toMatch(/^log_connections = on$/m);
    expect(conf).toMatch(/^log_statement = 'ddl'$/m);
  });
});

describe("Vault database engine", () => {
  const vault = env.json["vault-config"]!;
  test("connects over verified TLS with SCRAM and a write-only admin password", () => {
    const conn = Object.values(resourcesOf(vault, "vault_database_secret_backend_connection"))[0]!;
    const pg = (conn["postgresql"] as Record<string, unknown>);
    expect(pg["connection_url"]).toBe("postgresql://{{username}}:{{password}}@uyoop-dev-postgres:5432/devops_calendar?sslmode=verify-full");
    expect(pg).toMatchObject({ username: "postgres", password_authentication: "scram-sha-256", password_wo_version: 1 });
    // Read at plan time from the operator-directory file the platform writes; the output that
    // crosses is the file's path, not the password.
    expect(pg["password_wo"]).toBe(
      "${file(data.terraform_remote_state.cross-stack-reference-input-platform.outputs.cross-stack-output-local_sensitive_file_operator-dir_postgres-admin-password_filename)}",
    );
    expect(pg).not.toHaveProperty("password");
    expect(conn).toMatchObject({ verify_connection: true, allowed_roles: ["uyoop-app"] });
  });

  test("the role has bounded TTLs and the SQL proven on a real PostgreSQL", () => {
    const role = Object.values(resourcesOf(vault, "vault_database_secret_backend_role"))[0]!;
    expect(role).toMatchObject({ name: "uyoop-app", default_ttl: 3600, max_ttl: 14400 });
    expect(role["creation_statements"]).toEqual(env.stacks.platform.postgres.sql.creationStatements);
    for (const s of [...(role["creation_statements"] as string[]), ...(role["revocation_statements"] as string[])]) expect(s).toBe(s.trim());
  });

  test("the database mount is protected", () => {
    const mount = Object.values(resourcesOf(vault, "vault_mount")).find((m) => m["path"] === "database")!;
    expect(mount["lifecycle"]).toEqual({ prevent_destroy: true });
  });
});

describe("scheduled Raft snapshots", () => {
  const workloads = env.json["workloads"]!;
  const job = Object.values(resourcesOf(workloads, "docker_container")).find((c) => c["name"] === "uyoop-dev-raft-snapshots")!;

  test("a long-running hardened job as the vault uid, interval and retention from the configuration", () => {
    expect(job).toMatchObject({ user: "100:1000", read_only: true, must_run: true, restart: "unless-stopped" });
    expect(job["env"]).toEqual(expect.arrayContaining(["INTERVAL_SECONDS=3600", "RETAIN=48", "CERT_ROLE=raft-snapshot", "SNAPSHOT_DIR=/snapshots"]));
    const custom = synthesize(environment({ vault: { snapshots: { intervalMinutes: 15, retain: 10 } } })).json["workloads"]!;
    const customJob = Object.values(resourcesOf(custom, "docker_container")).find((c) => c["name"] === "uyoop-dev-raft-snapshots")!;
    expect(customJob["env"]).toEqual(expect.arrayContaining(["INTERVAL_SECONDS=900", "RETAIN=10"]));
  });

  test("its health check fails once the last success is two intervals old", () => {
    expect((job["healthcheck"] as { test: string[] }).test[1]).toContain("-lt 7200 ]");
  });

  test("snapshots land on a protected volume", () => {
    const volume = Object.values(resourcesOf(workloads, "docker_volume")).find((v) => v["name"] === "uyoop-dev-raft-snapshots-data")!;
    expect(volume["lifecycle"]).toEqual({ prevent_destroy: true });
  });

  test("its cert auth role holds the snapshot policy only", () => {
    const role = Object.values(resourcesOf(env.json["vault-config"]!, "vault_cert_auth_backend_role")).find((r) => r["name"] === "raft-snapshot")!;
    expect(role).toMatchObject({ allowed_common_names: ["uyoop-dev-raft-snapshot"], token_policies: ["${vault_policy.policies_snapshot-policy.name}"], token_ttl: 300 });
  });
});
