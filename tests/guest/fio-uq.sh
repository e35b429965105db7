#!/bin/bash
# Description: runs in a lab guest booted with nvme.poll_queues=1
# nvme.user_irq_queues=1 nvme.user_poll_queues=1 and a data-keeping
# namespace. fio's io_uring_cmd engine on the user queues through
# libnvme-qbench-uqbind.so: 512 B randread at iodepth 32 with fixed buffers
# on the user_irq queue and, polled (hipri), on the user_poll queue, both
# at once from one fio process (--thread); a randwrite verified with
# crc32c through the user_irq queue. Each run must exit 0 and its JSON
# report show I/O and no error for every job. Without the library fio
# must fail on the queue (so it is the library that binds it). fio's
# reports go to $1. Run by tests/guest/bench-device.sh, on its controller
# with user queues (CTRL, default nvme0), namespace 1.
# Exit: 0 pass, 1 fail, 77 skip (no namespace or no fio).
set -u
out=${1:?usage: fio-uq.sh RESULTS-DIR [BUILD-DIR [CTRL]]}
build=${2:-${QBENCH_BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/build}}
ctrl=${3:-nvme0}
lib=$build/bench/uqbind/libnvme-qbench-uqbind.so
cls=/sys/class/nvme-generic
# shellcheck source=tests/guest/nvme-lib.sh
. "$(dirname "$0")/nvme-lib.sh"
ng=$(ns "$ctrl" 1) && ng=/dev/ng${ng#/dev/nvme}
[ -c "$ng" ] || { echo "SKIP: no $ng"; exit 77; }
command -v fio >/dev/null || { echo "SKIP: no fio"; exit 77; }
[ -f "$lib" ] || { echo "FAIL: $lib is not built"; exit 1; }
fail=0

# The first user queue of each type on the controller, from sysfs (what
# nvme-qbench list reads)
irq='' poll=''
for d in "$cls"/"$ctrl"uq*; do
	[ -f "$d/type" ] || continue
	case $(cat "$d/type") in
	irq) [ -n "$irq" ] || irq=/dev/$(basename "$d") ;;
	poll) [ -n "$poll" ] || poll=/dev/$(basename "$d") ;;
	esac
done
[ -n "$irq" ] && [ -n "$poll" ] || { echo "FAIL: $ctrl needs a user_irq and a user_poll queue; sysfs has: $(ls "$cls")"; exit 1; }
[ -c "$irq" ] && [ -c "$poll" ] || { echo "FAIL: $irq or $poll is missing"; exit 1; }
echo "user_irq queue $irq, user_poll queue $poll, namespace $ng"
bind="$irq=$ng,$poll=$ng"

# check_json FILE JOB:DIR...: every listed job of fio's report FILE has
# error 0 and total_ios > 0 in each direction DIR (read or write)
check_json() {
	python3 - "$@" <<'PY'
import json, sys
path, want = sys.argv[1], sys.argv[2:]
with open(path) as f:
    text = f.read()
# fio may print notes before the report
d = json.loads(text[text.index("{"):])
jobs = {j["jobname"]: j for j in d["jobs"]}
bad = []
for w in want:
    name, ddir = w.split(":")
    j = jobs.get(name)
    if j is None:
        bad.append(f"no job {name}")
        continue
    ios = j[ddir]["total_ios"]
    print(f"{path}: {name} {ddir}: total_ios {ios}, iops {j[ddir]['iops']:.0f}, error {j['error']}")
    if j["error"] != 0 or ios <= 0:
        bad.append(f"{name} {ddir}: error {j['error']}, total_ios {ios}")
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
PY
}

# run_fio NAME CHECKS COMMAND...: run fio with the library, expect status 0
# and CHECKS (JOB:DIR words) in its report
run_fio() {
	local name=$1 checks=$2 st
	shift 2
	echo "+ NVME_QBENCH_UQ_BIND=$bind LD_PRELOAD=$lib fio $*"
	NVME_QBENCH_UQ_BIND=$bind LD_PRELOAD=$lib fio "$@" --output-format=json --output="$out/$name.json"
	st=$?
	if [ "$st" -ne 0 ]; then
		echo "FAIL: $name: fio exited with status $st"
		cat "$out/$name.json" 2>/dev/null
		fail=1
		return
	fi
	# shellcheck disable=SC2086
	if check_json "$out/$name.json" $checks; then echo "ok: $name"; else echo "FAIL: $name: report"; fail=1; fi
}

# verify_state_save=0: the guest's root, where fio saves it, is read-only
common=(--ioengine=io_uring_cmd --cmd_type=nvme --thread --eta=never --verify_state_save=0)
run_fio randread "irq:read poll:read" "${common[@]}" --rw=randread --bs=512 --iodepth=32 --fixedbufs=1 \
	--time_based --runtime=3 \
	--name=irq --filename="$irq" \
	--name=poll --filename="$poll" --hipri=1
run_fio verify "write-verify:write write-verify:read" "${common[@]}" --name=write-verify --filename="$irq" \
	--rw=randwrite --bs=4k --iodepth=32 --fixedbufs=1 --size=16m --verify=crc32c --do_verify=1 \
	--verify_fatal=1

# Without the library fio opens the queue itself: the kernel refuses the
# read-only open it identifies the namespace through, and an unbound queue
# has no namespace anyway.
echo "+ fio (no library) on $irq"
if fio "${common[@]}" --name=plain --filename="$irq" --rw=randread --bs=512 --iodepth=4 --runtime=1 \
	>"$out/plain.err" 2>&1; then
	echo "FAIL: fio ran on $irq without the library"
	fail=1
else
	echo "ok: fio fails on $irq without the library (status $?): $(tr '\n' ' ' <"$out/plain.err")"
fi
exit $fail
