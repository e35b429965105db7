#!/bin/bash
# Description: runs in a lab guest (see tests/lab/robust-input.sh) with
# nvme.user_irq_queues=2 nvme.user_poll_queues=2 (uq0, uq1 irq; uq2, uq3
# poll) and two controllers keeping data: serial qb0 (64 MiB) and serial
# qb1 (256 MiB). A queue has one owner, so every process or thread below
# owns its own queue.
# - ownership on qb0: a second open gets EBUSY, a second ring -EXDEV,
#   IOSQE_ASYNC -EOPNOTSUPP, and a queue is free again once closed;
# - concurrency on qb0: four threads, each owning a queue, writes stamped
#   and reads checked, every command completing exactly once; processes
#   opening queues that others own (EBUSY each time) and processes taking
#   turns owning the other queues (open, map, submit, close or tear down
#   in flight) racing with that I/O; kill -9 of owners with I/O in flight,
#   after which every queue is free again within 30 s and reads;
# - privilege, as uid 65534: no open by default; with the queue and its ng
#   node made readable, read-only use only (tests/tools/uq_robust.c
#   unpriv), and the other controller's queues and namespace out of reach;
# - hostile input on the four queues of qb1 by two threads
#   (tests/tools/uq_fuzz.c, seed ROBUST_SEED, default 1) with verified data
#   in the namespace's upper half: with SGLs across 5 controller resets
#   (each write's status read, each proven by every queue's generation),
#   with PRPs (nvme.sgl_threshold=0), and across a removal through sysfs,
#   after which a rescan brings qb1 back.
# Faults counted: 3 + 5 + 1 = 9 (tests/lab/robust-input.sh).
# Usage: robust-input.sh SUMMARY_FILE. Exit: 0 pass, 1 fail, 77 skip.
# shellcheck disable=SC2317 # the checks below are called through fault/expect
# shellcheck source=tests/guest/robust-lib.sh
. "$(dirname "$0")/robust-lib.sh"
out=${1:?usage: robust-input.sh SUMMARY_FILE}
seed=${ROBUST_SEED:-1}
fuzz=$tools/uq_fuzz
if [ ! -x "$robust" ] || [ ! -x "$fuzz" ]; then
	echo "FAIL: $robust or uq_fuzz is not built"
	exit 1
fi
if ! c0=$(wait_ctrl qb0) || ! c1=$(wait_ctrl qb1); then
	echo "SKIP: controllers qb0 and qb1 with four user queues each"
	exit 77
fi
echo "qb0 is $c0, qb1 is $c1"
nlbas=$(($(cat "/sys/block/${c0}n1/size") * 512 / $(cat "/sys/block/${c0}n1/queue/logical_block_size")))
q0=() q1=()
for q in uq0 uq1 uq2 uq3; do q0+=("/dev/${c0}$q"); q1+=("/dev/${c1}$q"); done
# refused FILE...: the "refused" checks that passed in uq_robust outputs
refused() { cat "$@" | grep -c '^ok: .*refused'; }

echo "== ownership"
"$robust" owner "/dev/${c0}uq0" 512 >/tmp/own-i 2>&1; si=$?
"$robust" owner "/dev/${c0}uq2" 512 >/tmp/own-p 2>&1; sp=$?
cat /tmp/own-i /tmp/own-p
bad_inputs=$((bad_inputs + $(refused /tmp/own-i /tmp/own-p)))
expect "irq queue: one owner, one ring; free again after close" test $si -eq 0
expect "poll queue: one owner, one ring; free again after close" test $sp -eq 0

echo "== four owners at once, one queue each, data checked"
"$robust" load -w -q 16 -T 8 512 "$nlbas" "${q0[@]}" >/tmp/conc 2>&1
sc=$?
cat /tmp/conc
lost_from /tmp/conc
expect "four queues at once: every command completed once with status 0, data intact" test $sc -eq 0

echo "== opens of owned queues and owners taking turns, racing with I/O"
rm -f /tmp/race-gen /tmp/race-stop
"$robust" load -w -q 8 -T 120 -S /tmp/race-stop -G /tmp/race-gen 512 "$nlbas" "/dev/${c0}uq0" "/dev/${c0}uq2" \
	>/tmp/race-l 2>&1 &
a=$!
# the load owns uq0 and uq2 once it reports, until race-stop exists
gen_at_least /tmp/race-gen 0 30 || bad "the load did not start"
"$robust" intrude "/dev/${c0}uq0" 6 >/tmp/race-ii 2>&1 &
b=$!
"$robust" intrude "/dev/${c0}uq2" 6 >/tmp/race-ip 2>&1 &
c=$!
"$robust" churn "/dev/${c0}uq1" 512 6 >/tmp/race-ci 2>&1 &
d=$!
"$robust" churn "/dev/${c0}uq3" 512 6 >/tmp/race-cp 2>&1 &
e=$!
for p in $b $c $d $e; do wait_for "$p" 120 || bad "racing process $p failed"; done
touch /tmp/race-stop
wait_for $a 120 || bad "the load under the intruders failed"
cat /tmp/race-l /tmp/race-ii /tmp/race-ip /tmp/race-ci /tmp/race-cp
lost_from /tmp/race-l

echo "== kill -9 with I/O in flight"
for round in 1 2 3; do
	"$robust" load -w -q 32 -T 60 512 "$nlbas" "${q0[@]}" >/dev/null 2>&1 &
	a=$!
	sleep 2
	kill -9 $a
	wait_for $a 60 >/dev/null
	fault "kill -9 round $round: every queue free again within 30 s, and reading" released "$c0" 30
done

echo "== privilege: uid 65534"
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"; }
cp "$robust" /tmp/uq_robust && chmod 755 /tmp/uq_robust
ng0=/dev/ng${c0#nvme}n1 ng1=/dev/ng${c1#nvme}n1
for q in uq0 uq2; do
	expect "/dev/${c0}$q is root only (mode 600)" test "$(stat -c %a:%u "/dev/${c0}$q")" = 600:0
	expect "/dev/${c0}$q: unprivileged open refused by default" \
		sh -c "setpriv --reuid=65534 --regid=65534 --clear-groups -- dd if=/dev/${c0}$q of=/dev/null count=0 2>&1 | grep -q 'Permission denied'"
done
mode=$(stat -c %a "$ng0")
chmod o+rw "/dev/${c0}uq0" "/dev/${c0}uq2"
chmod o+r "$ng0"
# fd 3: the other controller's namespace, opened by root and inherited
# shellcheck disable=SC2094 # fd 3 is read by the tool, not written
nobody /tmp/uq_robust unpriv -b 3 "/dev/${c0}uq0" "$ng0" 512 "/dev/${c1}uq0" "$ng1" "/dev/${c1}n1" \
	>/tmp/unpriv-i 2>&1 3<"$ng1"
si=$?
nobody /tmp/uq_robust unpriv -b 3 "/dev/${c0}uq2" "$ng0" 512 "/dev/${c1}uq2" >/tmp/unpriv-p 2>&1 3<"$ng1"
sp=$?
chmod o-rw "/dev/${c0}uq0" "/dev/${c0}uq2"
chmod "$mode" "$ng0"
cat /tmp/unpriv-i /tmp/unpriv-p
bad_inputs=$((bad_inputs + $(cat /tmp/unpriv-i /tmp/unpriv-p | grep -c '^ok: .*\(refused\|out of reach\)')))
expect "irq queue, read-only and unprivileged: reads only" test $si -eq 0
expect "poll queue, read-only and unprivileged: reads only" test $sp -eq 0

# fuzz_inputs FILE: add its "bad inputs tried"
fuzz_inputs() {
	local n
	n=$(sed -n 's/^fuzz: bad inputs tried \([0-9]*\)$/\1/p' "$1")
	bad_inputs=$((bad_inputs + ${n:-0}))
}

echo "== hostile input on $c1 (seed $seed), two threads, verified data, SGLs, across 5 resets"
rm -f /tmp/fuzz-done /tmp/fuzz-go
"$fuzz" -s "$seed" -n 80000 -t 2 -V -f -D /tmp/fuzz-done -W /tmp/fuzz-go "${q1[@]}" >/tmp/fuzz 2>&1 &
fz=$!
during=0
for i in 1 2 3 4 5; do
	sleep 2
	[ -e /tmp/fuzz-done ] || during=$((during + 1))
	fault "reset $i of $c1 under the fuzzer returned 0" reset_ctrl "$c1" 60
done
touch /tmp/fuzz-go
wait_for $fz 900; sf=$?
cat /tmp/fuzz
fuzz_inputs /tmp/fuzz
echo "$during of the 5 resets began while the fuzzer ran"
expect "fuzzing across resets: every bad input refused, every command completed once, verified data intact, the queues still work" \
	test $sf -eq 0
expect "at least 3 resets happened while the fuzzer ran ($during)" test $during -ge 3
expect "each of the 4 queues was created again exactly 5 times" \
	test "$(grep -c 'generation +5$' /tmp/fuzz)" -eq 4
expect "every queue of $c1 free again and reading" released "$c1"

echo "== hostile input on $c1, verified data, PRPs (nvme.sgl_threshold=0)"
thr=$(cat /sys/module/nvme/parameters/sgl_threshold)
echo 0 >/sys/module/nvme/parameters/sgl_threshold
"$fuzz" -s "$((seed + 100))" -n 20000 -t 2 -V "${q1[@]}" >/tmp/fuzz-prp 2>&1
sf=$?
echo "$thr" >/sys/module/nvme/parameters/sgl_threshold
cat /tmp/fuzz-prp
fuzz_inputs /tmp/fuzz-prp
expect "the fuzzer ran with PRPs" grep -q 'PRPs (sgl_threshold 0)' /tmp/fuzz-prp
expect "fuzzing with PRPs: every bad input refused, every command completed once, verified data intact" \
	test $sf -eq 0

echo "== hostile input on $c1, verified data, across its removal (sysfs)"
bdf=$(basename "$(readlink -f "/sys/class/nvme/$c1/device")")
"$fuzz" -s "$((seed + 200))" -n 1000000 -t 2 -V -f "${q1[@]}" >/tmp/fuzz-rm 2>&1 &
fz=$!
sleep 8
t0=$(date +%s)
timeout 90 sh -c "echo 1 >/sys/bus/pci/devices/$bdf/remove"; sr=$?
took=$(($(date +%s) - t0))
echo "removal: status $sr after $took s"
wait_for $fz 300; sf=$?
[ $sf -eq 124 ] && kill -9 $fz
cat /tmp/fuzz-rm
fuzz_inputs /tmp/fuzz-rm
removed_back() {
	[ "$sr" -eq 0 ] && [ "$took" -le 30 ] && [ "$sf" -eq 0 ] || return 1
	[ "$(grep -c ': removed, generation' /tmp/fuzz-rm)" -eq 4 ] || { echo "not every queue seen removed"; return 1; }
	echo 1 >/sys/bus/pci/rescan
	local c
	c=$(wait_ctrl qb1 60) || return 1
	echo "rescanned: qb1 is $c"
	reads_ok "$c"
}
fault "removal under the fuzzer within 30 s: every command completed once, verified data intact; rescan brings $c1 back and it reads" \
	removed_back

summary "$out"
