#!/bin/bash
# Runtime: about 200 s (scripts/test.sh starts the longest tests first)
# Description: the instruction-counting TCG plugin counts exactly what a
# guest program runs between two markers: marker_loop N executes 2N user
# instructions in its window (plus the closing marker and loop exit), and
# windows are reported in order; nvme-qbench's measured window is one
# window. A bad plugin argument stops QEMU at start. Boots the lab kernel.
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
	tool_vm --plugin "$plugin,out=$tmp/windows" -- sh -c "$loop 1000000 && $loop 3000000"
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
	if [[ $kernel =~ ^[0-9]+$ ]]; then
		echo "window $1: $kernel kernel instructions, counted apart"
		kernel_total=$((kernel_total + kernel))
	else
		fail "window $1: kernel count '$kernel'"
	fi
}
# The kernel's instructions in a window are the timer interrupts that hit
# the loop: a short loop on the fast lab kernel may see none, the two
# together at least one.
kernel_total=0
check_window 1 1000000
check_window 2 3000000
if [ "$kernel_total" -gt 0 ]; then
	pass "kernel instructions counted apart from the user ones ($kernel_total in the two windows)"
else
	fail "no kernel instruction counted in either window"
fi

# nvme-qbench marks its measured window: each run gives exactly one window,
# and the window holds the measured I/O only, not start-up or ramp: three
# times the I/Os give three times the user instructions. (The window's
# kernel count also holds the idle loop and timer ticks while the thread
# waits, which follow wall-clock time and swing with the host's load.)
qb=$build/bench/nvme-qbench
expect_status 0 "two nvme-qbench runs under the plugin" \
	tool_vm --plugin "$plugin,out=$tmp/qb-windows" -- sh -c "\
	$qb run --device /dev/nvme0n1 --path ng-irq --bs 512 --iodepth 32 --submit-batch 8 --ios 5000 --ramp 1 --quiet && \
	$qb run --device /dev/nvme0n1 --path ng-irq --bs 512 --iodepth 32 --submit-batch 8 --ios 15000 --ramp 1 --quiet"
cat "$tmp/qb-windows" 2>/dev/null
if [ "$(grep -c '^window=' "$tmp/qb-windows" 2>/dev/null)" = 2 ] && ! grep -q unclosed "$tmp/qb-windows"; then
	pass "one measured window per run"
else
	fail "expected exactly two closed windows, got: $(cat "$tmp/qb-windows" 2>/dev/null)"
fi
u1=$(sed -nE 's/^window=1 .* user=([0-9]+) .*/\1/p' "$tmp/qb-windows")
u2=$(sed -nE 's/^window=2 .* user=([0-9]+) .*/\1/p' "$tmp/qb-windows")
ratio=$(( ${u2:-0} * 1000 / ${u1:-1} ))
if [ "$ratio" -ge 2900 ] && [ "$ratio" -le 3100 ]; then
	pass "user instructions scale with the measured I/Os (x$(printf "%d.%03d" $((ratio / 1000)) $((ratio % 1000))) for x3; $(( ${u1:-0} / 5000 )) per I/O)"
else
	fail "user instructions of 15000 I/Os are x$(printf "%d.%03d" $((ratio / 1000)) $((ratio % 1000))) those of 5000 (expected x3 within 3%)"
fi

# Status 125 alone is any failure to start the VM: the plugin's own
# message must be what scripts/vm passes on.
out=$("$top/scripts/vm" --flavor lab --plugin "$plugin,colour=blue" -- true 2>&1)
status=$?
if [ $status -eq 125 ] && grep -qF "insn_window: unknown argument 'colour=blue' (accepted: out=FILE)" <<<"$out"; then
	pass "an unknown plugin argument stops the run (status 125) and is named"
else
	fail "bad plugin argument: status $status (expected 125 and the plugin's message), output: $out"
fi
done_testing
