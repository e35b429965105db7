#!/usr/bin/env bash
# The main job in the lab: build nvme-qbench and the lab kernel, boot it
# under QEMU on an emulated NVMe controller and compare the I/O paths on the
# RFC's workload (512 B random reads, QD128, batches of 32, fixed buffers,
# registered files, one pinned thread), interleaved. Reports go to
# results/<date>/ (JSON and the text table).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")

usage() {
	cat <<'EOF'
Usage: scripts/bench.sh [--runtime S] [--rounds N] [--paths LIST] [--out DIR]

  --runtime S   measured seconds per path and round (default: 5)
  --rounds N    interleaved rounds (default: 3)
  --paths LIST  paths to compare (default: psync,block-irq,block-poll,ng-irq,ng-poll)
  --out DIR     results folder (default: results/YYYYmmdd-HHMMSS)
EOF
}

runtime=5 rounds=3 paths=psync,block-irq,block-poll,ng-irq,ng-poll
out=$top/results/$(date +%Y%m%d-%H%M%S)
while [ $# -gt 0 ]; do
	case $1 in
	--runtime) runtime=${2:?--runtime needs seconds}; shift 2 ;;
	--rounds) rounds=${2:?--rounds needs a number}; shift 2 ;;
	--paths) paths=${2:?--paths needs a list}; shift 2 ;;
	--out) out=${2:?--out needs a folder}; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	*) echo "bench: unknown option '$1'; see --help" >&2; exit 2 ;;
	esac
done

echo "== building nvme-qbench" >&2
cmake -S "$top" -B "$top/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$top/build" -j"$(nproc)" --target nvme-qbench >/dev/null
echo "== lab kernel" >&2
kernel=$("$here/build-kernel.sh" --flavor lab | tail -n 1)

# The RFC compared against polled block I/O; use it as the baseline when run.
baseline=${paths%%,*}
[[ ,$paths, == *,block-poll,* ]] && baseline=block-poll

mkdir -p "$out"
out=$(cd "$out" && pwd)
echo "== running in the lab (QEMU TCG, 1 vCPU, emulated NVMe on null-co)" >&2
# One poll queue (the driver caps poll_queues at the CPU count; the lab has 1).
"$here/vm" --kernel "$kernel" --append "nvme.poll_queues=1" --nvme null,size=8G,qpairs=16 \
	--results "$out" --timeout 1800 -- \
	"$top/build/bench/nvme-qbench" compare --device /dev/nvme0n1 --paths "$paths" \
	--baseline "$baseline" --rw randread --bs 512 --iodepth 128 --submit-batch 32 \
	--complete-batch 32 --fixed-buffers --registered-files --cpus 0 --ramp 1 \
	--runtime "$runtime" --rounds "$rounds" --quiet --json "$out/compare.json" |
	tee "$out/compare.txt"
echo "== reports in $out" >&2
