#!/bin/bash
# Description: runs in a lab guest (see tests/lab/robust-faults.sh) with
# nvme.user_irq_queues=1 nvme.user_poll_queues=1 and two controllers:
# serial qb0 behind blkdebug with EIO injected on reads of LBA 1000 and
# writes of LBA 2000, and serial qb1, a null device that takes 5 s per
# command. On both user queues of each:
# - injected errors come back as NVMe status in exactly the CQEs of the
#   commands that hit them;
# - 20 controller resets while both queues of qb0 carry reads and writes:
#   no command lost or left without a completion, no wrong data, counters
#   equal once idle, the queues carry I/O again;
# - commands outliving their timeout (timeout_ms, then
#   nvme_core.io_timeout) on qb1 complete with an error;
# - removal through sysfs with commands in flight and the queues open and
#   mapped: the commands fail, later calls fail, the mappings give SIGBUS
#   or zeroes; after close and rescan the controller comes back under the
#   same name (the old one was freed) and works.
# Usage: robust-faults.sh SUMMARY_FILE. Exit: 0 pass, 1 fail, 77 skip.
# shellcheck disable=SC2317 # the checks below are called through fault/expect
# shellcheck source=tests/guest/robust-lib.sh
. "$(dirname "$0")/robust-lib.sh"
out=${1:?usage: robust-faults.sh SUMMARY_FILE}
[ -x "$robust" ] || { echo "FAIL: $robust is not built"; exit 1; }
if ! c0=$(wait_ctrl qb0) || ! c1=$(wait_ctrl qb1); then
	echo "SKIP: controllers qb0 and qb1 with user queues"
	exit 77
fi
echo "qb0 is $c0, qb1 is $c1"

# back_after_reset: live again, both queues up, and both complete commands
# again (the reset's cancellations counted, their completed counters move
# on); on failure, what the queues look like
back_after_reset() {
	local _j d0 d1
	if wait_ctrl qb0 30 >/dev/null; then
		d0=$(cat "$cls/${c0}uq0/completed") d1=$(cat "$cls/${c0}uq1/completed")
		for _j in $(seq 1 100); do
			[ "$(cat "$cls/${c0}uq0/completed")" -gt "$d0" ] &&
				[ "$(cat "$cls/${c0}uq1/completed")" -gt "$d1" ] && return 0
			sleep 0.1
		done
	fi
	echo "after the reset: state $(cat "/sys/class/nvme/$c0/state")," \
		"uq0 qid/submitted/completed $(cat "$cls/${c0}uq0/"{qid,submitted,completed} | tr '\n' ' ')," \
		"uq1 $(cat "$cls/${c0}uq1/"{qid,submitted,completed} | tr '\n' ' ')"
	grep "${c0}" /proc/interrupts
	return 1
}
# remove_c1: remove qb1 through sysfs and wait for its nodes to go
remove_c1() {
	echo 1 >"/sys/bus/pci/devices/$bdf/remove" || return 1
	wait_gone "/dev/${c1}uq0" 30 && wait_gone "/sys/class/nvme/$c1" 30
}
# survived_removal: the holders passed, and after a rescan qb1 is back
# under its old name (the old controller was freed once its files closed)
# and both queues read
survived_removal() {
	[ "$si" -eq 0 ] && [ "$sp" -eq 0 ] || return 1
	echo 1 >/sys/bus/pci/rescan || return 1
	local c
	c=$(wait_ctrl qb1 60) || return 1
	echo "rescanned: qb1 is $c"
	[ "$c" = "$c1" ] && reads_ok "$c"
}

echo "== injected media errors"
for q in "" "-p"; do
	[ -z "$q" ] && dev=/dev/${c0}uq0 || dev=/dev/${c0}uq1
	# shellcheck disable=SC2086
	fault "EIO injected on reads of LBA 1000 and writes of LBA 2000 on $dev: status in exactly those CQEs" \
		"$robust" eio $q "$dev" 512 r:999 r:1000:bad r:1001 w:1999 w:2000:bad w:2001 r:3000 r:1000:bad
	faults=$((faults + 1)) # two commands hit an injected error (counted twice)
	survived=$((survived + 1))
done

echo "== 20 controller resets under load on $c0"
rm -f /tmp/stop
# LBAs below 900 only: the injected errors are not what this checks
"$robust" load -f -w -t 1 -q 8 -T 1200 -S /tmp/stop "/dev/${c0}uq0" 512 900 >/tmp/load-irq 2>&1 &
li=$!
"$robust" load -f -w -p -t 1 -q 8 -T 1200 -S /tmp/stop "/dev/${c0}uq1" 512 900 >/tmp/load-poll 2>&1 &
lp=$!
sleep 2
gen0=$(cat "$cls/${c0}uq0/submitted")
# reset_c0: reset qb0 and wait (at most 90 s) for the write to return
reset_c0() {
	sh -c "echo 1 >/sys/class/nvme/$c0/reset_controller" 2>/dev/null &
	local w=$! _j
	for _j in $(seq 1 450); do
		kill -0 $w 2>/dev/null || return 0
		sleep 0.2
	done
	echo "reset_controller write still blocked after 90 s; blocked tasks and state:"
	echo w >/proc/sysrq-trigger
	cat "/sys/class/nvme/$c0/state"
	grep -h . "$cls/${c0}"uq*/{qid,submitted,completed}
	grep "${c0}" /proc/interrupts
	dmesg | tail -40
	return 1
}
for i in $(seq 1 20); do
	if ! reset_c0; then
		fault "reset $i returns" false
		break
	fi
	fault "reset $i: controller live again, both user queues complete commands again" back_after_reset
done
touch /tmp/stop
wait_for $li 90; si=$?
wait_for $lp 90; sp=$?
cat /tmp/load-irq /tmp/load-poll
lost_from /tmp/load-irq
lost_from /tmp/load-poll
[ "$(cat "$cls/${c0}uq0/submitted")" -gt "$gen0" ] || bad "no load on the irq queue"
expect "irq queue load: every command completed once, data intact, only -EINTR/-EIO/NVMe status errors" test $si -eq 0
expect "poll queue load: every command completed once, data intact, only -EINTR/-EIO/NVMe status errors" test $sp -eq 0
if grep -qE "eintr [1-9]|status [1-9]" /tmp/load-irq /tmp/load-poll; then
	echo "note: commands in flight at a reset completed with -EINTR or an NVMe abort status"
fi
expect "irq queue counters settle" counters_settle "${c0}uq0"
expect "poll queue counters settle" counters_settle "${c0}uq1"
expect "both queues of $c0 read after the resets" reads_ok "$c0"

echo "== timeouts on $c1 (5 s per command)"
fault "irq queue: a read with timeout_ms 1000 completes with an error" \
	"$robust" timeout -m 1000 "/dev/${c1}uq0" 512 90
wait_ctrl qb1 60 >/dev/null || bad "$c1 not live after the timeout"
fault "poll queue: a read with timeout_ms 1000 completes with an error" \
	"$robust" timeout -p -m 1000 "/dev/${c1}uq1" 512 90
wait_ctrl qb1 60 >/dev/null || bad "$c1 not live after the timeout"
io_timeout=$(cat /sys/module/nvme_core/parameters/io_timeout)
echo 1 >/sys/module/nvme_core/parameters/io_timeout
fault "irq queue: a read outliving nvme_core.io_timeout=1 completes with an error" \
	"$robust" timeout "/dev/${c1}uq0" 512 90
echo "$io_timeout" >/sys/module/nvme_core/parameters/io_timeout
wait_ctrl qb1 60 >/dev/null || bad "$c1 not live after the timeout"
dmesg | grep -E "$c1: .*(timeout|abort|reset)" | tail -4
expect "irq queue counters of $c1 settle" counters_settle "${c1}uq0"
expect "poll queue counters of $c1 settle" counters_settle "${c1}uq1"
expect "both queues of $c1 read after the timeouts" reads_ok "$c1"

echo "== removal through sysfs with commands in flight on $c1"
bdf=$(basename "$(readlink -f "/sys/class/nvme/$c1/device")")
# QEMU finishes the commands in flight while the controller shuts down, so
# they may complete with their data: each must complete exactly once
hold_removal "$c1"
expect "$c1 removed through sysfs, its queue nodes gone" remove_c1
holds_done
fault "removal with I/O in flight: every command completed once, later calls and mappings safe; rescan brings $c1 back and it reads" \
	survived_removal

summary "$out"
