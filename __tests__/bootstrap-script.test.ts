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
 *   is for the end-to-end run to show;
 * - shellcheck on both scripts.
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const root = path.resolve(__dirname, "..");
const BOOTSTRAP = path.join(root, "constructs", "vault", "scripts", "bootstrap.sh");
const UNSEAL = path.join(root, "scripts", "unseal.sh");

const NODES = ["https://vault-1:8200", "https://vault-2:8200", "https://vault-3:8200"];

function which(cmd: string): string | undefined {
  const r = spawnSync("sh", ["-c", `command -v ${cmd}`], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : undefined;
}
const BUSYBOX = which("busybox");

// ------------------------------------------------------------------------------------------
// The scripted CLI stub. State lives in $STUB_STATE:
//   node/<name>/{addr,init,unsealed,progress,parts,joining,down}   one directory per node
//   keys, shares, threshold, primary, calls.log
// A node with `init` is a Raft member. An active node exists when more than half of the members
// are unsealed. A non-member reports itself initialized (it holds the leader's join challenge)
// only while an active node exists; the threshold of shares then starts its join, which
// completes (member + unsealed) at the next status call, as Vault's join finishes after the
// unseal call returns.
// ------------------------------------------------------------------------------------------
const STUB = `#!/bin/sh
set -eu
S=$STUB_STATE
printf '%s\\n' "$*" >>"$S/calls.log"
words=''; addr=''; reset=0; status_flag=0; shares=''; thr=''; pgp=''
for a in "$@"; do
  case $a in
    -address=*) addr=\${a#-address=} ;;
    -format=*) ;;
    -status) status_flag=1 ;;
    -reset) reset=1 ;;
    -key-shares=*) shares=\${a#-key-shares=} ;;
    -key-threshold=*) thr=\${a#-key-threshold=} ;;
    -pgp-keys=*) pgp=\${a#-pgp-keys=} ;;
    -*) echo "stub: unknown flag $a" >&2; exit 1 ;;
    *) words="$words $a" ;;
  esac
done
[ -n "$addr" ] || { echo "stub: no -address" >&2; exit 1; }
d="$S/node/$(printf '%s' "$addr" | tr -c 'A-Za-z0-9' '_')"
mkdir -p "$d"
printf '%s' "$addr" >"$d/addr"

api_error() {
  echo "Error checking seal status: Get \\"$addr/v1/sys/seal-status\\": dial tcp: connect: connection refused" >&2
  exit "$1"
}

members() { n=0; for x in "$S"/node/*; do [ -e "$x/init" ] && n=$((n + 1)); done; echo "$n"; }
unsealed_members() { n=0; for x in "$S"/node/*; do [ -e "$x/init" ] && [ -e "$x/unsealed" ] && n=$((n + 1)); done; echo "$n"; }
active_node() {
  [ -e "$S/noleader" ] && return 0
  m=$(members); u=$(unsealed_members)
  [ "$m" -gt 0 ] && [ $((u * 2)) -gt "$m" ] || return 0
  p=$(cat "$S/primary" 2>/dev/null || true)
  if [ -n "$p" ] && [ -e "$p/init" ] && [ -e "$p/unsealed" ]; then echo "$p"; return 0; fi
  for x in "$S"/node/*; do
    if [ -e "$x/init" ] && [ -e "$x/unsealed" ]; then echo "$x"; return 0; fi
  done
}
# has_line FILE VALUE: FILE has a line equal to VALUE (shell builtins only).
has_line() {
  while IFS= read -r line; do [ "$line" = "$2" ] && return 0; done <"$1"
  return 1
}
# initialized as the API reports it: a member, or a non-member holding a join challenge.
reported_init() {
  [ -e "$d/init" ] && return 0
  [ -e "$S/keys" ] && [ ! -e "$d/nochallenge" ] && [ -n "$(active_node)" ]
}

if [ -e "$d/joining" ]; then rm -f "$d/joining"; : >"$d/init"; : >"$d/unsealed"; fi

set -- $words
case "$*" in
  status)
    [ -e "$d/down" ] && api_error 1
    init=false; sealed=true; t=0; n=0
    if reported_init; then init=true; t=$(cat "$S/threshold"); n=$(cat "$S/shares"); fi
    [ -e "$d/unsealed" ] && sealed=false
    progress=$(cat "$d/progress" 2>/dev/null || echo 0)
    act=$(active_node)
    echo '{'
    echo '  "type": "shamir",'
    echo "  \\"initialized\\": $init,"
    echo "  \\"sealed\\": $sealed,"
    echo "  \\"t\\": $t,"
    echo "  \\"n\\": $n,"
    echo "  \\"progress\\": $progress,"
    echo '  "nonce": "",'
    echo '  "version": "1.21.7",'
    echo '  "build_date": "2025-10-20T10:11:12Z",'
    echo '  "migration": false,'
    echo '  "recovery_seal": false,'
    echo '  "storage_type": "raft",'
    if [ "$sealed" = false ] && [ -n "$act" ]; then
      echo '  "ha_enabled": true,'
      if [ "$act" = "$d" ]; then
        echo '  "is_self": true,'
        echo '  "active_time": "2025-10-20T10:11:12Z",'
      fi
      echo "  \\"leader_address\\": \\"$(cat "$act/addr")\\","
      echo '  "leader_cluster_address": "https://leader:8201",'
      echo '  "raft_committed_index": 42,'
      echo '  "raft_applied_index": 42'
    else
      echo '  "ha_enabled": true'
    fi
    echo '}'
    if [ "$sealed" = true ]; then exit 2; fi
    exit 0
    ;;
  "operator init")
    [ -e "$d/down" ] && api_error 2
    if [ "$status_flag" = 1 ]; then
      if [ -e "$d/init" ]; then echo "Vault is initialized"; exit 0; fi
      echo "Vault is not initialized"; exit 2
    fi
    if [ -e "$d/init" ]; then echo "Error initializing: Vault is already initialized" >&2; exit 2; fi
    if [ -n "\${STUB_FAIL_INIT:-}" ]; then echo "Error initializing: Code: 500. Errors: * stub failure" >&2; exit 2; fi
    [ -n "\${STUB_INIT_SLOW:-}" ] && command -p sleep "$STUB_INIT_SLOW"
    : >"$S/keys"
    i=1
    while [ "$i" -le "$shares" ]; do
      if [ -n "$pgp" ]; then
        k="wcBMA$(printf 'PGPSHARE%03dxyz' "$i")"; j=0
        while [ "$j" -lt 30 ]; do k="\${k}QUJDREVGR0hJSktMTU5PUFFS"; j=$((j + 1)); done
        k="$k="
      else
        k=$(printf 'FAKEKEY%02d%s' "$i" 'Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0PQ==')
      fi
      printf '%s\\n' "$k" >>"$S/keys"
      i=$((i + 1))
    done
    echo "$shares" >"$S/shares"; echo "$thr" >"$S/threshold"; echo "$d" >"$S/primary"
    : >"$d/init"
    echo '{'
    echo '  "unseal_keys_b64": ['
    awk -v n="$shares" '{ printf "    \\"%s\\"%s\\n", $0, (NR < n ? "," : "") }' "$S/keys"
    echo '  ],'
    echo '  "unseal_keys_hex": ['
    echo '    "6661'"6b6568657831"'",'
    echo '    "6661'"6b6568657832"'"'
    echo '  ],'
    echo "  \\"unseal_shares\\": $shares,"
    echo "  \\"unseal_threshold\\": $thr,"
    echo '  "recovery_keys_b64": [],'
    echo '  "recovery_keys_hex": [],'
    echo '  "recovery_keys_shares": 0,'
    echo '  "recovery_keys_threshold": 0,'
    echo '  "root_token": "hvs.STUBROOTTOKEN4f3c2a1b0e9d8c7b6a5"'
    echo '}'
    if [ -n "\${STUB_INIT_EXIT:-}" ]; then echo "Error: stub: output failed after init" >&2; exit "$STUB_INIT_EXIT"; fi
    exit 0
    ;;
  "operator unseal")
    [ "$reset" = 1 ] || { echo "stub: operator unseal without -reset is not scripted" >&2; exit 1; }
    rm -f "$d/progress" "$d/parts"
    exit 0
    ;;
  "write sys/unseal key=-")
    [ -e "$d/down" ] && api_error 2
    key=$(cat)
    if ! reported_init; then
      printf 'Error writing data to sys/unseal: Error making API request.\\n\\nURL: PUT %s/v1/sys/unseal\\nCode: 400. Errors:\\n\\n* Vault is not initialized\\n' "$addr" >&2
      exit 2
    fi
    [ -e "$d/unsealed" ] && exit 0
    if ! has_line "$S/keys" "$key"; then
      printf 'Error writing data to sys/unseal: Code: 400. Errors:\\n\\n* invalid key\\n' >&2
      exit 2
    fi
    touch "$d/parts"
    if ! has_line "$d/parts" "$key"; then printf '%s\\n' "$key" >>"$d/parts"; fi
    progress=$(wc -l <"$d/parts" | tr -d ' ')
    echo "$progress" >"$d/progress"
    if [ "$progress" -ge "$(cat "$S/threshold")" ]; then
      rm -f "$d/parts" "$d/progress"
      if [ -e "$d/init" ]; then : >"$d/unsealed"; else : >"$d/joining"; fi
    fi
    exit 0
    ;;
esac
echo "stub: unscripted command: $*" >&2
exit 1
`;

// ------------------------------------------------------------------------------------------
// Test harness
// ------------------------------------------------------------------------------------------

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

interface Cluster {
  readonly dir: string;
  readonly state: string;
  readonly bin: string;
  readonly initFile: string;
  readonly caCert: string;
  /** Runs bootstrap.sh with `shell` and the given environment overrides (undefined deletes). */
  run(overrides?: Record<string, string | undefined>, shell?: string[]): Run;
  nodeDir(node: string): string;
  calls(): string[];
  keys(): string[];
  /** Seeds a cluster that a previous run initialized: keys, members, unsealed nodes, INIT_FILE. */
  seedInitialized(opts: { members: number[]; unsealed: number[]; initFile?: boolean }): void;
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), "uyoop-bootstrap-"));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));
let clusterCount = 0;

function initJson(keys: string[], threshold: number, pretty = true): string {
  const doc = {
    unseal_keys_b64: keys,
    unseal_keys_hex: keys.map((_, i) => `deadbeef${i}`),
    unseal_shares: keys.length,
    unseal_threshold: threshold,
    recovery_keys_b64: [],
    recovery_keys_hex: [],
    recovery_keys_shares: 0,
    recovery_keys_threshold: 0,
    root_token: "hvs.SEEDEDROOTTOKEN0123456789abcdef",
  };
  return pretty ? `${JSON.stringify(doc, null, 2)}\n` : JSON.stringify(doc);
}

function fakeKey(i: number): string {
  return `SEEDKEY${String(i).padStart(2, "0")}cXVpY2sgYnJvd24gZm94IGp1bXBz+/AB=`;
}

// The test clock. The script waits with `sleep` and measures with `date +%s`; these stand-ins,
// first on PATH with the CLI stub, make a wait advance a clock file instead of taking real time,
// so a run that polls until WAIT_SECONDS takes milliseconds (the CLI stub's own deliberate delay
// uses the real sleep).
const FAKE_SLEEP = `#!/bin/sh
c=$(cat "$STUB_STATE/clock")
echo $((c + $1)) >"$STUB_STATE/clock"
`;
const FAKE_DATE = `#!/bin/sh
if [ "$#" -eq 1 ] && [ "$1" = "+%s" ]; then cat "$STUB_STATE/clock"; else PATH=/usr/bin:/bin exec date "$@"; fi
`;

function newCluster(): Cluster {
  const dir = path.join(work, `c${++clusterCount}`);
  const state = path.join(dir, "state");
  const bin = path.join(dir, "bin");
  const operator = path.join(dir, "operator");
  for (const d of [state, bin, operator, path.join(state, "node")]) fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync(path.join(bin, "vault"), STUB, { mode: 0o755 });
  fs.writeFileSync(path.join(bin, "sleep"), FAKE_SLEEP, { mode: 0o755 });
  fs.writeFileSync(path.join(bin, "date"), FAKE_DATE, { mode: 0o755 });
  fs.writeFileSync(path.join(state, "clock"), String(Math.floor(Date.now() / 1000)));
  const caCert = path.join(dir, "ca.pem");
  fs.writeFileSync(caCert, "-----BEGIN CERTIFICATE-----\nstub\n-----END CERTIFICATE-----\n");
  const initFile = path.join(operator, "vault-init.json");
  const nodeDir = (node: string) => path.join(state, "node", node.replace(/[^A-Za-z0-9]/g, "_"));

  const cluster: Cluster = {
    dir,
    state,
    bin,
    initFile,
    caCert,
    run(overrides = {}, shell = ["sh"]) {
      const env: Record<string, string> = {
        PATH: `${bin}:${process.env["PATH"] ?? "/usr/bin:/bin"}`,
        HOME: dir,
        STUB_STATE: state,
        VAULT_NODES: NODES.join(" "),
        VAULT_CACERT: caCert,
        KEY_SHARES: "5",
        KEY_THRESHOLD: "3",
        INIT_FILE: initFile,
        WAIT_SECONDS: "4",
        POLL_SECONDS: "1",
      };
      for (const [k, v] of Object.entries(overrides)) {
        if (v === undefined) delete env[k];
        else env[k] = v;
      }
      const [cmd, ...args] = shell;
      const r = spawnSync(cmd!, [...args, BOOTSTRAP], { env, encoding: "utf8", timeout: 60_000 });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    },
    nodeDir,
    calls() {
      const f = path.join(state, "calls.log");
      return fs.existsSync(f) ? fs.readFileSync(f, "utf8").split("\n").filter((l) => l !== "") : [];
    },
    keys() {
      const f = path.join(state, "keys");
      return fs.existsSync(f) ? fs.readFileSync(f, "utf8").split("\n").filter((l) => l !== "") : [];
    },
    seedInitialized({ members, unsealed, initFile: writeInitFile = true }) {
      const keys = [1, 2, 3, 4, 5].map(fakeKey);
      fs.writeFileSync(path.join(state, "keys"), `${keys.join("\n")}\n`);
      fs.writeFileSync(path.join(state, "shares"), "5\n");
      fs.writeFileSync(path.join(state, "threshold"), "3\n");
      fs.writeFileSync(path.join(state, "primary"), `${nodeDir(NODES[0]!)}\n`);
      NODES.forEach((node, i) => {
        const d = nodeDir(node);
        fs.mkdirSync(d, { recursive: true });
        fs.writeFileSync(path.join(d, "addr"), node);
        if (members.includes(i + 1)) fs.writeFileSync(path.join(d, "init"), "");
        if (unsealed.includes(i + 1)) fs.writeFileSync(path.join(d, "unsealed"), "");
      });
      if (writeInitFile) fs.writeFileSync(initFile, initJson(keys, 3), { mode: 0o600 });
    },
  };
  return cluster;
}

const isUnsealed = (c: Cluster, node: string) => fs.existsSync(path.join(c.nodeDir(node), "unsealed"));
const isMember = (c: Cluster, node: string) => fs.existsSync(path.join(c.nodeDir(node), "init"));
const initCalls = (c: Cluster) => c.calls().filter((l) => l.startsWith("operator init") && !l.includes("-status"));
const unsealWrites = (c: Cluster) => c.calls().filter((l) => l.startsWith("write "));

/** No key share and no root token in the script's output or in any argv the stub saw. */
function expectNoSecretsLeaked(c: Cluster, r: Run): void {
  const secrets = [...c.keys(), "hvs.STUBROOTTOKEN4f3c2a1b0e9d8c7b6a5", "hvs.SEEDEDROOTTOKEN0123456789abcdef"];
  expect(secrets.length).toBeGreaterThan(2);
  const argv = c.calls().join("\n");
  for (const s of secrets) {
    expect(r.stdout).not.toContain(s);
    expect(r.stderr).not.toContain(s);
    expect(argv).not.toContain(s);
  }
  // Not even a fragment of a share: the stub's shares all start with these markers.
  for (const marker of ["FAKEKEY", "SEEDKEY", "PGPSHARE", "STUBROOTTOKEN", "SEEDEDROOT"]) {
    expect(`${r.stdout}${r.stderr}${argv}`).not.toContain(marker);
  }
}

function leftoverTempFiles(c: Cluster): string[] {
  return fs.readdirSync(path.dirname(c.initFile)).filter((f) => f.startsWith(".vault-init."));
}

// ------------------------------------------------------------------------------------------
// shellcheck
// ------------------------------------------------------------------------------------------

describe("shellcheck", () => {
  const shellcheck = which("shellcheck");

  test("shellcheck is installed (CI installs it before the tests)", () => {
    expect(shellcheck).toBeDefined();
  });

  test("both scripts pass `shellcheck -S warning`", () => {
    const r = spawnSync("shellcheck", ["-S", "warning", BOOTSTRAP, UNSEAL], { encoding: "utf8" });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  test("both scripts pass `shellcheck -s sh -S style` (POSIX sh, every severity)", () => {
    const r = spawnSync("shellcheck", ["-s", "sh", "-S", "style", BOOTSTRAP, UNSEAL], { encoding: "utf8" });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  });
});

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

  const keys = [
    "aGVsbG8gd29ybGQgdGhpcyBpcyBhIGZha2Ugc2hhcmUx",
    "+/+/AAAAbm90IGEgcmVhbCBrZXkgc2hhcmUgbnVtYmVy",
    "c2hhcmUgdGhyZWUgb2YgZml2ZSBmb3IgdGhlIHRlc3Q=",
    "Zm91cg==",
    "ZmlmdGggZmFrZSBrZXkgd2l0aCBwYWRkaW5nIGhlcmU=",
  ];

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

  (BUSYBOX ? test : test.skip)("BusyBox sh + BusyBox awk (the Alpine image's tools) give the same keys", () => {
    const bb = BUSYBOX!;
    const f = path.join(dir, "bb.json");
    fs.writeFileSync(f, initJson(keys, 3));
    const r = spawnSync(bb, ["sh", "-c", `awk() { "$BB" awk "$@"; }; . "$1"; extract_unseal_keys "$2"`, "sh", BOOTSTRAP, f], {
      env: { PATH: "/nonexistent", BB: bb, BOOTSTRAP_LIB_ONLY: "1" },
      encoding: "utf8",
    });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(`${keys.join("\n")}\n`);
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

  test("runs under dash and BusyBox sh alike (same message, same exit code)", () => {
    const shells = [["dash"], ...(BUSYBOX ? [[BUSYBOX, "sh"]] : [])];
    for (const shell of shells) {
      const r = c.run({ KEY_THRESHOLD: "9" }, shell);
      expect(r.status).toBe(2);
      expect(r.stderr).toBe("bootstrap: invalid input: KEY_THRESHOLD: 9 is more than KEY_SHARES (5)\n");
    }
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

  // Root writes anywhere, so this can only be shown as a non-root user.
  (process.getuid?.() === 0 ? test.skip : test)("an INIT_FILE directory it cannot write to stops it before init", () => {
    const c = newCluster();
    fs.chmodSync(path.dirname(c.initFile), 0o500);
    try {
      const r = c.run();
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
    const env: Record<string, string> = {
      PATH: `${c.bin}:${process.env["PATH"] ?? "/usr/bin:/bin"}`,
      HOME: c.dir,
      STUB_STATE: c.state,
      STUB_INIT_SLOW: "2",
      VAULT_NODES: NODES.join(" "),
      VAULT_CACERT: c.caCert,
      KEY_SHARES: "5",
      KEY_THRESHOLD: "3",
      INIT_FILE: c.initFile,
      WAIT_SECONDS: "4",
      POLL_SECONDS: "1",
    };
    const child = spawn("sh", [BOOTSTRAP], { env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("initializing")) setTimeout(() => child.kill("SIGTERM"), 300);
    });
    const status = await new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
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

  (BUSYBOX ? test : test.skip)("the fresh-cluster run also works with nothing but BusyBox applets on PATH (as in the Alpine image)", () => {
    const c = newCluster();
    const applets = path.join(c.dir, "busybox-bin");
    fs.mkdirSync(applets);
    const list = spawnSync(BUSYBOX!, ["--list"], { encoding: "utf8" }).stdout.split("\n").filter((a) => /^[a-z0-9_.[-]+$/.test(a));
    for (const a of list) fs.symlinkSync(BUSYBOX!, path.join(applets, a));
    const r = c.run({ PATH: `${c.bin}:${applets}` }, [path.join(applets, "sh")]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    for (const node of NODES) expect(isUnsealed(c, node)).toBe(true);
    expect(fs.statSync(c.initFile).mode & 0o777).toBe(0o600);
    expectNoSecretsLeaked(c, r);
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
