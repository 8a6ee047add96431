#!/bin/sh
# npm run lint: the checks that need tools from the OS rather than from npm (`npm test` needs only
# Node.js and npm). CI installs the tools first (.ci/run); on Debian/Ubuntu:
#   apt-get install shellcheck busybox gnupg
# - shellcheck -S warning on every shell script in git, and the POSIX sh style check on the two
#   scripts operators run by hand or inside the images (bootstrap.sh, unseal.sh);
# - jest on __tests__/*.lint.ts: the Vault bootstrap script under BusyBox sh and awk (the tools
#   of the Alpine-based images) and dash, and PGP unseal keys made by gpg.
set -eu
cd "$(dirname "$0")/.."

missing=0
# need COMMAND PACKAGE
need() {
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "lint: $1 is not installed: apt-get install $2" >&2
    missing=1
  fi
}
need shellcheck shellcheck
need busybox busybox
need dash dash
need gpg gnupg
need git git
[ "$missing" -eq 0 ] || exit 1

# Every script git tracks; .ci/run has no extension.
scripts=$(git ls-files '*.sh' .ci/run)
# shellcheck disable=SC2086 # one word per path (no path in this repository has a space)
shellcheck -S warning $scripts
echo "lint: shellcheck -S warning: $(echo "$scripts" | wc -l) scripts clean"

shellcheck -s sh -S style constructs/vault/scripts/bootstrap.sh scripts/unseal.sh
echo "lint: shellcheck -s sh -S style: bootstrap.sh and unseal.sh clean"

npx jest --ci --config jest.lint.config.js
