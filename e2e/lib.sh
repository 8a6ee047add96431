# shellcheck shell=bash
# Shared helpers for the e2e scripts. Source it; do not execute it.
#
# Everything heavy (debootstrap tarballs, logs, the dockerd log, binaries
# built by other scripts) lives in $CACHE, outside the repository.

CACHE="${UYOOP_E2E_CACHE:-$HOME/.cache/uyoop-e2e}"
E2E_LOG_DIR="$CACHE/logs"
mkdir -p "$CACHE" "$E2E_LOG_DIR"

# Wall-clock seconds with sub-second precision when available.
_now() { date +%s.%N 2>/dev/null || date +%s; }

e2e_log() { printf '[e2e %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

e2e_die() {
	printf '[e2e %s] ERROR: %s\n' "$(date +%H:%M:%S)" "$*" >&2
	exit 1
}

# Elapsed seconds since the given _now value, one decimal.
_elapsed() { awk -v a="$1" -v b="$(_now)" 'BEGIN { printf "%.1f", b - a }'; }

# Summary of the phases run by this script, printed at exit.
E2E_TIMINGS=()
e2e_print_timings() {
	[ "${#E2E_TIMINGS[@]}" -gt 0 ] || return 0
	printf '\n%-44s %10s  %s\n' "phase" "seconds" "result" >&2
	local row
	for row in "${E2E_TIMINGS[@]}"; do
		IFS='|' read -r _n _s _r <<<"$row"
		printf '%-44s %10s  %s\n' "$_n" "$_s" "$_r" >&2
	done
}
trap e2e_print_timings EXIT

# e2e_try NAME CMD...: run CMD in a subshell (so it cannot set variables for
# the caller) with stdout+stderr sent to $E2E_LOG_DIR/$E2E_LOG_PREFIX NAME.log,
# record its duration; on failure name the step, show the log's tail, return 1.
#
# Call it as a plain command, never as a condition (`if e2e_try`, `e2e_try ||`,
# `&&`): bash ignores errexit in everything a condition runs, subshells included,
# so a failing command inside CMD would no longer fail the step. Use e2e_attempt
# to branch on the outcome.
e2e_try() {
	local name="$1"
	shift
	local logf="$E2E_LOG_DIR/${E2E_LOG_PREFIX:-}$name.log"
	local t0 rc
	t0="$(_now)"
	e2e_log "step $name: $* (log: $logf)"
	# A subshell with errexit: every failing command inside a step function
	# fails the step (a plain call here would run it with errexit off).
	set +e
	(
		set -eE
		trap 'echo "[e2e] command failed (exit $?): $BASH_COMMAND" >&2' ERR
		"$@"
	) >"$logf" 2>&1
	rc=$?
	set -e
	local secs
	secs="$(_elapsed "$t0")"
	if [ "$rc" -ne 0 ]; then
		E2E_TIMINGS+=("$name|$secs|FAILED (exit $rc)")
		printf '\n[e2e] step "%s" FAILED (exit %s) after %ss; last 40 lines of %s:\n' \
			"$name" "$rc" "$secs" "$logf" >&2
		tail -n 40 "$logf" >&2
		return 1
	fi
	E2E_TIMINGS+=("$name|$secs|ok")
	e2e_log "step $name ok (${secs}s)"
}

# e2e_attempt NAME CMD...: e2e_try outside any condition; E2E_RC holds its status.
e2e_attempt() {
	set +e
	e2e_try "$@"
	E2E_RC=$?
	set -e
}

# e2e_step NAME CMD...: e2e_try, and stop the script when the step fails.
e2e_step() {
	e2e_attempt "$@"
	[ "$E2E_RC" -eq 0 ] || exit 1
}

# Record a phase that was skipped (e.g. cache hit) so the summary shows it.
e2e_skip() { E2E_TIMINGS+=("$1|0.0|skipped: $2"); e2e_log "step $1 skipped: $2"; }

# The docker client the scripts use: whatever is first on PATH, unless
# DOCKER is set. Both the Debian 20.10 client and a 28.x client work.
DOCKER="${DOCKER:-docker}"

e2e_docker_ok() { timeout 10 "$DOCKER" version >/dev/null 2>&1; }

e2e_require_docker() {
	e2e_docker_ok || e2e_die "docker does not answer; run e2e/start-docker.sh first"
}

# Does image $1 exist with label uyoop.e2e.hash == $2 ?
e2e_image_has_hash() {
	local got
	got="$("$DOCKER" image inspect -f '{{ index .Config.Labels "uyoop.e2e.hash" }}' "$1" 2>/dev/null)" || return 1
	[ "$got" = "$2" ]
}
