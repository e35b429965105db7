#!/bin/bash
# Description: runs in a lab guest booted with nvme.poll_queues=1
# nvme.user_irq_queues=1 nvme.user_poll_queues=1 and a data-keeping
# namespace. nvme-qbench's uq paths: list shows the queues; a --verify write
# compare over ng-poll and the three uq paths (each reads back what it
# wrote); data written through a user queue verifies through the block and
# ng paths and the other way round; a short randread compare. Reports go to
# $1 (a --results folder); the host checks them.
# Exit: 0 pass, 1 fail, 77 skip (no namespace).
set -u
out=${1:?usage: uq-engine.sh RESULTS-DIR [BUILD-DIR]}
build=${2:-${QBENCH_BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/build}}
qb=$build/bench/nvme-qbench
blk=/dev/nvme0n1
[ -b "$blk" ] || { echo "SKIP: no $blk"; exit 77; }
[ -x "$qb" ] || { echo "FAIL: $qb is not built"; exit 1; }
fail=0
step() { # NAME COMMAND...: run, report the status
	local what=$1
	shift
	echo "+ $*"
	if "$@"; then echo "ok: $what"; else echo "FAIL: $what (status $?)"; fail=1; fi
}
common=(--device "$blk" --allow-destructive --quiet --bs 4k --size 16m)

step "list shows the user queues" sh -c "'$qb' list --json '$out/list.json' | tee '$out/list.txt' | grep -E 'nvme0uq[01]'"
step "verify: every path writes and reads back" \
	"$qb" compare "${common[@]}" --paths ng-poll,uq-irq,uq-poll,uq-poll-check --rw write --verify \
	--seed 7 --ios 2048 --iodepth 8 --rounds 1 --json "$out/verify-write.json"
# Across paths: one path writes with a seed, another reads it back.
n=0
for pair in uq-poll:block-irq uq-irq:ng-poll uq-poll-check:ng-irq block-irq:uq-poll-check ng-poll:uq-irq \
	block-poll:uq-poll; do
	w=${pair%%:*} r=${pair##*:}
	n=$((n + 1))
	seed=$((100 + n))
	step "$w writes, $r verifies (seed $seed)" sh -c "
		'$qb' run ${common[*]} --path $w --rw write --seed $seed --verify --ios 2048 --iodepth 8 \
			--json '$out/cross-$n-write.json' &&
		'$qb' run ${common[*]} --path $r --rw read --seed $seed --verify --ios 2048 --iodepth 8 \
			--json '$out/cross-$n-read.json'"
done
step "randread compare" \
	"$qb" compare --device $blk --quiet --bs 4k --paths ng-poll,uq-irq,uq-poll,uq-poll-check --rw randread \
	--iodepth 8 --runtime 3 --rounds 2 --json "$out/randread.json"
exit $fail
