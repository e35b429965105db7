#!/bin/bash
# Description: scripts/setup.sh derives the deb-src entries it adds (for
# QEMU's plugin header) from APT's configured sources, so a machine behind
# a mirror or a proxy fetches sources where it fetches packages: deb822
# stanzas whose Types has deb and that are enabled, and one-line deb
# entries with their signed-by option; deb-src entries, disabled stanzas
# and comments give nothing. An APT without any deb entry gives nothing.
# Usage: setup_sources.sh TOP. Exit: 0 pass, 1 fail.
set -u
top=${1:?usage: setup_sources.sh TOP}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

mkdir -p "$tmp/apt/sources.list.d"
cat >"$tmp/apt/sources.list.d/debian.sources" <<'S'
Types: deb
# the mirror this machine uses
URIs: http://mirror.example.net/debian
Suites: bookworm bookworm-updates
Components: main contrib
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb deb-src
URIs: http://proxy.example.net:3142/debian-security
Suites: bookworm-security
Components: main

Types: deb
URIs: http://old.example.net/debian
Suites: buster
Components: main
Enabled: no

Types: deb-src
URIs: http://src.example.net/debian
Suites: bookworm
Components: main
S
cat >"$tmp/apt/sources.list" <<'S'
# one-line entries
deb [arch=amd64 signed-by=/etc/apt/keyrings/local.gpg] http://local.example.net/debian bookworm main non-free-firmware # a comment
deb-src http://local.example.net/debian bookworm main
deb http://plain.example.net/debian bookworm-backports main
S
cat >"$tmp/want" <<'S'
Types: deb-src
URIs: http://mirror.example.net/debian
Suites: bookworm bookworm-updates
Components: main contrib
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://proxy.example.net:3142/debian-security
Suites: bookworm-security
Components: main

Types: deb-src
URIs: http://local.example.net/debian
Suites: bookworm
Components: main non-free-firmware
Signed-By: /etc/apt/keyrings/local.gpg

Types: deb-src
URIs: http://plain.example.net/debian
Suites: bookworm-backports
Components: main

S
if NVME_QBENCH_APT_DIR=$tmp/apt "$top/scripts/setup.sh" --print-sources >"$tmp/got"; then
	if cmp -s "$tmp/want" "$tmp/got"; then
		echo "ok: deb-src entries follow the configured mirror, proxy and keyrings"
	else
		echo "FAIL: derived entries differ (- want, + got):"
		diff -u "$tmp/want" "$tmp/got"
		fail=1
	fi
else
	echo "FAIL: setup.sh --print-sources exited $?"
	fail=1
fi

mkdir -p "$tmp/empty/sources.list.d"
if out=$(NVME_QBENCH_APT_DIR=$tmp/empty "$top/scripts/setup.sh" --print-sources) && [ -z "$out" ]; then
	echo "ok: no deb entry, no derived entry"
else
	echo "FAIL: an empty APT configuration gave: $out"
	fail=1
fi

out=$("$top/scripts/setup.sh" --frobnicate 2>&1)
status=$?
if [ $status -eq 2 ] && [ "$out" = "setup: unknown argument '--frobnicate' (accepted: --print-sources)" ]; then
	echo "ok: an unknown argument is refused (2) and named"
else
	echo "FAIL: unknown argument: status $status, output: $out"
	fail=1
fi
exit $fail
