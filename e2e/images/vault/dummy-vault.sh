#!/bin/sh
# A stand-in for the vault binary, used only to prove the image layout when no
# real Vault/OpenBao binary has been built yet. It is not Vault.
case "${1:-}" in
	version | -version | --version) echo "Vault v0.0.0-dummy (not Vault: layout test only)" ;;
	status) echo "dummy: not a Vault" >&2; exit 2 ;;
	server)
		id
		for d in /vault/file /vault/logs /tmp; do
			if (: >"$d/.write-test") 2>/dev/null; then echo "writable: $d"; rm -f "$d/.write-test"; else echo "NOT writable: $d"; fi
		done
		if (: >/bin/.write-test) 2>/dev/null; then echo "rootfs writable"; else echo "rootfs read-only"; fi
		trap 'exit 0' TERM INT
		while :; do sleep 1; done
		;;
	*) echo "dummy vault: unsupported: $*" >&2; exit 1 ;;
esac
