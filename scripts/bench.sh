#!/usr/bin/env bash
# The main job in the lab: build nvme-qbench and the patched lab kernel,
# boot it under QEMU on an emulated NVMe controller with a poll queue and one
# user queue of each type, and compare every I/O path on the RFC's workload
# (512 B random reads, QD128, batches of 32, fixed buffers, registered files,
# one pinned thread), interleaved, with a ceiling run of the emulated device
# first in every round. The lab's TCG plugin counts guest instructions over
# every measured window; its windows are attached to the report's runs.
# Reports go to results/<date>/: compare.json, insn-windows.txt, report.txt
# (printed), report.md, report.html, analysis.json (verdicts and targets as
# data).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")

usage() {
	cat <<'EOF'
Usage: scripts/bench.sh [--runtime S] [--rounds N] [--paths LIST] [--out DIR]
                       [--ceiling LIST] [--probes] [--no-insn] [--build DIR]
                       [--timeout S]

  --runtime S   measured seconds per path and round (default: 5)
  --rounds N    interleaved rounds (default: 3)
  --paths LIST  paths to compare (default: block-irq,ng-irq,uq-irq,block-poll,
                ng-poll,uq-poll,uq-poll-check,psync)
  --probes      also count polls and block-layer calls and profile each
                path with the BPF probes (--probes --probe-cost: each path
                runs with probes on and off, side by side; the probes' own
                kernel instructions land in the probed runs)
  --ceiling LIST  paths run first in every round, deeper and in larger
                batches, to measure the emulated device's ceiling (default:
                ng-irq,ng-poll at iodepth 256 and batches of 64, those the
                guest has; "none" for no ceiling runs: the ceiling is then
                the best path's)
  --no-insn     do not count guest instructions (the TCG plugin slows the
                guest by about a third)
  --out DIR     results folder (default: results/YYYYmmdd-HHMMSS)
  --build DIR   CMake build folder (default: build)
  --timeout S   wall-clock limit of the guest, boot to power-off (default:
                3600); past it QEMU is killed and the run fails
EOF
}

runtime=5 rounds=3 paths=block-irq,ng-irq,uq-irq,block-poll,ng-poll,uq-poll,uq-poll-check,psync
probes=()
ceiling=ng-irq,ng-poll ceiling_depth=256 ceiling_batch=64
insn=1
build=$top/build
timeout_s=3600
out=$top/results/$(date +%Y%m%d-%H%M%S)
while [ $# -gt 0 ]; do
	case $1 in
	--runtime) runtime=${2:?--runtime needs seconds}; shift 2 ;;
	--rounds) rounds=${2:?--rounds needs a number}; shift 2 ;;
	--paths) paths=${2:?--paths needs a list}; shift 2 ;;
	--out) out=${2:?--out needs a folder}; shift 2 ;;
	--probes) probes=(--probes --probe-cost); shift ;;
	--ceiling) ceiling=${2:?--ceiling needs a list or none}; shift 2 ;;
	--no-insn) insn=0; shift ;;
	--build) build=${2:?--build needs a folder}; shift 2 ;;
	--timeout) timeout_s=${2:?--timeout needs seconds}; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	*) echo "bench: unknown option '$1'; see --help" >&2; exit 2 ;;
	esac
done

echo "== building nvme-qbench" >&2
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
targets=(--target nvme-qbench)
[ "$insn" -eq 0 ] || targets+=(--target insn_window --target insn_profile)
cmake --build "$build" -j"$(nproc)" "${targets[@]}" >/dev/null
qb=$build/bench/nvme-qbench
echo "== lab kernel" >&2
kernel=$("$here/build-kernel.sh" --flavor lab | tail -n 1)

# The question is what skipping blk-mq buys over today's passthrough: ng
# polled is the baseline when it runs (the RFC compared it with block polled).
baseline=${paths%%,*}
[[ ,$paths, == *,block-poll,* ]] && baseline=block-poll
[[ ,$paths, == *,ng-poll,* ]] && baseline=ng-poll

mkdir -p "$out"
out=$(cd "$out" && pwd)

# Ceiling runs: only paths the comparison also runs (their queues exist).
ceiling_opts=()
if [ "$ceiling" != none ]; then
	keep=
	for c in ${ceiling//,/ }; do
		[[ ,$paths, == *,$c,* ]] && keep=${keep:+$keep,}$c
	done
	[ -z "$keep" ] || ceiling_opts=(--ceiling "$keep" --ceiling-iodepth "$ceiling_depth" --ceiling-batch "$ceiling_batch")
fi
# The guest's progress lines ("[round R/N, run K/M] PATH: IOPS ..., eta
# ...", one a second) on our stderr: on a terminal one line rewritten in
# place, otherwise one line per run; everything else the guest prints goes
# to the log given.
show_progress() { # LOG
	local tty=0 last='' line run
	[ -t 2 ] && tty=1
	while IFS= read -r line; do
		line=${line%$'\r'}
		case $line in
		'[round '*)
			if [ "$tty" -eq 1 ]; then
				printf '\r%s\033[K' "$line" >&2
			else
				run=${line%%]*}
				[ "$run" = "$last" ] || printf '%s\n' "$line" >&2
				last=$run
			fi ;;
		*) printf '%s\n' "$line" >>"$1" ;;
		esac
	done
	[ "$tty" -eq 0 ] || printf '\n' >&2
}

# The instruction counter: one window per measured run, in run order.
plugin_opts=()
windows=$out/insn-windows.txt
rm -f "$windows"
# The instruction profile: kernel instructions per function over the same
# windows, to show where each path's cost goes.
profile=$out/insn-profile.raw
rm -f "$profile"
if [ "$insn" -eq 1 ]; then
	plugin_opts=(--plugin "$build/tcg-plugin/insn_window.so,out=$windows"
		--plugin "$build/tcg-plugin/insn_profile.so,out=$profile")
fi
echo "== running in the lab (QEMU TCG, 1 vCPU, emulated NVMe on null-co)" >&2
# One poll queue (the driver caps poll_queues at the CPU count; the lab has
# 1) and one user queue of each type; 16 queue pairs leave room for them.
: >"$out/compare.log"
set +e
"$here/vm" --kernel "$kernel" --nvme null,size=8G,qpairs=16 --results "$out" --timeout "$timeout_s" \
	"${plugin_opts[@]+"${plugin_opts[@]}"}" \
	--append "nvme.poll_queues=1 nvme.user_irq_queues=1 nvme.user_poll_queues=1" -- \
	"$qb" compare --device /dev/nvme0n1 --paths "$paths" \
	--baseline "$baseline" --rw randread --bs 512 --iodepth 128 --submit-batch 32 \
	--complete-batch 32 --fixed-buffers --registered-files --cpus 0 --ramp 1 \
	--runtime "$runtime" --rounds "$rounds" "${ceiling_opts[@]+"${ceiling_opts[@]}"}" \
	"${probes[@]+"${probes[@]}"}" --quiet --progress second \
	--json "$out/compare.json" | show_progress "$out/compare.log"
status=${PIPESTATUS[0]}
set -e
# Status 1: the run finished but saw I/O errors; the reports name them.
[ "$status" -eq 0 ] || [ "$status" -eq 1 ] || { cat "$out/compare.log"; exit "$status"; }

# Instructions per I/O: the plugin's windows onto the runs. When they do
# not match one to one, attach-windows says why, the report says so and
# shows no counts.
if [ "$insn" -eq 1 ]; then
	if [ -f "$windows" ]; then
		"$qb" attach-windows "$out/compare.json" "$windows" >&2 ||
			echo "bench: instruction counts not attached (see the report)" >&2
	else
		echo "bench: the TCG plugin wrote no windows: no instruction counts" >&2
	fi
	if [ -f "$profile" ]; then
		"$here/insn-profile" --map "$(dirname "$kernel")/System.map" --report "$out/compare.json" \
			--top 25 "$profile" >"$out/insn-profile.txt" ||
			echo "bench: no instruction profile (see above)" >&2
		rm -f "$profile"
	fi
fi
"$qb" report "$out/compare.json" --format markdown -o "$out/report.md"
"$qb" report "$out/compare.json" --format html -o "$out/report.html"
"$qb" report "$out/compare.json" --format text -o "$out/report.txt"
"$qb" report "$out/compare.json" --format json -o "$out/analysis.json"
cat "$out/report.txt"
echo "== reports in $out (report.txt, report.md, report.html, analysis.json, compare.json, insn-windows.txt, insn-profile.txt)" >&2
[ "$status" -eq 0 ] || echo "bench: the run saw I/O errors; see the reports" >&2
exit "$status"
