#!/bin/sh
# Unseals an environment's Vault cluster after a restart by re-running its bootstrap job
# (constructs/vault/scripts/bootstrap.sh in the <env>-vault-bootstrap container): it waits for
# every node, initializes only if that never happened, and unseals every sealed node with the
# shares in the operator directory. Safe to run at any time.
#
#   scripts/unseal.sh [environment-name]     (default: uyoop-dev)
#
# Exit status: the bootstrap's (0 done, 1 a step failed, 2 invalid input), or 1 when the
# container cannot be run.
set -eu

usage() {
  printf 'usage: %s [environment-name]   (default: uyoop-dev)\n' "$0"
}

case ${1:-} in
  -h | --help)
    usage
    exit 0
    ;;
esac
if [ "$#" -gt 1 ]; then
  usage >&2
  exit 2
fi

env_name=${1:-uyoop-dev}
case $env_name in
  '' | -* | *[!A-Za-z0-9_.-]*)
    printf 'unseal: invalid environment name %s (letters, digits, ".", "_" and "-" only)\n' "'$env_name'" >&2
    exit 2
    ;;
esac
container="$env_name-vault-bootstrap"

if ! command -v docker >/dev/null 2>&1; then
  echo "unseal: docker is not on PATH" >&2
  exit 1
fi
if ! docker container inspect "$container" >/dev/null 2>&1; then
  printf 'unseal: no container %s; apply the platform stack of %s first (cdktf deploy platform)\n' "$container" "$env_name" >&2
  exit 1
fi

echo "unseal: running $container"
rc=0
docker start -a "$container" || rc=$?
if [ "$rc" -eq 0 ]; then
  echo "unseal: $container finished: the Vault cluster of $env_name is initialized and unsealed (or waits for PGP share holders, see above)"
else
  echo "unseal: $container failed (exit $rc); its output above names the failed step; see docs/RUNBOOK.md" >&2
fi
exit "$rc"
