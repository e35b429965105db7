#!/usr/bin/env bash
# The main job in the lab: build nvme-qbench and the patched lab kernel,
# boot it under QEMU on an emulated NVMe controller with a poll queue and one
# user queue of each type, and compare every I/O path on the RFC's workload
# (512 B random reads, QD128, batches of 32, fixed buffers, registered files,
# one pinned thread), interleaved. Reports go to
# results/<date>/: compare.json, report.txt (printed), report.md, report.html.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")

usage() {
	cat <<'EOF'
Usage: scripts/bench.sh [--runtime S] [--rounds N] [--paths LIST] [--out DIR]

  --runtime S   measured seconds per path and round (default: 5)
  --rounds N    interleaved rounds (default: 3)
  --paths LIST  paths to compare (default: block-irq,ng-irq,uq-irq,block-poll,
                ng-poll,uq-poll,uq-poll-check,psync)
  --probes      also count polls and block-layer calls and profile each
                path with the BPF probes (--probes --probe-cost); known
                problem: with probes attached, the uq-poll path can leave a
                command unreaped until the timeout resets the controller
  --out DIR     results folder (default: results/YYYYmmdd-HHMMSS)
EOF
}

runtime=5 rounds=3 paths=block-irq,ng-irq,uq-irq,block-poll,ng-poll,uq-poll,uq-poll-check,psync
probes=()
out=$top/results/$(date +%Y%m%d-%H%M%S)
while [ $# -gt 0 ]; do
	case $1 in
	--runtime) runtime=${2:?--runtime needs seconds}; shift 2 ;;
	--rounds) rounds=${2:?--rounds needs a number}; shift 2 ;;
	--paths) paths=${2:?--paths needs a list}; shift 2 ;;
	--out) out=${2:?--out needs a folder}; shift 2 ;;
	--probes) probes=(--probes --probe-cost); shift ;;
	-h|--help) usage; exit 0 ;;
	*) echo "bench: unknown option '$1'; see --help" >&2; exit 2 ;;
	esac
done

echo "== building nvme-qbench" >&2
cmake -S "$top" -B "$top/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$top/build" -j"$(nproc)" --target nvme-qbench >/dev/null
echo "== lab kernel" >&2
kernel=$("$here/build-kernel.sh" --flavor lab | tail -n 1)

# The question is what skipping blk-mq buys over today's passthrough: ng
# polled is the baseline when it runs (the RFC compared it with block polled).
baseline=${paths%%,*}
[[ ,$paths, == *,block-poll,* ]] && baseline=block-poll
[[ ,$paths, == *,ng-poll,* ]] && baseline=ng-poll

mkdir -p "$out"
out=$(cd "$out" && pwd)
echo "== running in the lab (QEMU TCG, 1 vCPU, emulated NVMe on null-co)" >&2
# One poll queue (the driver caps poll_queues at the CPU count; the lab has
# 1) and one user queue of each type; 16 queue pairs leave room for them.
set +e
"$here/vm" --kernel "$kernel" --nvme null,size=8G,qpairs=16 --results "$out" --timeout 3600 \
	--append "nvme.poll_queues=1 nvme.user_irq_queues=1 nvme.user_poll_queues=1" -- \
	"$top/build/bench/nvme-qbench" compare --device /dev/nvme0n1 --paths "$paths" \
	--baseline "$baseline" --rw randread --bs 512 --iodepth 128 --submit-batch 32 \
	--complete-batch 32 --fixed-buffers --registered-files --cpus 0 --ramp 1 \
	--runtime "$runtime" --rounds "$rounds" "${probes[@]+"${probes[@]}"}" --quiet \
	--json "$out/compare.json" >"$out/compare.log"
status=$?
set -e
# Status 1: the run finished but saw I/O errors; the reports name them.
[ "$status" -eq 0 ] || [ "$status" -eq 1 ] || { cat "$out/compare.log"; exit "$status"; }

qb=$top/build/bench/nvme-qbench
"$qb" report "$out/compare.json" --format markdown -o "$out/report.md"
"$qb" report "$out/compare.json" --format html -o "$out/report.html"
"$qb" report "$out/compare.json" --format text -o "$out/report.txt"
cat "$out/report.txt"
echo "== reports in $out (report.txt, report.md, report.html, compare.json)" >&2
[ "$status" -eq 0 ] || echo "bench: the run saw I/O errors; see the reports" >&2
exit "$status"
