# shellcheck shell=bash
# Shared by the robustness guest scripts (tests/guest/robust-*.sh), sourced
# inside a lab guest booted with nvme.user_irq_queues=1
# nvme.user_poll_queues=1: checks, fault counters and the summary the lab
# test reads back.
set -u
build=${QBENCH_BUILD:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build}
tools=$build/tests/tools
# shellcheck disable=SC2034 # used by the scripts that source this
robust=$tools/uq_robust
cls=/sys/class/nvme-generic
fail=0 faults=0 survived=0 lost=0 bad_inputs=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
# expect DESCRIPTION COMMAND...: ok when COMMAND succeeds
expect() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
# fault DESCRIPTION COMMAND...: one injected fault; survived when COMMAND,
# the check that the system came through it, succeeds
fault() {
	local what=$1; shift
	faults=$((faults + 1))
	if "$@"; then survived=$((survived + 1)); ok "$what"; else bad "$what"; fi
}

# ctrl SERIAL: the controller name (nvmeN) with that serial, empty if none
ctrl() {
	local c
	for c in /sys/class/nvme/nvme*; do
		[ -e "$c/serial" ] || continue
		[ "$(tr -d ' ' <"$c/serial")" = "$1" ] && { basename "$c"; return 0; }
	done
	return 1
}
# wait_ctrl SERIAL [SECONDS]: wait for that controller to be live with both
# user queues up (qid set); prints its name
wait_ctrl() {
	local _i c
	for _i in $(seq 1 $((${2:-60} * 5))); do
		c=$(ctrl "$1") &&
			[ "$(cat "/sys/class/nvme/$c/state" 2>/dev/null)" = live ] &&
			[ "$(cat "$cls/${c}uq0/qid" 2>/dev/null || echo 0)" != 0 ] &&
			[ "$(cat "$cls/${c}uq1/qid" 2>/dev/null || echo 0)" != 0 ] &&
			[ -c "/dev/${c}uq1" ] && { echo "$c"; return 0; }
		sleep 0.2
	done
	return 1
}
# wait_gone PATH [SECONDS]
wait_gone() {
	local _i
	for _i in $(seq 1 $((${2:-60} * 5))); do
		[ -e "$1" ] || return 0
		sleep 0.2
	done
	return 1
}
# counters_settle QUEUE: submitted == completed within 30 s (commands the
# kernel failed count as completed); a difference is I/O lost
counters_settle() {
	local _i s c
	for _i in $(seq 1 150); do
		s=$(cat "$cls/$1/submitted") c=$(cat "$cls/$1/completed")
		[ "$s" = "$c" ] && { echo "$1: submitted $s completed $c"; return 0; }
		sleep 0.2
	done
	echo "$1: submitted $s completed $c"
	lost=$((lost + s - c))
	return 1
}
# reads_ok CTRL: one read on each user queue of CTRL succeeds
reads_ok() {
	"$tools/uq_io" read "/dev/$1uq0" 512 0 512 /tmp/robust-read &&
		"$tools/uq_io" -p read "/dev/$1uq1" 512 0 512 /tmp/robust-read
}
# lost_from OUTPUT_FILE: add the "lost N" of uq_robust load lines
lost_from() {
	lost=$((lost + $(sed -n 's/.* lost \([0-9]*\)$/\1/p' "$1" | awk '{ n += $1 } END { print n + 0 }')))
}
# wait_for PID SECONDS: its exit status, or 124 when it is still running
# after SECONDS (a process stuck on commands that never complete)
wait_for() {
	local _i
	for _i in $(seq 1 $(($2 * 5))); do
		kill -0 "$1" 2>/dev/null || { wait "$1"; return; }
		sleep 0.2
	done
	echo "process $1 still running after $2 s"
	return 124
}
# hold_removal CTRL: 8 reads in flight on each user queue of CTRL, held by
# uq_robust hold -r (its after-removal checks), which waits for
# holds_done before those checks; sets hi and hp
hold_removal() {
	rm -f /tmp/ready-i /tmp/ready-p /tmp/removed
	"$robust" hold -r -w /tmp/removed "/dev/$1uq0" 512 8 /tmp/ready-i >/tmp/hold-i 2>&1 &
	hi=$!
	"$robust" hold -r -w /tmp/removed -p "/dev/$1uq1" 512 8 /tmp/ready-p >/tmp/hold-p 2>&1 &
	hp=$!
	local _i
	for _i in $(seq 1 100); do [ -e /tmp/ready-i ] && [ -e /tmp/ready-p ] && break; sleep 0.1; done
}
# holds_done: the removal has returned; wait for both holds and print what
# they saw; sets si and sp to their exit statuses
# shellcheck disable=SC2034 # si and sp: read by the scripts that source this
holds_done() {
	touch /tmp/removed
	wait_for "$hi" 150; si=$?
	wait_for "$hp" 150; sp=$?
	cat /tmp/hold-i /tmp/hold-p
}
# summary FILE: the counters for the lab test, and the exit status
summary() {
	echo "robust-summary faults=$faults survived=$survived lost=$lost bad_inputs=$bad_inputs" |
		tee "$1"
	exit $fail
}
