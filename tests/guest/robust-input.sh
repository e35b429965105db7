#!/bin/bash
# Description: runs in a lab guest (see tests/lab/robust-input.sh) with
# nvme.user_irq_queues=1 nvme.user_poll_queues=1 and two controllers:
# serial qb0 keeping data, serial qb1 a null device.
# - concurrency on qb0: two threads with a ring each on the same queue,
#   both queues at once, writes stamped and reads checked; opens, mmaps and
#   closes racing with that I/O; kill -9 of processes with I/O in flight,
#   after which the counters settle and the queues still work;
# - privilege, as uid 65534: no open by default; with the node made
#   readable, read-only use only (tests/tools/uq_robust.c unpriv), and the
#   other controller's queues and namespace out of reach;
# - hostile input on both queues of qb1 (tests/tools/uq_fuzz.c, seed
#   ROBUST_SEED, default 1).
# Usage: robust-input.sh SUMMARY_FILE. Exit: 0 pass, 1 fail, 77 skip.
# shellcheck disable=SC2317 # the checks below are called through fault/expect
# shellcheck source=tests/guest/robust-lib.sh
. "$(dirname "$0")/robust-lib.sh"
out=${1:?usage: robust-input.sh SUMMARY_FILE}
seed=${ROBUST_SEED:-1}
if [ ! -x "$robust" ] || [ ! -x "$tools/uq_fuzz" ]; then
	echo "FAIL: $robust or uq_fuzz is not built"
	exit 1
fi
if ! c0=$(wait_ctrl qb0) || ! c1=$(wait_ctrl qb1); then
	echo "SKIP: controllers qb0 and qb1 with user queues"
	exit 77
fi
echo "qb0 is $c0, qb1 is $c1"
nlbas=$(($(cat "/sys/block/${c0}n1/size") * 512 / $(cat "/sys/block/${c0}n1/queue/logical_block_size")))

echo "== two rings in two threads on one queue, both queues at once"
"$robust" load -w -t 2 -q 16 -T 8 "/dev/${c0}uq0" 512 "$nlbas" >/tmp/conc-i 2>&1 &
a=$!
"$robust" load -w -p -t 2 -q 16 -T 8 "/dev/${c0}uq1" 512 "$nlbas" >/tmp/conc-p 2>&1 &
b=$!
wait_for $a 120; sa=$?
wait_for $b 120; sb=$?
cat /tmp/conc-i /tmp/conc-p
lost_from /tmp/conc-i
lost_from /tmp/conc-p
expect "irq queue, two rings: every command completed once with status 0, data intact" test $sa -eq 0
expect "poll queue, two rings: every command completed once with status 0, data intact" test $sb -eq 0

echo "== opens, mmaps and closes racing with I/O"
"$robust" load -w -t 2 -q 8 -T 8 "/dev/${c0}uq0" 512 "$nlbas" >/tmp/race-li 2>&1 &
a=$!
"$robust" load -w -p -t 2 -q 8 -T 8 "/dev/${c0}uq1" 512 "$nlbas" >/tmp/race-lp 2>&1 &
b=$!
"$robust" churn "/dev/${c0}uq0" 512 6 >/tmp/race-ci 2>&1 &
c=$!
"$robust" churn -p "/dev/${c0}uq1" 512 6 >/tmp/race-cp 2>&1 &
d=$!
for p in $a $b $c $d; do wait_for "$p" 120 || bad "racing process $p failed"; done
cat /tmp/race-li /tmp/race-lp /tmp/race-ci /tmp/race-cp
lost_from /tmp/race-li
lost_from /tmp/race-lp

echo "== kill -9 with I/O in flight"
killed_ok() {
	counters_settle "${c0}uq0" && counters_settle "${c0}uq1" && reads_ok "$c0"
}
for round in 1 2 3; do
	"$robust" load -w -t 2 -q 32 -T 60 "/dev/${c0}uq0" 512 "$nlbas" >/dev/null 2>&1 &
	a=$!
	"$robust" load -w -p -t 2 -q 32 -T 60 "/dev/${c0}uq1" 512 "$nlbas" >/dev/null 2>&1 &
	b=$!
	sleep 2
	kill -9 $a $b
	wait_for $a 60 >/dev/null
	wait_for $b 60 >/dev/null
	fault "kill -9 round $round: counters settle, both queues still read" killed_ok
done

echo "== privilege: uid 65534"
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"; }
cp "$robust" /tmp/uq_robust && chmod 755 /tmp/uq_robust
for q in uq0 uq1; do
	expect "/dev/${c0}$q is root only (mode 600)" test "$(stat -c %a:%u "/dev/${c0}$q")" = 600:0
	expect "/dev/${c0}$q: unprivileged open refused by default" \
		sh -c "setpriv --reuid=65534 --regid=65534 --clear-groups -- dd if=/dev/${c0}$q of=/dev/null count=0 2>&1 | grep -q 'Permission denied'"
done
chmod o+r "/dev/${c0}uq0" "/dev/${c0}uq1"
ng1=/dev/ng${c1#nvme}n1
nobody /tmp/uq_robust unpriv "/dev/${c0}uq0" 512 "/dev/${c1}uq0" "$ng1" "/dev/${c1}n1" >/tmp/unpriv-i 2>&1
si=$?
nobody /tmp/uq_robust unpriv -p "/dev/${c0}uq1" 512 "/dev/${c1}uq1" >/tmp/unpriv-p 2>&1
sp=$?
chmod o-r "/dev/${c0}uq0" "/dev/${c0}uq1"
cat /tmp/unpriv-i /tmp/unpriv-p
bad_inputs=$((bad_inputs + $(grep -c '^ok: .*\(refused\|out of reach\)' /tmp/unpriv-i /tmp/unpriv-p | awk -F: '{ n += $2 } END { print n }')))
expect "irq queue, read-only and unprivileged: reads only" test $si -eq 0
expect "poll queue, read-only and unprivileged: reads only" test $sp -eq 0

echo "== hostile input on $c1 (seed $seed)"
"$tools/uq_fuzz" -s "$seed" -n 100000 "/dev/${c1}uq0" "/dev/${c1}uq1" >/tmp/fuzz 2>&1
sf=$?
cat /tmp/fuzz
n=$(sed -n 's/^fuzz: bad inputs tried \([0-9]*\)$/\1/p' /tmp/fuzz)
bad_inputs=$((bad_inputs + ${n:-0}))
expect "100000 randomized commands, ioctls and mmaps: every bad one refused, the queues still work" test $sf -eq 0
expect "irq queue counters of $c1 settle after the fuzzing" counters_settle "${c1}uq0"
expect "poll queue counters of $c1 settle after the fuzzing" counters_settle "${c1}uq1"

summary "$out"
