#!/bin/sh
# npm run lint: the checks that need tools from the OS rather than from npm (`npm test` needs only
# Node.js and npm). CI installs the tools first (.ci/run); on Debian/Ubuntu:
#   apt-get install shellcheck busybox
# - shellcheck -S warning on every shell script in git, and the POSIX sh style check on the two
#   scripts operators run by hand or inside the images (bootstrap.sh, unseal.sh);
# - the Vault bootstrap script under BusyBox sh and awk, the tools of the Alpine-based images
#   (__tests__/*.lint.ts, run by jest).
set -eu
cd "$(dirname "$0")/.."

missing=""
command -v shellcheck >/dev/null 2>&1 || missing="$missing shellcheck"
command -v busybox >/dev/null 2>&1 || missing="$missing busybox"
command -v git >/dev/null 2>&1 || missing="$missing git"
if [ -n "$missing" ]; then
  for tool in $missing; do
    echo "lint: $tool is not installed: apt-get install $tool" >&2
  done
  exit 1
fi

# Every script git tracks; .ci/run has no extension.
scripts=$(git ls-files '*.sh' .ci/run)
# shellcheck disable=SC2086 # one word per path (no path in this repository has a space)
shellcheck -S warning $scripts
echo "lint: shellcheck -S warning: $(echo "$scripts" | wc -l) scripts clean"

shellcheck -s sh -S style constructs/vault/scripts/bootstrap.sh scripts/unseal.sh
echo "lint: shellcheck -s sh -S style: bootstrap.sh and unseal.sh clean"

npx jest --ci --config jest.lint.config.js
