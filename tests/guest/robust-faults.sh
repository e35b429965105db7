#!/bin/bash
# Description: runs in a lab guest (see tests/lab/robust-faults.sh) with
# nvme.user_irq_queues=2 nvme.user_poll_queues=2 (uq0, uq1 irq; uq2, uq3
# poll) and two controllers: serial qb0 behind blkdebug with EIO injected
# on reads of LBA 1000 and writes of LBA 2000, and serial qb1, a null
# device that takes 5 s per command. A queue has one owner, so every
# process below owns its own queue.
# - injected errors come back as NVMe status in exactly the CQEs of the
#   commands that hit them, on an irq and a poll queue;
# - 6 controller resets of qb0 while all four queues carry reads and
#   writes: each reset write returns 0 within 60 s and is proven by every
#   queue's generation (state page) growing by one, after which every
#   queue completes reads again; no command lost, completed twice or
#   returning wrong data;
# - commands outliving their timeout (timeout_ms, then
#   nvme_core.io_timeout) on qb1 complete with an error;
# - a reset and then a removal (sysfs) of qb1 while two owners are stopped
#   (SIGSTOP) with commands in flight and two rings never reap their
#   completed commands: each returns within 30 s; after SIGCONT every
#   command completed exactly once, the reset recreated each queue once
#   and they read again; after the removal later commands fail, mappings
#   still read, and a rescan brings qb1 back under the same name.
# Faults counted: 4 + 6 + 3 + 2 + 2 = 17 (tests/lab/robust-faults.sh).
# Usage: robust-faults.sh SUMMARY_FILE. Exit: 0 pass, 1 fail, 77 skip.
# shellcheck disable=SC2317 # the checks below are called through fault/expect
# shellcheck source=tests/guest/robust-lib.sh
. "$(dirname "$0")/robust-lib.sh"
out=${1:?usage: robust-faults.sh SUMMARY_FILE}
[ -x "$robust" ] || { echo "FAIL: $robust is not built"; exit 1; }
if ! c0=$(wait_ctrl qb0) || ! c1=$(wait_ctrl qb1); then
	echo "SKIP: controllers qb0 and qb1 with four user queues each"
	exit 77
fi
echo "qb0 is $c0, qb1 is $c1"

echo "== injected media errors"
for q in uq0 uq2; do
	dev=/dev/${c0}$q
	fault "EIO injected on reads of LBA 1000 and writes of LBA 2000 on $dev ($(cat "$cls/${c0}$q/type") queue): status in exactly those CQEs" \
		"$robust" eio "$dev" 512 r:999 r:1000:bad r:1001 w:1999 w:2000:bad w:2001 r:3000 r:1000:bad
	faults=$((faults + 1)) # two commands hit an injected error (counted twice)
	survived=$((survived + 1))
done

resets=6 # each takes 11-23 s under TCG on a loaded host
echo "== $resets controller resets under load on $c0"
rm -f /tmp/stop /tmp/gen
# LBAs below 900 only: the injected errors are not what this checks
"$robust" load -f -w -q 8 -T 1200 -S /tmp/stop -G /tmp/gen 512 900 \
	/dev/"${c0}"uq0 /dev/"${c0}"uq1 /dev/"${c0}"uq2 /dev/"${c0}"uq3 >/tmp/load 2>&1 &
ld=$!
# proven_reset N: reset N of qb0 returned 0 within 60 s; every queue was
# created again (generation step N, exactly) and completes reads again
proven_reset() {
	reset_ctrl "$c0" 60 || return 1
	gen_at_least /tmp/gen "$1" 30 || return 1
	[ "$(cut -d' ' -f1 /tmp/gen)" -eq "$1" ] || { echo "generation step $(cut -d' ' -f1 /tmp/gen), not $1"; return 1; }
	oks_grow /tmp/gen 30
}
if ! gen_at_least /tmp/gen 0 30 || ! oks_grow /tmp/gen 30; then
	bad "the load did not start on every queue"
fi
for i in $(seq 1 "$resets"); do
	fault "reset $i of $c0: returned 0, every queue created again (generation +$i) and completing reads" \
		proven_reset "$i"
done
touch /tmp/stop
wait_for $ld 120; sl=$?
cat /tmp/load
lost_from /tmp/load
expect "load over the resets: every command completed once, data intact, only -EINTR/-EIO/NVMe status errors" test $sl -eq 0
expect "each of the 4 queues was created again exactly $resets times" \
	test "$(grep -c "generation +$resets\$" /tmp/load)" -eq 4
if grep -qE "eintr [1-9]|status [1-9]" /tmp/load; then
	echo "note: commands in flight at a reset completed with -EINTR or an NVMe abort status"
fi
expect "every queue of $c0 released and reads after the resets" released "$c0"

echo "== timeouts on $c1 (5 s per command)"
fault "irq queue: a read with timeout_ms 1000 completes with an error" \
	"$robust" timeout -m 1000 "/dev/${c1}uq0" 512 90
wait_ctrl qb1 60 >/dev/null || bad "$c1 not live after the timeout"
fault "poll queue: a read with timeout_ms 1000 completes with an error" \
	"$robust" timeout -m 1000 "/dev/${c1}uq2" 512 90
wait_ctrl qb1 60 >/dev/null || bad "$c1 not live after the timeout"
io_timeout=$(cat /sys/module/nvme_core/parameters/io_timeout)
echo 1 >/sys/module/nvme_core/parameters/io_timeout
fault "irq queue: a read outliving nvme_core.io_timeout=1 completes with an error" \
	"$robust" timeout "/dev/${c1}uq0" 512 90
echo "$io_timeout" >/sys/module/nvme_core/parameters/io_timeout
wait_ctrl qb1 60 >/dev/null || bad "$c1 not live after the timeout"
dmesg | grep -E "$c1: .*(timeout|abort|reset)" | tail -4
expect "every queue of $c1 released and reads after the timeouts" released "$c1"

# stalled_owners MODE: on the four queues of qb1, two owners stopped
# (SIGSTOP) with 8 reads in flight (uq0 irq, uq2 poll) and two rings that
# never reap their 8 completed reads (uq1 irq, DEFER_TASKRUN, and uq3 poll,
# never polled); MODE is the uq_robust hold check (-x 1 or -r); sets
# holders and stopped
stalled_owners() {
	local q
	rm -f /tmp/ready-* /tmp/go /tmp/done
	holders=
	for q in uq1 uq3; do
		"$robust" hold "$1" -g /tmp/go -w /tmp/done "/dev/${c1}$q" 512 8 "/tmp/ready-$q" >"/tmp/hold-$q" 2>&1 &
		holders="$holders $!"
	done
	for _ in $(seq 1 100); do [ -e /tmp/ready-uq1 ] && [ -e /tmp/ready-uq3 ] && break; sleep 0.1; done
	sleep 6 # 5 s per command: the device has completed them; nobody reaps
	stopped=
	for q in uq0 uq2; do
		"$robust" hold "$1" -w /tmp/done "/dev/${c1}$q" 512 8 "/tmp/ready-$q" >"/tmp/hold-$q" 2>&1 &
		stopped="$stopped $!"
		holders="$holders $!"
	done
	for _ in $(seq 1 100); do [ -e /tmp/ready-uq0 ] && [ -e /tmp/ready-uq2 ] && break; sleep 0.1; done
	# shellcheck disable=SC2086
	kill -STOP $stopped
}
# resume: SIGCONT the stopped owners, let the others reap; 0 when every
# holder passed its checks
resume() {
	local p st=0
	touch /tmp/done /tmp/go
	# shellcheck disable=SC2086
	kill -CONT $stopped
	for p in $holders; do wait_for "$p" 150 || st=1; done
	cat /tmp/hold-uq0 /tmp/hold-uq1 /tmp/hold-uq2 /tmp/hold-uq3
	return "$st"
}
# in_time STATUS SECONDS LIMIT: STATUS is 0 and SECONDS at most LIMIT
in_time() { echo "status $1, took $2 s (at most $3)"; [ "$1" -eq 0 ] && [ "$2" -le "$3" ]; }

echo "== reset of $c1 with two stopped owners and two rings that never reap"
stalled_owners -x1
t0=$(date +%s)
reset_ctrl "$c1" 90; sr=$?
took=$(($(date +%s) - t0))
fault "reset of $c1 with stalled owners returned 0 within 30 s" \
	in_time "$sr" "$took" 30
fault "after SIGCONT: every command completed exactly once, each queue created again once and reading" \
	resume
expect "every queue of $c1 released and reads after the reset" released "$c1"

echo "== removal of $c1 (sysfs) with two stopped owners and two rings that never reap"
bdf=$(basename "$(readlink -f "/sys/class/nvme/$c1/device")")
stalled_owners -r
t0=$(date +%s)
timeout 90 sh -c "echo 1 >/sys/bus/pci/devices/$bdf/remove"; sr=$?
took=$(($(date +%s) - t0))
echo "removal: status $sr after $took s"
removed_in_time() {
	in_time "$sr" "$took" 30 && wait_gone "/dev/${c1}uq0" 30 && wait_gone "/sys/class/nvme/$c1" 30
}
fault "removal of $c1 with stalled owners returned within 30 s, its nodes gone" removed_in_time
# back: every holder passed, and after a rescan qb1 is back under its old
# name (the old controller was freed once its files closed) and reads
back() {
	resume || return 1
	echo 1 >/sys/bus/pci/rescan || return 1
	local c
	c=$(wait_ctrl qb1 60) || return 1
	echo "rescanned: qb1 is $c"
	[ "$c" = "$c1" ] && reads_ok "$c"
}
fault "after SIGCONT: every command completed exactly once, later calls fail, old mappings read; rescan brings $c1 back and it reads" \
	back

summary "$out"
