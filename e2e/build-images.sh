#!/usr/bin/env bash
# Build the e2e container images locally (no registry is reachable here).
#
#   base      uyoop-e2e/debian:bookworm   debootstrap --variant=minbase + docker import
#   postgres  uyoop-e2e/postgres:15       Debian postgresql-15, official image's contract
#   vault     uyoop-e2e/openbao:<version> (or uyoop-e2e/vault:<version>)  the official image's
#             layout for the binary found (OpenBao: /openbao, bao; Vault: /vault, vault)
#   app       uyoop-e2e/app:dev           stand-in app (python3, psycopg2)
#
# Idempotent: every image carries a label uyoop.e2e.hash, the hash of its
# build inputs (recipe files, base image id, binary digest); an image whose
# label matches is not rebuilt. FORCE=1 rebuilds everything.
#
# Environment:
#   UYOOP_E2E_CACHE  cache dir (default ~/.cache/uyoop-e2e): debootstrap tarball, logs
#   IMAGES           which images, default "base postgres vault app"
#   VAULT_BINARY     an OpenBao/Vault binary (default: the first of $CACHE/bin/bao,
#                    $CACHE/bin/vault, $CACHE/toolchain/bin/bao, $CACHE/toolchain/bin/vault;
#                    toolchain/ is e2e/provision-toolchain.sh's, see UYOOP_TOOLCHAIN_DIR)
#   DEBIAN_MIRROR    default http://deb.debian.org/debian
#   FORCE=1          rebuild even when the hash label matches
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"

IMAGES="${IMAGES:-base postgres vault app}"
FORCE="${FORCE:-0}"
DEBIAN_SUITE=bookworm
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
BASE_IMAGE=uyoop-e2e/debian:bookworm
PG_IMAGE=uyoop-e2e/postgres:15
APP_IMAGE=uyoop-e2e/app:dev
IMG_DIR="$here/images"
BUILD_DIR="$CACHE/build"
mkdir -p "$BUILD_DIR"

# The legacy builder works with every client/engine pair found here (the
# 28.x client has no buildx plugin on these machines).
export DOCKER_BUILDKIT=0

e2e_require_docker

wants() { case " $IMAGES " in *" $1 "*) return 0 ;; *) return 1 ;; esac }

sha() { sha256sum | cut -c1-64; }

# needs_build IMAGE HASH: true when IMAGE is absent, has another hash, or FORCE=1.
needs_build() {
	[ "$FORCE" = 1 ] && return 0
	! e2e_image_has_hash "$1" "$2"
}

image_id() { "$DOCKER" image inspect -f '{{.Id}}' "$1"; }

show_size() {
	e2e_log "$1: $("$DOCKER" image inspect -f '{{.Id}} {{.Size}}' "$1" | awk '{ printf "%s, %.1f MB", substr($1, 8, 12), $2 / 1e6 }')"
}

# ---------------------------------------------------------------- base image
# Post-processing of the debootstrapped tree; its text is part of the hash.
prepare_rootfs() {
	local root="$1"
	cat >"$root/etc/apt/sources.list" <<-SRC
		deb $DEBIAN_MIRROR $DEBIAN_SUITE main
		deb $DEBIAN_MIRROR $DEBIAN_SUITE-updates main
		deb http://deb.debian.org/debian-security $DEBIAN_SUITE-security main
	SRC
	cat >"$root/etc/apt/apt.conf.d/90uyoop-e2e" <<-'APT'
		APT::Install-Recommends "false";
		APT::Install-Suggests "false";
		Acquire::Languages "none";
		DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
	APT
	# No documentation, manual pages or translations in the images.
	cat >"$root/etc/dpkg/dpkg.cfg.d/90uyoop-e2e-nodoc" <<-'DPKG'
		path-exclude=/usr/share/doc/*
		path-include=/usr/share/doc/*/copyright
		path-exclude=/usr/share/man/*
		path-exclude=/usr/share/info/*
		path-exclude=/usr/share/locale/*
		path-exclude=/usr/share/lintian/*
	DPKG
	find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
	rm -rf "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/locale/*
	# Services must not start inside image builds.
	printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
	chmod 0755 "$root/usr/sbin/policy-rc.d"
	rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb
	rm -f "$root"/var/log/*.log "$root"/var/log/apt/* "$root/etc/machine-id"
	: >"$root/etc/hostname"
	chmod 1777 "$root/tmp"
}

base_hash="$(
	{
		echo "debootstrap --variant=minbase $DEBIAN_SUITE $DEBIAN_MIRROR"
		declare -f prepare_rootfs
	} | sha
)"
base_tar="$CACHE/debian-$DEBIAN_SUITE-minbase-${base_hash:0:12}.tar"

make_base_tarball() {
	if ! command -v debootstrap >/dev/null 2>&1; then
		apt-cache show debootstrap >/dev/null 2>&1 || apt-get update
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends debootstrap
	fi
	local root="$CACHE/rootfs.tmp"
	rm -rf "$root"
	mkdir -p "$root"
	debootstrap --variant=minbase "$DEBIAN_SUITE" "$root" "$DEBIAN_MIRROR"
	prepare_rootfs "$root"
	# /dev is provided by the engine; the tree's device nodes are not needed.
	tar --numeric-owner --xattrs -C "$root" --exclude='./dev/*' -cf "$base_tar.part" .
	mv "$base_tar.part" "$base_tar"
	rm -rf "$root"
	# Tarballs of older recipes.
	find "$CACHE" -maxdepth 1 -name "debian-$DEBIAN_SUITE-minbase-*.tar" ! -path "$base_tar" -delete
	ls -l "$base_tar"
}

import_base() {
	"$DOCKER" import \
		--change "LABEL uyoop.e2e.hash=$base_hash" \
		--change "LABEL org.opencontainers.image.description=\"Debian $DEBIAN_SUITE minbase (debootstrap), uyoop e2e\"" \
		--change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
		--change 'ENV LANG=C.UTF-8' \
		--change 'CMD ["bash"]' \
		"$base_tar" "$BASE_IMAGE"
}

if wants base || wants postgres || wants vault || wants app; then
	if needs_build "$BASE_IMAGE" "$base_hash"; then
		if [ -s "$base_tar" ] && [ "$FORCE" != 1 ]; then
			e2e_skip base-debootstrap "cached $base_tar"
		else
			e2e_step base-debootstrap make_base_tarball
		fi
		e2e_step base-import import_base
	else
		e2e_skip base-import "$BASE_IMAGE up to date"
	fi
	show_size "$BASE_IMAGE"
	base_id="$(image_id "$BASE_IMAGE")"
fi

# docker_build NAME IMAGE HASH CONTEXT [build args...]
docker_build() {
	local name="$1" image="$2" hash="$3" ctx="$4"
	shift 4
	local build=("$DOCKER" build --rm --force-rm --build-arg "BASE=$BASE_IMAGE"
		--label "uyoop.e2e.hash=$hash" -t "$image" "$@" "$ctx")
	e2e_step "$name-build" "${build[@]}"
	show_size "$image"
}

# ------------------------------------------------------------- postgres image
if wants postgres; then
	pg_hash="$(cat "$IMG_DIR/postgres/Dockerfile" "$IMG_DIR/postgres/docker-entrypoint.sh" <(echo "$base_id") | sha)"
	if needs_build "$PG_IMAGE" "$pg_hash"; then
		docker_build postgres "$PG_IMAGE" "$pg_hash" "$IMG_DIR/postgres"
	else
		e2e_skip postgres-build "$PG_IMAGE up to date"
		show_size "$PG_IMAGE"
	fi
fi

# ---------------------------------------------------------------- vault image
if wants vault; then
	vault_bin="${VAULT_BINARY:-}"
	if [ -z "$vault_bin" ]; then
		# $CACHE/bin, then e2e/provision-toolchain.sh's $UYOOP_TOOLCHAIN_DIR/bin.
		tc_bin="${UYOOP_TOOLCHAIN_DIR:-$CACHE/toolchain}/bin"
		for c in "$CACHE/bin/bao" "$CACHE/bin/vault" "$tc_bin/bao" "$tc_bin/vault"; do
			if [ -x "$c" ]; then
				vault_bin="$c"
				break
			fi
		done
	fi
	vault_ctx="$BUILD_DIR/vault"
	rm -rf "$vault_ctx"
	mkdir -p "$vault_ctx"
	cp "$IMG_DIR/vault/Dockerfile" "$vault_ctx/Dockerfile"

	if [ -n "$vault_bin" ]; then
		[ -x "$vault_bin" ] || e2e_die "VAULT_BINARY=$vault_bin is not an executable file"
		version_line="$("$vault_bin" version 2>/dev/null | head -n 1)" ||
			e2e_die "$vault_bin version failed"
		# The official image layout of the server the binary is.
		case "$version_line" in
		OpenBao*) bin_name=bao server_root=openbao server_user=openbao repo=uyoop-e2e/openbao ;;
		*) bin_name=vault server_root=vault server_user=vault repo=uyoop-e2e/vault ;;
		esac
		# A docker tag allows [A-Za-z0-9_.-] only (e.g. "1.21.0+ent" -> "1.21.0_ent").
		version="$(printf '%s\n' "$version_line" | awk '{ v = $2; sub(/^v/, "", v); gsub(/[^A-Za-z0-9_.-]/, "_", v); print v }')"
		[ -n "$version" ] || e2e_die "cannot read a version from '$version_line'"
		vault_image="$repo:$version"
		e2e_log "server binary: $vault_bin ($version_line) -> /bin/$bin_name in $vault_image (/$server_root layout)"
		vault_hash="$(cat "$vault_ctx/Dockerfile" <(sha256sum <"$vault_bin") <(echo "$bin_name $server_root $server_user $base_id") | sha)"
		if needs_build "$vault_image" "$vault_hash"; then
			cp "$vault_bin" "$vault_ctx/server-binary"
			docker_build vault "$vault_image" "$vault_hash" "$vault_ctx" --build-arg "BIN_NAME=$bin_name" \
				--build-arg "SERVER_ROOT=$server_root" --build-arg "SERVER_USER=$server_user" \
				--label "org.opencontainers.image.version=$version" \
				--label "uyoop.e2e.flavour=$bin_name"
			rm -f "$vault_ctx/server-binary"
		else
			e2e_skip vault-build "$vault_image up to date"
			show_size "$vault_image"
		fi
	else
		e2e_die "no OpenBao/Vault binary (VAULT_BINARY, $CACHE/bin/{bao,vault}, $tc_bin/{bao,vault}): run e2e/provision-toolchain.sh first"
	fi
fi

# ------------------------------------------------------------------ app image
if wants app; then
	app_hash="$(cat "$IMG_DIR/app/Dockerfile" "$IMG_DIR/app/app.py" <(echo "$base_id") | sha)"
	if needs_build "$APP_IMAGE" "$app_hash"; then
		docker_build app "$APP_IMAGE" "$app_hash" "$IMG_DIR/app"
	else
		e2e_skip app-build "$APP_IMAGE up to date"
		show_size "$APP_IMAGE"
	fi
fi

# Dangling layers from replaced builds.
"$DOCKER" image prune -f --filter label=uyoop.e2e.hash >/dev/null 2>&1 || true
e2e_log "images:"
"$DOCKER" image ls --filter 'reference=uyoop-e2e/*' >&2
