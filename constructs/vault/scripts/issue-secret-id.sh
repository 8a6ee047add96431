#!/bin/sh
# Issues a fresh AppRole SecretID for the application and writes it to SECRET_ID_FILE (mode 0400,
# owned by the uid this job runs as: the app's), then destroys the SecretID it replaces (its
# accessor is kept in SECRET_ID_FILE.accessor): the app re-reads the file at every login, so the
# old one has no use left and must not stay valid. The job proves who it is with its own client
# certificate (Vault's cert auth method), so no credential is handed to it; the SecretID never
# passes through Terraform, an environment variable or a log line. Re-run to rotate
# (`docker start -a <env>-secretid-issuer`; weekly by default, docs/RUNBOOK.md).
#
# Input (environment):
#   VAULT_ADDR, VAULT_CACERT, VAULT_CLIENT_CERT, VAULT_CLIENT_KEY   standard vault CLI variables
#   VAULT_CLI       optional (default vault): the CLI, `vault` or OpenBao's `bao`
#   CERT_ROLE       name of this job's role in the cert auth method
#   APPROLE_ROLE    AppRole role to issue a SecretID for
#   SECRET_ID_FILE  absolute path of the file the app reads
# Exit status: 0 done, 1 a step failed, 2 invalid input.
set -eu
umask 077

PROG=issue-secret-id
log() { printf '%s: %s\n' "$PROG" "$*"; }
die() { printf '%s: error: %s\n' "$PROG" "$*" >&2; exit 1; }
bad_input() { printf '%s: invalid input: %s\n' "$PROG" "$*" >&2; exit 2; }

for name in VAULT_ADDR VAULT_CACERT CERT_ROLE APPROLE_ROLE SECRET_ID_FILE; do
  eval "value=\${$name:-}"
  [ -n "$value" ] || bad_input "$name is not set"
done
case $VAULT_ADDR in https://*) ;; *) bad_input "VAULT_ADDR must be https://" ;; esac
VAULT_CLI=${VAULT_CLI:-vault}
case $VAULT_CLI in vault | bao) ;; *) bad_input "VAULT_CLI must be vault or bao" ;; esac
case $SECRET_ID_FILE in /*) ;; *) bad_input "SECRET_ID_FILE must be an absolute path" ;; esac
case $CERT_ROLE$APPROLE_ROLE in *[!a-z0-9_-]*) bad_input "CERT_ROLE and APPROLE_ROLE must be lowercase names" ;; esac
[ -r "$VAULT_CACERT" ] || bad_input "VAULT_CACERT $VAULT_CACERT is not readable"
dir=$(dirname "$SECRET_ID_FILE")
if [ ! -d "$dir" ] || [ ! -w "$dir" ]; then bad_input "directory $dir is not writable"; fi

# Log in with the client certificate; the token stays in this shell's memory.
token=$("$VAULT_CLI" login -method=cert -path=cert -token-only name="$CERT_ROLE" 2>/dev/null) \
  || die "cert login as $CERT_ROLE failed (is the cert auth role configured and the certificate valid?)"
[ -n "$token" ] || die "cert login returned no token"

response=$(VAULT_TOKEN=$token "$VAULT_CLI" write -f -format=json "auth/approle/role/$APPROLE_ROLE/secret-id" 2>/dev/null) \
  || die "issuing a SecretID for $APPROLE_ROLE failed"
secret_id=$(printf '%s\n' "$response" | sed -n 's/^[[:space:]]*"secret_id":[[:space:]]*"\([^"]*\)".*/\1/p' | head -n 1)
accessor=$(printf '%s\n' "$response" | sed -n 's/^[[:space:]]*"secret_id_accessor":[[:space:]]*"\([^"]*\)".*/\1/p' | head -n 1)
[ -n "$secret_id" ] || die "the response held no secret_id"
case $accessor in '' | *[!A-Za-z0-9-]*) die "the response held no usable secret_id_accessor" ;; esac

# The SecretID this one replaces, by its accessor (an identifier, not a credential).
previous=''
had_previous=false
if [ -s "$SECRET_ID_FILE" ]; then had_previous=true; fi
if [ -f "$SECRET_ID_FILE.accessor" ]; then previous=$(cat "$SECRET_ID_FILE.accessor"); fi
case $previous in *[!A-Za-z0-9-]*) log "warning: ignoring an unreadable $SECRET_ID_FILE.accessor"; previous='' ;; esac

# Replace the file atomically: the app never reads a half-written SecretID.
tmp=$(mktemp "$dir/.secret-id.XXXXXX") || die "cannot create a temporary file in $dir"
trap 'rm -f "$tmp"' EXIT
printf '%s' "$secret_id" > "$tmp"
chmod 0400 "$tmp"
mv -f "$tmp" "$SECRET_ID_FILE"
printf '%s' "$accessor" > "$tmp"
chmod 0400 "$tmp"
mv -f "$tmp" "$SECRET_ID_FILE.accessor"
trap - EXIT

if [ -n "$previous" ] && [ "$previous" != "$accessor" ]; then
  VAULT_TOKEN=$token "$VAULT_CLI" write -f "auth/approle/role/$APPROLE_ROLE/secret-id-accessor/destroy" \
    secret_id_accessor="$previous" >/dev/null 2>&1 \
    || die "the new SecretID is in place, but the previous one (accessor $previous) could not be destroyed; destroy it by hand (docs/RUNBOOK.md)"
  log "destroyed the previous SecretID (accessor $previous)"
elif [ "$had_previous" = true ] && [ -z "$previous" ]; then
  log "no accessor of a previous SecretID recorded: any earlier one expires with its TTL"
fi

VAULT_TOKEN=$token "$VAULT_CLI" token revoke -self >/dev/null 2>&1 || log "warning: could not revoke this job's token (it expires on its own)"
log "issued a new SecretID for $APPROLE_ROLE (accessor ${accessor:-unknown})"
