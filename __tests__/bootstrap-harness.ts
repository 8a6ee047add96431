/**
 * The harness of the bootstrap script's tests (bootstrap-*.test.ts, bootstrap-busybox.lint.ts):
 * a scripted stand-in for the vault CLI, a test clock, and a cluster of three stand-in nodes in
 * a temporary directory. See bootstrap-script.test.ts for what these tests prove and what not.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { OsUser } from "./os-user";

const root = path.resolve(__dirname, "..");
export const BOOTSTRAP = path.join(root, "constructs", "vault", "scripts", "bootstrap.sh");
export const UNSEAL = path.join(root, "scripts", "unseal.sh");

export const NODES = ["https://vault-1:8200", "https://vault-2:8200", "https://vault-3:8200"];

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
# Shell builtins only below, where the script calls often (status, unseal): the stub runs
# hundreds of times per test file, and every subshell or external command costs a fork.
# first_line FILE DEFAULT: sets V to the first line of FILE, or DEFAULT if there is none.
first_line() { V=$2; if [ -e "$1" ]; then IFS= read -r V <"$1" || true; fi; }
# One directory per node: the address with every character but [A-Za-z0-9] turned into _.
name=''; rest=$addr
while [ -n "$rest" ]; do
  c=\${rest%"\${rest#?}"}; rest=\${rest#?}
  case $c in [A-Za-z0-9]) name=$name$c ;; *) name=\${name}_ ;; esac
done
d="$S/node/$name"
[ -d "$d" ] || mkdir -p "$d"
printf '%s' "$addr" >"$d/addr"

api_error() {
  echo "Error checking seal status: Get \\"$addr/v1/sys/seal-status\\": dial tcp: connect: connection refused" >&2
  exit "$1"
}

# active_node: sets ACT to the active node's directory, or empty.
active_node() {
  ACT=''
  [ -e "$S/noleader" ] && return 0
  m=0; u=0
  for x in "$S"/node/*; do
    if [ -e "$x/init" ]; then m=$((m + 1)); if [ -e "$x/unsealed" ]; then u=$((u + 1)); fi; fi
  done
  [ "$m" -gt 0 ] && [ $((u * 2)) -gt "$m" ] || return 0
  first_line "$S/primary" ''; p=$V
  if [ -n "$p" ] && [ -e "$p/init" ] && [ -e "$p/unsealed" ]; then ACT=$p; return 0; fi
  for x in "$S"/node/*; do
    if [ -e "$x/init" ] && [ -e "$x/unsealed" ]; then ACT=$x; return 0; fi
  done
  return 0
}
# has_line FILE VALUE: FILE has a line equal to VALUE (shell builtins only).
has_line() {
  while IFS= read -r line; do [ "$line" = "$2" ] && return 0; done <"$1"
  return 1
}
# initialized as the API reports it: a member, or a non-member holding a join challenge.
reported_init() {
  [ -e "$d/init" ] && return 0
  [ -e "$S/keys" ] && [ ! -e "$d/nochallenge" ] || return 1
  active_node
  [ -n "$ACT" ]
}

if [ -e "$d/joining" ]; then rm -f "$d/joining"; : >"$d/init"; : >"$d/unsealed"; fi

set -- $words
case "$*" in
  status)
    [ -e "$d/down" ] && api_error 1
    init=false; sealed=true; t=0; n=0
    if reported_init; then init=true; first_line "$S/threshold" 0; t=$V; first_line "$S/shares" 0; n=$V; fi
    [ -e "$d/unsealed" ] && sealed=false
    first_line "$d/progress" 0; progress=$V
    active_node; act=$ACT
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
      first_line "$act/addr" ''
      echo "  \\"leader_address\\": \\"$V\\","
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
    # STUB_INIT_HOLD (a directory with two FIFOs): say "started", then wait for "release".
    if [ -n "\${STUB_INIT_HOLD:-}" ]; then echo started >"$STUB_INIT_HOLD/started"; read -r _ <"$STUB_INIT_HOLD/release"; fi
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
    key=''; IFS= read -r key || true
    if ! reported_init; then
      printf 'Error writing data to sys/unseal: Error making API request.\\n\\nURL: PUT %s/v1/sys/unseal\\nCode: 400. Errors:\\n\\n* Vault is not initialized\\n' "$addr" >&2
      exit 2
    fi
    [ -e "$d/unsealed" ] && exit 0
    if ! has_line "$S/keys" "$key"; then
      printf 'Error writing data to sys/unseal: Code: 400. Errors:\\n\\n* invalid key\\n' >&2
      exit 2
    fi
    : >>"$d/parts"
    if ! has_line "$d/parts" "$key"; then printf '%s\\n' "$key" >>"$d/parts"; fi
    progress=0; while IFS= read -r _; do progress=$((progress + 1)); done <"$d/parts"
    echo "$progress" >"$d/progress"
    first_line "$S/threshold" 0
    if [ "$progress" -ge "$V" ]; then
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

export interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Cluster {
  readonly dir: string;
  readonly state: string;
  readonly bin: string;
  readonly initFile: string;
  readonly caCert: string;
  /**
   * Runs bootstrap.sh (or `options.script`) with `shell` and the given environment overrides
   * (undefined deletes), optionally as another user (who must be able to read what it needs).
   */
  run(overrides?: Record<string, string | undefined>, shell?: string[], options?: { user?: OsUser; script?: string }): Run;
  nodeDir(node: string): string;
  calls(): string[];
  keys(): string[];
  /** Seeds a cluster that a previous run initialized: keys, members, unsealed nodes, INIT_FILE. */
  seedInitialized(opts: { members: number[]; unsealed: number[]; initFile?: boolean }): void;
}

/** Five base64 unseal keys as `vault operator init` prints them (fake; "+/" and padding included). */
export const SAMPLE_UNSEAL_KEYS: readonly string[] = [
  "aGVsbG8gd29ybGQgdGhpcyBpcyBhIGZha2Ugc2hhcmUx",
  "+/+/AAAAbm90IGEgcmVhbCBrZXkgc2hhcmUgbnVtYmVy",
  "c2hhcmUgdGhyZWUgb2YgZml2ZSBmb3IgdGhlIHRlc3Q=",
  "Zm91cg==",
  "ZmlmdGggZmFrZSBrZXkgd2l0aCBwYWRkaW5nIGhlcmU=",
];

/** This test file's temporary directory (searchable by the unprivileged user some tests run as). */
export const work = fs.mkdtempSync(path.join(os.tmpdir(), "uyoop-bootstrap-"));
fs.chmodSync(work, 0o711);
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));
let clusterCount = 0;

export function initJson(keys: readonly string[], threshold: number, pretty = true): string {
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

export function fakeKey(i: number): string {
  return `SEEDKEY${String(i).padStart(2, "0")}cXVpY2sgYnJvd24gZm94IGp1bXBz+/AB=`;
}

// The test clock. The script waits with `sleep` and measures with `date +%s`; these stand-ins,
// first on PATH with the CLI stub, make a wait advance a clock file instead of taking real time,
// so a run that polls until WAIT_SECONDS takes milliseconds. Nothing in these tests waits for
// real time: an init that must still be running is held by the stub (STUB_INIT_HOLD) until the
// test releases it.
const FAKE_SLEEP = `#!/bin/sh
read -r c <"$STUB_STATE/clock"
echo $((c + $1)) >"$STUB_STATE/clock"
`;
const FAKE_DATE = `#!/bin/sh
if [ "$#" -eq 1 ] && [ "$1" = "+%s" ]; then read -r c <"$STUB_STATE/clock"; echo "$c"; else PATH=/usr/bin:/bin exec date "$@"; fi
`;

export function newCluster(): Cluster {
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
    run(overrides = {}, shell = ["sh"], options = {}) {
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
      const user = options.user ? { uid: options.user.uid, gid: options.user.gid } : {};
      const r = spawnSync(cmd!, [...args, options.script ?? BOOTSTRAP], { env, encoding: "utf8", timeout: 60_000, ...user });
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

export const isUnsealed = (c: Cluster, node: string) => fs.existsSync(path.join(c.nodeDir(node), "unsealed"));
export const isMember = (c: Cluster, node: string) => fs.existsSync(path.join(c.nodeDir(node), "init"));
export const initCalls = (c: Cluster) => c.calls().filter((l) => l.startsWith("operator init") && !l.includes("-status"));
export const unsealWrites = (c: Cluster) => c.calls().filter((l) => l.startsWith("write "));

/** No key share and no root token in the script's output or in any argv the stub saw. */
export function expectNoSecretsLeaked(c: Cluster, r: Run): void {
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

export function leftoverTempFiles(c: Cluster): string[] {
  return fs.readdirSync(path.dirname(c.initFile)).filter((f) => f.startsWith(".vault-init."));
}
