/**
 * constructs/vault/scripts/bootstrap.sh against the scripted CLI stub (bootstrap-harness.ts):
 * how it fails. Missing or conflicting init material, a node that never answers, no leader, a
 * join that never comes, refused shares, init that fails half-way, SIGTERM during init, file
 * modes, and the PGP mode. What the stub proves and what not: bootstrap-script.test.ts.
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { BOOTSTRAP, NODES, expectNoSecretsLeaked, fakeKey, initCalls, initJson, isUnsealed, leftoverTempFiles, newCluster, unsealWrites, type Cluster } from "./bootstrap-harness";
import { chownTree, unprivilegedUser } from "./os-user";

describe("control flow against a scripted CLI stub (not Vault): failures", () => {
  jest.setTimeout(60_000);

  test("initialized but INIT_FILE missing: fails naming the file, sends nothing", () => {
    const c = newCluster();
    c.seedInitialized({ members: [1, 2, 3], unsealed: [], initFile: false });
    const r = c.run();
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `bootstrap: error: step unseal: node ${NODES[0]} is initialized but ${c.initFile} is missing; unseal the nodes by hand with the share holders (docs/RUNBOOK.md) or restore the file\n`,
    );
    expect(initCalls(c)).toEqual([]);
    expect(unsealWrites(c)).toEqual([]);
  });

  test("not initialized but an INIT_FILE exists: refuses to overwrite it", () => {
    const c = newCluster();
    fs.writeFileSync(c.initFile, "old material", { mode: 0o600 });
    const r = c.run();
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^bootstrap: error: step init: node https:\/\/vault-1:8200 is not initialized but .*vault-init.json exists/);
    expect(fs.readFileSync(c.initFile, "utf8")).toBe("old material");
    expect(initCalls(c)).toEqual([]);
  });

  test("node 1 uninitialized while another node is initialized: refuses to start a second cluster", () => {
    const c = newCluster();
    c.seedInitialized({ members: [2], unsealed: [], initFile: false });
    const r = c.run();
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("step init: node https://vault-2:8200 is initialized but node 1 (https://vault-1:8200) is not");
    expect(initCalls(c)).toEqual([]);
  });

  test("a failing init leaves neither INIT_FILE nor a temporary file, and says so", () => {
    const c = newCluster();
    const r = c.run({ STUB_FAIL_INIT: "1" });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^bootstrap: error: step init: vault operator init on https:\/\/vault-1:8200 failed \(exit 2\): Error initializing: .*stub failure/);
    expect(fs.existsSync(c.initFile)).toBe(false);
    expect(leftoverTempFiles(c)).toEqual([]);
  });

  // Root writes anywhere: as root, the script runs as nobody, with the cluster and a copy of the
  // script given to it (the checkout may sit where nobody cannot read).
  test("an INIT_FILE directory it cannot write to stops it before init", () => {
    const c = newCluster();
    const user = unprivilegedUser();
    const script = path.join(c.dir, "bootstrap.sh");
    fs.copyFileSync(BOOTSTRAP, script);
    if (user) chownTree(c.dir, user);
    fs.chmodSync(path.dirname(c.initFile), 0o500);
    try {
      const r = c.run({}, ["sh"], { script, ...(user ? { user } : {}) });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain("step init: cannot write to");
      expect(initCalls(c)).toEqual([]);
    } finally {
      fs.chmodSync(path.dirname(c.initFile), 0o700);
    }
  });

  test("a node whose API never answers: fails after WAIT_SECONDS naming the node and the step", () => {
    const c = newCluster();
    fs.mkdirSync(c.nodeDir(NODES[1]!), { recursive: true });
    fs.writeFileSync(path.join(c.nodeDir(NODES[1]!), "down"), "");
    const clock = () => Number(fs.readFileSync(path.join(c.state, "clock"), "utf8"));
    const started = clock();
    const r = c.run({ WAIT_SECONDS: "2" });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^bootstrap: error: step wait-api: node https:\/\/vault-2:8200: API did not answer within 2s; last error: Error checking seal status: .*connection refused\n$/);
    // It waited the whole WAIT_SECONDS on the test clock before giving up.
    expect(clock() - started).toBeGreaterThanOrEqual(2);
    expect(initCalls(c)).toEqual([]);
  });

  test("no leader is elected after the members are unsealed: fails in step active", () => {
    const c = newCluster();
    c.seedInitialized({ members: [1, 2, 3], unsealed: [] });
    fs.writeFileSync(path.join(c.state, "noleader"), "");
    const r = c.run({ WAIT_SECONDS: "2" });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("bootstrap: error: step active: no node became active within 2s (Raft needs a majority of its voters unsealed)\n");
    for (const node of NODES) expect(isUnsealed(c, node)).toBe(true);
  });

  test("a new node that never receives the leader's join challenge: fails in step join naming it, sends it nothing", () => {
    const c = newCluster();
    c.seedInitialized({ members: [1], unsealed: [1] });
    fs.writeFileSync(path.join(c.nodeDir(NODES[1]!), "nochallenge"), "");
    const r = c.run({ WAIT_SECONDS: "2" });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      "bootstrap: error: step join: node https://vault-2:8200: did not receive a join challenge from the leader (check its retry_join stanza) within 2s (initialized=false sealed=true)\n",
    );
    expect(unsealWrites(c).filter((l) => l.includes(NODES[1]!))).toEqual([]);
  });

  test("shares the nodes refuse (e.g. after a rekey): fails in step unseal, no share in the message", () => {
    const c = newCluster();
    c.seedInitialized({ members: [1, 2, 3], unsealed: [] });
    fs.writeFileSync(c.initFile, initJson([6, 7, 8, 9, 10].map(fakeKey), 3), { mode: 0o600 });
    const r = c.run();
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^bootstrap: error: step unseal: node https:\/\/vault-1:8200: share 1 was refused \(exit 2\): .*invalid key.*rekey/);
    expect(r.stderr).not.toContain("SEEDKEY");
  });

  test("init that reports failure after writing output: the output is kept (0600), never deleted, and the next run points at it", () => {
    const c = newCluster();
    const r = c.run({ STUB_INIT_EXIT: "2" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("step init: vault operator init on https://vault-1:8200 failed (exit 2)");
    const left = leftoverTempFiles(c);
    expect(left).toHaveLength(1);
    const kept = path.join(path.dirname(c.initFile), left[0]!);
    expect(r.stderr).toContain(`bootstrap: init output kept in ${kept} (mode 0600)`);
    expect(fs.statSync(kept).mode & 0o777).toBe(0o600);
    expect((JSON.parse(fs.readFileSync(kept, "utf8")) as { unseal_keys_b64: string[] }).unseal_keys_b64).toEqual(c.keys());
    expectNoSecretsLeaked(c, r);
    const again = c.run();
    expect(again.status).toBe(1);
    expect(again.stderr).toContain(`an interrupted initialization left: ${kept}: check it and rename it to ${c.initFile}`);
    expect(fs.existsSync(kept)).toBe(true);
  });

  test("SIGTERM while init runs (docker stop): init and the rename still complete, no key is stranded", async () => {
    const c = newCluster();
    // The stub holds init until released: the signal arrives while init runs, with no clock.
    const hold = path.join(c.dir, "hold");
    fs.mkdirSync(hold);
    for (const fifo of ["started", "release"]) expect(spawnSync("mkfifo", [path.join(hold, fifo)]).status).toBe(0);
    const env: Record<string, string> = {
      PATH: `${c.bin}:${process.env["PATH"] ?? "/usr/bin:/bin"}`,
      HOME: c.dir,
      STUB_STATE: c.state,
      STUB_INIT_HOLD: hold,
      VAULT_NODES: NODES.join(" "),
      VAULT_CACERT: c.caCert,
      KEY_SHARES: "5",
      KEY_THRESHOLD: "3",
      INIT_FILE: c.initFile,
      WAIT_SECONDS: "4",
      POLL_SECONDS: "1",
    };
    const child = spawn("sh", [BOOTSTRAP], { env, stdio: ["ignore", "pipe", "pipe"] });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const started = fs.promises.readFile(path.join(hold, "started"), "utf8");
    const first = await Promise.race([started.then(() => "init started"), exited.then(() => "script exited")]);
    if (first !== "init started") fs.writeFileSync(path.join(hold, "started"), ""); // ends the pending read
    expect(first).toBe("init started");
    child.kill("SIGTERM");
    await fs.promises.writeFile(path.join(hold, "release"), "go\n");
    const status = await exited;
    expect(initCalls(c)).toHaveLength(1);
    expect(fs.existsSync(c.initFile)).toBe(true);
    expect(fs.statSync(c.initFile).mode & 0o777).toBe(0o600);
    expect((JSON.parse(fs.readFileSync(c.initFile, "utf8")) as { unseal_keys_b64: string[] }).unseal_keys_b64).toEqual(c.keys());
    expect(leftoverTempFiles(c)).toEqual([]);
    // The stop request was ignored only for the critical section; what follows may go either way.
    expect([0, 143]).toContain(status);
  });

  test("an INIT_FILE with a group/world-readable mode is tightened to 0600", () => {
    const c = newCluster();
    c.seedInitialized({ members: [1, 2, 3], unsealed: [1, 2, 3] });
    fs.chmodSync(c.initFile, 0o644);
    expect(c.run().status).toBe(0);
    expect(fs.statSync(c.initFile).mode & 0o777).toBe(0o600);
  });

  describe("PGP mode", () => {
    function pgpFiles(c: Cluster, n: number): string {
      return Array.from({ length: n }, (_, i) => {
        const f = path.join(c.dir, `share-${i + 1}.asc`);
        fs.writeFileSync(f, "bWFkZSB1cCBwdWJsaWMga2V5");
        return f;
      }).join(",");
    }

    test("initializes with -pgp-keys, writes INIT_FILE, never unseals, exits 0 pointing at the runbook", () => {
      const c = newCluster();
      const pgp = pgpFiles(c, 5);
      const r = c.run({ PGP_KEYS: pgp });
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expect(initCalls(c)).toEqual([
        `operator init -address=${NODES[0]} -format=json -key-shares=5 -key-threshold=3 -pgp-keys=${pgp}`,
      ]);
      expect(fs.statSync(c.initFile).mode & 0o777).toBe(0o600);
      expect(unsealWrites(c)).toEqual([]);
      expect(r.stdout).toContain("this job does not unseal");
      expect(r.stdout).toContain("docs/RUNBOOK.md");
      for (const node of NODES) expect(isUnsealed(c, node)).toBe(false);
      expectNoSecretsLeaked(c, r);
    });

    test("re-run after the init material was taken away: exit 0, no init, no unseal", () => {
      const c = newCluster();
      const pgp = pgpFiles(c, 5);
      expect(c.run({ PGP_KEYS: pgp }).status).toBe(0);
      fs.rmSync(c.initFile);
      const r = c.run({ PGP_KEYS: pgp });
      expect(r.status).toBe(0);
      expect(initCalls(c)).toHaveLength(1);
      expect(unsealWrites(c)).toEqual([]);
    });

    test("PGP-encrypted shares without PGP_KEYS: refuses to send them, says why", () => {
      const c = newCluster();
      expect(c.run({ PGP_KEYS: pgpFiles(c, 5) }).status).toBe(0);
      const r = c.run();
      expect(r.status).toBe(1);
      expect(r.stderr).toContain("holds PGP-encrypted shares");
      expect(unsealWrites(c)).toEqual([]);
    });
  });
});
