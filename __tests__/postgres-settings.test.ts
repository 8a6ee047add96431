import {
  renderPostgresServerSettings,
  renderPostgresHba,
  postgresHbaLines,
  memorySettings,
  pgConfString,
  renderPgConf,
  identifierProblem,
  type PostgresServerSettings,
  type PostgresHba,
} from "../constructs/postgres/postgres-settings";
import { dynamicCredentialsSql, quoteIdent, quoteLiteral, VAULT_DATABASE_ROLE } from "../constructs/postgres/dynamic-credentials-sql";
import { UserInputError, formatProblem } from "../kernel/errors";

const settings: PostgresServerSettings = {
  tls: { certFile: "/etc/postgresql/tls/server.pem", keyFile: "/etc/postgresql/tls/server-key.pem", caFile: "/etc/postgresql/tls/ca.pem" },
  tlsMinVersion: "tls12",
  hbaFile: "/etc/postgresql/pg_hba.conf",
  memoryMb: 512,
};

const hba: PostgresHba = {
  rules: [
    { database: "devops_calendar", user: { membersOf: "uyoop_app" }, cidrs: ["172.30.4.0/24"] },
    { database: "devops_calendar", user: { role: "postgres" }, cidrs: ["172.30.4.0/24"] },
  ],
};

/** The one-line problems a call is refused with; fails the test if it is not refused. */
function problems(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    if (e instanceof UserInputError) return e.problems.map(formatProblem);
    throw e;
  }
  throw new Error("expected a UserInputError");
}

const lines = (text: string) => text.split("\n").filter((l) => l !== "" && !l.startsWith("#"));

describe("postgresql.conf", () => {
  test("renders every setting, quoted, in a fixed order", () => {
    const text = renderPostgresServerSettings(settings);
    expect(text.startsWith("# postgresql.conf, rendered by constructs/postgres/postgres-settings.ts: do not edit.\n")).toBe(true);
    expect(text.endsWith("\n")).toBe(true);
    expect(lines(text)).toEqual([
      "listen_addresses = '*'",
      "port = 5432",
      "max_connections = 100",
      "superuser_reserved_connections = 3",
      "unix_socket_directories = '/var/run/postgresql'",
      "unix_socket_permissions = '0700'",
      "hba_file = '/etc/postgresql/pg_hba.conf'",
      "authentication_timeout = '30s'",
      "password_encryption = 'scram-sha-256'",
      "ssl = on",
      "ssl_cert_file = '/etc/postgresql/tls/server.pem'",
      "ssl_key_file = '/etc/postgresql/tls/server-key.pem'",
      "ssl_ca_file = '/etc/postgresql/tls/ca.pem'",
      "ssl_min_protocol_version = 'TLSv1.2'",
      "ssl_ciphers = 'ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL'",
      "ssl_prefer_server_ciphers = on",
      "shared_buffers = '128MB'",
      "effective_cache_size = '256MB'",
      "idle_in_transaction_session_timeout = '5min'",
      "log_destination = 'stderr'",
      "logging_collector = off",
      "log_line_prefix = '%m [%p] %quser=%u db=%d client=%h '",
      "log_timezone = 'UTC'",
      "timezone = 'UTC'",
      "log_connections = on",
      "log_disconnections = on",
      "log_hostname = off",
      "log_statement = 'ddl'",
      "log_min_duration_statement = -1",
      "log_min_error_statement = 'error'",
      "log_parameter_max_length = 0",
      "log_parameter_max_length_on_error = 0",
    ]);
    expect(text).not.toMatch(/[ \t]$/m);
  });

  test("options: TLS 1.3, port, socket directory, connections, log_statement none", () => {
    const text = renderPostgresServerSettings({
      ...settings,
      tlsMinVersion: "tls13",
      port: 6432,
      unixSocketDirectory: "/run/pg",
      maxConnections: 50,
      logStatement: "none",
    });
    expect(lines(text)).toEqual(
      expect.arrayContaining([
        "ssl_min_protocol_version = 'TLSv1.3'",
        "port = 6432",
        "unix_socket_directories = '/run/pg'",
        "max_connections = 50",
        "log_statement = 'none'",
      ]),
    );
  });

  test("memory: shared_buffers a quarter and effective_cache_size half of the limit, whole MiB", () => {
    expect(memorySettings(64)).toEqual({ sharedBuffersMb: 16, effectiveCacheSizeMb: 32 });
    expect(memorySettings(1000)).toEqual({ sharedBuffersMb: 250, effectiveCacheSizeMb: 500 });
    expect(memorySettings(2049)).toEqual({ sharedBuffersMb: 512, effectiveCacheSizeMb: 1024 });
    expect(lines(renderPostgresServerSettings({ ...settings, memoryMb: 4096 }))).toEqual(
      expect.arrayContaining(["shared_buffers = '1024MB'", "effective_cache_size = '2048MB'"]),
    );
  });

  test("log_statement 'mod' and 'all' are impossible: refused by the type and at run time", () => {
    // @ts-expect-error "all" is not a PostgresLogStatement
    const all: PostgresServerSettings = { ...settings, logStatement: "all" };
    // @ts-expect-error "mod" is not a PostgresLogStatement
    const mod: PostgresServerSettings = { ...settings, logStatement: "mod" };
    for (const s of [all, mod]) {
      const [problem] = problems(() => renderPostgresServerSettings(s));
      expect(problem).toMatch(/^logStatement: "(all|mod)" is not allowed: "mod" and "all" write every statement's text, including passwords in CREATE\/ALTER ROLE, to the server log; use "ddl" or "none"$/);
    }
  });

  test("quoting: single quotes doubled, backslashes escaped, line breaks refused", () => {
    expect(pgConfString("it's")).toBe("'it''s'");
    expect(pgConfString("a\\b")).toBe("'a\\\\b'");
    expect(pgConfString("'; ssl = off; '")).toBe("'''; ssl = off; '''");
    expect(() => pgConfString("a\nssl = off")).toThrow(/control character/);
    expect(renderPgConf("x", [["search_path", "it's"], ["port", 1], ["ssl", false]])).toBe("# x\nsearch_path = 'it''s'\nport = 1\nssl = off\n");
    expect(() => renderPgConf("x", [["port", 1], ["port", 2]])).toThrow(/port is set twice/);
    expect(() => renderPgConf("x", [["ssl = off\nport", 1]])).toThrow(/invalid postgresql.conf setting name/);
    expect(() => renderPgConf("x", [["port", 1.5]])).toThrow(/not an integer/);
  });

  test("refuses bad paths, naming the field", () => {
    const bad = (patch: Partial<PostgresServerSettings>) => problems(() => renderPostgresServerSettings({ ...settings, ...patch }))[0]!.split(":")[0];
    expect(bad({ tls: { ...settings.tls, keyFile: "server-key.pem" } })).toBe("tls.keyFile");
    expect(bad({ tls: { ...settings.tls, certFile: "/etc/../server.pem" } })).toBe("tls.certFile");
    expect(bad({ tls: { ...settings.tls, caFile: "/etc/ca'.pem" } })).toBe("tls.caFile");
    expect(bad({ hbaFile: "/etc/pg_hba.conf\nssl = off" })).toBe("hbaFile");
    expect(bad({ unixSocketDirectory: "/var/run/postgresql/" })).toBe("unixSocketDirectory");
    expect(problems(() => renderPostgresServerSettings({ ...settings, tls: { ...settings.tls, keyFile: "key.pem" } }))).toEqual([
      'tls.keyFile: "key.pem" must be an absolute path of letters, digits, ".", "_", "-" without "." or ".." segments, e.g. "/etc/postgresql/tls/server.pem"',
    ]);
    expect(problems(() => renderPostgresServerSettings({ ...settings, unixSocketDirectory: `/${"d".repeat(95)}` }))[0]).toMatch(
      /^unixSocketDirectory: "\/d+\.\.\. is longer than 90 characters; use a shorter path$/,
    );
  });

  test("refuses bad numbers and versions, every problem at once", () => {
    const found = problems(() =>
      renderPostgresServerSettings({
        ...settings,
        port: 80,
        memoryMb: 32,
        maxConnections: 1.5,
        tlsMinVersion: "tls11" as unknown as "tls12",
      }),
    );
    expect(found).toEqual([
      "port: 80 must be an integer from 1024 to 65535; PostgreSQL runs without NET_BIND_SERVICE, so use 5432 or another unprivileged port",
      "memoryMb: 32 must be an integer from 64 to 1048576; it is the container's memory limit in MiB",
      "maxConnections: 1.5 must be an integer from 10 to 5000; each connection is a process with its own memory",
      'tlsMinVersion: "tls11" is not allowed; use "tls12" or "tls13"',
    ]);
    expect(() => renderPostgresServerSettings({ ...settings, port: 80 })).toThrow(/^postgres settings: 1 problem\n {2}port: 80/);
  });
});

describe("pg_hba.conf", () => {
  test("renders hostssl scram-sha-256 rules between the local rule and explicit rejections", () => {
    const text = renderPostgresHba(hba);
    expect(text.startsWith("# pg_hba.conf, rendered by constructs/postgres/postgres-settings.ts: do not edit.\n")).toBe(true);
    expect(lines(text)).toEqual([
      "local all all scram-sha-256",
      "hostssl devops_calendar +uyoop_app 172.30.4.0/24 scram-sha-256",
      "hostssl devops_calendar postgres 172.30.4.0/24 scram-sha-256",
      "hostnossl all all 0.0.0.0/0 reject",
      "host all all 0.0.0.0/0 reject",
      "hostnossl all all ::/0 reject",
      "host all all ::/0 reject",
    ]);
    expect(text.endsWith("reject\n")).toBe(true);
  });

  test("one line per CIDR; the only methods are scram-sha-256 and reject", () => {
    const out = postgresHbaLines({ rules: [{ database: "app", user: { role: "vault_admin" }, cidrs: ["10.0.0.0/24", "10.0.1.0/24"] }] });
    expect(out.slice(1, 3)).toEqual(["hostssl app vault_admin 10.0.0.0/24 scram-sha-256", "hostssl app vault_admin 10.0.1.0/24 scram-sha-256"]);
    for (const line of out) {
      expect(line.split(" ").at(-1)).toMatch(/^(scram-sha-256|reject)$/);
      expect(line).toMatch(/^(local|hostssl|hostnossl|host) /);
      expect(line).not.toMatch(/\b(trust|md5|password|peer|ident)\b/);
    }
    expect(out.filter((l) => l.startsWith("host ") || l.startsWith("hostnossl ")).every((l) => l.endsWith(" reject"))).toBe(true);
  });

  test("refuses bad rules, naming the field", () => {
    expect(problems(() => postgresHbaLines({ rules: [] }))).toEqual([
      "rules: no rule admits anyone over TCP; add one for the app's group role and one for Vault's admin role",
    ]);
    expect(
      problems(() =>
        postgresHbaLines({
          rules: [
            { database: "all", user: { membersOf: "Uyoop" }, cidrs: ["172.30.4.1/24", "0.0.0.0/0", "fd00::/8"] },
            { database: "pg_catalog", user: { role: "a b" }, cidrs: [] },
          ],
        }),
      ),
    ).toEqual([
      'rules[0].database: "all" is a reserved name in PostgreSQL or pg_hba.conf; choose another',
      'rules[0].user.membersOf: "Uyoop" is not a plain lowercase SQL identifier; use letters, digits and underscores, starting with a letter or "_", at most 63 characters',
      'rules[0].cidrs[0]: "172.30.4.1/24" is not an IPv4 network in CIDR form with its host bits clear, e.g. "172.30.4.0/24"',
      'rules[0].cidrs[1]: "0.0.0.0/0" admits a large part of the internet; give the client subnet, e.g. the data network\'s "172.30.4.0/24"',
      'rules[0].cidrs[2]: "fd00::/8" is not an IPv4 network in CIDR form with its host bits clear, e.g. "172.30.4.0/24"',
      'rules[1].database: "pg_catalog" starts with "pg_", which PostgreSQL reserves',
      'rules[1].user.role: "a b" is not a plain lowercase SQL identifier; use letters, digits and underscores, starting with a letter or "_", at most 63 characters',
      'rules[1].cidrs: lists no network; give the client subnet, e.g. the data network\'s "172.30.4.0/24"',
    ]);
  });

  test("identifiers: lowercase, at most 63 characters, no reserved names", () => {
    expect(identifierProblem("devops_calendar")).toBeUndefined();
    expect(identifierProblem("_x1")).toBeUndefined();
    expect(identifierProblem("a".repeat(63))).toBeUndefined();
    for (const bad of ["a".repeat(64), "1abc", "has-dash", 'q"uote', "", "public", "replication", "samerole", "pg_x", 42]) {
      expect(identifierProblem(bad)).toBeDefined();
    }
  });
});

describe("Vault's dynamic credentials SQL", () => {
  const sql = dynamicCredentialsSql({ database: "devops_calendar" });

  test("creation: quiet logging, a powerless NOINHERIT member of the group that acts as the group, CONNECT on the app's database", () => {
    expect(VAULT_DATABASE_ROLE).toBe("uyoop-app");
    expect(sql.creationStatements).toEqual([
      "SET LOCAL log_statement = 'none'",
      "SET LOCAL log_min_error_statement = 'panic'",
      `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}' NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT CONNECTION LIMIT 20 IN ROLE "uyoop_app"`,
      `ALTER ROLE "{{name}}" SET role = 'uyoop_app'`,
      `ALTER ROLE "{{name}}" SET search_path = "uyoop"`,
      `GRANT CONNECT ON DATABASE "devops_calendar" TO "{{name}}"`,
    ]);
  });

  test("revocation: no more logins, sessions terminated, anything owned kept by the group, role dropped", () => {
    expect(sql.revocationStatements).toEqual([
      `ALTER ROLE "{{name}}" NOLOGIN`,
      `SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE usename = '{{name}}'`,
      `REASSIGN OWNED BY "{{name}}" TO "uyoop_app"`,
      `DROP OWNED BY "{{name}}"`,
      `DROP ROLE "{{name}}"`,
    ]);
    expect(sql.rootRotationStatements).toEqual([
      "SET LOCAL log_statement = 'none'",
      "SET LOCAL log_min_error_statement = 'panic'",
      `ALTER ROLE "{{name}}" WITH PASSWORD '{{password}}'`,
    ]);
  });

  test("statements Vault runs: no ';' (Vault splits on it), no surrounding whitespace, quiet before any {{password}}", () => {
    for (const list of [sql.creationStatements, sql.revocationStatements, sql.rootRotationStatements]) {
      for (const s of list) {
        expect(s).not.toContain(";");
        expect(s).toBe(s.trim());
        expect(s).not.toMatch(/[\r\n]/);
      }
      const firstSecret = list.findIndex((s) => s.includes("{{password}}"));
      if (firstSecret >= 0) expect(list.slice(0, 2)).toEqual(["SET LOCAL log_statement = 'none'", "SET LOCAL log_min_error_statement = 'panic'"]);
    }
  });

  test("setup: one transaction in the app's database; group role, schema, PUBLIC locked out", () => {
    expect(sql.setupSql.split("\n").filter((l) => !l.startsWith("--"))).toEqual([
      "BEGIN;",
      "DO $$BEGIN IF current_database() <> 'devops_calendar' THEN RAISE EXCEPTION 'connect to database devops_calendar to run this setup, not %', current_database(); END IF; END$$;",
      'CREATE ROLE "uyoop_app" NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;',
      'CREATE SCHEMA "uyoop";',
      'REVOKE ALL ON SCHEMA "uyoop" FROM PUBLIC;',
      'GRANT USAGE, CREATE ON SCHEMA "uyoop" TO "uyoop_app";',
      "REVOKE ALL ON SCHEMA public FROM PUBLIC;",
      'REVOKE ALL ON DATABASE "devops_calendar" FROM PUBLIC;',
      'REVOKE ALL ON DATABASE "postgres" FROM PUBLIC;',
      'REVOKE ALL ON DATABASE "template1" FROM PUBLIC;',
      "COMMIT;",
      "",
    ]);
    expect(sql.setupSql).not.toMatch(/[ \t]$/m);
  });

  test("names flow from the options", () => {
    const custom = dynamicCredentialsSql({ database: "cal", groupRole: "cal_app", schema: "cal", connectionLimit: 5, otherDatabases: ["postgres"] });
    expect(custom.creationStatements[2]).toContain('CONNECTION LIMIT 5 IN ROLE "cal_app"');
    expect(custom.creationStatements.slice(3)).toEqual([
      `ALTER ROLE "{{name}}" SET role = 'cal_app'`,
      `ALTER ROLE "{{name}}" SET search_path = "cal"`,
      `GRANT CONNECT ON DATABASE "cal" TO "{{name}}"`,
    ]);
    expect(custom.revocationStatements[2]).toBe(`REASSIGN OWNED BY "{{name}}" TO "cal_app"`);
    expect(custom.setupSql).not.toContain("template1");
  });

  test("refuses bad names and limits, naming the field", () => {
    expect(
      problems(() =>
        dynamicCredentialsSql({
          database: 'cal"; DROP',
          groupRole: "public",
          schema: "pg_app",
          connectionLimit: 0,
          otherDatabases: ["postgres", "cal\"; DROP"],
        }),
      ),
    ).toEqual([
      'database: "cal\\"; DROP" is not a plain lowercase SQL identifier; use letters, digits and underscores, starting with a letter or "_", at most 63 characters',
      'groupRole: "public" is a reserved name in PostgreSQL or pg_hba.conf; choose another',
      'schema: "pg_app" starts with "pg_", which PostgreSQL reserves',
      'otherDatabases[1]: "cal\\"; DROP" is not a plain lowercase SQL identifier; use letters, digits and underscores, starting with a letter or "_", at most 63 characters',
      'otherDatabases[1]: "cal\\"; DROP" is the app\'s own database; list only the others',
      "connectionLimit: 0 must be an integer from 1 to 1000 (the app's pool size plus headroom)",
    ]);
    expect(problems(() => dynamicCredentialsSql({ database: "cal", otherDatabases: ["cal"] }))).toEqual([
      'otherDatabases[0]: "cal" is the app\'s own database; list only the others',
    ]);
  });

  test("quoting helpers", () => {
    expect(quoteIdent('a"b')).toBe('"a""b"');
    expect(quoteLiteral("it's")).toBe("'it''s'");
    expect(() => quoteLiteral("a\nb")).toThrow(/control character/);
  });
});
