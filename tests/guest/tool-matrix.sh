#!/bin/bash
# Description: runs in a lab guest with two CPUs, nvme.poll_queues=1
# nvme.user_irq_queues=2 nvme.user_poll_queues=2 and four controllers found
# by serial: qbmain (two data-keeping namespaces), qb4k (4096-byte LBAs),
# qbmdts (mdts=2: 16 KiB transfers) and qbbad (blkdebug, read error at
# sector 2048). nvme-qbench on every path: randwrite with --verify read back
# by every other path, a wrong seed caught, randrw; --threads 2, --sqpoll,
# --uq-device; namespace 2, the 4K namespace, the transfer limit; I/O
# errors by LBA; a controller reset during a run; and, last, writes refused on a namespace holding a
# partition table, then an ext4 file system, with no byte changed. Prints
# ok:/FAIL: lines; leaves reports in OUT for the host to check.
# usage: tool-matrix.sh OUT BUILD
# Exit: 0 pass, 1 fail, 77 skip (a controller missing).
set -u
out=${1:?usage: tool-matrix.sh OUT BUILD} build=${2:?usage: tool-matrix.sh OUT BUILD}
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
all=(psync block-irq block-poll ng-irq ng-poll uq-irq uq-poll uq-poll-check)

# The binary runs from tmpfs: executing it from the 9p root costs seconds
# of page faults per start under TCG, and the test starts it often.
qb=/tmp/nvme-qbench
cp "$out/nvme-qbench" $qb 2>/dev/null || cp "$build/bench/nvme-qbench" $qb || { bad "no nvme-qbench"; exit 1; }

# shellcheck source=tests/guest/nvme-lib.sh
. "$(dirname "$0")/nvme-lib.sh"
for serial in qbmain qb4k qbmdts qbbad; do
	ctrl $serial >/dev/null || { echo "SKIP: no controller with serial $serial: $(ls /sys/class/nvme)"; exit 77; }
done
main=$(ctrl qbmain) k4=$(ctrl qb4k) mdts=$(ctrl qbmdts) badc=$(ctrl qbbad)
dev=$(ns "$main" 1) dev2=$(ns "$main" 2) dev4k=$(ns "$k4" 1) devm=$(ns "$mdts" 1) devbad=$(ns "$badc" 1)
for d in $dev $dev2 $dev4k $devm $devbad; do [ -b "$d" ] || { echo "SKIP: no $d"; exit 77; }; done
echo "devices: main $dev, namespace 2 $dev2, 4K $dev4k, mdts $devm, bad $devbad"

# expect STATUS NAME LOG COMMAND...: run with stderr in LOG, check the status
expect() {
	local want=$1 what=$2 log=$3 got
	shift 3
	"$@" >"$log.out" 2>"$log"
	got=$?
	if [ "$got" -eq "$want" ]; then ok "$what (status $got)"; else
		bad "$what: status $got, expected $want"
		sed 's/^/  | /' "$log"
	fi
}
# line LOG LINE NAME: LOG holds exactly this line, whole
line() {
	if grep -qxF -- "$2" "$1"; then ok "$3"; else
		bad "$3: no line \"$2\""
		sed 's/^/  | /' "$1"
	fi
}
w=(--quiet --size 8m --iodepth 8 --submit-batch 4 --complete-batch 4)

# Writers: one path of each engine (each start of the tool costs seconds
# under TCG); every path reads back what each wrote.
writers=(psync block-poll ng-irq uq-poll-check)
echo "== workloads: randwrite on ${writers[*]}, read back by every other path (at ${SECONDS} s)"
n=0
for p in "${writers[@]}"; do
	n=$((n + 1))
	seed=$((100 + n))
	others=$(printf '%s\n' "${all[@]}" | grep -vx -- "$p" | paste -sd,)
	expect 0 "$p randwrite --verify (seed $seed)" "$out/rw-$p.err" \
		$qb run --device $dev --path "$p" "${w[@]}" --rw randwrite --verify --seed $seed --ios 256 \
		--allow-destructive --json "$out/rw-$p.json"
	expect 0 "$p's data verifies on $others" "$out/rr-$p.err" \
		$qb compare --device $dev --paths "$others" "${w[@]}" --rw randread --verify --seed $seed --ios 256 \
		--rounds 1 --json "$out/rr-$p.json"
done
# The last seed written is $seed: one more is a wrong one.
expect 1 "a wrong seed fails verification" "$out/wrong-seed.err" \
	$qb run --device $dev --path ng-irq "${w[@]}" --rw randread --verify --seed $((seed + 1)) --ios 256 \
	--json "$out/wrong-seed.json"
grep -q 'verify: LBA [0-9]*: wrong seed (stamp says LBA [0-9]*, seed '"$seed"')' "$out/wrong-seed.err" &&
	ok "the wrong seed is named with the seed found" || bad "no 'wrong seed' line: $(cat "$out/wrong-seed.err")"
expect 0 "randrw on every path" "$out/randrw.err" \
	$qb compare --device $dev --paths "$(IFS=,; echo "${all[*]}")" "${w[@]}" --rw randrw --ios 512 --rounds 1 \
	--allow-destructive --json "$out/randrw.json"

echo "== --threads 2 on every path (one user queue per thread) (at ${SECONDS} s)"
expect 0 "--threads 2 randwrite --verify on every path" "$out/threads.err" \
	$qb compare --device $dev --paths "$(IFS=,; echo "${all[*]}")" "${w[@]}" --threads 2 --rw randwrite --verify \
	--seed 200 --ios 512 --rounds 1 --allow-destructive --json "$out/threads.json"
expect 2 "--threads 3 wants three user_poll queues" "$out/threads3.err" \
	$qb run --device $dev --path uq-poll "${w[@]}" --threads 3 --ios 256
line "$out/threads3.err" "nvme-qbench: 3 threads need 3 user_poll queues of $main from ${main}uq2 on, and it has 2; a queue has one owner: boot with nvme.user_poll_queues=3 or more, or use fewer --threads" \
	"--threads 3: the message names the queues and the parameter"
expect 2 "--threads 2 from the last irq queue is refused" "$out/threads-uqdev.err" \
	$qb run --device $dev --path uq-irq --uq-device /dev/${main}uq1 "${w[@]}" --threads 2 --ios 256
line "$out/threads-uqdev.err" "nvme-qbench: 2 threads need 2 user_irq queues of $main from ${main}uq1 on, and it has 1; a queue has one owner: boot with nvme.user_irq_queues=3 or more, or use fewer --threads" \
	"--uq-device with --threads 2: one queue per thread, counted from the given one"

echo "== --sqpoll on the ng and uq paths (at ${SECONDS} s)"
for p in ng-irq ng-poll; do
	$qb run --device $dev --path $p "${w[@]}" --sqpoll --rw randread --ios 256 --json "$out/sqpoll-$p.json" \
		>/dev/null 2>"$out/sqpoll-$p.err"
	st=$?
	echo "$st" >"$out/sqpoll-$p.status"
	echo "sqpoll $p: status $st $(grep -v '^hw counters\|^cpu:' "$out/sqpoll-$p.err" | head -3)"
done

# An SQPOLL ring's commands on a user queue never completed: refused.
for p in uq-irq uq-poll uq-poll-check; do
	expect 2 "$p --sqpoll is refused" "$out/sqpoll-$p.err" \
		$qb run --device $dev --path $p "${w[@]}" --sqpoll --rw randread --ios 256 --json "$out/sqpoll-$p.json"
	line "$out/sqpoll-$p.err" "nvme-qbench: $p: --sqpoll is not supported on the user queues: with an SQPOLL ring their commands do not complete on this kernel series and the run hangs; drop --sqpoll, or use it with ng-irq or ng-poll" \
		"$p --sqpoll: the message says why and what works"
done

echo "== --uq-device (at ${SECONDS} s)"
expect 0 "uq-irq on --uq-device /dev/${main}uq1" "$out/uqdev.err" \
	$qb run --device $dev --path uq-irq --uq-device /dev/${main}uq1 "${w[@]}" --rw randread --ios 256 \
	--json "$out/uqdev.json"
expect 2 "uq-poll refuses an irq queue" "$out/uqdev-type.err" \
	$qb run --device $dev --path uq-poll --uq-device /dev/${main}uq0 "${w[@]}" --ios 256
line "$out/uqdev-type.err" "nvme-qbench: --uq-device /dev/${main}uq0 is a user_irq queue, but this path needs a user_poll queue; give a uq-irq path or another node" \
	"--uq-device of the wrong type: the message says which type"

echo "== namespace 2 and the 4096-byte LBA namespace (at ${SECONDS} s)"
expect 0 "every path writes and verifies on namespace 2" "$out/ns2.err" \
	$qb compare --device $dev2 --paths "$(IFS=,; echo "${all[*]}")" "${w[@]}" --rw write --verify --seed 300 \
	--ios 256 --rounds 1 --allow-destructive --json "$out/ns2.json"
expect 0 "every path writes and verifies 8k blocks on the 4K namespace" "$out/ns4k.err" \
	$qb compare --device $dev4k --paths "$(IFS=,; echo "${all[*]}")" "${w[@]}" --bs 8k --rw randwrite --verify \
	--seed 301 --ios 256 --rounds 1 --allow-destructive --json "$out/ns4k.json"
expect 2 "--bs 512 on the 4K namespace is refused" "$out/ns4k-512.err" \
	$qb run --device $dev4k --path ng-irq "${w[@]}" --bs 512 --ios 256
line "$out/ns4k-512.err" "nvme-qbench: --bs 512: not a multiple of $dev4k's LBA size 4096; use 4096 or a multiple" \
	"--bs 512 on the 4K namespace: the message names the LBA size"

echo "== the transfer limit (mdts=2: $(cat "/sys/block/$(basename "$devm")/queue/max_hw_sectors_kb") KiB)"
expect 0 "block-irq splits 64k I/Os" "$out/mdts-block.err" \
	timeout 120 $qb run --device $devm --path block-irq "${w[@]}" --bs 64k --rw randread --ios 128 \
	--json "$out/mdts-block.json"
for p in ng-poll uq-irq; do
	expect 2 "$p refuses 64k I/Os on a 16k controller" "$out/mdts-$p.err" \
		timeout 120 $qb run --device $devm --path $p "${w[@]}" --bs 64k --rw randread --ios 128 \
		--json "$out/mdts-$p.json"
	line "$out/mdts-$p.err" "nvme-qbench: $p: --bs 65536 exceeds the largest transfer of $devm, 16384 bytes (queue/max_hw_sectors_kb, the controller's MDTS), and passthrough is not split; use --bs 16k or less, or a block path, which splits I/O" \
		"$p: the message names both sizes"
	[ -e "$out/mdts-$p.json" ] && bad "$p: a refused run wrote a report"
done
expect 0 "16k I/Os, the limit itself, pass on the passthrough paths" "$out/mdts-16k.err" \
	timeout 300 $qb compare --device $devm --paths ng-irq,ng-poll,uq-irq,uq-poll,uq-poll-check "${w[@]}" --bs 16k \
	--rw randread --ios 128 --rounds 1 --json "$out/mdts-16k.json"

echo "== I/O errors: a read error injected at LBA 2048 of $devbad (at ${SECONDS} s)"
expect 1 "reads over the bad LBA end with status 1" "$out/errors.err" \
	timeout 300 $qb compare --device $devbad --paths block-irq,ng-irq,uq-irq --quiet --bs 4k --size 2m \
	--iodepth 4 --submit-batch 4 --complete-batch 4 --rw read --ios 512 --rounds 1 --json "$out/errors.json"
sed 's/^/  | /' "$out/errors.err"
# The block layer merges the sequential reads in flight and fails them
# together, with the errno of a media error.
grep -qE '^block-irq: [1-4] I/O error\(s\): ENODATA \(No data available\) \(first at LBA 2048\)$' "$out/errors.err" &&
	ok "block-irq names the errno and the LBA" || bad "block-irq: no ENODATA line at LBA 2048"
for p in ng-irq uq-irq; do
	line "$out/errors.err" "$p: 1 I/O error(s): Unrecovered Read Error (first at LBA 2048)" \
		"$p names the NVMe status and the LBA"
done

echo "== a controller reset in the middle of a uq-irq run (at ${SECONDS} s)"
# The queue is down while the controller resets: the run's commands fail
# (EIO while down, EINTR for those the controller could not finish), each
# counted and named by LBA; the run goes on once the queues are back, ends
# with status 1 and writes its report. The host checks the report.
$qb run --device $dev --path uq-irq "${w[@]}" --rw randread --runtime 12 --json "$out/reset.json" \
	>"$out/reset.err.out" 2>"$out/reset.err" &
qbpid=$!
# the measured run has begun once the I/O thread exists
for _ in $(seq 1 60); do
	[ "$(ls /proc/$qbpid/task 2>/dev/null | wc -l)" -ge 2 ] && break
	sleep 0.5
done
sleep 2
if echo 1 >/sys/class/nvme/$main/reset_controller; then ok "reset of $main written"; else bad "reset of $main refused"; fi
wait $qbpid
st=$?
[ "$st" -eq 1 ] && ok "the run across the reset ends with status 1" || bad "the run across the reset: status $st"
sed 's/^/  | /' "$out/reset.err"
grep -qE '^uq-irq: [0-9]+ I/O error\(s\): (EIO \(Input/output error\)|EINTR \(Interrupted system call\)) \(first at LBA [0-9]+\)' \
	"$out/reset.err" && ok "the errors are named, with the first LBA" || bad "no named error line with its LBA"
expect 0 "uq-irq works again after the reset" "$out/after-reset.err" \
	$qb run --device $dev --path uq-irq "${w[@]}" --rw randread --ios 256 --json "$out/after-reset.json"

echo "== the write guard: a partition table, then a file system (at ${SECONDS} s)"
for sig in table fs; do
	if [ $sig = table ]; then
		echo 'label: dos
start=2048, size=4096, type=83' | sfdisk -q $dev >/dev/null || { bad "sfdisk"; continue; }
		want="nvme-qbench: refusing to write to $dev: it has partition $(basename $dev)p1; pass --allow-destructive to overwrite it"
	else
		wipefs -q -a ${dev}p1 $dev && blockdev --rereadpt $dev && mkfs.ext4 -q -F $dev ||
			{ bad "mkfs.ext4"; continue; }
		want="nvme-qbench: refusing to write to $dev: it holds a file system signature (ext4); pass --allow-destructive to overwrite it"
	fi
	blockdev --flushbufs $dev
	before=$(sha256sum <$dev)
	for p in "${all[@]}"; do
		expect 2 "$sig: $p randwrite refused" "$out/guard-$sig-$p.err" \
			$qb run --device $dev --path "$p" "${w[@]}" --rw randwrite --ios 64 --json "$out/guard-$sig-$p.json"
		line "$out/guard-$sig-$p.err" "$want" "$sig: $p names what it found and the option"
		[ -e "$out/guard-$sig-$p.json" ] && bad "$sig: $p wrote a report"
	done
	expect 2 "$sig: compare randwrite refused" "$out/guard-$sig-compare.err" \
		$qb compare --device $dev --paths "$(IFS=,; echo "${all[*]}")" "${w[@]}" --rw randwrite --ios 64 --rounds 1
	line "$out/guard-$sig-compare.err" "$want" "$sig: compare names what it found and the option"
	blockdev --flushbufs $dev
	after=$(sha256sum <$dev)
	if [ "$before" = "$after" ]; then ok "$sig: not one byte of $dev changed"; else bad "$sig: $dev changed"; fi
done
echo "done at ${SECONDS} s"
exit $fail
