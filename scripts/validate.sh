#!/bin/sh
# npm run validate: the real consumer reads what we render. Synthesizes each environment
# (default: the dev environment and environments/prod.example.json), then runs
# `tofu init -backend=false` and `tofu validate` in every synthesized stack with the real
# providers, and prints each stack's result; on failure, Terraform's own error text.
#
#   VALIDATE_ENVS   environment files to check (default "environments/dev.json environments/prod.example.json")
#   VALIDATE_BIN    the binary: tofu (default) or terraform; a name on PATH or a path. When it
#                   is not on PATH, e2e/provision-toolchain.sh's build is used.
#   TF_CLI_CONFIG_FILE  provider installation; default (also when it names no file): the
#                   toolchain's filesystem mirror when it exists (these machines), else the
#                   public registry (everywhere else).
#   UYOOP_E2E_CACHE / UYOOP_TOOLCHAIN_DIR  where provision-toolchain.sh built the toolchain.
#
# Exit 0 when every stack of every environment is valid; 1 otherwise; 2 when no binary is found.
set -eu
cd "$(dirname "$0")/.."

envs="${VALIDATE_ENVS:-environments/dev.json environments/prod.example.json}"
bin="${VALIDATE_BIN:-tofu}"
cache="${UYOOP_E2E_CACHE:-$HOME/.cache/uyoop-e2e}"
toolchain="${UYOOP_TOOLCHAIN_DIR:-$cache/toolchain}"

if ! command -v "$bin" >/dev/null 2>&1; then
  if [ -x "$toolchain/bin/$bin" ]; then
    bin="$toolchain/bin/$bin"
  else
    echo "validate: no $bin on PATH nor in $toolchain/bin; install OpenTofu (or run e2e/provision-toolchain.sh here)" >&2
    exit 2
  fi
fi
# A TF_CLI_CONFIG_FILE naming no file is treated as unset (some machines preset one).
if { [ -z "${TF_CLI_CONFIG_FILE:-}" ] || [ ! -f "$TF_CLI_CONFIG_FILE" ]; } && [ -f "$toolchain/tofu.rc" ]; then
  TF_CLI_CONFIG_FILE="$toolchain/tofu.rc"
  export TF_CLI_CONFIG_FILE
fi
# One copy of each provider for every stack directory (tofu links from the cache).
TF_PLUGIN_CACHE_DIR="${TF_PLUGIN_CACHE_DIR:-$cache/plugin-cache}"
mkdir -p "$TF_PLUGIN_CACHE_DIR"
export TF_PLUGIN_CACHE_DIR CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1

version="$("$bin" version 2>/dev/null | grep -m 1 -E '^(OpenTofu|Terraform) v')" || version="$bin (version unknown)"
echo "validate: $version; providers from ${TF_CLI_CONFIG_FILE:-the public registry}"
npm run --silent build

out="cdktf.out/validate"
rm -rf "$out"
mkdir -p "$out"
failed=0
checked=0
for file in $envs; do
  label="$(basename "$file" .json)"
  if ! CDKTF_OUTDIR="$out/$label" UYOOP_ENV_FILE="$file" node dist/main.js >"$out/$label.synth.log" 2>&1; then
    echo "FAIL $label: synth failed:" >&2
    cat "$out/$label.synth.log" >&2
    failed=1
    continue
  fi
  for dir in "$out/$label"/stacks/*/; do
    stack="$(basename "$dir")"
    checked=$((checked + 1))
    log="$out/$label.$stack.log"
    if (cd "$dir" && "$bin" init -backend=false -input=false -no-color && "$bin" validate -no-color) >"$log" 2>&1; then
      echo "ok   $label/$stack"
    else
      echo "FAIL $label/$stack ($bin init -backend=false && $bin validate, in $dir):" >&2
      # Terraform's diagnostics, without the init banner.
      sed -n '/Error\|Warning\|│/,$p' "$log" >&2
      failed=1
    fi
  done
done
if [ "$failed" -ne 0 ]; then
  echo "validate: FAILED ($version); logs in $out/" >&2
  exit 1
fi
echo "validate: $checked stacks valid with $version"
