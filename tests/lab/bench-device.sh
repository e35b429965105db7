#!/bin/bash
# Runtime: about 330 s (scripts/test.sh starts the longest tests first)
# Description: scripts/bench.sh --device, the suite on a real machine, run
# inside a lab guest, which is a real machine from the script's point of
# view (see tests/guest/bench-device.sh): every path on a controller with
# user queues, the uq paths left out with what would enable them on one
# without, refusals, and no byte written; the report's fio jobs (fio-jobs)
# on every path and fio on the user queues through the bind library. Checks here that the reports
# validate against the schema and are in the lab's folder layout. Boots the
# lab kernel: what is tested is the script and the tool.
# shellcheck source=tests/lab/lib.sh
. "$(dirname "$0")/lib.sh"
[ -x "$build/bench/nvme-qbench" ] || { fail "$build/bench/nvme-qbench is not built"; done_testing; }
out=$(mktemp -d "${TMPDIR:-/tmp}/bench-device.XXXXXX")
trap 'rm -rf "$out"' EXIT
expect_status 0 "bench.sh --device in the guest" \
	tool_vm --timeout 900 --results "$out" \
	--append "nvme.poll_queues=1 nvme.user_irq_queues=1 nvme.user_poll_queues=1" \
	--nvme file,size=64M,qpairs=16,serial=qbfull --nvme null,size=64M,qpairs=2,serial=qbfew \
	-- "$top/tests/guest/bench-device.sh" "$out" "$build"
for run in full few; do
	if [ -f "$out/$run/compare.json" ] && python3 "$top/tests/unit/validate_report.py" "$top/reports/schema" "$out/$run/compare.json"; then
		pass "the $run run's report validates against the schema"
	else
		fail "the $run run's report is missing or does not validate"
	fi
done
if python3 - "$out" <<'PY'; then pass "reports: the runs are those paths.txt says run"; else fail "reports"; fi
import json, os, re, sys
out = sys.argv[1]
bad = []
for run, want in (("full", 8), ("few", 5)):
    lines = open(os.path.join(out, run, "paths.txt")).read().splitlines()
    runs = [l.split(":")[0] for l in lines if re.search(r":\s+runs \(", l)]
    got = sorted({r["path"] for r in json.load(open(os.path.join(out, run, "compare.json")))["runs"]})
    if sorted(runs) != got or len(got) != want:
        bad.append(f"{run}: paths.txt runs {runs}, the report has {got}, want {want} paths")
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
PY
done_testing
