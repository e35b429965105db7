#!/bin/bash
# Description: runs in a lab guest booted with nvme.poll_queues=1
# nvme.user_irq_queues=1 nvme.user_poll_queues=1 and two controllers found
# by serial: qbfull (a data-keeping namespace, room for the user queues)
# and qbfew (2 queue pairs: blk-mq takes both, its user queues get none). To
# scripts/bench.sh --device the guest is a real machine: the suite on
# qbfull runs every path; on qbfew the uq paths are left out, each with
# what would enable it; asking for one of those, or for a device that is
# not an NVMe namespace, is refused; the suite never writes (the
# namespace's SHA-256 is unchanged); the report's fio jobs run on every
# path, and fio drives the user queues through the bind library
# (tests/guest/fio-uq.sh). Prints ok:/FAIL: lines; leaves the
# results in OUT for the host to check.
# usage: bench-device.sh OUT BUILD
# Exit: 0 pass, 1 fail, 77 skip (a controller missing).
set -u
out=${1:?usage: bench-device.sh OUT BUILD} build=${2:?usage: bench-device.sh OUT BUILD}
top=$(cd "$(dirname "$0")/../.." && pwd)
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
# shellcheck source=tests/guest/nvme-lib.sh
. "$(dirname "$0")/nvme-lib.sh"
full=$(ctrl qbfull) few=$(ctrl qbfew) || { echo "SKIP: controllers: $(ls /sys/class/nvme)"; exit 77; }
dev=$(ns "$full" 1) devfew=$(ns "$few" 1)
for d in "$dev" "$devfew"; do [ -b "$d" ] || { echo "SKIP: no $d"; exit 77; }; done
echo "devices: full $dev, few $devfew"
bench=("$top/scripts/bench.sh" --no-build --build "$build" --runtime 1 --rounds 1 --ceiling none)

# The suite on a device with every path; the bytes before and after.
dd if=/dev/urandom of="$dev" bs=1M count=8 oflag=direct status=none
before=$(sha256sum <"$dev")
"${bench[@]}" --device "$dev" --out "$out/full" >"$out/full.out" 2>"$out/full.err"
st=$?
[ "$st" -eq 0 ] && ok "bench.sh --device $dev: status 0" || bad "bench.sh --device $dev: status $st: $(tail -n 5 "$out/full.err")"
blockdev --flushbufs "$dev"
[ "$(sha256sum <"$dev")" = "$before" ] && ok "$dev unchanged (SHA-256)" || bad "$dev changed"
for f in compare.json report.txt report.md report.html analysis.json paths.txt list.json; do
	[ -s "$out/full/$f" ] || bad "no $f in the results"
done
[ "$(grep -c ': *runs (' "$out/full/paths.txt")" -eq 8 ] && ok "all 8 paths run on $dev" ||
	bad "paths on $dev: $(cat "$out/full/paths.txt")"
grep -q '^== reports in ' "$out/full.err" || bad "no '== reports in' line"

# The report's fio jobs (nvme-qbench fio-jobs) on the same device: every
# path, the user queues through the bind library; run.sh fails if fio does.
"$build/bench/nvme-qbench" fio-jobs "$out/full/compare.json" -o "$out/fio" \
	--preload "$build/bench/uqbind/libnvme-qbench-uqbind.so" >"$out/fio-jobs.out" 2>&1 ||
	bad "fio-jobs: $(cat "$out/fio-jobs.out")"
(cd "$out/fio" && ./run.sh) >"$out/fio-run.out" 2>&1
st=$?
[ "$st" -eq 0 ] && ok "the report's fio jobs ran (status 0)" || bad "fio run.sh: status $st: $(tail -n 20 "$out/fio-run.out")"
python3 - "$out/fio" <<'PY' && ok "every path's fio job did I/O without errors" || bad "fio jobs' reports"
import glob, json, os, sys
d = sys.argv[1]
jobs = sorted(glob.glob(os.path.join(d, "*.fio")))
bad = [] if len(jobs) == 8 else [f"{len(jobs)} job files, not 8"]
for job in jobs:
    rep = job[:-4] + ".json"
    try:
        text = open(rep).read()
        doc = json.loads(text[text.index("{"):])
    except (OSError, ValueError) as e:
        bad.append(f"{rep}: {e}")
        continue
    for j in doc["jobs"]:
        ios = j["read"]["total_ios"] + j["write"]["total_ios"]
        print(f"{os.path.basename(job)} {j['jobname']}: {ios} I/Os, error {j['error']}")
        if j["error"] or ios <= 0:
            bad.append(f"{os.path.basename(job)} {j['jobname']}: {ios} I/Os, error {j['error']}")
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
PY
# fio by hand on the user queues (both types at once, a verified write, and
# refused without the bind library); it writes, so it comes after the
# check that the suite did not.
"$(dirname "$0")/fio-uq.sh" "$out" "$build" "$full"
st=$?
[ "$st" -eq 0 ] && ok "fio on the user queues (tests/guest/fio-uq.sh)" || bad "fio-uq.sh: status $st"

# A controller without user queues: the uq paths are left out, and said why.
"${bench[@]}" --device "$devfew" --out "$out/few" >"$out/few.out" 2>"$out/few.err"
st=$?
[ "$st" -eq 0 ] && ok "bench.sh --device $devfew: status 0" || bad "bench.sh --device $devfew: status $st: $(tail -n 5 "$out/few.err")"
for p in uq-irq uq-poll uq-poll-check; do
	grep -qE "^  $p: +not here: /dev/${few}uq[0-9]+ has no hardware queue \(qid 0\): $few did not grant I/O queues beyond blk-mq's for it \(see dmesg\); ask for fewer nvme.poll_queues, nvme.write_queues or user queues$" \
		"$out/few.err" && ok "$p left out, with what would enable it" ||
		bad "$p on $devfew: $(grep "$p:" "$out/few.err")"
done
[ "$(grep -c ': *runs (' "$out/few/paths.txt")" -eq 5 ] || bad "paths on $devfew: $(cat "$out/few/paths.txt")"

# Refusals, each one line with status 2.
"${bench[@]}" --device "$devfew" --paths ng-irq,uq-irq --out "$out/refused" >/dev/null 2>"$out/refused.err"
st=$?
[ "$st" -eq 2 ] && grep -qx "bench: --paths asked for paths this machine cannot run (see above); ask only for those it can" \
	"$out/refused.err" && ok "--paths with a path the machine cannot run: status 2, said" ||
	bad "--paths ng-irq,uq-irq on $devfew: status $st: $(cat "$out/refused.err")"
"${bench[@]}" --device /dev/null --out "$out/null" >/dev/null 2>"$out/null.err"
st=$?
[ "$st" -eq 2 ] && grep -qx "bench: --device /dev/null is not a block device; give an NVMe namespace, /dev/nvmeXnY" \
	"$out/null.err" && ok "--device /dev/null: status 2, said" || bad "--device /dev/null: status $st: $(cat "$out/null.err")"
exit $fail
