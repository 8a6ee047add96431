#!/bin/sh
# Vault cluster bootstrap: waits for every node's API, initializes node 1 once, writes the init
# material to INIT_FILE (0600, never stdout), and unseals every node with the shares from it.
# Idempotent: it is re-run after every restart (`docker start -a <env>-vault-bootstrap`).
#
# POSIX sh (BusyBox ash, dash); needs only the vault (or bao) CLI, awk, sed, grep, tr, mktemp, date.
# Unseal keys never reach a command line, an environment variable or a log line: they go from
# INIT_FILE through awk and a pipe into `vault write sys/unseal key=-`, which reads the value
# from stdin.
#
# Input (environment):
#   VAULT_NODES     space-separated API URLs (https://host:port), node 1 first
#   VAULT_CACERT    CA bundle the CLI verifies the nodes with (standard vault CLI variable)
#   VAULT_CLIENT_CERT, VAULT_CLIENT_KEY   client certificate and key, both or neither (mTLS)
#   KEY_SHARES, KEY_THRESHOLD   Shamir shares and threshold for `vault operator init`
#   PGP_KEYS        optional: comma-separated files with base64 PGP public keys, one per share;
#                   the shares are then encrypted and this script never unseals
#   INIT_FILE       absolute path of the `vault operator init -format=json` output
#   TOKEN_FILE      optional: absolute path where, right after initializing (and only then, and
#                   only if the file does not exist), the initial root token is written alone
#                   (0600) for Terraform's Vault provider (auth_login_token_file); replace it
#                   with an operator token and revoke root after the first deploy
#   VAULT_CLI       optional (default vault): the CLI, `vault` or OpenBao's `bao` (which reads
#                   the VAULT_* variables above too)
#   WAIT_SECONDS    optional (default 180): how long each wait may take
#   POLL_SECONDS    optional (default 2): pause between two checks while waiting
#
# Exit status: 0 done, 1 a step failed (the message names it), 2 invalid input.

set -eu
set -f       # no globbing: VAULT_NODES and PGP_KEYS are split on purpose, never expanded
umask 077    # everything this script creates is private to its user

PROG=bootstrap

log() { printf '%s: %s\n' "$PROG" "$*"; }

# die STEP MESSAGE: one line on stderr naming the failed step, exit 1.
die() {
  _step=$1
  shift
  printf '%s: error: step %s: %s\n' "$PROG" "$_step" "$*" >&2
  exit 1
}

# bad_input MESSAGE: one line on stderr, exit 2.
bad_input() {
  printf '%s: invalid input: %s\n' "$PROG" "$*" >&2
  exit 2
}

# redact: stdin to stdout, one line, with every long base64/hex-like run (key shares, tokens)
# replaced. Applied to every vault CLI message this script repeats; defence in depth, since Vault
# does not echo keys in its errors.
redact() {
  tr '\n\r\t' '   ' | sed 's|[A-Za-z0-9+/=_]\{24,\}|[redacted]|g; s/  */ /g; s/^ //; s/ $//'
}

# ---------------------------------------------------------------------------------------------
# JSON helpers (Vault's -format=json output is pretty-printed Go JSON; no jq in the image)
# ---------------------------------------------------------------------------------------------

# extract_unseal_keys FILE: prints the strings of the top-level "unseal_keys_b64" array of a
# `vault operator init -format=json` document, one per line, in order. Exit status 0 only when
# the array is present, non-empty, holds nothing but strings, and every string is base64;
# otherwise non-zero and nothing on stdout. Works for pretty-printed and compact JSON.
extract_unseal_keys() {
  awk '
    { doc = doc $0 "\n" }
    END {
      # Insignificant whitespace goes; base64 strings never contain any.
      gsub(/[ \t\r\n]/, "", doc)
      marker = "\"unseal_keys_b64\":["
      start = index(doc, marker)
      if (start == 0) exit 3
      rest = substr(doc, start + length(marker))
      stop = index(rest, "]")
      if (stop == 0) exit 3
      body = substr(rest, 1, stop - 1)
      if (body == "") exit 4
      n = 0
      while (body != "") {
        if (!match(body, /^"[A-Za-z0-9+\/=]+"/)) exit 5
        n++
        key[n] = substr(body, 2, RLENGTH - 2)
        body = substr(body, RLENGTH + 1)
        if (body == "") break
        if (substr(body, 1, 1) != ",") exit 5
        body = substr(body, 2)
        if (body == "") exit 5
      }
      for (i = 1; i <= n; i++) print key[i]
    }
  ' "$1"
}

# json_field NAME: reads one flat JSON object on stdin, prints the scalar value of its top-level
# field NAME (strings without their quotes), or nothing when the field is absent.
json_field() {
  awk -v name="$1" '
    { doc = doc $0 " " }
    END {
      n = split(doc, part, /[,{}]/)
      for (i = 1; i <= n; i++) {
        p = part[i]
        sub(/^[ \t\r]+/, "", p)
        if (index(p, "\"" name "\"") != 1) continue
        p = substr(p, length(name) + 3)
        if (!match(p, /^[ \t\r]*:[ \t\r]*/)) continue
        p = substr(p, RLENGTH + 1)
        sub(/[ \t\r]+$/, "", p)
        if (p ~ /^".*"$/) p = substr(p, 2, length(p) - 2)
        print p
        exit
      }
    }
  '
}

# json_words NAME...: reads one flat JSON object on stdin, prints on one line the scalar value of
# each top-level field NAME, in order, one word each: the value when it is a plain word (letters,
# digits, . _ : -), "?" when it is anything else, "-" when the field is absent. One awk for the
# fields of a status, not one per field: the script reads a status every poll.
json_words() {
  awk -v names="$*" '
    { doc = doc $0 " " }
    END {
      n = split(doc, part, /[,{}]/)
      k = split(names, want, " ")
      for (j = 1; j <= k; j++) value[j] = "-"
      for (i = 1; i <= n; i++) {
        p = part[i]
        sub(/^[ \t\r]+/, "", p)
        for (j = 1; j <= k; j++) {
          if (value[j] != "-" || index(p, "\"" want[j] "\"") != 1) continue
          q = substr(p, length(want[j]) + 3)
          if (!match(q, /^[ \t\r]*:[ \t\r]*/)) continue
          q = substr(q, RLENGTH + 1)
          sub(/[ \t\r]+$/, "", q)
          if (q ~ /^".*"$/) q = substr(q, 2, length(q) - 2)
          value[j] = q ~ /^[A-Za-z0-9._:-]+$/ ? q : "?"
        }
      }
      line = value[1]
      for (j = 2; j <= k; j++) line = line " " value[j]
      print line
    }
  '
}

# ---------------------------------------------------------------------------------------------
# Talking to one node. Every call passes -address explicitly; TLS settings come from the
# standard VAULT_CACERT / VAULT_CLIENT_CERT / VAULT_CLIENT_KEY variables.
# ---------------------------------------------------------------------------------------------

# node_status NODE: sets ST_RC (0 unsealed, 2 sealed, 1 error, per `vault status`), ST_JSON
# (its JSON, or its error text) and the parsed ST_INIT, ST_SEALED, ST_T, ST_PROGRESS, ST_ACTIVE
# (true when the node reports itself the active node).
node_status() {
  ST_RC=0
  ST_JSON=$("$VAULT_CLI" status -address="$1" -format=json 2>&1) || ST_RC=$?
  ST_INIT='' ST_SEALED='' ST_T='' ST_PROGRESS='' ST_ACTIVE=false
  case $ST_RC in
    0 | 2)
      read -r ST_INIT ST_SEALED ST_T ST_PROGRESS _st_self <<EOF
$(printf '%s\n' "$ST_JSON" | json_words initialized sealed t progress is_self)
EOF
      # An absent field reads as empty; "?" (not a plain word) fails every check below.
      [ "$ST_INIT" != - ] || ST_INIT=''
      [ "$ST_SEALED" != - ] || ST_SEALED=''
      [ "$ST_T" != - ] || ST_T=''
      [ "$ST_PROGRESS" != - ] || ST_PROGRESS=''
      # `is_self` is omitted (omitempty) unless the node is the active one.
      if [ "$_st_self" = true ]; then ST_ACTIVE=true; fi
      # The exit code is authoritative for the seal; the JSON must agree with it.
      if [ "$ST_RC" -eq 0 ] && [ "$ST_SEALED" != false ]; then ST_RC=1; fi
      if [ "$ST_RC" -eq 2 ] && [ "$ST_SEALED" != true ]; then ST_RC=1; fi
      if [ "$ST_INIT" != true ] && [ "$ST_INIT" != false ]; then ST_RC=1; fi
      ;;
    *) ST_RC=1 ;;
  esac
  return 0
}

now() { date +%s; }

# wait_until STEP NODE WHAT CONDITION...: polls node_status NODE until CONDITION (a command run
# after each status) succeeds; fails STEP naming NODE and WHAT after WAIT_SECONDS.
wait_until() {
  _w_step=$1 _w_node=$2 _w_what=$3
  shift 3
  _w_deadline=$(($(now) + WAIT_SECONDS))
  while :; do
    node_status "$_w_node"
    if "$@"; then return 0; fi
    if [ "$(now)" -ge "$_w_deadline" ]; then
      _w_last=$(printf '%s' "$ST_JSON" | redact)
      if [ "$ST_RC" -eq 1 ]; then
        die "$_w_step" "node $_w_node: $_w_what within ${WAIT_SECONDS}s; last error: ${_w_last:-none}"
      fi
      die "$_w_step" "node $_w_node: $_w_what within ${WAIT_SECONDS}s (initialized=$ST_INIT sealed=$ST_SEALED)"
    fi
    sleep "$POLL_SECONDS"
  done
}

cond_answers() { [ "$ST_RC" -ne 1 ]; }
cond_initialized() { [ "$ST_RC" -ne 1 ] && [ "$ST_INIT" = true ]; }
cond_unsealed() { [ "$ST_RC" -eq 0 ]; }
cond_active() { [ "$ST_RC" -eq 0 ] && [ "$ST_ACTIVE" = true ]; }

# init_status NODE: 0 initialized, 2 not, 1 error (`vault operator init -status`).
init_status() {
  _is_rc=0
  "$VAULT_CLI" operator init -status -address="$1" >/dev/null 2>&1 || _is_rc=$?
  return "$_is_rc"
}

# ---------------------------------------------------------------------------------------------
# 1. Input
# ---------------------------------------------------------------------------------------------

readable_file() { [ -f "$1" ] && [ -r "$1" ]; }

is_count() { # a decimal integer without sign or leading zero
  case $1 in '' | 0* | *[!0-9]*) return 1 ;; esac
  [ "${#1}" -le 6 ]
}

validate_inputs() {
  VAULT_CLI=${VAULT_CLI:-vault}
  case $VAULT_CLI in vault | bao) ;; *) bad_input "VAULT_CLI must be vault or bao" ;; esac
  command -v "$VAULT_CLI" >/dev/null 2>&1 || die input "the $VAULT_CLI CLI is not on PATH"

  NODES=${VAULT_NODES:-}
  # shellcheck disable=SC2086 # split on IFS on purpose (globbing is off)
  set -- $NODES
  [ "$#" -ge 1 ] || bad_input "VAULT_NODES is empty; set it to the nodes' API URLs, node 1 first"
  NODE_COUNT=$#
  NODE1=$1
  _seen=' '
  for _n in "$@"; do
    printf '%s\n' "$_n" | grep -Eq '^https://([A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?/?$' ||
      bad_input "VAULT_NODES: '$_n' is not an https://host[:port] URL"
    case $_seen in *" $_n "*) bad_input "VAULT_NODES: '$_n' is listed twice" ;; esac
    _seen="$_seen$_n "
  done

  [ -n "${VAULT_CACERT:-}" ] || bad_input "VAULT_CACERT is not set; the CLI must verify the nodes' certificates"
  readable_file "$VAULT_CACERT" || bad_input "VAULT_CACERT: $VAULT_CACERT is not a readable file"
  case ${VAULT_SKIP_VERIFY:-} in
    '' | 0 | false | False | FALSE) ;;
    *) bad_input "VAULT_SKIP_VERIFY is set; refusing to send unseal keys over unverified TLS" ;;
  esac
  if [ -n "${VAULT_CLIENT_CERT:-}" ] || [ -n "${VAULT_CLIENT_KEY:-}" ]; then
    if [ -z "${VAULT_CLIENT_CERT:-}" ] || [ -z "${VAULT_CLIENT_KEY:-}" ]; then
      bad_input "VAULT_CLIENT_CERT and VAULT_CLIENT_KEY must be set together"
    fi
    readable_file "$VAULT_CLIENT_CERT" ||
      bad_input "VAULT_CLIENT_CERT: $VAULT_CLIENT_CERT is not a readable file"
    readable_file "$VAULT_CLIENT_KEY" ||
      bad_input "VAULT_CLIENT_KEY: $VAULT_CLIENT_KEY is not a readable file"
  fi

  SHARES=${KEY_SHARES:-}
  THRESHOLD=${KEY_THRESHOLD:-}
  is_count "$SHARES" || bad_input "KEY_SHARES: '$SHARES' is not a positive integer"
  is_count "$THRESHOLD" || bad_input "KEY_THRESHOLD: '$THRESHOLD' is not a positive integer"
  [ "$SHARES" -le 255 ] || bad_input "KEY_SHARES: $SHARES is more than Vault's maximum of 255"
  [ "$THRESHOLD" -le "$SHARES" ] || bad_input "KEY_THRESHOLD: $THRESHOLD is more than KEY_SHARES ($SHARES)"
  if [ "$SHARES" -gt 1 ] && [ "$THRESHOLD" -lt 2 ]; then
    bad_input "KEY_THRESHOLD: must be at least 2 when KEY_SHARES is more than 1 (Vault rejects it)"
  fi

  PGP=${PGP_KEYS:-}
  if [ -n "$PGP" ]; then
    _old_ifs=$IFS
    IFS=,
    # shellcheck disable=SC2086 # split on commas on purpose (globbing is off)
    set -- $PGP
    IFS=$_old_ifs
    [ "$#" -eq "$SHARES" ] || bad_input "PGP_KEYS: $# key file(s) for $SHARES shares; give exactly one per share"
    for _k in "$@"; do
      [ -n "$_k" ] || bad_input "PGP_KEYS: empty entry in the comma-separated list"
      readable_file "$_k" || bad_input "PGP_KEYS: $_k is not a readable file"
    done
    case $PGP in ,* | *, | *,,*) bad_input "PGP_KEYS: empty entry in the comma-separated list" ;; esac
  fi

  INIT=${INIT_FILE:-}
  case $INIT in
    /*[!/]) ;;
    *) bad_input "INIT_FILE: '$INIT' must be an absolute file path" ;;
  esac
  INIT_DIR=${INIT%/*}
  INIT_DIR=${INIT_DIR:-/}
  [ -d "$INIT_DIR" ] || bad_input "INIT_FILE: directory $INIT_DIR does not exist"
  TOKEN=${TOKEN_FILE:-}
  if [ -n "$TOKEN" ]; then
    case $TOKEN in
      /*[!/]) ;;
      *) bad_input "TOKEN_FILE: '$TOKEN' must be an absolute file path" ;;
    esac
    [ -d "$(dirname "$TOKEN")" ] || bad_input "TOKEN_FILE: directory $(dirname "$TOKEN") does not exist"
  fi
  [ ! -d "$INIT" ] || bad_input "INIT_FILE: $INIT is a directory"

  WAIT_SECONDS=${WAIT_SECONDS:-180}
  is_count "$WAIT_SECONDS" || bad_input "WAIT_SECONDS: '$WAIT_SECONDS' is not a positive integer"
  POLL_SECONDS=${POLL_SECONDS:-2}
  is_count "$POLL_SECONDS" || bad_input "POLL_SECONDS: '$POLL_SECONDS' is not a positive integer"

  # A hung connection must not outlast the waits (VAULT_CLIENT_TIMEOUT is the CLI's own knob).
  VAULT_CLIENT_TIMEOUT=${VAULT_CLIENT_TIMEOUT:-30s}
  export VAULT_CLIENT_TIMEOUT
}

# ---------------------------------------------------------------------------------------------
# 3. Initialization
# ---------------------------------------------------------------------------------------------

# The temporary init file is removed on exit only while it is empty: once `vault operator init`
# has written to it, it may hold the only copy of the keys (even when the script is stopped
# while init runs: the shell runs its traps after the running command ends).
INIT_TMP=''
cleanup() {
  if [ -n "$INIT_TMP" ] && [ -f "$INIT_TMP" ]; then
    if [ -s "$INIT_TMP" ]; then
      printf '%s: init output kept in %s (mode 0600); it may hold the only copy of the keys\n' "$PROG" "$INIT_TMP" >&2
    else
      rm -f "$INIT_TMP"
    fi
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

initialize() {
  # Never overwrite init material: a file here with an uninitialized node 1 belongs to an
  # earlier cluster, and only a person can decide it is safe to discard.
  if [ -e "$INIT" ]; then
    die init "node $NODE1 is not initialized but $INIT exists (from an earlier cluster?); move it away, keep it safe if in doubt, and re-run"
  fi
  # Refuse to start a second cluster next to an existing one.
  for _n in $NODES; do
    [ "$_n" = "$NODE1" ] && continue
    node_status "$_n"
    if [ "$ST_RC" -ne 1 ] && [ "$ST_INIT" = true ]; then
      die init "node $_n is initialized but node 1 ($NODE1) is not; refusing to initialize a second cluster"
    fi
  done
  [ -w "$INIT_DIR" ] || die init "cannot write to $INIT_DIR (INIT_FILE's directory); nothing was initialized"

  INIT_TMP=$(mktemp "$INIT_DIR/.vault-init.XXXXXX") || die init "cannot create a temporary file in $INIT_DIR"
  chmod 600 "$INIT_TMP"
  log "initializing $NODE1 ($SHARES key shares, threshold $THRESHOLD${PGP:+, shares encrypted with PGP keys})"
  # Critical section: from init to rename, a stop request must not strand the only copy of the
  # keys in a temporary file (docker stop sends SIGTERM, then SIGKILL after its timeout).
  trap '' INT TERM
  _i_rc=0
  if [ -n "$PGP" ]; then
    _i_err=$("$VAULT_CLI" operator init -address="$NODE1" -format=json -key-shares="$SHARES" \
      -key-threshold="$THRESHOLD" -pgp-keys="$PGP" 2>&1 >"$INIT_TMP") || _i_rc=$?
  else
    _i_err=$("$VAULT_CLI" operator init -address="$NODE1" -format=json -key-shares="$SHARES" \
      -key-threshold="$THRESHOLD" 2>&1 >"$INIT_TMP") || _i_rc=$?
  fi
  if [ "$_i_rc" -ne 0 ]; then
    die init "vault operator init on $NODE1 failed (exit $_i_rc): $(printf '%s' "$_i_err" | redact)" \
      "(if $NODE1 now reports initialized, its keys were not received: wipe its Raft data and re-run)"
  fi
  # From here on the temporary file is the only copy of the keys: never delete it.
  _i_tmp=$INIT_TMP
  INIT_TMP=''
  sync 2>/dev/null || :
  mv -f "$_i_tmp" "$INIT" || die init "could not rename $_i_tmp to $INIT; the init material is in $_i_tmp (mode 0600): move it there by hand"
  sync 2>/dev/null || :
  trap 'exit 130' INT
  trap 'exit 143' TERM
  _i_count=$(extract_unseal_keys "$INIT" | wc -l | tr -d ' ')
  [ "$_i_count" -eq "$SHARES" ] ||
    die init "$INIT was written but holds $_i_count readable unseal keys instead of $SHARES; inspect it (it is all there is)"
  log "initialized $NODE1; init material written to $INIT (mode 0600)"
  write_token_file
}

# write_token_file: the initial root token, alone, for Terraform (TOKEN_FILE). Never overwrites:
# after the first deploy that file holds the operator's token.
write_token_file() {
  [ -n "$TOKEN" ] || return 0
  if [ -e "$TOKEN" ]; then
    log "$TOKEN exists; left unchanged"
    return 0
  fi
  _t_value=$(json_field root_token <"$INIT")
  case $_t_value in
    '' | *[!A-Za-z0-9._-]*) die init "$INIT holds no plain root token (PGP-encrypted?); write $TOKEN by hand" ;;
  esac
  _t_tmp=$(mktemp "$(dirname "$TOKEN")/.terraform-token.XXXXXX") || die init "cannot create a temporary file next to $TOKEN"
  chmod 600 "$_t_tmp"
  printf '%s' "$_t_value" >"$_t_tmp"
  mv -f "$_t_tmp" "$TOKEN" || die init "could not write $TOKEN"
  log "initial root token written to $TOKEN (mode 0600) for Terraform; replace it and revoke root after the first deploy"
}

# ---------------------------------------------------------------------------------------------
# 4. Unsealing
# ---------------------------------------------------------------------------------------------

# check_init_file: INIT_FILE must hold at least THRESHOLD plaintext shares.
check_init_file() {
  if [ ! -f "$INIT" ]; then
    _c_left=$(find "$INIT_DIR" -maxdepth 1 -name '.vault-init.*' -type f 2>/dev/null | tr '\n' ' ')
    if [ -n "$_c_left" ]; then
      die unseal "node $NODE1 is initialized but $INIT is missing; an interrupted initialization left: ${_c_left% }: check it and rename it to $INIT"
    fi
    die unseal "node $NODE1 is initialized but $INIT is missing; unseal the nodes by hand with the share holders (docs/RUNBOOK.md) or restore the file"
  fi
  [ -r "$INIT" ] || die unseal "$INIT is not readable by this user"
  chmod 600 "$INIT" 2>/dev/null || log "warning: could not set mode 0600 on $INIT"
  extract_unseal_keys "$INIT" >/dev/null || die unseal "$INIT has no readable unseal_keys_b64 array (not a $VAULT_CLI operator init -format=json output?)"
  KEY_COUNT=$(extract_unseal_keys "$INIT" | wc -l | tr -d ' ')
  # A plaintext share is 33 bytes (44 base64 characters); PGP-encrypted shares are far longer.
  if extract_unseal_keys "$INIT" | awk 'length($0) > 200 { found = 1 } END { exit !found }'; then
    die unseal "$INIT holds PGP-encrypted shares; set PGP_KEYS, or have the share holders unseal (docs/RUNBOOK.md)"
  fi
}

# submit_key NODE INDEX: sends share number INDEX of INIT_FILE to NODE through stdin.
submit_key() {
  _s_rc=0
  _s_err=$(extract_unseal_keys "$INIT" | awk -v n="$2" 'NR == n { printf "%s", $0 }' |
    "$VAULT_CLI" write -address="$1" sys/unseal key=- 2>&1 >/dev/null) || _s_rc=$?
  if [ "$_s_rc" -ne 0 ]; then
    die unseal "node $1: share $2 was refused (exit $_s_rc): $(printf '%s' "$_s_err" | redact)" \
      "(were the keys in $INIT replaced by a rekey?)"
  fi
}

# unseal_node NODE: submits the threshold number of shares to a sealed NODE whose status
# (node_status) was just read, then waits until it reports itself unsealed.
unseal_node() {
  _u_t=$ST_T
  is_count "$_u_t" || _u_t=$THRESHOLD
  [ "$KEY_COUNT" -ge "$_u_t" ] || die unseal "node $1 needs $_u_t shares but $INIT holds $KEY_COUNT"
  if is_count "${ST_PROGRESS:-0}"; then
    # An interrupted earlier attempt left shares behind; start over from a clean slate.
    "$VAULT_CLI" operator unseal -reset -address="$1" >/dev/null 2>&1 ||
      die unseal "node $1: could not reset a partial unseal (progress $ST_PROGRESS/$_u_t)"
    log "node $1: reset a partial unseal left by an earlier attempt"
  fi
  _u_i=1
  while [ "$_u_i" -le "$_u_t" ]; do
    submit_key "$1" "$_u_i"
    _u_i=$((_u_i + 1))
  done
  wait_until unseal "$1" "did not report itself unsealed after $_u_t shares" cond_unsealed
}

# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------

main() {
  validate_inputs
  log "cluster of $NODE_COUNT node(s); node 1 is $NODE1"

  # 2. Every API answers (sealed or not).
  for _n in $NODES; do
    wait_until wait-api "$_n" "API did not answer" cond_answers
  done
  log "all $NODE_COUNT node APIs answer"

  # 3. Initialize node 1 once.
  _deadline=$(($(now) + WAIT_SECONDS))
  while :; do
    _rc=0
    init_status "$NODE1" || _rc=$?
    [ "$_rc" -ne 1 ] && break
    [ "$(now)" -lt "$_deadline" ] || die init-status "node $NODE1: $VAULT_CLI operator init -status kept failing for ${WAIT_SECONDS}s"
    sleep "$POLL_SECONDS"
  done
  _fresh=false
  if [ "$_rc" -eq 2 ]; then
    initialize
    _fresh=true
  else
    log "node $NODE1 is already initialized"
  fi

  # 5. PGP mode: the shares are encrypted to their holders; unsealing is theirs.
  if [ -n "$PGP" ]; then
    log "PGP mode: the unseal shares in $INIT are encrypted to their holders; this job does not unseal."
    log "each node stays sealed until the share holders unseal it (docs/RUNBOOK.md)"
    return 0
  fi

  check_init_file

  # 4a. Unseal node 1, then every node that reports itself initialized: a member of the cluster,
  # or a new node that already holds the leader's join challenge. After a restart every member
  # is sealed and Raft elects a leader only once a majority of them is unsealed, so this pass
  # must not wait for a leader between nodes (except right after initialization, when node 1
  # is a cluster of one and becomes active on its own).
  _pending=''
  _active=''
  for _n in $NODES; do
    wait_until unseal "$_n" "API did not answer" cond_answers
    if [ "$ST_RC" -eq 0 ]; then
      log "node $_n already unsealed"
    elif [ "$ST_INIT" = true ]; then
      unseal_node "$_n"
      log "node $_n unsealed"
    elif [ "$_n" = "$NODE1" ]; then
      die unseal "node $NODE1 reports itself not initialized after initialization"
    else
      _pending="$_pending $_n"
    fi
    if [ "$_n" = "$NODE1" ] && [ "$_fresh" = true ]; then
      wait_until active "$NODE1" "did not become active after initialization" cond_active
      _active=$NODE1
      log "node $_active is active"
    fi
  done

  # 4b. An active node (already known when node 1 was initialized by this run).
  if [ -z "$_active" ]; then
    _deadline=$(($(now) + WAIT_SECONDS))
    while :; do
      for _n in $NODES; do
        node_status "$_n"
        if cond_active; then
          _active=$_n
          break
        fi
      done
      [ -n "$_active" ] && break
      [ "$(now)" -lt "$_deadline" ] ||
        die active "no node became active within ${WAIT_SECONDS}s (Raft needs a majority of its voters unsealed)"
      sleep "$POLL_SECONDS"
    done
    log "node $_active is active"
  fi

  # 4c. Nodes not yet in the cluster: retry_join fetches the leader's challenge (the node then
  # reports itself initialized); the leader's shares complete the join and unseal it.
  for _n in $_pending; do
    wait_until join "$_n" "did not receive a join challenge from the leader (check its retry_join stanza)" cond_initialized
    if [ "$ST_RC" -eq 0 ]; then
      log "node $_n joined and unsealed"
      continue
    fi
    unseal_node "$_n"
    log "node $_n joined the cluster and is unsealed"
  done

  # Final check: every node unsealed, one active.
  for _n in $NODES; do
    node_status "$_n"
    cond_unsealed || die verify "node $_n is not unsealed (initialized=$ST_INIT sealed=$ST_SEALED)"
  done
  log "done: $NODE_COUNT/$NODE_COUNT nodes unsealed; active node $_active"
}

if [ "${BOOTSTRAP_LIB_ONLY:-}" != 1 ]; then
  main "$@"
fi
