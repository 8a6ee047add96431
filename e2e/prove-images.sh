#!/usr/bin/env bash
# Prove the e2e images under the project's hardening:
#   read-only rootfs, non-root user, --cap-drop ALL, no-new-privileges,
#   tmpfs for the writable scratch paths, named volumes for data,
#   secrets as read-only file mounts, an --internal network.
#
#   postgres  first start (initdb, POSTGRES_DB, init script, scram), a psql
#             client in a second hardened container over TCP, a wrong password
#             refused, a restart that keeps the data and skips initdb.
#   vault     with a real binary (uyoop-e2e/vault:latest): raft server, init,
#             unseal, data in the named volume as 100:1000, restart -> sealed
#             but initialised. Without one: the layout dummy's write checks.
#   app       (when built) starts read-only as 10001 and answers /health (503
#             without a Vault: the full path needs the deployed environment).
#
# Everything it creates is named uyoop-e2e-prove-* and removed at the end,
# unless KEEP=1. Environment: PROVE="postgres vault app" to pick.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"

PROVE="${PROVE:-postgres vault app}"
KEEP="${KEEP:-0}"
P=uyoop-e2e-prove
NET="$P-net"
WORK="$CACHE/prove"
HARDEN=(--read-only --cap-drop ALL --security-opt no-new-privileges:true)

e2e_require_docker
wants() { case " $PROVE " in *" $1 "*) return 0 ;; *) return 1 ;; esac }

cleanup() {
	local rc=$?
	if [ "$KEEP" = 1 ]; then
		e2e_log "KEEP=1: leaving the $P-* containers, volumes and network"
	else
		"$DOCKER" rm -f "$P-pg" "$P-vault" "$P-app" >/dev/null 2>&1 || true
		"$DOCKER" volume rm "$P-pgdata" "$P-vault-file" "$P-vault-logs" >/dev/null 2>&1 || true
		"$DOCKER" network rm "$NET" >/dev/null 2>&1 || true
		rm -rf "$WORK"
	fi
	e2e_print_timings
	exit "$rc"
}
trap cleanup EXIT

# A fresh start.
"$DOCKER" rm -f "$P-pg" "$P-vault" "$P-app" >/dev/null 2>&1 || true
"$DOCKER" volume rm "$P-pgdata" "$P-vault-file" "$P-vault-logs" >/dev/null 2>&1 || true
"$DOCKER" network rm "$NET" >/dev/null 2>&1 || true
rm -rf "$WORK"
mkdir -p "$WORK"
"$DOCKER" network create --internal "$NET" >/dev/null

# wait_for NAME SECONDS CMD...: retry CMD every second.
wait_for() {
	local what="$1" secs="$2" i
	shift 2
	for ((i = 0; i < secs; i++)); do
		if "$@" >/dev/null 2>&1; then return 0; fi
		# Give up at once when the container being waited for has stopped.
		if [ -n "${WAIT_CONTAINER:-}" ] &&
			[ "$("$DOCKER" inspect -f '{{.State.Running}}' "$WAIT_CONTAINER" 2>/dev/null)" != true ]; then
			echo "container $WAIT_CONTAINER stopped while waiting for $what; its log:" >&2
			"$DOCKER" logs "$WAIT_CONTAINER" 2>&1 | tail -n 30 >&2
			return 1
		fi
		sleep 1
	done
	echo "timed out after ${secs}s waiting for $what" >&2
	return 1
}

# ------------------------------------------------------------------ postgres
PG_IMAGE=uyoop-e2e/postgres:15
pg_run() {
	"$DOCKER" run -d --name "$P-pg" --network "$NET" --network-alias postgres \
		"${HARDEN[@]}" --user 999:999 \
		--tmpfs /var/run/postgresql:rw,noexec,nosuid,size=8m \
		--tmpfs /tmp:rw,noexec,nosuid,size=16m \
		-v "$P-pgdata:/var/lib/postgresql/data" \
		-v "$WORK/pg/password:/run/secrets/postgres-password:ro" \
		-v "$WORK/pg/initdb:/docker-entrypoint-initdb.d:ro" \
		-e POSTGRES_USER=uyoop_admin \
		-e POSTGRES_DB=uyoop \
		-e POSTGRES_PASSWORD_FILE=/run/secrets/postgres-password \
		-e POSTGRES_INITDB_ARGS="--auth-host=scram-sha-256 --auth-local=scram-sha-256" \
		"$PG_IMAGE" -c password_encryption=scram-sha-256 -c log_connections=on
}

# psql in a second hardened container, over TCP, password from a passfile.
pg_client() {
	local passfile="$1"
	shift
	"$DOCKER" run --rm --network "$NET" "${HARDEN[@]}" --user 999:999 \
		--tmpfs /tmp:rw,noexec,nosuid,size=8m \
		-v "$passfile:/run/secrets/pgpass:ro" -e PGPASSFILE=/run/secrets/pgpass \
		--entrypoint psql "$PG_IMAGE" \
		-X -v ON_ERROR_STOP=1 -At -h postgres -U uyoop_admin -d uyoop "$@"
}

prove_pg_first_start() {
	mkdir -p "$WORK/pg/initdb"
	# The password: a file readable only by uid 999, mounted read-only.
	head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$WORK/pg/password"
	printf 'postgres:5432:*:uyoop_admin:%s\n' "$(cat "$WORK/pg/password")" >"$WORK/pg/pgpass"
	printf 'postgres:5432:*:uyoop_admin:wrong-password\n' >"$WORK/pg/pgpass-wrong"
	chown 999:999 "$WORK/pg/password" "$WORK/pg/pgpass" "$WORK/pg/pgpass-wrong"
	chmod 0400 "$WORK/pg/password"
	chmod 0600 "$WORK/pg/pgpass" "$WORK/pg/pgpass-wrong"
	cat >"$WORK/pg/initdb/10-e2e.sql" <<-'SQL'
		CREATE TABLE e2e_init (id int PRIMARY KEY, note text);
		INSERT INTO e2e_init VALUES (1, 'created by /docker-entrypoint-initdb.d');
	SQL
	chmod 0644 "$WORK/pg/initdb/10-e2e.sql"

	pg_run
	WAIT_CONTAINER="$P-pg" wait_for "postgres to accept TCP connections" 90 \
		"$DOCKER" exec "$P-pg" pg_isready -q -h 127.0.0.1 -U uyoop_admin -d uyoop
	"$DOCKER" logs "$P-pg" 2>&1 | tail -n 15
	"$DOCKER" logs "$P-pg" 2>&1 | grep -q 'initialisation complete'
}

prove_pg_client() {
	local out
	out="$(pg_client "$WORK/pg/pgpass" -c "SELECT current_user,
		current_setting('password_encryption'),
		(SELECT substr(rolpassword, 1, 13) FROM pg_authid WHERE rolname = current_user),
		(SELECT note FROM e2e_init WHERE id = 1),
		current_setting('data_directory'),
		current_setting('log_connections')")"
	echo "psql said: $out"
	[ "$out" = "uyoop_admin|scram-sha-256|SCRAM-SHA-256|created by /docker-entrypoint-initdb.d|/var/lib/postgresql/data|on" ]
	echo "pg_hba.conf (non-comment lines):"
	"$DOCKER" exec "$P-pg" sh -c 'grep -v "^#" "$PGDATA/pg_hba.conf" | grep -v "^$"'
	if pg_client "$WORK/pg/pgpass-wrong" -c 'SELECT 1' 2>"$WORK/pg/wrong.err"; then
		echo "a wrong password was accepted" >&2
		return 1
	fi
	grep -q 'password authentication failed' "$WORK/pg/wrong.err"
	echo "wrong password refused: $(grep -m 1 'password authentication failed' "$WORK/pg/wrong.err")"
}

prove_pg_hardening() {
	echo "user: $("$DOCKER" exec "$P-pg" id)"
	if "$DOCKER" exec "$P-pg" sh -c ': >/usr/local/bin/x' 2>/dev/null; then
		echo "rootfs is writable" >&2
		return 1
	fi
	echo "rootfs: read-only (write to /usr/local/bin refused)"
	echo "CapEff of postgres: $("$DOCKER" exec "$P-pg" sh -c 'grep CapEff /proc/1/status')"
	echo "NoNewPrivs: $("$DOCKER" exec "$P-pg" sh -c 'grep NoNewPrivs /proc/1/status')"
	echo "tmpfs: $("$DOCKER" exec "$P-pg" sh -c 'stat -c "%n %U:%G %a" /var/run/postgresql /tmp')"
	echo "volume: $("$DOCKER" exec "$P-pg" sh -c 'stat -c "%n %U:%G %a" "$PGDATA"')"
	echo "password env in postgres process: $("$DOCKER" exec "$P-pg" sh -c 'tr "\0" "\n" </proc/1/environ | grep -c "^POSTGRES_PASSWORD" || true')"
}

prove_pg_restart() {
	"$DOCKER" restart -t 20 "$P-pg" >/dev/null
	WAIT_CONTAINER="$P-pg" wait_for "postgres after restart" 60 \
		"$DOCKER" exec "$P-pg" pg_isready -q -h 127.0.0.1 -U uyoop_admin -d uyoop
	"$DOCKER" logs "$P-pg" 2>&1 | grep 'already initialised'
	[ "$(pg_client "$WORK/pg/pgpass" -c 'SELECT count(*) FROM e2e_init')" = 1 ]
	echo "data kept across restart"
}

if wants postgres; then
	if ! "$DOCKER" image inspect "$PG_IMAGE" >/dev/null 2>&1; then
		e2e_die "$PG_IMAGE is missing: run e2e/build-images.sh"
	fi
	e2e_step pg-first-start prove_pg_first_start
	e2e_step pg-psql-client prove_pg_client
	e2e_step pg-hardening prove_pg_hardening
	e2e_step pg-restart prove_pg_restart
	for s in pg-first-start pg-psql-client pg-hardening pg-restart; do
		sed 's/^/    /' "$E2E_LOG_DIR/$s.log" >&2
	done
fi

# --------------------------------------------------------------------- vault
# vault_run IMAGE [docker options...] [-- command...]
vault_run() {
	local image="$1" opts=()
	shift
	while [ "$#" -gt 0 ] && [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	[ "$#" -gt 0 ] && shift
	"$DOCKER" run -d --name "$P-vault" --network "$NET" --network-alias vault \
		"${HARDEN[@]}" --user 100:1000 \
		--tmpfs /tmp:rw,noexec,nosuid,size=16m \
		--ulimit core=0 \
		-v "$P-vault-file:/vault/file" -v "$P-vault-logs:/vault/logs" \
		"${opts[@]}" "$image" "$@"
}

# vault CLI inside the container (VAULT_* and BAO_* both set: OpenBao reads BAO_*).
vault_exec() {
	"$DOCKER" exec -e VAULT_ADDR=http://127.0.0.1:8200 -e BAO_ADDR=http://127.0.0.1:8200 \
		"$P-vault" vault "$@"
}

vault_status_rc() {
	local rc=0
	vault_exec status >/dev/null 2>&1 || rc=$?
	echo "$rc"
}

# vault status exit codes: 0 unsealed, 1 error, 2 sealed.
vault_status_is() { [ "$(vault_status_rc)" = "$1" ]; }

prove_vault_dummy() {
	vault_run uyoop-e2e/vault:layout-dummy
	sleep 2
	"$DOCKER" logs "$P-vault" 2>&1
	"$DOCKER" logs "$P-vault" 2>&1 | grep -q 'writable: /vault/file'
	"$DOCKER" logs "$P-vault" 2>&1 | grep -q 'writable: /vault/logs'
	"$DOCKER" logs "$P-vault" 2>&1 | grep -q 'writable: /tmp'
	"$DOCKER" logs "$P-vault" 2>&1 | grep -q 'rootfs read-only'
	"$DOCKER" exec "$P-vault" sh -c 'id; ls -ld /vault/file /vault/logs /tmp'
}

prove_vault_real() {
	local image="$1"
	mkdir -p "$WORK/vault-config"
	cat >"$WORK/vault-config/vault.hcl" <<-'HCL'
		# prove-images.sh: a one-node raft server, loopback HTTP only.
		storage "raft" {
		  path    = "/vault/file"
		  node_id = "prove-1"
		}
		listener "tcp" {
		  address     = "0.0.0.0:8200"
		  tls_disable = true
		}
		api_addr      = "http://127.0.0.1:8200"
		cluster_addr  = "http://127.0.0.1:8201"
		disable_mlock = true
		ui            = false
	HCL
	chmod 0644 "$WORK/vault-config/vault.hcl"
	vault_run "$image" -v "$WORK/vault-config:/vault/config:ro" \
		-- server -config=/vault/config/vault.hcl
	WAIT_CONTAINER="$P-vault" wait_for "the vault listener" 30 vault_status_is 2 ||
		{ "$DOCKER" logs "$P-vault" 2>&1 | tail -n 30; return 1; }
	echo "status before init: rc=$(vault_status_rc) (2 = sealed)"
	vault_exec operator init -key-shares=1 -key-threshold=1 -format=json >"$WORK/init.json"
	local key
	key="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["unseal_keys_b64"][0])' "$WORK/init.json")"
	vault_exec operator unseal "$key" >/dev/null
	wait_for "unsealed" 30 vault_status_is 0
	vault_exec status || true
	"$DOCKER" exec "$P-vault" sh -c 'id; ls -ln /vault/file /vault/file/raft'
	[ "$("$DOCKER" exec "$P-vault" stat -c '%u:%g' /vault/file/vault.db)" = 100:1000 ]
	"$DOCKER" restart -t 10 "$P-vault" >/dev/null
	wait_for "vault after restart" 30 vault_status_is 2
	# status exits 2 when sealed: expected here.
	{ vault_exec status -format=json || true; } | python3 -c 'import json,sys; s=json.load(sys.stdin); print("after restart: initialized", s["initialized"], "sealed", s["sealed"]); sys.exit(0 if s["initialized"] and s["sealed"] else 1)'
	# Unseal again for the app proof ($WORK, with init.json, is removed at exit).
	vault_exec operator unseal "$key" >/dev/null
	wait_for "unsealed after restart" 30 vault_status_is 0
	echo "unsealed again"
}

if wants vault; then
	if "$DOCKER" image inspect uyoop-e2e/vault:latest >/dev/null 2>&1; then
		e2e_step vault-real prove_vault_real uyoop-e2e/vault:latest
		sed 's/^/    /' "$E2E_LOG_DIR/vault-real.log" >&2
	elif "$DOCKER" image inspect uyoop-e2e/vault:layout-dummy >/dev/null 2>&1; then
		e2e_log "no real vault image (uyoop-e2e/vault:latest): proving the layout with the dummy"
		e2e_step vault-layout-dummy prove_vault_dummy
		sed 's/^/    /' "$E2E_LOG_DIR/vault-layout-dummy.log" >&2
	else
		e2e_die "no uyoop-e2e/vault image: run e2e/build-images.sh"
	fi
fi

# ----------------------------------------------------------------------- app
prove_app() {
	"$DOCKER" run -d --name "$P-app" --network "$NET" "${HARDEN[@]}" --user 10001:10001 \
		--tmpfs /tmp:rw,noexec,nosuid,size=8m \
		-e VAULT_ADDR=http://vault-unreachable:8200 \
		uyoop-e2e/app:dev
	sleep 3
	local body
	body="$("$DOCKER" exec "$P-app" python3 -c '
import urllib.request, urllib.error
try:
    r = urllib.request.urlopen("http://127.0.0.1:8000/health", timeout=5); print(r.status, r.read().decode())
except urllib.error.HTTPError as e:
    print(e.code, e.read().decode())')"
	echo "/health: $body"
	"$DOCKER" logs "$P-app" 2>&1 | tail -n 5
	case "$body" in 503*) ;; *) return 1 ;; esac
}

# The whole path with a real Vault and PostgreSQL (running from the steps
# above): configure Vault as the project will (KV v2, database engine, TOTP,
# app-policy, AppRole), then the app must reach /health 200.
vault_root() {
	local token
	token="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["root_token"])' "$WORK/init.json")"
	"$DOCKER" exec -i -e VAULT_ADDR=http://127.0.0.1:8200 -e BAO_ADDR=http://127.0.0.1:8200 \
		-e VAULT_TOKEN="$token" -e BAO_TOKEN="$token" "$P-vault" vault "$@"
}

app_health() {
	"$DOCKER" exec "$P-app" python3 -c '
import sys, urllib.request, urllib.error
try:
    r = urllib.request.urlopen("http://127.0.0.1:8000/health", timeout=5); print(r.status, r.read().decode())
except urllib.error.HTTPError as e:
    print(e.code, e.read().decode()); sys.exit(1)'
}

prove_app_full() {
	vault_root secrets enable -path=secret -version=2 kv
	vault_root kv put secret/app/config database_url='postgresql://postgres:5432/uyoop?sslmode=disable'
	vault_root secrets enable database
	# password=- reads stdin verbatim: a trailing newline would become part of it.
	vault_root write database/config/uyoop plugin_name=postgresql-database-plugin \
		connection_url='postgresql://{{username}}:{{password}}@postgres:5432/uyoop?sslmode=disable' \
		allowed_roles=uyoop-app username=uyoop_admin password=- < <(printf '%s' "$(cat "$WORK/pg/password")")
	vault_root write database/roles/uyoop-app db_name=uyoop default_ttl=1h max_ttl=4h \
		creation_statements="CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'; GRANT CONNECT ON DATABASE uyoop TO \"{{name}}\";"
	vault_root secrets enable totp
	vault_root policy write app-policy - <<-'POLICY'
		path "secret/data/app/config"   { capabilities = ["read"] }
		path "database/creds/uyoop-app" { capabilities = ["read"] }
		path "totp/keys/user_e2e"       { capabilities = ["create", "update", "delete"] }
		path "totp/code/user_e2e"       { capabilities = ["update"] }
	POLICY
	vault_root auth enable approle
	vault_root write auth/approle/role/uyoop-app token_policies=app-policy token_ttl=15m token_max_ttl=1h \
		secret_id_ttl=24h secret_id_num_uses=0
	mkdir -p "$WORK/app"
	vault_root read -field=role_id auth/approle/role/uyoop-app/role-id >"$WORK/app/role_id"
	vault_root write -f -field=secret_id auth/approle/role/uyoop-app/secret-id >"$WORK/app/secret_id"
	chown 10001:10001 "$WORK/app/role_id" "$WORK/app/secret_id"
	chmod 0400 "$WORK/app/role_id" "$WORK/app/secret_id"

	"$DOCKER" run -d --name "$P-app" --network "$NET" "${HARDEN[@]}" --user 10001:10001 \
		--tmpfs /tmp:rw,noexec,nosuid,size=8m \
		-v "$WORK/app/role_id:/run/secrets/vault-role-id:ro" \
		-v "$WORK/app/secret_id:/run/secrets/vault-secret-id:ro" \
		-e VAULT_ADDR=http://vault:8200 \
		-e VAULT_ROLE_ID_FILE=/run/secrets/vault-role-id \
		-e VAULT_SECRET_ID_FILE=/run/secrets/vault-secret-id \
		-e APP_RETRY_SECONDS=2 \
		uyoop-e2e/app:dev
	WAIT_CONTAINER="$P-app" wait_for "app /health 200" 60 app_health || {
		app_health || true
		"$DOCKER" logs "$P-app" 2>&1 | tail -n 20
		return 1
	}
	app_health
	"$DOCKER" logs "$P-app" 2>&1 | tail -n 8
}

if wants app && "$DOCKER" image inspect uyoop-e2e/app:dev >/dev/null 2>&1; then
	if wants postgres && wants vault && [ -s "$WORK/init.json" ]; then
		e2e_step app-full prove_app_full
		sed 's/^/    /' "$E2E_LOG_DIR/app-full.log" >&2
	else
		e2e_step app-start prove_app
		sed 's/^/    /' "$E2E_LOG_DIR/app-start.log" >&2
	fi
fi
e2e_log "all proofs passed"
