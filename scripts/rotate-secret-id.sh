#!/bin/sh
# Rotates the app's AppRole SecretID by re-running the environment's SecretID issuer job: it logs
# in with its own client certificate, writes a fresh SecretID into the app's secret-id volume
# (the app re-reads the file at each login) and then destroys the previous one, which from then
# on fails to log in. An unrotated SecretID still ends with its TTL
# (vault.appRole.secretIdTtlSeconds, 8 days by default: a week plus a day of grace).
#
#   scripts/rotate-secret-id.sh [environment-name]     (default: uyoop-dev)
#
# Weekly, from the Docker host's crontab (the seeds' rotation period):
#   17 3 * * 1  /path/to/checkout/scripts/rotate-secret-id.sh uyoop-prod
set -eu

env_name=${1:-uyoop-dev}
case $env_name in
  '' | -* | *[!a-z0-9-]*)
    printf 'rotate-secret-id: invalid environment name %s\n' "'$env_name'" >&2
    exit 2
    ;;
esac
command -v docker >/dev/null 2>&1 || { echo "rotate-secret-id: docker is not on PATH" >&2; exit 1; }
container="$env_name-secretid-issuer"
if ! docker container inspect "$container" >/dev/null 2>&1; then
  printf 'rotate-secret-id: no container %s: deploy the workloads stack first\n' "$container" >&2
  exit 1
fi
docker start -a "$container"
