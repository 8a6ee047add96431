#!/usr/bin/env bash
# Build the e2e toolchain here, idempotently, with Go and the Go module proxy alone:
#
#   tofu          OpenTofu v1.12.6 (cmd/tofu) through the wrapper module e2e/toolchain/tofu
#                 (it copies OpenTofu's one external replace: hashicorp/hcl/v2 =>
#                 opentofu/hcl/v2), built with version.dev=no so `tofu version` is exact.
#   provider-tls  hashicorp/tls 4.1.0, through e2e/toolchain/provider-tls (the proxy serves it).
#   provider-docker, provider-vault, provider-random, provider-local
#                 kreuzwerker/docker 3.6.2, hashicorp/vault 5.6.0, hashicorp/random 3.7.2,
#                 hashicorp/local 2.6.1: the versions the @cdktf/provider-* bindings pin. The
#                 proxy refuses their module versions, so they build from their release
#                 sources in $UYOOP_THIRD_PARTY (git archives of the tags, SHA-256 checked
#                 against its SHA256SUMS before anything is unpacked).
#   openbao       the OpenBao 2.6.2 server and CLI (`bao`) from the same directory, with its
#                 five refused go-kms-wrapping modules pointed at the wrapper folders shipped
#                 beside it (go mod edit -replace). HashiCorp Vault cannot be built here.
#   terraform     (opt-in) Terraform v1.11.4 through e2e/toolchain/terraform (BUSL-1.1).
#   tofu-init-offline  proves that `tofu init` installs every provider from the mirror with no
#                 network at all (a fresh network namespace when `unshare -rn` works, a dead
#                 proxy otherwise) and runs `tofu apply` on a tls_private_key; `terraform
#                 init` too when bin/terraform exists.
#
# Providers land in a filesystem mirror:
#   $TC/mirror/registry.opentofu.org/NS/TYPE/VER/OS_ARCH/terraform-provider-TYPE_vVER
# plus registry.terraform.io/NS/TYPE/VER/OS_ARCH symlinks so Terraform uses the same mirror;
# $TC/tofu.rc is the CLI configuration that points at it. Outside these machines none of this
# is needed: `tofu init` / `terraform init` take the same versions from the public registry.
#
# Everything lives in $TC (default $CACHE/toolchain, outside the repository): gomod/ and
# gocache/ (Go caches), src/ (build trees), bin/, mirror/, stamps/, tofu.rc. Each built binary
# has a stamp (stamps/NAME) holding a hash of its recipe (wrapper files or archive digests,
# build flags, Go version); a component whose binary runs and whose stamp matches is skipped.
# Delete $TC to rebuild everything from scratch.
#
# Environment:
#   UYOOP_E2E_CACHE            cache root (default ~/.cache/uyoop-e2e)
#   UYOOP_TOOLCHAIN_DIR        toolchain dir (default $UYOOP_E2E_CACHE/toolchain)
#   UYOOP_THIRD_PARTY          release sources (default: ../shared/third_party beside the
#                              repository, else /work/shared/third_party)
#   UYOOP_TOOLCHAIN_SKIP       components not to build, e.g. "openbao provider-local"
#   UYOOP_TOOLCHAIN_OPTIONAL   components whose failure does not fail the run (default "terraform")
#   UYOOP_TOOLCHAIN_WITH_TERRAFORM=1  also build Terraform v1.11.4 as bin/terraform
#   GO                         the go command (default /usr/local/go/bin/go, else go on PATH)
#
# Exit status: 0 when every component not listed as optional is built and the offline init
# works; 1 otherwise (each failed step is named with the tail of its log, and the script still
# goes on with the other components).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=e2e/lib.sh
. "$here/lib.sh"

TC="${UYOOP_TOOLCHAIN_DIR:-$CACHE/toolchain}"
WRAPPERS="$here/toolchain"
SKIP=" ${UYOOP_TOOLCHAIN_SKIP:-} "
OPTIONAL=" ${UYOOP_TOOLCHAIN_OPTIONAL:-terraform} "
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
# shellcheck disable=SC2034 # read by e2e_try (lib.sh)
E2E_LOG_PREFIX=toolchain-

mark_failed() {
	case "$OPTIONAL" in
	*" $1 "*) FAILED_OPTIONAL+=("$1") ;;
	*) FAILED_REQUIRED+=("$1") ;;
	esac
}

# --- Release sources ---------------------------------------------------------
if [ -z "${UYOOP_THIRD_PARTY:-}" ]; then
	UYOOP_THIRD_PARTY="$(cd "$here/../.." && pwd)/shared/third_party"
	[ -f "$UYOOP_THIRD_PARTY/SHA256SUMS" ] || UYOOP_THIRD_PARTY=/work/shared/third_party
fi
THIRD_PARTY="$UYOOP_THIRD_PARTY"

# archive_digest ARCHIVE: its SHA-256 from SHA256SUMS, after checking the file against it.
archive_digest() {
	local want got
	want="$(awk -v f="$1" '$2 == f || $2 == "*" f { print $1 }' "$THIRD_PARTY/SHA256SUMS" 2>/dev/null)"
	[ -n "$want" ] || {
		echo "$1 is not listed in $THIRD_PARTY/SHA256SUMS" >&2
		return 1
	}
	got="$(sha256sum "$THIRD_PARTY/$1" | cut -d' ' -f1)" || return 1
	[ "$got" = "$want" ] || {
		echo "$THIRD_PARTY/$1: SHA-256 $got, SHA256SUMS says $want: refusing to build from it" >&2
		return 1
	}
	printf '%s\n' "$want"
}

# unpack ARCHIVE [FOLDER]: a fresh copy of its one top-level folder (default: the archive's
# name without .tar.gz) under $TC/src.
unpack() {
	local dir="${2:-${1%.tar.gz}}"
	rm -rf "${TC:?}/src/$dir" || return 1
	echo "+ tar -xzf $THIRD_PARTY/$1 -C $TC/src"
	tar -xzf "$THIRD_PARTY/$1" -C "$TC/src" || return 1
	[ -d "$TC/src/$dir" ] || {
		echo "$1 did not unpack into $dir/" >&2
		return 1
	}
}

# --- Build steps ----------------------------------------------------------------
# wrapper_build NAME PKG OUT LDFLAGS: copy the wrapper module e2e/toolchain/NAME into
# $TC/src/NAME (its go.sum is pinned in the repository) and build PKG to OUT.
wrapper_build() {
	local name="$1" pkg="$2" out="$3" ldflags="$4"
	local src="$TC/src/$name"
	rm -rf "$src" && mkdir -p "$src" || return 1
	cp "$WRAPPERS/$name/go.mod" "$WRAPPERS/$name/go.sum" "$src/" || return 1
	cd "$src" || return 1
	"$GO" version || return 1
	echo "+ go build -trimpath -ldflags '$ldflags' -o $out.tmp $pkg"
	"$GO" build -trimpath -ldflags "$ldflags" -o "$out.tmp" "$pkg" || return 1
	mv -f "$out.tmp" "$out"
}

# source_build ARCHIVE OUT LDFLAGS [PREPARE-FN]: unpack a release archive, run PREPARE-FN in
# its folder (e.g. go mod edit -replace), and build its root package to OUT.
source_build() {
	local archive="$1" out="$2" ldflags="$3" prepare="${4:-}"
	unpack "$archive" || return 1
	cd "$TC/src/${archive%.tar.gz}" || return 1
	"$GO" version || return 1
	if [ -n "$prepare" ]; then "$prepare" || return 1; fi
	echo "+ go build -trimpath -ldflags '$ldflags' -o $out.tmp ."
	"$GO" build -trimpath -ldflags "$ldflags" -o "$out.tmp" . || return 1
	mv -f "$out.tmp" "$out"
}

# OpenBao requires five go-kms-wrapping modules at versions the proxy refuses; their sources
# are shipped beside it. Run in openbao-2.6.2/.
OPENBAO_KMS_WRAPPERS="alicloudkms awskms azurekeyvault gcpckms ocikms"
openbao_prepare() {
	unpack go-kms-wrapping-wrappers-for-openbao-2.6.2.tar.gz go-kms-wrapping-wrappers || return 1
	local w
	for w in $OPENBAO_KMS_WRAPPERS; do
		[ -f "../go-kms-wrapping-wrappers/$w/go.mod" ] || {
			echo "no $w wrapper in go-kms-wrapping-wrappers-for-openbao-2.6.2.tar.gz" >&2
			return 1
		}
		echo "+ go mod edit -replace github.com/openbao/go-kms-wrapping/wrappers/$w/v2=../go-kms-wrapping-wrappers/$w"
		"$GO" mod edit -replace "github.com/openbao/go-kms-wrapping/wrappers/$w/v2=../go-kms-wrapping-wrappers/$w" || return 1
	done
}

# build_component NAME OUT RECIPE VERIFY-FN BUILD-FN [ARGS...]: skip when OUT runs and its stamp
# holds RECIPE; else run BUILD-FN ARGS as a logged step, then VERIFY-FN OUT.
build_component() {
	local name="$1" out="$2" want="$3" verify="$4"
	shift 4
	case "$SKIP" in *" $name "*)
		e2e_skip "$name" "in UYOOP_TOOLCHAIN_SKIP"
		return 1
		;;
	esac
	local stamp="$TC/stamps/$name"
	if [ -x "$out" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] && "$verify" "$out" >/dev/null 2>&1; then
		e2e_skip "$name" "$(basename "$out") already built and runs"
		return 0
	fi
	rm -f "$stamp"
	mkdir -p "$(dirname "$out")" "$TC/stamps"
	e2e_attempt "$name" "$@"
	if [ "$E2E_RC" -eq 0 ]; then e2e_attempt "$name-verify" "$verify" "$out"; fi
	if [ "$E2E_RC" -eq 0 ]; then
		printf '%s\n' "$want" >"$stamp"
		return 0
	fi
	mark_failed "$name"
	return 1
}

# The recipe of a component: what it is built from and how (sha256 of the lines given).
recipe() { printf '%s\n' "$@" "$GO_VERSION" "$GOOS_ARCH" | sha256sum | cut -d' ' -f1; }
wrapper_recipe() { # NAME PKG LDFLAGS
	recipe "$(cat "$WRAPPERS/$1/go.mod" "$WRAPPERS/$1/go.sum" | sha256sum)" "$2" "$3"
}
source_recipe() { # LDFLAGS PREPARE-FN ARCHIVE...: archive digests (checked), flags, the prepare step's text
	local ldflags="$1" prepare="$2" a digests=""
	shift 2
	for a in "$@"; do digests="$digests $(archive_digest "$a")" || return 1; done
	recipe "$digests" "$ldflags" "$(if [ -n "$prepare" ]; then declare -f "$prepare"; fi)"
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
verify_terraform() { verify_output '^Terraform v1\.11\.4$' "$1" version; }
verify_openbao() { verify_output '^OpenBao v2\.6\.2 ' "$1" version; }
# A provider run by hand says it is a plugin and exits 1.
verify_provider() { verify_output 'This binary is a plugin' "$1"; }

# mirror_provider NAME NAMESPACE TYPE VERSION BUILD-KIND...: build a provider into the mirror.
#   wrapper PKG LDFLAGS          from the Go module proxy through e2e/toolchain/NAME
#   source ARCHIVE LDFLAGS       from a release archive in $THIRD_PARTY
mirror_provider() {
	local name="$1" ns="$2" type="$3" ver="$4" kind="$5" what="$6" ldflags="$7"
	local dir="$MIRROR/registry.opentofu.org/$ns/$type/$ver/$GOOS_ARCH"
	local out="$dir/terraform-provider-${type}_v$ver"
	local tfdir="$MIRROR/registry.terraform.io/$ns/$type/$ver"
	local want ok=0
	if [ "$kind" = wrapper ]; then
		want="$(wrapper_recipe "$name" "$what" "$ldflags")"
		build_component "$name" "$out" "$want" verify_provider wrapper_build "$name" "$what" "$out" "$ldflags" && ok=1
	elif want="$(source_recipe "$ldflags" "" "$what")"; then
		build_component "$name" "$out" "$want" verify_provider source_build "$what" "$out" "$ldflags" && ok=1
	else
		E2E_TIMINGS+=("$name|0.0|FAILED (archive check)")
		mark_failed "$name"
	fi
	if [ "$ok" = 1 ]; then
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
e2e_log "toolchain dir: $TC ($GO_VERSION, $GOOS_ARCH); release sources: $THIRD_PARTY"

# --- OpenTofu ---------------------------------------------------------------
tofu_ldflags="-s -w -X github.com/opentofu/opentofu/version.dev=no"
build_component tofu "$BIN/tofu" "$(wrapper_recipe tofu github.com/opentofu/opentofu/cmd/tofu "$tofu_ldflags")" verify_tofu \
	wrapper_build tofu github.com/opentofu/opentofu/cmd/tofu "$BIN/tofu" "$tofu_ldflags" || true

# --- Providers, at the versions the @cdktf/provider-* bindings pin ----------
mirror_provider provider-tls hashicorp tls 4.1.0 wrapper github.com/hashicorp/terraform-provider-tls "-s -w"
# -X main.version: what the docker provider reports, as its release build (.goreleaser.yml) sets it.
mirror_provider provider-docker kreuzwerker docker 3.6.2 source terraform-provider-docker-3.6.2.tar.gz "-s -w -X main.version=3.6.2"
mirror_provider provider-vault hashicorp vault 5.6.0 source terraform-provider-vault-5.6.0.tar.gz "-s -w"
mirror_provider provider-random hashicorp random 3.7.2 source terraform-provider-random-3.7.2.tar.gz "-s -w"
mirror_provider provider-local hashicorp local 2.6.1 source terraform-provider-local-2.6.1.tar.gz "-s -w"

# --- OpenBao ------------------------------------------------------------------
# fullVersion: what `bao version` and the API report (its release build sets it the same way).
bao_ldflags="-s -w -X github.com/openbao/openbao/version.fullVersion=2.6.2 -X github.com/openbao/openbao/version.GitCommit=dd9c19c37a878cf4a81b18efb8d6f0599c7da923"
if bao_recipe="$(source_recipe "$bao_ldflags" openbao_prepare openbao-2.6.2.tar.gz go-kms-wrapping-wrappers-for-openbao-2.6.2.tar.gz)"; then
	build_component openbao "$BIN/bao" "$bao_recipe" verify_openbao \
		source_build openbao-2.6.2.tar.gz "$BIN/bao" "$bao_ldflags" openbao_prepare || true
else
	E2E_TIMINGS+=("openbao|0.0|FAILED (archive check)")
	mark_failed openbao
fi

# --- Terraform v1.11.4 (opt-in) ------------------------------------------------
if [ "${UYOOP_TOOLCHAIN_WITH_TERRAFORM:-0}" = 1 ]; then
	tf_ldflags="-s -w -X github.com/hashicorp/terraform/version.dev=no"
	build_component terraform "$BIN/terraform" "$(wrapper_recipe terraform github.com/hashicorp/terraform "$tf_ldflags")" verify_terraform \
		wrapper_build terraform github.com/hashicorp/terraform "$BIN/terraform" "$tf_ldflags" || true
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
	e2e_attempt tofu-init-offline offline_init
	[ "$E2E_RC" -eq 0 ] || FAILED_REQUIRED+=(tofu-init-offline)
else
	E2E_TIMINGS+=("tofu-init-offline|0.0|not run (no tofu or no provider)")
	FAILED_REQUIRED+=(tofu-init-offline)
fi

E2E_TIMINGS+=("total|$(_elapsed "$t_start")|")
e2e_print_timings
trap - EXIT

printf '\nbuilt:\n' >&2
for f in "$BIN/tofu" "$BIN/bao" "$BIN/terraform"; do [ -x "$f" ] && printf '  %s\n' "$f" >&2; done
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
