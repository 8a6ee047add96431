#!/usr/bin/env bash
# npm run e2e: build everything here, deploy the e2e environment with the user's own command,
# assert against the running system, and tear it down.
#
#   toolchain   e2e/provision-toolchain.sh: OpenTofu, the five providers, OpenBao (cached)
#   docker      e2e/start-docker.sh: a Docker engine
#   images      e2e/build-images.sh: Debian base, PostgreSQL, OpenBao (official layout), app stand-in
#   cdktf-cli   cdktf-cli@0.21.0 from npm into $CACHE/cdktf-cli (not a dependency of the product)
#   build       the project (tsc) and the assertion runner (dist/e2e/assert.js)
#   clean       anything a previous run left: containers, volumes, networks, state, operator dir
#   deploy      cdktf deploy '*' --auto-approve (TERRAFORM_BINARY_NAME=tofu)
#   assert-*    e2e/assert.ts phases: running, plan, restart, replace, upgrade, snapshot, rotation
#   destroy-refused  cdktf destroy '*' --auto-approve must fail on prevent_destroy; nothing lost
#   teardown    the same environment with allowDataLoss, cdktf destroy '*'; nothing left
#
# Every phase is timed; a failing phase is named with the tail of its log ($CACHE/logs/e2e-*.log),
# and the run then removes what it deployed. The end prints every assertion with its result.
#
# Environment: UYOOP_E2E_ENV_FILE (default environments/e2e.json), UYOOP_E2E_CACHE,
# UYOOP_E2E_KEEP=1 (leave the environment running after the assertions; no teardown).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
# shellcheck source=e2e/lib.sh
. "$here/lib.sh"
cd "$root"

ENV_FILE="${UYOOP_E2E_ENV_FILE:-environments/e2e.json}"
TC="${UYOOP_TOOLCHAIN_DIR:-$CACHE/toolchain}"
CLI_DIR="$CACHE/cdktf-cli"
CLI_VERSION=0.21.0
RESULTS="$E2E_LOG_DIR/e2e-results.jsonl"
DESTROY_LOG="$E2E_LOG_DIR/e2e-destroy-refused-output.log"
TEARDOWN_ENV="$CACHE/e2e-teardown.json"
# shellcheck disable=SC2034 # read by e2e_try (lib.sh)
E2E_LOG_PREFIX=e2e-
: >"$RESULTS"

t_start="$(_now)"
env_name="$(node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).name)' "$ENV_FILE")"
e2e_log "environment $env_name from $ENV_FILE; cache $CACHE"

# The user's toolchain: OpenTofu as Terraform, providers from the locally built mirror.
export PATH="$TC/bin:$CLI_DIR/node_modules/.bin:$PATH"
export TF_CLI_CONFIG_FILE="$TC/tofu.rc"
export TERRAFORM_BINARY_NAME=tofu CHECKPOINT_DISABLE=1 CI=1
export UYOOP_E2E_RESULTS="$RESULTS" UYOOP_E2E_DESTROY_LOG="$DESTROY_LOG"

# --- phases ---------------------------------------------------------------------------------
install_cli() {
	if [ "$("$CLI_DIR/node_modules/.bin/cdktf" --version 2>/dev/null)" = "$CLI_VERSION" ]; then
		echo "cdktf-cli $CLI_VERSION already in $CLI_DIR"
		return 0
	fi
	rm -rf "$CLI_DIR" && mkdir -p "$CLI_DIR"
	npm install --no-audit --no-fund --prefix "$CLI_DIR" "cdktf-cli@$CLI_VERSION"
	"$CLI_DIR/node_modules/.bin/cdktf" --version
}

# env_facts: "<operator dir> <its uid> <its gid> <server CLI>" of the environment, from its loader.
env_facts() {
	node -e '
		const { loadEnvironment } = require("./dist/config/load");
		const { vaultServerFlavour } = require("./dist/constructs/vault/vault-server-flavour");
		const c = loadEnvironment(process.cwd(), { UYOOP_ENV_FILE: process.argv[1] });
		const dir = c.host.operatorDir.replace(/^~(?=\/)/, require("os").homedir());
		process.stdout.write([dir, c.host.operatorUid, c.host.operatorGid, vaultServerFlavour(c.vault.server).cli].join(" "));
	' "$ENV_FILE"
}

# remove_environment: every Docker object named after the environment, its state and operator dir.
remove_environment() {
	local ids
	ids="$("$DOCKER" ps -aq --filter "name=^$env_name-")"
	if [ -n "$ids" ]; then
		# shellcheck disable=SC2086 # one id per word
		"$DOCKER" rm -f $ids
	fi
	ids="$("$DOCKER" volume ls -q --filter "name=^$env_name-")"
	if [ -n "$ids" ]; then
		# shellcheck disable=SC2086
		"$DOCKER" volume rm -f $ids
	fi
	ids="$("$DOCKER" network ls -q --filter "name=^$env_name-")"
	if [ -n "$ids" ]; then
		# shellcheck disable=SC2086
		"$DOCKER" network rm $ids
	fi
	rm -rf "state/$env_name"
	local dir
	read -r dir _ _ _ <<<"$(env_facts)"
	rm -rf "$dir"
}

clean() {
	remove_environment
	# The bootstrap job runs as the operator directory's owner (host.operatorUid), not root.
	local dir uid gid
	read -r dir uid gid _ <<<"$(env_facts)"
	install -d -m 0700 -o "$uid" -g "$gid" "$dir"
	ls -ld "$dir"
}

deploy() { UYOOP_ENV_FILE="$ENV_FILE" cdktf deploy '*' --auto-approve --skip-provider-lock; }

assert_phase() { UYOOP_ENV_FILE="$ENV_FILE" node dist/e2e/assert.js "$1"; }

# A routine destroy must fail on prevent_destroy, before anything is destroyed.
destroy_refused() {
	local rc=0
	UYOOP_ENV_FILE="$ENV_FILE" cdktf destroy '*' --auto-approve --skip-provider-lock >"$DESTROY_LOG" 2>&1 || rc=$?
	tail -n 30 "$DESTROY_LOG"
	if [ "$rc" -eq 0 ]; then
		echo "cdktf destroy succeeded on a protected environment" >&2
		return 1
	fi
	assert_phase protected
}

teardown() {
	# The same environment, with destroy protection lifted by the one switch that lifts it.
	node -e '
		const fs = require("fs");
		const doc = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
		delete doc["$schema"];
		doc.allowDataLoss = { reason: "e2e teardown of the throwaway e2e environment" };
		fs.writeFileSync(process.argv[2], JSON.stringify(doc, null, 2));
	' "$ENV_FILE" "$TEARDOWN_ENV"
	# docs/RUNBOOK.md "Tearing down": the app first, then the database leases, then the rest.
	UYOOP_ENV_FILE="$TEARDOWN_ENV" cdktf destroy workloads --auto-approve --skip-provider-lock
	local dir cli
	read -r dir _ _ cli <<<"$(env_facts)"
	"$DOCKER" exec -e "VAULT_TOKEN=$(cat "$dir/terraform-token")" "$env_name-vault-1" "$cli" lease revoke -prefix database/creds/uyoop-app
	UYOOP_ENV_FILE="$TEARDOWN_ENV" cdktf destroy '*' --auto-approve --skip-provider-lock
	UYOOP_ENV_FILE="$TEARDOWN_ENV" node dist/e2e/assert.js gone
	# Files the bootstrap wrote (init material, token) are not Terraform's: remove them too.
	remove_environment
}

# Show an assertion phase's result lines (its full output is in its log).
show_assertions() { grep -E '^(PASS|FAIL|GAP) ' "$E2E_LOG_DIR/e2e-$1.log" >&2 || true; }

failed=""
step() { # NAME CMD...: a phase; on failure remember it and stop the sequence
	[ -z "$failed" ] || return 0
	e2e_attempt "$@"
	[ "$E2E_RC" -eq 0 ] || failed="$1"
	case "$1" in assert-* | destroy-refused) show_assertions "$1" ;; esac
}

step toolchain bash "$here/provision-toolchain.sh"
step docker bash "$here/start-docker.sh"
step images bash "$here/build-images.sh"
step cdktf-cli install_cli
step build npm run --silent build
step clean clean
step deploy deploy
step assert-running assert_phase running
step assert-plan assert_phase plan
step assert-restart assert_phase restart
step assert-replace assert_phase replace
step assert-upgrade assert_phase upgrade
step assert-snapshot assert_phase snapshot
step assert-rotation assert_phase rotation
if [ "${UYOOP_E2E_KEEP:-0}" = 1 ] && [ -z "$failed" ]; then
	e2e_skip destroy-refused "UYOOP_E2E_KEEP=1"
	e2e_skip teardown "UYOOP_E2E_KEEP=1: $env_name is left running"
else
	step destroy-refused destroy_refused
	step teardown teardown
	if [ -n "$failed" ] && [ "$failed" != toolchain ] && [ "$failed" != docker ]; then
		e2e_attempt cleanup-after-failure remove_environment
	fi
fi

E2E_TIMINGS+=("total|$(_elapsed "$t_start")|")

# --- report ---------------------------------------------------------------------------------
printf '\nassertions (%s):\n' "$RESULTS" >&2
node -e '
	const lines = require("fs").readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
	for (const r of lines) process.stderr.write(`  ${r.status.padEnd(4)} [${r.phase}] ${r.name} (${r.seconds.toFixed(1)} s)\n`);
	const count = (s) => lines.filter((r) => r.status === s).length;
	process.stderr.write(`  ${count("PASS")} passed, ${count("FAIL")} failed, ${count("GAP")} known gaps\n`);
' "$RESULTS"
if [ -z "$failed" ] && grep -q '"status":"FAIL"' "$RESULTS"; then
	failed="$(grep '"status":"FAIL"' "$RESULTS" | head -n 1 | sed 's/.*"phase":"\([^"]*\)".*/assert-\1/')"
fi
if [ -n "$failed" ]; then
	printf '\n[e2e] FAILED at step "%s" (log: %s/e2e-%s.log)\n' "$failed" "$E2E_LOG_DIR" "$failed" >&2
	exit 1
fi
printf '\n[e2e] passed: %s deployed, asserted and torn down\n' "$env_name" >&2
