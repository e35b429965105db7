# shellcheck shell=bash
# Shared by the robustness guest scripts (tests/guest/robust-*.sh), sourced
# inside a lab guest booted with nvme.user_irq_queues=2
# nvme.user_poll_queues=2 (uq0, uq1 irq; uq2, uq3 poll; NUQ=4): checks,
# fault counters and the summary the lab test reads back. A queue has one
# owner (the file that opened it), so each process or thread below owns
# its own queue.
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

# ctrl SERIAL, ns CTRL NSID
# shellcheck source=tests/guest/nvme-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/nvme-lib.sh"
# uqs CTRL: the user queue nodes of CTRL (nvme0uq0 ...), in order
uqs() {
	local q
	for q in "$cls/$1"uq*; do [ -e "$q" ] && basename "$q"; done
}
# wait_ctrl SERIAL [SECONDS]: wait for that controller to be live with its
# $NUQ user queues (default 4: two irq, two poll) up (qid set) and their
# nodes present; prints its name
wait_ctrl() {
	local _i c q up
	for _i in $(seq 1 $((${2:-60} * 5))); do
		if c=$(ctrl "$1") && [ "$(cat "/sys/class/nvme/$c/state" 2>/dev/null)" = live ]; then
			up=0
			for q in $(uqs "$c"); do
				[ "$(cat "$cls/$q/qid" 2>/dev/null || echo 0)" != 0 ] && [ -c "/dev/$q" ] &&
					up=$((up + 1))
			done
			[ "$up" -eq "${NUQ:-4}" ] && { echo "$c"; return 0; }
		fi
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
# read_ok QUEUE: one read through QUEUE (nvme0uq0) succeeds; the queue
# must have no owner, since uq_io opens it
read_ok() {
	local p=
	[ "$(cat "$cls/$1/type")" = poll ] && p=-p
	"$tools/uq_io" $p read "/dev/$1" 512 0 512 /tmp/robust-read
}
# reads_ok CTRL: one read on each user queue of CTRL succeeds
reads_ok() {
	local q n=0
	for q in $(uqs "$1"); do
		read_ok "$q" || { echo "$q does not read"; return 1; }
		n=$((n + 1))
	done
	[ "$n" -eq "${NUQ:-4}" ] || { echo "$1 has $n user queues, not ${NUQ:-4}"; return 1; }
}
# released CTRL [SECONDS]: every user queue of CTRL can be owned again
# within SECONDS (default 30): every command of its last owner has ended,
# which released the file; then each reads
released() {
	local q _i
	for q in $(uqs "$1"); do
		for _i in $(seq 1 $((${2:-30} * 5))); do
			read_ok "$q" 2>/dev/null && continue 2
			sleep 0.2
		done
		echo "$q still owned or not reading after ${2:-30} s"
		read_ok "$q"
		return 1
	done
}
# reset_ctrl CTRL SECONDS: reset CTRL through sysfs; the write must succeed
# within SECONDS (its status is read); prints how long it took
reset_ctrl() {
	local t0 st
	t0=$(date +%s%N)
	timeout "$2" sh -c "echo 1 >/sys/class/nvme/$1/reset_controller"
	st=$?
	echo "reset of $1: status $st after $((($(date +%s%N) - t0) / 1000000)) ms"
	if [ "$st" -ne 0 ]; then
		[ "$st" -eq 124 ] && { echo w >/proc/sysrq-trigger; dmesg | tail -40; }
		return 1
	fi
}
# gen_at_least FILE N SECONDS: the first field of FILE (a generation step
# written by uq_robust -G) reaches N within SECONDS
gen_at_least() {
	local _i g
	for _i in $(seq 1 $(($3 * 5))); do
		g=$(cut -d' ' -f1 "$1" 2>/dev/null)
		[ "${g:-0}" -ge "$2" ] && return 0
		sleep 0.2
	done
	echo "$1: generation step ${g:-none}, expected $2"
	return 1
}
# oks_grow FILE SECONDS: every OK field of FILE (fields 2...) grows within
# SECONDS: every queue completes reads again
oks_grow() {
	local _i before now i n
	read -r -a before <"$1" || return 1
	n=${#before[@]}
	for _i in $(seq 1 $(($2 * 5))); do
		sleep 0.2
		read -r -a now <"$1" || continue
		for ((i = 1; i < n; i++)); do
			[ "${now[i]}" -gt "${before[i]}" ] || continue 2
		done
		return 0
	done
	echo "$1: successful completions ${before[*]:1} -> ${now[*]:1}: not every queue completes reads"
	return 1
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
# summary FILE: the counters for the lab test, and the exit status
summary() {
	echo "robust-summary faults=$faults survived=$survived lost=$lost bad_inputs=$bad_inputs" |
		tee "$1"
	exit $fail
}
