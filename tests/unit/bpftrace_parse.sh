#!/bin/bash
# Description: every probes/*.bt parses and compiles (bpftrace -d: dry run,
# nothing is attached). Exit 0 pass, 1 fail, 77 skip (no bpftrace, or not
# root: bpftrace 0.17 refuses to start otherwise).
set -u
dir=${1:?usage: bpftrace_parse.sh PROBES_DIR}
command -v bpftrace >/dev/null || { echo "SKIP: bpftrace is not installed"; exit 77; }
[ "$(id -u)" -eq 0 ] || { echo "SKIP: bpftrace needs root"; exit 77; }
fail=0
for f in "$dir"/*.bt; do
	if out=$(timeout 120 bpftrace -d "$f" 2>&1); then
		echo "ok: $f"
	else
		echo "FAIL: $f: $(echo "$out" | grep -iv 'available_filter_functions\|RLIMIT_MEMLOCK' | tail -3)"
		fail=1
	fi
done
exit $fail
