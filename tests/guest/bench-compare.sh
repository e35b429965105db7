#!/bin/bash
# Description: runs in a lab guest with a data-keeping namespace and a poll
# queue. nvme-qbench compare over psync, block irq/poll and ng irq/poll
# writes a report; --verify reads back, on one path, what another path
# wrote; and nvme-qbench runs side by side with fio's io_uring (block) and
# io_uring_cmd (ng) engines on the same workload, rounds interleaved.
# Leaves its reports and fio's JSON in OUT for the host to check.
# usage: bench-compare.sh OUT BUILD
set -u
out=$1 build=$2
qb=$build/bench/nvme-qbench
dev=/dev/nvme0n1 ng=/dev/ng0n1
fail=0
step() { echo "== $*"; }

step "compare over the five paths"
"$qb" compare --device $dev --paths psync,block-irq,block-poll,ng-irq,ng-poll --rw randread \
	--bs 4k --iodepth 32 --submit-batch 8 --complete-batch 8 --runtime 2 --rounds 2 --quiet \
	--json "$out/compare.json" || { echo "FAIL: compare exited $?"; fail=1; }

step "verify: data written by one path, read by another"
verify_pair() { # writer reader seed
	"$qb" run --device $dev --path "$1" --rw write --bs 4k --iodepth 16 --size 16m --ios 4096 \
		--verify --seed "$3" --allow-destructive --quiet --json "$out/verify-$1-write.json" ||
		{ echo "FAIL: $1 write with --verify exited $?"; fail=1; return; }
	"$qb" run --device $dev --path "$2" --rw read --bs 4k --iodepth 16 --size 16m --ios 4096 \
		--verify --seed "$3" --quiet --json "$out/verify-$2-read-of-$1.json" ||
		{ echo "FAIL: $2 read of $1's data exited $?"; fail=1; }
}
verify_pair block-irq ng-poll 7
verify_pair ng-irq psync 8
verify_pair ng-poll block-poll 9
# A wrong seed must be caught: the tool exits 1 and names bad sectors.
"$qb" run --device $dev --path block-irq --rw read --bs 4k --iodepth 16 --size 16m --ios 4096 \
	--verify --seed 10 --quiet --json "$out/verify-wrong-seed.json"
[ $? -eq 1 ] || { echo "FAIL: reading with the wrong seed did not fail verification"; fail=1; }

step "nvme-qbench and fio side by side"
# fio reads engine options only after --ioengine
common_fio=(--rw=randread --bs=4k --iodepth=32 --iodepth_batch_submit=8
	--iodepth_batch_complete_min=1 --time_based --runtime=3 --ramp_time=1 --norandommap
	--randrepeat=0 --fixedbufs --registerfiles --output-format=json)
for round in 1 2 3; do
	"$qb" run --device $dev --path block-irq --rw randread --bs 4k --iodepth 32 --submit-batch 8 \
		--complete-batch 1 --fixed-buffers --registered-files --ramp 1 --runtime 3 --quiet \
		--json "$out/side-qb-block-$round.json" >/dev/null || fail=1
	fio --name=side --ioengine=io_uring "${common_fio[@]}" --direct=1 --filename=$dev \
		--output="$out/side-fio-block-$round.json" >/dev/null || { echo "FAIL: fio io_uring"; fail=1; }
	"$qb" run --device $dev --path ng-irq --rw randread --bs 4k --iodepth 32 --submit-batch 8 \
		--complete-batch 1 --fixed-buffers --registered-files --ramp 1 --runtime 3 --quiet \
		--json "$out/side-qb-ng-$round.json" >/dev/null || fail=1
	fio --name=side --ioengine=io_uring_cmd "${common_fio[@]}" --cmd_type=nvme --filename=$ng \
		--output="$out/side-fio-ng-$round.json" >/dev/null || { echo "FAIL: fio io_uring_cmd"; fail=1; }
done
exit $fail
