#!/bin/bash
# Runtime: about 250 s (scripts/test.sh starts the longest tests first)
# Description: the instruction-counting TCG plugin counts exactly what a
# guest program runs between two markers: marker_loop N executes 2N user
# instructions in its window (plus the closing marker and loop exit), and
# windows are reported in order; nvme-qbench's measured window is one
# window. With mmio=on the windows also count MMIO writes, doorbells apart
# (without it they carry no MMIO fields), and the runs record their
# interrupts. A bad plugin argument stops QEMU at start. Boots the lab
# kernel.
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

if grep -q mmio_ "$tmp/qb-windows"; then
	fail "windows without mmio=on carry MMIO fields: $(head -n 1 "$tmp/qb-windows")"
else
	pass "without mmio=on the windows carry no MMIO fields"
fi

# mmio=on: the passthrough path and the user queue, the workload of the
# issue's independent count (QD32, batches of 8), which found about 0.39
# MMIO writes per I/O, xAPIC writes included, on both. Each I/O rings a
# doorbell at most twice (SQ tail, CQ head), and shadow doorbells with
# batching bring it well under one; the others are mostly the local
# APIC's end-of-interrupt, at most a few per I/O.
mkdir -p "$tmp/mmio"
expect_status 0 "ng-irq and uq-irq under the plugin with mmio=on" \
	tool_vm --plugin "$plugin,out=$tmp/mmio/windows,mmio=on" --results "$tmp/mmio" \
	--append "nvme.user_irq_queues=1" -- sh -c "\
	$qb run --device /dev/nvme0n1 --path ng-irq --bs 512 --iodepth 32 --submit-batch 8 --ios 5000 --ramp 1 --quiet --json $tmp/mmio/ng-irq.json && \
	$qb run --device /dev/nvme0n1 --path uq-irq --bs 512 --iodepth 32 --submit-batch 8 --ios 5000 --ramp 1 --quiet --json $tmp/mmio/uq-irq.json"
cat "$tmp/mmio/windows" 2>/dev/null
check_mmio() { # window path
	local line doorbell other interrupts
	line=$(grep "^window=$1 " "$tmp/mmio/windows")
	doorbell=$(sed -nE 's/.* mmio_doorbell=([0-9]+).*/\1/p' <<<"$line")
	other=$(sed -nE 's/.* mmio_other=([0-9]+).*/\1/p' <<<"$line")
	if [ -z "$doorbell" ] || [ -z "$other" ]; then
		fail "$2: window $1 has no MMIO fields: '$line'"
		return
	fi
	# Per I/O in thousandths: 5000 I/Os in the window.
	doorbell=$((doorbell * 1000 / 5000)) other=$((other * 1000 / 5000))
	if [ "$doorbell" -gt 0 ] && [ "$doorbell" -le 2000 ] && [ "$other" -le 4000 ]; then
		pass "$2: $(printf '%d.%03d' $((doorbell / 1000)) $((doorbell % 1000))) doorbell and $(printf '%d.%03d' $((other / 1000)) $((other % 1000))) other MMIO writes per I/O"
	else
		fail "$2: doorbell $doorbell, other $other MMIO writes per 1000 I/Os (expected 0 < doorbell <= 2000, other <= 4000)"
	fi
	# An interrupt-driven path takes at most about one interrupt per I/O
	# (completions that arrive together share one).
	if interrupts=$(python3 - "$tmp/mmio/$2.json" <<'PY'
import json, sys
i = json.load(open(sys.argv[1]))["runs"][0]["interrupts"]
print(f"{i['controller']}: device {i['device_per_io']:.3f}, all {i['total_per_io']:.3f}")
sys.exit(0 if i["controller"] == "nvme0" and 0 < i["device_per_io"] <= 1.5 else 1)
PY
	); then
		pass "$2: interrupts per I/O recorded ($interrupts)"
	else
		fail "$2: interrupts per I/O: '$interrupts' (expected nvme0's, 0 < device <= 1.5)"
	fi
}
check_mmio 1 ng-irq
check_mmio 2 uq-irq

# Status 125 alone is any failure to start the VM: the plugin's own
# message must be what scripts/vm passes on.
bad_argument() { # ARGUMENT MESSAGE
	local out status
	out=$("$top/scripts/vm" --flavor lab --plugin "$plugin,$1" -- true 2>&1)
	status=$?
	if [ $status -eq 125 ] && grep -qF "$2" <<<"$out"; then
		pass "plugin argument '$1' stops the run (status 125) and is named"
	else
		fail "bad plugin argument '$1': status $status (expected 125 and '$2'), output: $out"
	fi
}
bad_argument colour=blue "insn_window: unknown argument 'colour=blue' (accepted: out=FILE, mmio=on|off)"
bad_argument mmio=yes "insn_window: mmio takes on or off, not 'yes'"
done_testing
