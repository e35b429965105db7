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
#
# With --mmio, a second boot runs every path once more with the plugin's
# mmio=on, which counts the guest's stores to device memory (doorbells
# apart); its figures go into the main report, whose instruction counts
# stay those of the first boot: the memory callback slows the guest
# severalfold and would shift them.
#
# With --against REF, the suite runs in the lab on two kernels, the series
# at git REF and the working tree's, one boot after the other, and
# nvme-qbench diff gates the second against the first on kernel
# instructions per I/O.
#
# With --device, the same suite runs on this machine's running kernel and a
# real NVMe namespace instead: no lab, no kernel build, no TCG plugin.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")

usage() {
	cat <<'EOF'
Usage: scripts/bench.sh [--runtime S] [--rounds N] [--paths LIST] [--out DIR]
                       [--ceiling LIST] [--probes] [--no-insn] [--mmio]
                       [--build DIR] [--timeout S]
       scripts/bench.sh --device /dev/nvmeXnY [--cpus LIST] [--no-build]
                       [--runtime S] [--rounds N] [--paths LIST] [--out DIR]
                       [--ceiling LIST] [--probes] [--build DIR]

  --device DEV  run on this machine's kernel and this NVMe namespace, not in
                the lab. The paths the kernel and device cannot run are
                left out, each with what would enable it (paths.txt in the
                results); the suite only reads (randread), never writes.
  --cpus LIST   --device: CPUs the I/O thread may run on (default: the first
                CPU of the device's NUMA node)
  --no-build    use the nvme-qbench already in --build as it is
  --against REF build the lab kernel from kernel-patch/ at git REF and from
                the working tree, run the suite on each (one boot each, the
                same settings, REF first), and gate the working tree
                against REF with nvme-qbench diff --counted-only: kernel
                instructions per I/O, on the paths whose counts do not
                include polling. Exit 0 pass, 1 regression (the paths and
                metrics named), 2 a run failed. Results: base/ and new/
                under --out, the verdict in diff.txt. With --mmio, the
                working tree's side counts MMIO writes too (not gated).
  --threshold PCT  --against: how much worse a count may get (default: 2)
  --kernel FILE lab: boot this bzImage instead of building the lab kernel

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
  --mmio        lab: after the suite, boot again and run each path once
                (no ceiling runs, no probes) with the plugin counting MMIO
                writes (doorbells apart); the report shows them per I/O
                beside its own boot's interrupts per I/O. The memory
                callback slows that boot severalfold, so its instruction
                counts are not used; results in mmio/ under --out
  --out DIR     results folder (default: results/YYYYmmdd-HHMMSS)
  --build DIR   CMake build folder (default: build)
  --timeout S   wall-clock limit of the guest, boot to power-off (default:
                3600); past it QEMU is killed and the run fails
EOF
}

runtime=5 rounds=3 paths=block-irq,ng-irq,uq-irq,block-poll,ng-poll,uq-poll,uq-poll-check,psync
probes=()
ceiling=ng-irq,ng-poll ceiling_depth=256 ceiling_batch=64
insn=1 mmio=0
against='' threshold=2 kernel=''
device='' cpus='' no_build=0
paths_given=0
build=$top/build
timeout_s=3600
out=$top/results/$(date +%Y%m%d-%H%M%S)
while [ $# -gt 0 ]; do
	case $1 in
	--runtime) runtime=${2:?--runtime needs seconds}; shift 2 ;;
	--rounds) rounds=${2:?--rounds needs a number}; shift 2 ;;
	--paths) paths=${2:?--paths needs a list}; paths_given=1; shift 2 ;;
	--device) device=${2:?--device needs a namespace, /dev/nvmeXnY}; shift 2 ;;
	--cpus) cpus=${2:?--cpus needs a CPU list}; shift 2 ;;
	--no-build) no_build=1; shift ;;
	--against) against=${2:?--against needs a git revision}; shift 2 ;;
	--threshold) threshold=${2:?--threshold needs a percentage}; shift 2 ;;
	--kernel) kernel=${2:?--kernel needs a bzImage}; shift 2 ;;
	--out) out=${2:?--out needs a folder}; shift 2 ;;
	--probes) probes=(--probes --probe-cost); shift ;;
	--ceiling) ceiling=${2:?--ceiling needs a list or none}; shift 2 ;;
	--no-insn) insn=0; shift ;;
	--mmio) mmio=1; shift ;;
	--build) build=${2:?--build needs a folder}; shift 2 ;;
	--timeout) timeout_s=${2:?--timeout needs seconds}; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	*) echo "bench: unknown option '$1'; see --help" >&2; exit 2 ;;
	esac
done

if [ -n "$against" ]; then
	[ -z "$device" ] || { echo "bench: --against compares two kernels in the lab; it does not take --device" >&2; exit 2; }
	[ -z "$kernel" ] || { echo "bench: --against builds both kernels; it does not take --kernel" >&2; exit 2; }
	[ "$insn" -eq 1 ] || { echo "bench: --against gates on instruction counts; it does not take --no-insn" >&2; exit 2; }
	[[ $threshold =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "bench: --threshold takes a percentage, such as 2 or 0.5, not '$threshold'" >&2; exit 2; }
	git -C "$top" rev-parse -q --verify "$against^{commit}" >/dev/null ||
		{ echo "bench: --against $against is not a commit of this repository" >&2; exit 2; }
fi
[ -z "$kernel" ] || [ -f "$kernel" ] || { echo "bench: --kernel $kernel does not exist" >&2; exit 2; }
if [ -n "$device" ]; then
	[ "$mmio" -eq 0 ] || { echo "bench: --mmio counts MMIO writes with the lab's TCG plugin; it does not take --device" >&2; exit 2; }
	# Neither the lab's plugin nor its kernel exists on a real machine.
	insn=0
	[ -b "$device" ] || { echo "bench: --device $device is not a block device; give an NVMe namespace, /dev/nvmeXnY" >&2; exit 2; }
	[[ $(basename "$device") =~ ^nvme[0-9]+n[0-9]+$ ]] ||
		{ echo "bench: --device $device is not an NVMe namespace; give /dev/nvmeXnY (a partition or another disk has no passthrough paths)" >&2; exit 2; }
else
	[ -z "$cpus" ] || { echo "bench: --cpus is for --device; the lab pins to its one vCPU" >&2; exit 2; }
fi
qb=$build/bench/nvme-qbench
if [ "$no_build" -eq 1 ]; then
	[ -x "$qb" ] || { echo "bench: --no-build: $qb is not built" >&2; exit 2; }
else
	# A build that fails exits 2, never 1: 1 is a run's I/O errors, or
	# --against's regression.
	echo "== building nvme-qbench" >&2
	cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || exit 2
	targets=(--target nvme-qbench)
	[ "$insn" -eq 0 ] && [ "$mmio" -eq 0 ] || targets+=(--target insn_window --target insn_profile)
	cmake --build "$build" -j"$(nproc)" "${targets[@]}" >/dev/null || exit 2
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)

if [ -n "$against" ]; then
	# REF's kernel-patch folder, as committed: its series, lab fixes and
	# configuration fragments.
	ref_tree=$(mktemp -d "${TMPDIR:-/tmp}/qbench-against.XXXXXX")
	trap 'rm -rf "$ref_tree"' EXIT
	git -C "$top" archive "$against" kernel-patch | tar -x -C "$ref_tree" ||
		{ echo "bench: cannot read kernel-patch/ at $against" >&2; exit 2; }
	echo "== lab kernel at $against" >&2
	base_kernel=$("$here/build-kernel.sh" --flavor lab --patches "$ref_tree/kernel-patch" | tail -n 1) || exit 2
	echo "== lab kernel of the working tree" >&2
	new_kernel=$("$here/build-kernel.sh" --flavor lab | tail -n 1) || exit 2
	# The lab boots one kernel at a time: the two run back to back, with
	# the same settings. Between boots the instruction counts of the
	# paths that do not poll repeat to within a fraction of a percent;
	# wall-clock figures do not, so they are shown, not gated.
	same=(--no-build --build "$build" --runtime "$runtime" --rounds "$rounds" --paths "$paths"
		--ceiling "$ceiling" --timeout "$timeout_s" "${probes[@]+"${probes[@]}"}")
	for side in base new; do
		k=$base_kernel
		side_opts=()
		# MMIO writes are shown, not gated: counted for the working tree's
		# report only.
		[ "$side" = base ] || { k=$new_kernel; [ "$mmio" -eq 0 ] || side_opts=(--mmio); }
		echo "== $side: suite on $(basename "$(dirname "$k")")" >&2
		set +e
		"$0" "${same[@]}" "${side_opts[@]+"${side_opts[@]}"}" --kernel "$k" --out "$out/$side" >"$out/$side.txt"
		st=$?
		set -e
		[ "$st" -eq 0 ] || { echo "bench: the $side run failed (status $st); see $out/$side.txt and $out/$side/" >&2; exit 2; }
	done
	set +e
	"$qb" diff "$out/base/compare.json" "$out/new/compare.json" --counted-only --threshold "$threshold" \
		-o "$out/diff.txt" >/dev/null
	st=$?
	set -e
	cat "$out/diff.txt"
	case $st in
	0) echo "bench: against $against: pass (no path's kernel instructions per I/O worse by more than $threshold%)" >&2 ;;
	1) echo "bench: against $against: REGRESSION; see $out/diff.txt" >&2 ;;
	*) echo "bench: against $against: the gate could not decide (nvme-qbench diff status $st); see $out/diff.txt" >&2; st=2 ;;
	esac
	exit "$st"
fi

if [ -z "$device" ] && [ -z "$kernel" ]; then
	echo "== lab kernel" >&2
	kernel=$("$here/build-kernel.sh" --flavor lab | tail -n 1) || exit 2
fi

# On a real machine: which paths this kernel and device can run, from the
# tool's own resolution of each path (the words a run would print), and for
# the others what would enable them.
if [ -n "$device" ]; then
	"$qb" list --json "$out/list.json" >/dev/null
	supported=$(python3 - "$out/list.json" "$(basename "$device")" "$paths" "$out/paths.txt" <<'PY'
import json, sys
inv, name, wanted, table = sys.argv[1], sys.argv[2], sys.argv[3].split(","), sys.argv[4]
ns = [n for n in json.load(open(inv))["namespaces"] if n["name"] == name]
if not ns:
    sys.exit(f"bench: {name} is not among the NVMe namespaces in sysfs (nvme-qbench list)")
paths = ns[0]["paths"]
unknown = [p for p in wanted if p not in paths]
if unknown:
    sys.exit(f"bench: unknown path(s) {', '.join(unknown)}; known: {', '.join(paths)}")
lines, runs = [], []
for p in wanted:
    if paths[p]["available"]:
        runs.append(p)
        lines.append(f"{p + ':':<15} runs ({paths[p]['node']})")
    else:
        lines.append(f"{p + ':':<15} not here: {paths[p]['reason']}")
with open(table, "w") as f:
    f.write("\n".join(lines) + "\n")
print(",".join(runs))
PY
	) || exit 2
	echo "== paths on $device (this kernel: $(uname -r))" >&2
	sed 's/^/  /' "$out/paths.txt" >&2
	if [ -z "$supported" ]; then
		echo "bench: none of the paths can run on $device (see above)" >&2
		exit 2
	fi
	if [ "$paths_given" -eq 1 ] && [ "$supported" != "$paths" ]; then
		echo "bench: --paths asked for paths this machine cannot run (see above); ask only for those it can" >&2
		exit 2
	fi
	paths=$supported
	if [ -z "$cpus" ]; then
		# The device's NUMA node: its controller's PCI function's, found
		# through the namespace's controller (or, under native multipath,
		# through the first controller of its subsystem).
		node=-1
		for f in /sys/block/"$(basename "$device")"/device/device/numa_node \
			/sys/block/"$(basename "$device")"/device/nvme*/device/numa_node; do
			[ -r "$f" ] && node=$(cat "$f") && break
		done
		if [ "$node" -ge 0 ] 2>/dev/null; then
			cpus=$(cut -d, -f1 "/sys/devices/system/node/node$node/cpulist")
			cpus=${cpus%%-*}
			echo "== I/O thread on CPU $cpus, the first of NUMA node $node, the device's (--cpus to choose)" >&2
		else
			cpus=0
			echo "== I/O thread on CPU 0: the device's NUMA node is not known (--cpus to choose)" >&2
		fi
	fi
fi

# The question is what skipping blk-mq buys over today's passthrough: ng
# polled is the baseline when it runs (the RFC compared it with block polled).
baseline=${paths%%,*}
[[ ,$paths, == *,block-poll,* ]] && baseline=block-poll
[[ ,$paths, == *,ng-poll,* ]] && baseline=ng-poll

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
# The suite: the same workload in the lab and on a real machine.
workload=(--rw randread --bs 512 --iodepth 128 --submit-batch 32 --complete-batch 32
	--fixed-buffers --registered-files --ramp 1 --runtime "$runtime")
suite=("$qb" compare --paths "$paths" --baseline "$baseline" "${workload[@]}" \
	--rounds "$rounds" "${ceiling_opts[@]+"${ceiling_opts[@]}"}" \
	"${probes[@]+"${probes[@]}"}" --quiet --progress second \
	--json "$out/compare.json")
# lab_boot RESULTS LOG PLUGIN_OPTION... -- COMMAND...: one boot of the lab
# kernel running COMMAND on the lab's controller, its progress shown; the
# status is COMMAND's (or the VM's).
lab_boot() {
	local results=$1 log=$2 plugins=()
	shift 2
	while [ "$1" != -- ]; do plugins+=("$1"); shift; done
	shift
	# One poll queue (the driver caps poll_queues at the CPU count; the lab
	# has 1) and one user queue of each type; 16 queue pairs leave room.
	"$here/vm" --kernel "$kernel" --nvme null,size=8G,qpairs=16 --results "$results" --timeout "$timeout_s" \
		"${plugins[@]+"${plugins[@]}"}" \
		--append "nvme.poll_queues=1 nvme.user_irq_queues=1 nvme.user_poll_queues=1" -- \
		"$@" --device /dev/nvme0n1 --cpus 0 | show_progress "$log"
	return "${PIPESTATUS[0]}"
}
: >"$out/compare.log"
set +e
if [ -n "$device" ]; then
	echo "== running on $device (kernel $(uname -r), CPU $cpus)" >&2
	"${suite[@]}" --device "$device" --cpus "$cpus" | show_progress "$out/compare.log"
	status=${PIPESTATUS[0]}
else
	echo "== running in the lab (QEMU TCG, 1 vCPU, emulated NVMe on null-co)" >&2
	lab_boot "$out" "$out/compare.log" "${plugin_opts[@]+"${plugin_opts[@]}"}" -- "${suite[@]}"
	status=$?
fi
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
# MMIO writes per I/O: a boot of their own, one round of every path, whose
# figures go into the main report. The plugin's memory callback on every
# guest store slows that guest severalfold, so its instruction counts (in
# mmio/compare.json) are not the report's.
if [ "$mmio" -eq 1 ]; then
	mkdir -p "$out/mmio"
	rm -f "$out/mmio/insn-windows.txt"
	echo "== counting MMIO writes: one round of each path in a boot of its own (mmio/)" >&2
	: >"$out/mmio/compare.log"
	set +e
	lab_boot "$out/mmio" "$out/mmio/compare.log" \
		--plugin "$build/tcg-plugin/insn_window.so,out=$out/mmio/insn-windows.txt,mmio=on" -- \
		"$qb" compare --paths "$paths" --baseline "$baseline" "${workload[@]}" --rounds 1 \
		--quiet --progress second --json "$out/mmio/compare.json"
	mmio_status=$?
	set -e
	if [ "$mmio_status" -ne 0 ] && [ "$mmio_status" -ne 1 ]; then
		cat "$out/mmio/compare.log"
		echo "bench: the MMIO boot failed (status $mmio_status); see $out/mmio/" >&2
		exit "$mmio_status"
	fi
	# attach-mmio names its source as given: a path relative to the report.
	if ! "$qb" attach-windows "$out/mmio/compare.json" "$out/mmio/insn-windows.txt" >&2 ||
		! (cd "$out" && "$qb" attach-mmio compare.json mmio/compare.json >&2); then
		echo "bench: MMIO counts not attached (see above); the report says MMIO was not counted" >&2
	fi
fi
"$qb" report "$out/compare.json" --format markdown -o "$out/report.md"
"$qb" report "$out/compare.json" --format html -o "$out/report.html"
"$qb" report "$out/compare.json" --format text -o "$out/report.txt"
"$qb" report "$out/compare.json" --format json -o "$out/analysis.json"
cat "$out/report.txt"
if [ -n "$device" ]; then
	echo "== reports in $out (report.txt, report.md, report.html, analysis.json, compare.json, paths.txt, list.json)" >&2
else
	extra=''
	[ "$mmio" -eq 0 ] || extra=', mmio/ (the MMIO boot)'
	echo "== reports in $out (report.txt, report.md, report.html, analysis.json, compare.json, insn-windows.txt, insn-profile.txt$extra)" >&2
fi
[ "$status" -eq 0 ] || echo "bench: the run saw I/O errors; see the reports" >&2
exit "$status"
