#!/bin/sh
# Scheduled Raft snapshots (Vault's open-source edition has none built in). Every
# INTERVAL_SECONDS: log in with this job's client certificate (cert auth, snapshot-policy only),
# find the active node (snapshots must be taken from it), save a snapshot to SNAPSHOT_DIR, keep
# the newest RETAIN files, and record the time of the last success for the health check.
#
# Input (environment):
#   VAULT_ADDR, VAULT_CACERT, VAULT_CLIENT_CERT, VAULT_CLIENT_KEY   standard vault CLI variables
#   VAULT_CLI       optional (default vault): the CLI, `vault` or OpenBao's `bao`
#   CERT_ROLE          this job's role in the cert auth method
#   SNAPSHOT_DIR       directory of the snapshots (a protected volume)
#   INTERVAL_SECONDS   time between two snapshots
#   RETAIN             snapshots to keep
#   ONCE               optional: "1" takes one snapshot and exits (runbook, tests)
set -eu
umask 077

PROG=raft-snapshot
log() { printf '%s: %s\n' "$PROG" "$*"; }
bad_input() { printf '%s: invalid input: %s\n' "$PROG" "$*" >&2; exit 2; }

for name in VAULT_ADDR VAULT_CACERT CERT_ROLE SNAPSHOT_DIR INTERVAL_SECONDS RETAIN; do
  eval "value=\${$name:-}"
  [ -n "$value" ] || bad_input "$name is not set"
done
case $INTERVAL_SECONDS in '' | *[!0-9]*) bad_input "INTERVAL_SECONDS must be a number" ;; esac
case $RETAIN in '' | *[!0-9]* | 0) bad_input "RETAIN must be a positive number" ;; esac
case $CERT_ROLE in *[!a-z0-9_-]*) bad_input "CERT_ROLE must be a lowercase name" ;; esac
VAULT_CLI=${VAULT_CLI:-vault}
case $VAULT_CLI in vault | bao) ;; *) bad_input "VAULT_CLI must be vault or bao" ;; esac
if [ ! -d "$SNAPSHOT_DIR" ] || [ ! -w "$SNAPSHOT_DIR" ]; then bad_input "$SNAPSHOT_DIR is not a writable directory"; fi

# take_snapshot: one snapshot; returns non-zero (and logs why) on failure.
take_snapshot() {
  if ! token=$("$VAULT_CLI" login -method=cert -path=cert -token-only name="$CERT_ROLE" 2>/dev/null) || [ -z "$token" ]; then
    log "error: cert login as $CERT_ROLE failed"
    return 1
  fi
  # The active node's API address; standbys cannot produce a consistent snapshot.
  leader=$(VAULT_TOKEN=$token "$VAULT_CLI" read -field=leader_address sys/leader 2>/dev/null || true)
  [ -n "$leader" ] || leader=$VAULT_ADDR
  stamp=$(date -u +%Y%m%dT%H%M%SZ)
  file="$SNAPSHOT_DIR/raft-$stamp.snap"
  if ! VAULT_TOKEN=$token "$VAULT_CLI" operator raft snapshot save -address="$leader" "$file.partial" >/dev/null 2>&1; then
    rm -f "$file.partial"
    VAULT_TOKEN=$token "$VAULT_CLI" token revoke -self >/dev/null 2>&1 || true
    log "error: snapshot from $leader failed"
    return 1
  fi
  mv -f "$file.partial" "$file"
  VAULT_TOKEN=$token "$VAULT_CLI" token revoke -self >/dev/null 2>&1 || true
  # Keep the newest RETAIN snapshots: the glob lists them oldest first (UTC stamps sort).
  total=0
  for f in "$SNAPSHOT_DIR"/raft-*.snap; do [ -e "$f" ] && total=$((total + 1)); done
  excess=$((total - RETAIN))
  for f in "$SNAPSHOT_DIR"/raft-*.snap; do
    [ "$excess" -gt 0 ] || break
    rm -f "$f"
    excess=$((excess - 1))
  done
  date +%s > "$SNAPSHOT_DIR/.last-success"
  log "saved $(basename "$file") from $leader"
}

if [ "${ONCE:-0}" = 1 ]; then
  take_snapshot
  exit $?
fi
log "every ${INTERVAL_SECONDS}s, keeping $RETAIN snapshots in $SNAPSHOT_DIR"
while :; do
  take_snapshot || true
  sleep "$INTERVAL_SECONDS"
done
