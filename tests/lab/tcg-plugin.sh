#!/bin/bash
# Description: the instruction-counting TCG plugin counts exactly what a
# guest program runs between two markers: marker_loop N executes 2N user
# instructions in its window (plus the closing marker and loop exit), and
# windows are reported in order. A bad plugin argument stops QEMU at start.
# shellcheck source=tests/lab/lib.sh
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
plugin=$build/tcg-plugin/insn_window.so
loop=$build/tests/tools/marker_loop
if [ ! -f "$plugin" ] || [ ! -x "$loop" ]; then
	fail "plugin or marker_loop not built"
	done_testing
fi

expect_status 0 "guest runs two measured loops under the plugin" \
	lab_vm --plugin "$plugin,out=$tmp/windows" -- sh -c "$loop 1000000 && $loop 3000000"
cat "$tmp/windows" 2>/dev/null
check_window() { # index N
	local line user kernel
	line=$(grep "^window=$1 " "$tmp/windows")
	user=$(sed -E 's/.* user=([0-9]+).*/\1/' <<<"$line")
	kernel=$(sed -E 's/.* kernel=([0-9]+).*/\1/' <<<"$line")
	if [ -n "$user" ] && [ "$user" -ge $((2 * $2)) ] && [ "$user" -le $((2 * $2 + 16)) ]; then
		pass "window $1: $user user instructions for a loop of 2 x $2"
	else
		fail "window $1: user count '$user', expected 2 x $2 (+ at most 16)"
	fi
	if [ -n "$kernel" ] && [ "$kernel" -gt 0 ]; then
		pass "window $1: kernel instructions counted apart ($kernel: timer interrupts)"
	else
		fail "window $1: kernel count '$kernel'"
	fi
}
check_window 1 1000000
check_window 2 3000000

out=$("$top/scripts/vm" --flavor "$flavor" --plugin "$plugin,colour=blue" -- true 2>&1)
status=$?
if [ $status -eq 125 ]; then
	pass "an unknown plugin argument stops the run (status 125)"
else
	fail "bad plugin argument: status $status, output: $out"
fi
done_testing
