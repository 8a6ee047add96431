#!/bin/sh
# Entrypoint of uyoop-e2e/postgres:15 (Debian bookworm's postgresql-15).
#
# Follows the contract of the official postgres image (written from its
# documentation, not its code):
#   PGDATA                      default /var/lib/postgresql/data
#   POSTGRES_USER               superuser name, default "postgres"
#   POSTGRES_PASSWORD_FILE      file holding the superuser password (preferred)
#   POSTGRES_PASSWORD           the password itself (discouraged: it shows in env)
#   POSTGRES_DB                 database created at first start, default $POSTGRES_USER
#   POSTGRES_INITDB_ARGS        extra initdb arguments, e.g. --auth-host=scram-sha-256
#   POSTGRES_INITDB_WALDIR      optional separate WAL directory
#   POSTGRES_HOST_AUTH_METHOD   pg_hba method for remote hosts, default scram-sha-256
#   /docker-entrypoint-initdb.d/*.sql, *.sql.gz, *.sh   run once, at first start
#
# Command: `postgres [args]`; when the first argument starts with "-" it is
# taken as arguments for postgres (e.g. `-c config_file=/etc/pg/postgresql.conf`).
# A bare `name=value` argument is passed as `-c name=value`.
#
# Designed to run as uid 999 with a read-only root filesystem, all
# capabilities dropped and no-new-privileges: it writes only to $PGDATA,
# /var/run/postgresql and $TMPDIR. Started as root, it fixes the ownership of
# those directories and re-executes itself as postgres (999:999) via setpriv.
set -eu

: "${PGDATA:=/var/lib/postgresql/data}"
: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
: "${POSTGRES_INITDB_ARGS:=}"
: "${POSTGRES_INITDB_WALDIR:=}"
: "${POSTGRES_HOST_AUTH_METHOD:=scram-sha-256}"
export PGDATA

log() { printf '%s entrypoint: %s\n' "$(date -u '+%Y-%m-%d %H:%M:%S UTC')" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ---- the command -----------------------------------------------------------
if [ "$#" -eq 0 ]; then
	set -- postgres
fi
case "$1" in
	-* | *=*)
		# Only postgres arguments: rebuild the list with `postgres` in front,
		# turning bare name=value into -c name=value.
		n=$#
		prev=
		set -- "$@" postgres
		i=0
		while [ "$i" -lt "$n" ]; do
			a=$1
			shift
			case "$a" in
				-*) set -- "$@" "$a" ;;
				*=*) if [ "$prev" = "-c" ]; then set -- "$@" "$a"; else set -- "$@" -c "$a"; fi ;;
				*) set -- "$@" "$a" ;;
			esac
			prev=$a
			i=$((i + 1))
		done
		;;
esac

if [ "$1" != postgres ]; then
	# Any other command (psql, pg_isready, sh, ...) runs as given.
	exec "$@"
fi

# ---- started as root: fix ownership, then drop to postgres -----------------
if [ "$(id -u)" = 0 ]; then
	mkdir -p "$PGDATA" /var/run/postgresql
	chown postgres:postgres "$PGDATA" /var/run/postgresql
	chmod 0700 "$PGDATA"
	chmod 3777 /var/run/postgresql
	if [ -n "$POSTGRES_INITDB_WALDIR" ]; then
		mkdir -p "$POSTGRES_INITDB_WALDIR"
		chown postgres:postgres "$POSTGRES_INITDB_WALDIR"
		chmod 0700 "$POSTGRES_INITDB_WALDIR"
	fi
	exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

# ---- first start: initialise the cluster -----------------------------------
password_file=
password_tmp=
cleanup() {
	if [ -n "$password_tmp" ]; then rm -f "$password_tmp"; fi
}
trap cleanup EXIT

read_password() {
	if [ -n "${POSTGRES_PASSWORD_FILE:-}" ] && [ -n "${POSTGRES_PASSWORD:-}" ]; then
		die "set POSTGRES_PASSWORD_FILE or POSTGRES_PASSWORD, not both"
	fi
	if [ -n "${POSTGRES_PASSWORD_FILE:-}" ]; then
		[ -r "$POSTGRES_PASSWORD_FILE" ] || die "POSTGRES_PASSWORD_FILE=$POSTGRES_PASSWORD_FILE is not readable by uid $(id -u)"
		[ -s "$POSTGRES_PASSWORD_FILE" ] || die "POSTGRES_PASSWORD_FILE=$POSTGRES_PASSWORD_FILE is empty"
		password_file=$POSTGRES_PASSWORD_FILE
	elif [ -n "${POSTGRES_PASSWORD:-}" ]; then
		password_tmp=$(mktemp "${TMPDIR:-/tmp}/pgpass.XXXXXX") ||
			die "cannot create a temporary file in ${TMPDIR:-/tmp} (mount a tmpfs there)"
		printf '%s\n' "$POSTGRES_PASSWORD" >"$password_tmp"
		password_file=$password_tmp
	elif [ "$POSTGRES_HOST_AUTH_METHOD" != trust ]; then
		die "no superuser password: set POSTGRES_PASSWORD_FILE (or POSTGRES_HOST_AUTH_METHOD=trust, never in production)"
	fi
}

# psql as the superuser over the local socket of the temporary server.
init_psql() {
	psql -X -v ON_ERROR_STOP=1 --no-password --username "$POSTGRES_USER" "$@"
}

run_init_scripts() {
	for f in /docker-entrypoint-initdb.d/*; do
		[ -e "$f" ] || continue
		case "$f" in
			*.sh)
				if [ -x "$f" ]; then
					log "running $f"
					"$f"
				else
					log "sourcing $f"
					# shellcheck disable=SC1090
					. "$f"
				fi
				;;
			*.sql)
				log "running $f"
				init_psql --dbname "$POSTGRES_DB" -f "$f"
				;;
			*.sql.gz)
				log "running $f"
				gzip -dc "$f" | init_psql --dbname "$POSTGRES_DB"
				;;
			*) log "ignoring $f" ;;
		esac
	done
}

initialise() {
	log "no cluster in $PGDATA: running initdb"
	# Mode 0700 is required by postgres; this fails harmlessly when the
	# directory belongs to someone else, and initdb then says why.
	mkdir -p "$PGDATA"
	chmod 0700 "$PGDATA" 2>/dev/null || true
	read_password

	set -- --username="$POSTGRES_USER" -D "$PGDATA"
	if [ -n "$password_file" ]; then
		set -- "$@" --pwfile="$password_file"
	fi
	if [ -n "$POSTGRES_INITDB_WALDIR" ]; then
		set -- "$@" --waldir="$POSTGRES_INITDB_WALDIR"
	fi
	# POSTGRES_INITDB_ARGS is a list of words by contract: split it.
	# shellcheck disable=SC2086
	initdb "$@" $POSTGRES_INITDB_ARGS

	# Accept remote connections (the official image's behaviour); clients
	# still authenticate with $POSTGRES_HOST_AUTH_METHOD.
	printf '\n# added by docker-entrypoint.sh\nlisten_addresses = '"'"'*'"'"'\n' >>"$PGDATA/postgresql.conf"
	printf '\n# added by docker-entrypoint.sh\nhost all all all %s\n' "$POSTGRES_HOST_AUTH_METHOD" >>"$PGDATA/pg_hba.conf"

	# A temporary server reachable only through the unix socket.
	log "starting a temporary server for initialisation"
	pg_ctl -D "$PGDATA" -w -t 60 -o "-c listen_addresses='' -c unix_socket_directories=/var/run/postgresql" start

	if [ -n "$password_file" ]; then
		# Needed when POSTGRES_INITDB_ARGS sets --auth-local to a password method.
		PGPASSWORD=$(head -n 1 "$password_file")
		export PGPASSWORD
	fi
	export PGHOST=/var/run/postgresql
	if [ "$POSTGRES_DB" != postgres ]; then
		log "creating database $POSTGRES_DB"
		init_psql --dbname postgres -v db="$POSTGRES_DB" <<-'SQL'
			CREATE DATABASE :"db";
		SQL
	fi
	run_init_scripts
	unset PGPASSWORD PGHOST

	log "stopping the temporary server"
	pg_ctl -D "$PGDATA" -m fast -w stop
	cleanup
	password_tmp=
	log "initialisation complete"
}

if [ ! -s "$PGDATA/PG_VERSION" ]; then
	initialise
else
	log "cluster already initialised in $PGDATA; skipping initdb"
fi

# The password variables are not needed by the server: keep them out of
# its environment (and so out of /proc/<pid>/environ).
unset POSTGRES_PASSWORD POSTGRES_PASSWORD_FILE
exec "$@"
