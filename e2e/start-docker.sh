#!/usr/bin/env bash
# Start a Docker engine for the e2e harness, idempotently.
#
#  - if `docker version` answers: do nothing;
#  - if dockerd is missing: apt-get install -y docker.io (Debian bookworm: engine 20.10);
#  - start dockerd in the background, logging to $CACHE/dockerd.log;
#  - wait up to ${DOCKERD_WAIT:-60} s for the daemon to answer, fail clearly otherwise.
#
# No registry is reachable here: nothing is ever pulled; images are built by
# e2e/build-images.sh.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"

wait_secs="${DOCKERD_WAIT:-60}"
dockerd_log="$CACHE/dockerd.log"

report_clients() {
	local c seen=" "
	e2e_log "docker clients on PATH (first wins): $(type -ap docker | tr '\n' ' ')"
	for c in $(type -ap docker); do
		# /bin/docker and /usr/bin/docker are one file on a merged-/usr system.
		case "$seen" in *" $(readlink -f "$c") "*) continue ;; esac
		seen="$seen$(readlink -f "$c") "
		e2e_log "  $c: client $("$c" version -f '{{.Client.Version}} (API {{.Client.APIVersion}})' 2>/dev/null || echo '?'); server $("$c" version -f '{{.Server.Version}} (API {{.Server.APIVersion}}, min {{.Server.MinAPIVersion}})' 2>/dev/null || echo 'does not answer')"
	done
}

if e2e_docker_ok; then
	e2e_log "docker already answers; nothing to do"
	report_clients
	exit 0
fi

if ! command -v dockerd >/dev/null 2>&1; then
	export DEBIAN_FRONTEND=noninteractive
	install_docker() {
		# docker.io's postinst tries to start the service; without systemd that
		# is a no-op. apt-get update only when the package is not known yet.
		apt-cache show docker.io >/dev/null 2>&1 || apt-get update
		apt-get install -y --no-install-recommends docker.io
	}
	e2e_step docker-install install_docker
else
	e2e_skip docker-install "dockerd already at $(command -v dockerd)"
fi

if [ -S /var/run/docker.sock ] && pgrep -x dockerd >/dev/null 2>&1; then
	e2e_log "a dockerd process exists but does not answer yet; waiting for it"
else
	# A stale pid file from a killed daemon makes dockerd refuse to start.
	if [ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
		rm -f /var/run/docker.pid
	fi
	e2e_log "starting dockerd (log: $dockerd_log)"
	# setsid + nohup: the daemon outlives this script and its terminal.
	setsid nohup dockerd >>"$dockerd_log" 2>&1 </dev/null &
	e2e_log "dockerd pid $!"
fi

wait_for_docker() {
	local i
	for ((i = 0; i < wait_secs; i++)); do
		if e2e_docker_ok; then
			return 0
		fi
		sleep 1
	done
	return 1
}
t0="$(_now)"
if ! wait_for_docker; then
	E2E_TIMINGS+=("dockerd-wait|$(_elapsed "$t0")|FAILED")
	printf '\n[e2e] step "dockerd-wait" FAILED: docker did not answer within %ss; last 40 lines of %s:\n' \
		"$wait_secs" "$dockerd_log" >&2
	tail -n 40 "$dockerd_log" >&2
	exit 1
fi
E2E_TIMINGS+=("dockerd-wait|$(_elapsed "$t0")|ok")
report_clients
e2e_log "storage driver: $("$DOCKER" info -f '{{.Driver}}'), cgroup: $("$DOCKER" info -f '{{.CgroupDriver}} v{{.CgroupVersion}}')"
