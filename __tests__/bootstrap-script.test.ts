/**
 * constructs/vault/scripts/bootstrap.sh (the Vault init/unseal job) and scripts/unseal.sh.
 *
 * What these tests prove, and what they do not:
 * - input validation: real runs of the script with `sh`, exit code 2 and a one-line message;
 * - the unseal-key extraction: the script's own awk function on init JSON shaped like
 *   `vault operator init -format=json` output (pretty-printed and compact);
 * - control flow against a scripted CLI stub: a small sh program named `vault`, first on PATH,
 *   that imitates the exit codes and JSON of `vault status`, `vault operator init`,
 *   `vault write sys/unseal key=-` and `vault operator unseal -reset` for a 3-node Raft cluster
 *   (members, quorum, retry_join challenge, asynchronous join). It checks what the script decides
 *   (init once, which nodes it unseals and in what order, failures, file modes, that no key
 *   reaches output or a command line). It is NOT Vault: whether real Vault behaves like the stub
 *   is for the end-to-end run to show (the failure modes are in bootstrap-failures.test.ts);
 * - shellcheck on both scripts, and the script under BusyBox sh and awk: `npm run lint`
 *   (scripts/lint.sh, bootstrap-busybox.lint.ts), since they need tools from the OS.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import {
  BOOTSTRAP,
  NODES,
  SAMPLE_UNSEAL_KEYS,
  UNSEAL,
  work,
  expectNoSecretsLeaked,
  fakeKey,
  initCalls,
  initJson,
  isMember,
  isUnsealed,
  leftoverTempFiles,
  newCluster,
  unsealWrites,
  type Run,
} from "./bootstrap-harness";

// ------------------------------------------------------------------------------------------
// Key extraction
// ------------------------------------------------------------------------------------------

describe("extract_unseal_keys (the script's own function, sourced)", () => {
  const dir = path.join(work, "extract");
  fs.mkdirSync(dir, { recursive: true });

  function extract(content: string, shell: string[] = ["sh"]): Run {
    const f = path.join(dir, `in-${Math.random().toString(36).slice(2)}.json`);
    fs.writeFileSync(f, content);
    const r = spawnSync(shell[0]!, [...shell.slice(1), "-c", `. "$1"; extract_unseal_keys "$2"`, "sh", BOOTSTRAP, f], {
      env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", BOOTSTRAP_LIB_ONLY: "1" },
      encoding: "utf8",
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  const keys = SAMPLE_UNSEAL_KEYS;

  test("pretty-printed init JSON (as `vault operator init -format=json` prints it): exactly the b64 keys, in order", () => {
    const r = extract(initJson(keys, 3));
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${keys.join("\n")}\n`);
  });

  test("compact JSON and CRLF line endings give the same keys", () => {
    expect(extract(initJson(keys, 3, false)).stdout).toBe(`${keys.join("\n")}\n`);
    expect(extract(initJson(keys, 3).replace(/\n/g, "\r\n")).stdout).toBe(`${keys.join("\n")}\n`);
  });

  test("the hex keys, the root token and other arrays never come out", () => {
    const r = extract(initJson(["b25lIGtleQ=="], 1));
    expect(r.stdout).toBe("b25lIGtleQ==\n");
    expect(r.stdout).not.toContain("deadbeef");
    expect(r.stdout).not.toContain("hvs.");
  });

  test("field order does not matter", () => {
    const doc = `{\n  "root_token": "hvs.x",\n  "unseal_keys_hex": ["00"],\n  "unseal_keys_b64": [\n    "${keys[0]}"\n  ]\n}\n`;
    expect(extract(doc).stdout).toBe(`${keys[0]}\n`);
  });

  test.each([
    ["no unseal_keys_b64 field", `{"unseal_keys_hex": ["00"], "root_token": "hvs.x"}`],
    ["an empty array", `{"unseal_keys_b64": [], "root_token": "hvs.x"}`],
    ["null", `{"unseal_keys_b64": null}`],
    ["a number in the array", `{"unseal_keys_b64": ["${keys[0]}", 42]}`],
    ["a string that is not base64", `{"unseal_keys_b64": ["${keys[0]}", "not base64!"]}`],
    ["an unterminated array", `{"unseal_keys_b64": ["${keys[0]}"`],
    ["a trailing comma", `{"unseal_keys_b64": ["${keys[0]}",]}`],
    ["empty input", ``],
  ])("rejects %s: non-zero exit and nothing on stdout", (_name, doc) => {
    const r = extract(doc);
    expect(r.status).not.toBe(0);
    expect(r.stdout).toBe("");
  });
});

describe("json_words (the script's own function, sourced): a status's fields, one awk", () => {
  function words(json: string, ...names: string[]): string {
    const r = spawnSync("sh", ["-c", `. "$1"; shift; json_words "$@"`, "sh", BOOTSTRAP, ...names], {
      env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", BOOTSTRAP_LIB_ONLY: "1" },
      encoding: "utf8",
      input: json,
    });
    expect(r.stderr).toBe("");
    return r.stdout;
  }
  const status = `{\n  "type": "shamir",\n  "initialized": true,\n  "sealed": true,\n  "t": 3,\n  "n": 5,\n  "progress": 1,\n  "version": "2.6.2"\n}\n`;

  test("pretty-printed or compact: the values in the order asked, '-' for an absent field", () => {
    expect(words(status, "initialized", "sealed", "t", "progress", "is_self")).toBe("true true 3 1 -\n");
    expect(words(status.replace(/\s+/g, ""), "progress", "initialized")).toBe("1 true\n");
    expect(words(`{"is_self": true, "initialized": false}`, "initialized", "is_self")).toBe("false true\n");
  });

  test("a value that is not a plain word is '?', so the line always splits into one word per field", () => {
    expect(words(`{"initialized": "yes please", "sealed": "", "t": "3 4"}`, "initialized", "sealed", "t")).toBe("? ? ?\n");
    expect(words(`{"initialized": true, "initialized": false}`, "initialized")).toBe("true\n");
  });
});

// ------------------------------------------------------------------------------------------
// Input validation (real runs; the stub records that no vault call was made)
// ------------------------------------------------------------------------------------------

describe("input validation: exit 2, one line naming the variable, no vault call", () => {
  const c = newCluster();
  const pgpFile = path.join(c.dir, "share.asc");
  fs.writeFileSync(pgpFile, "bWFkZSB1cCBwZ3Aga2V5");

  test.each<[string, Record<string, string | undefined>, RegExp]>([
    ["VAULT_NODES unset", { VAULT_NODES: undefined }, /VAULT_NODES is empty/],
    ["VAULT_NODES blank", { VAULT_NODES: "   " }, /VAULT_NODES is empty/],
    ["an http:// node", { VAULT_NODES: "http://vault-1:8200" }, /VAULT_NODES: 'http:\/\/vault-1:8200' is not an https/],
    ["a node with a path", { VAULT_NODES: "https://vault-1:8200/v1/x" }, /is not an https:\/\/host\[:port\] URL/],
    ["a duplicate node", { VAULT_NODES: "https://a:8200 https://a:8200" }, /'https:\/\/a:8200' is listed twice/],
    ["VAULT_CACERT unset", { VAULT_CACERT: undefined }, /VAULT_CACERT is not set/],
    ["VAULT_CACERT missing", { VAULT_CACERT: "/nonexistent/ca.pem" }, /VAULT_CACERT: \/nonexistent\/ca.pem is not a readable file/],
    ["VAULT_SKIP_VERIFY on", { VAULT_SKIP_VERIFY: "true" }, /VAULT_SKIP_VERIFY is set/],
    ["a client cert without key", { VAULT_CLIENT_CERT: "/etc/hostname" }, /must be set together/],
    ["KEY_SHARES not a number", { KEY_SHARES: "five" }, /KEY_SHARES: 'five' is not a positive integer/],
    ["KEY_SHARES zero", { KEY_SHARES: "0" }, /KEY_SHARES: '0' is not a positive integer/],
    ["KEY_SHARES with a leading zero", { KEY_SHARES: "05" }, /KEY_SHARES: '05'/],
    ["KEY_SHARES over 255", { KEY_SHARES: "256" }, /more than Vault's maximum of 255/],
    ["KEY_THRESHOLD unset", { KEY_THRESHOLD: undefined }, /KEY_THRESHOLD: '' is not a positive integer/],
    ["KEY_THRESHOLD above KEY_SHARES", { KEY_THRESHOLD: "6" }, /KEY_THRESHOLD: 6 is more than KEY_SHARES \(5\)/],
    ["KEY_THRESHOLD 1 with 5 shares", { KEY_THRESHOLD: "1" }, /must be at least 2 when KEY_SHARES is more than 1/],
    ["PGP_KEYS count mismatch", { PGP_KEYS: `${pgpFile},${pgpFile}` }, /PGP_KEYS: 2 key file\(s\) for 5 shares/],
    ["a PGP_KEYS file missing", { KEY_SHARES: "2", KEY_THRESHOLD: "2", PGP_KEYS: `${pgpFile},/nonexistent.asc` }, /PGP_KEYS: \/nonexistent.asc is not a readable file/],
    ["an empty PGP_KEYS entry", { KEY_SHARES: "2", KEY_THRESHOLD: "2", PGP_KEYS: `${pgpFile},` }, /PGP_KEYS: /],
    ["INIT_FILE unset", { INIT_FILE: undefined }, /INIT_FILE: '' must be an absolute file path/],
    ["INIT_FILE relative", { INIT_FILE: "vault-init.json" }, /must be an absolute file path/],
    ["INIT_FILE a directory path", { INIT_FILE: "/tmp/" }, /must be an absolute file path/],
    ["INIT_FILE in a missing directory", { INIT_FILE: "/nonexistent/dir/vault-init.json" }, /directory \/nonexistent\/dir does not exist/],
    ["TOKEN_FILE relative", { TOKEN_FILE: "terraform-token" }, /TOKEN_FILE: 'terraform-token' must be an absolute file path/],
    ["WAIT_SECONDS not a number", { WAIT_SECONDS: "3m" }, /WAIT_SECONDS: '3m' is not a positive integer/],
  ])("%s", (_name, overrides, message) => {
    const r = c.run(overrides);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^bootstrap: invalid input: /);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(c.calls()).toEqual([]);
  });

  test("a missing vault CLI is a failed step (exit 1), not bad input", () => {
    const r = c.run({ PATH: "/usr/bin:/bin" });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("bootstrap: error: step input: the vault CLI is not on PATH\n");
  });
});

// ------------------------------------------------------------------------------------------
// Control flow against a scripted CLI stub (not Vault)
// ------------------------------------------------------------------------------------------

describe("control flow against a scripted CLI stub (not Vault)", () => {
  jest.setTimeout(60_000);

  test("fresh cluster: initializes node 1 once, writes INIT_FILE 0600, unseals node 1, then joins 2 and 3", () => {
    const c = newCluster();
    const r = c.run();
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(initCalls(c)).toEqual([`operator init -address=${NODES[0]} -format=json -key-shares=5 -key-threshold=3`]);
    // INIT_FILE: private, complete, exactly what the CLI printed.
    expect(fs.statSync(c.initFile).mode & 0o777).toBe(0o600);
    const init = JSON.parse(fs.readFileSync(c.initFile, "utf8")) as { unseal_keys_b64: string[]; root_token: string };
    expect(init.unseal_keys_b64).toEqual(c.keys());
    expect(init.unseal_keys_b64).toHaveLength(5);
    expect(leftoverTempFiles(c)).toEqual([]);
    for (const node of NODES) {
      expect(isMember(c, node)).toBe(true);
      expect(isUnsealed(c, node)).toBe(true);
    }
    // Exactly the threshold of shares per node, each through stdin (key=-), node 1 first.
    const writes = unsealWrites(c);
    expect(writes).toEqual([
      ...Array(3).fill(`write -address=${NODES[0]} sys/unseal key=-`),
      ...Array(3).fill(`write -address=${NODES[1]} sys/unseal key=-`),
      ...Array(3).fill(`write -address=${NODES[2]} sys/unseal key=-`),
    ]);
    // Progress lines, in order.
    const lines = r.stdout.trim().split("\n");
    const idx = (re: RegExp) => lines.findIndex((l) => re.test(l));
    expect(idx(/^bootstrap: initialized https:\/\/vault-1:8200; init material written to .*vault-init.json \(mode 0600\)$/)).toBeGreaterThan(-1);
    expect(idx(/^bootstrap: node https:\/\/vault-1:8200 unsealed$/)).toBeGreaterThan(-1);
    expect(idx(/^bootstrap: node https:\/\/vault-1:8200 is active$/)).toBeGreaterThan(idx(/^bootstrap: node https:\/\/vault-1:8200 unsealed$/));
    // The stub hands a new node the join challenge as soon as a leader exists (as retry_join
    // does within ~2 s), so nodes 2 and 3 are unsealed in the first pass, after node 1 is active.
    expect(idx(/^bootstrap: node https:\/\/vault-2:8200 unsealed$/)).toBeGreaterThan(idx(/is active$/));
    expect(idx(/^bootstrap: node https:\/\/vault-3:8200 unsealed$/)).toBeGreaterThan(idx(/vault-2:8200 unsealed$/));
    expect(lines[lines.length - 1]).toBe("bootstrap: done: 3/3 nodes unsealed; active node https://vault-1:8200");
    expectNoSecretsLeaked(c, r);
  });

  test("TOKEN_FILE: right after init, the root token alone (0600) for Terraform; never overwritten", () => {
    const c = newCluster();
    const tokenFile = path.join(c.dir, "terraform-token");
    const r = c.run({ TOKEN_FILE: tokenFile });
    expect(r.status).toBe(0);
    const init = JSON.parse(fs.readFileSync(c.initFile, "utf8")) as { root_token: string };
    expect(fs.readFileSync(tokenFile, "utf8")).toBe(init.root_token);
    expect(fs.statSync(tokenFile).mode & 0o777).toBe(0o600);
    expect(r.stdout).toMatch(/initial root token written to .*terraform-token \(mode 0600\)/);
    expect(r.stdout + r.stderr).not.toContain(init.root_token);
    // The operator replaced it with their own token: a re-run (no init) leaves it alone.
    fs.writeFileSync(tokenFile, "operator-token", { mode: 0o600 });
    expect(c.run({ TOKEN_FILE: tokenFile }).status).toBe(0);
    expect(fs.readFileSync(tokenFile, "utf8")).toBe("operator-token");
  });

  test("TOKEN_FILE that exists before init is left unchanged", () => {
    const c = newCluster();
    const tokenFile = path.join(c.dir, "terraform-token");
    fs.writeFileSync(tokenFile, "kept", { mode: 0o600 });
    const r = c.run({ TOKEN_FILE: tokenFile });
    expect(r.status).toBe(0);
    expect(fs.readFileSync(tokenFile, "utf8")).toBe("kept");
    expect(r.stdout).toMatch(/terraform-token exists; left unchanged/);
  });

  test("re-run on a ready cluster: no init, no unseal call, exit 0", () => {
    const c = newCluster();
    expect(c.run().status).toBe(0);
    const before = c.calls().length;
    const r = c.run();
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const rerun = c.calls().slice(before);
    expect(rerun.filter((l) => l.startsWith("operator init") && !l.includes("-status"))).toEqual([]);
    expect(rerun.filter((l) => l.startsWith("write ") || l.startsWith("operator unseal"))).toEqual([]);
    expect(r.stdout).toContain("bootstrap: node https://vault-1:8200 is already initialized");
    for (const node of NODES) expect(r.stdout).toContain(`bootstrap: node ${node} already unsealed`);
    expectNoSecretsLeaked(c, r);
  });

  test("after a full restart (all members sealed) it unseals every member before waiting for a leader", () => {
    // Raft needs 2 of 3 members unsealed to elect a leader: waiting for node 1 to become active
    // before unsealing the others would hang until WAIT_SECONDS.
    const c = newCluster();
    c.seedInitialized({ members: [1, 2, 3], unsealed: [] });
    const r = c.run();
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(initCalls(c)).toEqual([]);
    for (const node of NODES) expect(isUnsealed(c, node)).toBe(true);
    expect(unsealWrites(c)).toHaveLength(9);
    expect(fs.statSync(c.initFile).mode & 0o777).toBe(0o600);
    expectNoSecretsLeaked(c, r);
  });

  test("one node restarted (sealed) in a running cluster: only that node gets shares", () => {
    const c = newCluster();
    c.seedInitialized({ members: [1, 2, 3], unsealed: [1, 3] });
    const r = c.run();
    expect(r.status).toBe(0);
    expect(unsealWrites(c)).toEqual(Array(3).fill(`write -address=${NODES[1]} sys/unseal key=-`));
    expectNoSecretsLeaked(c, r);
  });

  test("interrupted join, then a restart (node 2 never joined; members 1 and 3 sealed): members first, then the join", () => {
    // Node 2 can only get its join challenge once a leader exists, which needs nodes 1 and 3:
    // handling the nodes strictly in order would wait on node 2 until WAIT_SECONDS.
    const c = newCluster();
    c.seedInitialized({ members: [1, 3], unsealed: [] });
    const r = c.run();
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    for (const node of NODES) expect(isUnsealed(c, node)).toBe(true);
    const lines = r.stdout.trim().split("\n");
    expect(lines).toEqual([
      "bootstrap: cluster of 3 node(s); node 1 is https://vault-1:8200",
      "bootstrap: all 3 node APIs answer",
      "bootstrap: node https://vault-1:8200 is already initialized",
      "bootstrap: node https://vault-1:8200 unsealed",
      "bootstrap: node https://vault-3:8200 unsealed",
      "bootstrap: node https://vault-1:8200 is active",
      "bootstrap: node https://vault-2:8200 joined the cluster and is unsealed",
      "bootstrap: done: 3/3 nodes unsealed; active node https://vault-1:8200",
    ]);
  });

  test("a partial unseal left by an earlier attempt is reset before the shares are sent", () => {
    const c = newCluster();
    c.seedInitialized({ members: [1, 2, 3], unsealed: [2, 3] });
    const d1 = c.nodeDir(NODES[0]!);
    fs.writeFileSync(path.join(d1, "parts"), `${fakeKey(5)}\n`);
    fs.writeFileSync(path.join(d1, "progress"), "1\n");
    const r = c.run();
    expect(r.status).toBe(0);
    const calls = c.calls();
    const reset = calls.indexOf(`operator unseal -reset -address=${NODES[0]}`);
    expect(reset).toBeGreaterThan(-1);
    expect(calls.indexOf(`write -address=${NODES[0]} sys/unseal key=-`)).toBeGreaterThan(reset);
    expect(r.stdout).toContain("reset a partial unseal");
  });
});

// ------------------------------------------------------------------------------------------
// scripts/unseal.sh (the operator's wrapper), against a stub `docker`
// ------------------------------------------------------------------------------------------

describe("scripts/unseal.sh against a stub docker", () => {
  const dir = path.join(work, "unseal");
  const bin = path.join(dir, "bin");
  fs.mkdirSync(bin, { recursive: true });
  fs.writeFileSync(
    path.join(bin, "docker"),
    `#!/bin/sh\nprintf '%s\\n' "$*" >>"$DOCKER_LOG"\ncase "$1 $2" in\n  "container inspect") [ "$3" = "$EXISTING" ] ;;\n  "start -a") echo "bootstrap: output"; exit "$JOB_EXIT" ;;\n  *) exit 99 ;;\nesac\n`,
    { mode: 0o755 },
  );
  const log = path.join(dir, "docker.log");

  function unseal(args: string[], existing: string, jobExit = 0): Run {
    fs.rmSync(log, { force: true });
    const r = spawnSync("sh", [UNSEAL, ...args], {
      env: { PATH: `${bin}:/usr/bin:/bin`, DOCKER_LOG: log, EXISTING: existing, JOB_EXIT: String(jobExit) },
      encoding: "utf8",
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }
  const dockerCalls = () => (fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : []);

  test("default environment: runs `docker start -a uyoop-dev-vault-bootstrap` and reports success", () => {
    const r = unseal([], "uyoop-dev-vault-bootstrap");
    expect(r.status).toBe(0);
    expect(dockerCalls()).toEqual(["container inspect uyoop-dev-vault-bootstrap", "start -a uyoop-dev-vault-bootstrap"]);
    expect(r.stdout).toContain("bootstrap: output");
    expect(r.stdout).toContain("unseal: uyoop-dev-vault-bootstrap finished");
  });

  test("passes the job's exit code through and says where to look", () => {
    const r = unseal(["uyoop-staging"], "uyoop-staging-vault-bootstrap", 1);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("unseal: uyoop-staging-vault-bootstrap failed (exit 1)");
  });

  test("a missing container or a bad name fails before docker start", () => {
    const missing = unseal(["uyoop-prod"], "something-else");
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain("no container uyoop-prod-vault-bootstrap");
    expect(dockerCalls()).toEqual(["container inspect uyoop-prod-vault-bootstrap"]);
    const bad = unseal(["x; rm -rf /"], "");
    expect(bad.status).toBe(2);
    expect(dockerCalls()).toEqual([]);
  });
});
