#!/usr/bin/env bash
# Build the e2e toolchain from the Go module proxy alone, idempotently:
#
#   tofu      OpenTofu v1.12.6 (cmd/tofu) through the wrapper module
#             e2e/toolchain/tofu (it copies OpenTofu's one external replace:
#             hashicorp/hcl/v2 => opentofu/hcl/v2), built with version.dev=no
#             so `tofu version` prints the real version.
#   provider-*  the Terraform providers the CDKTF bindings pin (tls 4.1.0,
#             docker 3.6.2, vault 5.6.0; random 3.7.2 and local 2.6.1 optional),
#             laid out as an OpenTofu filesystem mirror:
#               $TC/mirror/registry.opentofu.org/NS/TYPE/VER/OS_ARCH/terraform-provider-TYPE_vVER
#             plus registry.terraform.io/NS/TYPE/VER/OS_ARCH symlinks so
#             Terraform can use the same mirror. Only tls is served by the Go
#             module proxy here; the others fail fast with a 403.
#   vault     (opt-in) HashiCorp Vault v1.21.4, the newest Vault the proxy
#             serves here; it does not compile (see e2e/toolchain/README.md).
#   terraform (opt-in) Terraform v1.11.4 through e2e/toolchain/terraform.
#   tofu-init-offline  proves that `tofu init` installs every built provider
#             from the mirror with no network at all (a fresh network
#             namespace when `unshare -rn` works, a dead proxy otherwise),
#             runs `tofu apply` on a tls_private_key, and `terraform init`
#             too when bin/terraform exists.
#
# Everything lives in $TC (default $CACHE/toolchain, outside the repository):
# gomod/ and gocache/ (Go caches), src/ (copies of the wrapper modules), bin/,
# mirror/, stamps/, tofu.rc. Each built binary has a stamp (stamps/NAME, kept
# out of the mirror, whose directories must hold only the provider) holding a
# hash of its recipe; a component whose binary runs and whose stamp matches
# is skipped.
# Delete $TC to rebuild everything from scratch.
#
# Environment:
#   UYOOP_E2E_CACHE            cache root (default ~/.cache/uyoop-e2e)
#   UYOOP_TOOLCHAIN_DIR        toolchain dir (default $UYOOP_E2E_CACHE/toolchain)
#   UYOOP_TOOLCHAIN_SKIP       components not to build, e.g. "vault provider-local"
#   UYOOP_TOOLCHAIN_OPTIONAL   components whose failure does not fail the run
#                              (default "provider-random provider-local terraform")
#   UYOOP_TOOLCHAIN_WITH_VAULT=1  also try the Vault server (fails here, see
#                              e2e/toolchain/README.md)
#   UYOOP_TOOLCHAIN_WITH_TERRAFORM=1  also build Terraform v1.11.4 (BUSL-1.1) as
#                              bin/terraform and prove its offline init too
#   GO                         the go command (default /usr/local/go/bin/go, else go on PATH)
#
# Exit status: 0 when every component not listed as optional is built and
# the offline init works; 1 otherwise (each failed step is named with the
# tail of its log, and the script still goes on with the other components).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=e2e/lib.sh
. "$here/lib.sh"

TC="${UYOOP_TOOLCHAIN_DIR:-$CACHE/toolchain}"
WRAPPERS="$here/toolchain"
SKIP=" ${UYOOP_TOOLCHAIN_SKIP:-} "
OPTIONAL=" ${UYOOP_TOOLCHAIN_OPTIONAL:-provider-random provider-local terraform} "
BIN="$TC/bin"
MIRROR="$TC/mirror"
RC_FILE="$TC/tofu.rc"
mkdir -p "$TC" "$BIN" "$MIRROR" "$TC/src"

if [ -z "${GO:-}" ]; then
	if [ -x /usr/local/go/bin/go ]; then GO=/usr/local/go/bin/go; else GO=go; fi
fi
command -v "$GO" >/dev/null 2>&1 || e2e_die "no go command ($GO); install Go >= 1.26.6"

export GOMODCACHE="$TC/gomod"
export GOCACHE="$TC/gocache"
# -modcacherw: the module cache stays deletable with rm -rf.
export GOFLAGS="-modcacherw -buildvcs=false"
# Never download another Go toolchain: the wrappers need go >= 1.26.6.
export GOTOOLCHAIN=local
export CGO_ENABLED=0

GOOS_ARCH="$("$GO" env GOOS)_$("$GO" env GOARCH)"
GO_VERSION="$("$GO" env GOVERSION)"

FAILED_REQUIRED=()
FAILED_OPTIONAL=()
BUILT_PROVIDERS=()

# Steps that may fail use e2e_try (lib.sh): the failure is named with its log's
# tail and the script goes on with the other components.
E2E_LOG_PREFIX=toolchain-

mark_failed() {
	case "$OPTIONAL" in
	*" $1 "*) FAILED_OPTIONAL+=("$1") ;;
	*) FAILED_REQUIRED+=("$1") ;;
	esac
}

# The recipe of a component: its wrapper files, its build flags, the Go version.
recipe_hash() { # NAME PKG LDFLAGS
	{
		cat "$WRAPPERS/$1/go.mod"
		if [ -f "$WRAPPERS/$1/go.sum" ]; then cat "$WRAPPERS/$1/go.sum"; fi
		printf '%s\n%s\n%s\n%s\n' "$2" "$3" "$GO_VERSION" "$GOOS_ARCH"
	} | sha256sum | cut -d' ' -f1
}

# go_build NAME PKG OUT LDFLAGS NOSUMDB: copy the wrapper module into
# $TC/src/NAME, resolve it (go mod tidy) only when no go.sum is pinned in the
# repository, then build PKG to OUT.
go_build() {
	local name="$1" pkg="$2" out="$3" ldflags="$4" nosumdb="$5"
	local src="$TC/src/$name"
	rm -rf "$src" && mkdir -p "$src" || return 1
	cp "$WRAPPERS/$name/go.mod" "$src/go.mod" || return 1
	cd "$src" || return 1
	"$GO" version || return 1
	if [ -f "$WRAPPERS/$name/go.sum" ]; then
		cp "$WRAPPERS/$name/go.sum" "$src/go.sum" || return 1
		echo "+ go.sum pinned in the repository: no go mod tidy"
	else
		# Commit-pinned (pseudo-version) modules that sum.golang.org does not
		# know are taken on first use; pin the resulting go.sum in the repo.
		echo "+ GONOSUMDB=$nosumdb go mod tidy"
		GONOSUMDB="$nosumdb" "$GO" mod tidy || return 1
	fi
	echo "+ go build -trimpath -ldflags '$ldflags' -o $out.tmp $pkg"
	"$GO" build -trimpath -ldflags "$ldflags" -o "$out.tmp" "$pkg" || return 1
	mv -f "$out.tmp" "$out"
}

# build_component NAME PKG OUT LDFLAGS NOSUMDB VERIFY_FN
build_component() {
	local name="$1" pkg="$2" out="$3" ldflags="$4" nosumdb="$5" verify="$6"
	case "$SKIP" in *" $name "*)
		e2e_skip "$name" "in UYOOP_TOOLCHAIN_SKIP"
		return 1
		;;
	esac
	if [ ! -f "$WRAPPERS/$name/go.mod" ]; then
		E2E_TIMINGS+=("$name|0.0|FAILED (no $WRAPPERS/$name/go.mod)")
		mark_failed "$name"
		return 1
	fi
	local want stamp="$TC/stamps/$name"
	want="$(recipe_hash "$name" "$pkg" "$ldflags")"
	if [ -x "$out" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] && "$verify" "$out" >/dev/null 2>&1; then
		e2e_skip "$name" "$(basename "$out") already built and runs"
		return 0
	fi
	rm -f "$stamp"
	mkdir -p "$(dirname "$out")" "$TC/stamps"
	if e2e_try "$name" go_build "$name" "$pkg" "$out" "$ldflags" "$nosumdb" &&
		e2e_try "$name-verify" "$verify" "$out"; then
		printf '%s\n' "$want" >"$stamp"
		return 0
	fi
	mark_failed "$name"
	return 1
}

# verify_output EXPECTED-REGEX CMD...: CMD prints a line matching the regex.
verify_output() {
	local re="$1" outp
	shift
	outp="$(TF_CLI_CONFIG_FILE=/dev/null "$@" 2>&1)" || true
	printf '%s\n' "$outp"
	grep -Eq "$re" <<<"$outp"
}
verify_tofu() { verify_output '^OpenTofu v1\.12\.6$' "$1" version; }
verify_vault() { verify_output '^Vault v1\.21\.4' "$1" version; }
verify_terraform() { verify_output '^Terraform v1\.11\.4$' "$1" version; }
# A provider run by hand says it is a plugin and exits 1.
verify_provider() { verify_output 'This binary is a plugin' "$1"; }

# provider NAME NAMESPACE TYPE VERSION MODULE-WITH-main LDFLAGS NOSUMDB
provider() {
	local name="$1" ns="$2" type="$3" ver="$4" pkg="$5" ldflags="$6" nosumdb="$7"
	local dir="$MIRROR/registry.opentofu.org/$ns/$type/$ver/$GOOS_ARCH"
	local out="$dir/terraform-provider-${type}_v$ver"
	local tfdir="$MIRROR/registry.terraform.io/$ns/$type/$ver"
	if build_component "$name" "$pkg" "$out" "$ldflags" "$nosumdb" verify_provider; then
		BUILT_PROVIDERS+=("$ns/$type/$ver")
		# Terraform (and OpenTofu) follow a symlink only at the last level
		# of the unpacked layout (the OS_ARCH directory), not above it.
		mkdir -p "$tfdir"
		ln -sfn "../../../../registry.opentofu.org/$ns/$type/$ver/$GOOS_ARCH" "$tfdir/$GOOS_ARCH"
	else
		# Leave no empty package directory or dangling link in the mirror.
		rm -f "$tfdir/$GOOS_ARCH"
		rmdir "$tfdir" "$dir" "$(dirname "$dir")" "$(dirname "$(dirname "$dir")")" 2>/dev/null || true
	fi
}

t_start="$(_now)"
e2e_log "toolchain dir: $TC ($GO_VERSION, $GOOS_ARCH)"

# --- OpenTofu ---------------------------------------------------------------
build_component tofu github.com/opentofu/opentofu/cmd/tofu "$BIN/tofu" \
	"-s -w -X github.com/opentofu/opentofu/version.dev=no" "" verify_tofu || true

# --- Providers, at the versions the @cdktf/provider-* bindings pin ----------
provider provider-tls hashicorp tls 4.1.0 github.com/hashicorp/terraform-provider-tls \
	"-s -w" github.com/hashicorp/terraform-provider-tls
provider provider-docker kreuzwerker docker 3.6.2 github.com/terraform-providers/terraform-provider-docker \
	"-s -w -X main.version=3.6.2" github.com/kreuzwerker/terraform-provider-docker
provider provider-vault hashicorp vault 5.6.0 github.com/hashicorp/terraform-provider-vault \
	"-s -w" github.com/hashicorp/terraform-provider-vault
provider provider-random hashicorp random 3.7.2 github.com/terraform-providers/terraform-provider-random \
	"-s -w" github.com/hashicorp/terraform-provider-random
provider provider-local hashicorp local 2.6.1 github.com/terraform-providers/terraform-provider-local \
	"-s -w" github.com/hashicorp/terraform-provider-local

# --- Vault server ------------------------------------------------------------
# Opt-in (UYOOP_TOOLCHAIN_WITH_VAULT=1): v1.21.4 does not compile from the
# proxy (see e2e/toolchain/README.md), and failing costs ~8 min and ~10 GB.
if [ "${UYOOP_TOOLCHAIN_WITH_VAULT:-0}" = 1 ]; then
	build_component vault github.com/hashicorp/vault "$BIN/vault" "-s -w" "" verify_vault || true
else
	e2e_skip vault "opt-in: UYOOP_TOOLCHAIN_WITH_VAULT=1"
fi

# --- Terraform v1.11.4 (opt-in) ------------------------------------------------
if [ "${UYOOP_TOOLCHAIN_WITH_TERRAFORM:-0}" = 1 ]; then
	build_component terraform github.com/hashicorp/terraform "$BIN/terraform" \
		"-s -w -X github.com/hashicorp/terraform/version.dev=no" "" verify_terraform || true
fi

# --- CLI config for OpenTofu (and Terraform) ----------------------------------
cat >"$RC_FILE.tmp" <<EOF
# Generated by e2e/provision-toolchain.sh: providers come only from the mirror.
provider_installation {
  filesystem_mirror {
    path    = "$MIRROR"
    include = ["registry.opentofu.org/*/*", "registry.terraform.io/*/*"]
  }
  direct {
    exclude = ["registry.opentofu.org/*/*", "registry.terraform.io/*/*"]
  }
}
EOF
mv -f "$RC_FILE.tmp" "$RC_FILE"

# --- Proof: tofu init from the mirror with no network ------------------------
offline_init() {
	local dir p ns type ver rc=0
	dir="$(mktemp -d /tmp/uyoop-tofu-init.XXXXXX)" || return 1
	{
		echo 'terraform {'
		echo '  required_providers {'
		for p in "${BUILT_PROVIDERS[@]}"; do
			IFS=/ read -r ns type ver <<<"$p"
			printf '    %s = {\n      source  = "%s/%s"\n      version = "= %s"\n    }\n' "$type" "$ns" "$type" "$ver"
		done
		echo '  }'
		echo '}'
		# One real resource, so that the provider is also run, not only installed.
		case " ${BUILT_PROVIDERS[*]} " in *" hashicorp/tls/"*)
			echo 'resource "tls_private_key" "probe" { algorithm = "ECDSA" }'
			echo 'output "probe" { value = tls_private_key.probe.public_key_fingerprint_sha256 }'
			;;
		esac
	} >"$dir/main.tf"
	cat "$dir/main.tf"
	local -a isolate=()
	if unshare -rn true 2>/dev/null; then
		isolate=(unshare -rn)
		echo "+ running in a new network namespace (no interface but lo)"
	else
		echo "+ unshare -rn unavailable: HTTP(S)_PROXY point at a closed port instead"
	fi
	(
		cd "$dir" &&
			export TF_CLI_CONFIG_FILE="$RC_FILE" HTTPS_PROXY=http://127.0.0.1:9 HTTP_PROXY=http://127.0.0.1:9 \
				CHECKPOINT_DISABLE=1 &&
			unset TF_PLUGIN_CACHE_DIR &&
			"${isolate[@]}" "$BIN/tofu" init -input=false -no-color &&
			"${isolate[@]}" "$BIN/tofu" providers -no-color &&
			"${isolate[@]}" "$BIN/tofu" apply -auto-approve -input=false -no-color &&
			if [ -x "$BIN/terraform" ]; then
				# Terraform reads the same CLI config through the
				# registry.terraform.io symlinks of the mirror.
				mkdir -p tf && cp main.tf tf/ && cd tf &&
					"${isolate[@]}" "$BIN/terraform" init -input=false -no-color
			fi
	) || rc=1
	if [ "$rc" -eq 0 ]; then
		echo "--- .terraform.lock.hcl"
		cat "$dir/.terraform.lock.hcl"
		for p in "${BUILT_PROVIDERS[@]}"; do
			IFS=/ read -r ns type ver <<<"$p"
			if ! grep -A1 "^provider \"registry.opentofu.org/$ns/$type\"" "$dir/.terraform.lock.hcl" |
				grep -q "version *= \"$ver\""; then
				echo "lock file lacks registry.opentofu.org/$ns/$type $ver"
				rc=1
			fi
		done
	fi
	rm -rf "$dir"
	return "$rc"
}
if [ -x "$BIN/tofu" ] && [ "${#BUILT_PROVIDERS[@]}" -gt 0 ]; then
	e2e_try tofu-init-offline offline_init || FAILED_REQUIRED+=(tofu-init-offline)
else
	E2E_TIMINGS+=("tofu-init-offline|0.0|not run (no tofu or no provider)")
	FAILED_REQUIRED+=(tofu-init-offline)
fi

E2E_TIMINGS+=("total|$(_elapsed "$t_start")|")
e2e_print_timings
trap - EXIT

printf '\nbuilt:\n' >&2
for f in "$BIN/tofu" "$BIN/vault" "$BIN/terraform"; do [ -x "$f" ] && printf '  %s\n' "$f" >&2; done
for p in "${BUILT_PROVIDERS[@]}"; do printf '  provider %s\n' "$p" >&2; done
if [ "${#FAILED_OPTIONAL[@]}" -gt 0 ]; then
	printf 'optional, not built: %s\n' "${FAILED_OPTIONAL[*]}" >&2
fi
printf 'cache: %s\n' "$(du -sh "$TC" 2>/dev/null | cut -f1) in $TC" >&2

cat <<EOF

# Use the toolchain:
export PATH="$BIN:\$PATH"
export TF_CLI_CONFIG_FILE="$RC_FILE"
EOF

if [ "${#FAILED_REQUIRED[@]}" -gt 0 ]; then
	printf '\n[e2e] toolchain incomplete; failed: %s (logs: %s/toolchain-*.log)\n' \
		"${FAILED_REQUIRED[*]}" "$E2E_LOG_DIR" >&2
	exit 1
fi
