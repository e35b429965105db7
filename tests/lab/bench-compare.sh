#!/bin/bash
# Runtime: about 610 s (scripts/test.sh starts the longest tests first)
# Description: nvme-qbench in the lab. compare over psync, block irq/poll
# and ng irq/poll prints its table and writes a report that validates
# against the schema; --verify passes for data written by one path and read
# by another, and fails for the wrong seed; on the same workload, run side
# by side with rounds interleaved, nvme-qbench reaches at least the IOPS of
# fio's io_uring and io_uring_cmd engines (medians of three rounds). On
# the host, diff of two of those same-build reports finds no regression
# (one round a side: pass, or inconclusive when a metric is worse), and dashboard
# over the reports draws each one's median IOPS at its place in time.
# shellcheck source=tests/lab/lib.sh
# It boots the debug kernel: on the lab kernel fio's io_uring_cmd job once
# saw its commands time out and come back cancelled (EINTR), most likely
# QEMU 7.2's shadow doorbell race, which kernel-patch/lab-fixes works
# around for the user queues only.
. "$(dirname "$0")/lib.sh"
[ -x "$build/bench/nvme-qbench" ] || { fail "$build/bench/nvme-qbench is not built"; done_testing; }
out=$(mktemp -d "${TMPDIR:-/tmp}/bench-compare.XXXXXX")
trap 'rm -rf "$out"' EXIT
expect_status 0 "compare, verify and fio side by side in the guest" \
	lab_vm --timeout 900 --results "$out" --append "nvme.poll_queues=1" --nvme file,size=256M,qpairs=8 \
	-- "$top/tests/guest/bench-compare.sh" "$out" "$build"

if python3 "$top/tests/unit/validate_report.py" "$top/reports/schema" \
	"$out"/compare.json "$out"/verify-*.json "$out"/side-qb-*.json; then
	pass "every report validates against the schema"
else
	fail "a report does not validate"
fi

if python3 - "$out" <<'PY'; then pass "compare report: five paths, I/O on each, no errors"; else fail "compare report"; fi
import json, sys
d = json.load(open(sys.argv[1] + "/compare.json"))
paths = {r["path"] for r in d["runs"]}
want = {"psync", "block-irq", "block-poll", "ng-irq", "ng-poll"}
ok = paths == want and all(r["ios"] > 0 and r["error_count"] == 0 for r in d["runs"])
ok = ok and d["comparison"] is not None and len(d["comparison"]["paths"]) == 5
print("paths:", sorted(paths), "ios:", [r["ios"] for r in d["runs"]])
sys.exit(0 if ok else 1)
PY

if python3 - "$out" <<'PY'; then pass "verify: cross-path reads clean, wrong seed caught"; else fail "verify"; fi
import glob, json, sys
out = sys.argv[1]
ok = True
for f in sorted(glob.glob(out + "/verify-*.json")):
    st = json.load(open(f))["status"]
    wrong = f.endswith("wrong-seed.json")
    good = st["verify_bad_sectors"] > 0 if wrong else (st["verify_bad_sectors"] == 0 and st["errors"] == 0)
    print(f.rsplit("/", 1)[1], "bad sectors:", st["verify_bad_sectors"], "ok" if good else "WRONG")
    ok = ok and good
sys.exit(0 if ok and len(glob.glob(out + "/verify-*.json")) == 7 else 1)
PY

if python3 - "$out" <<'PY'; then pass "nvme-qbench reaches fio's IOPS on both engines"; else fail "nvme-qbench below fio"; fi
import json, statistics, sys
out = sys.argv[1]
ok = True
for kind, engine in (("block", "io_uring"), ("ng", "io_uring_cmd")):
    qb = [json.load(open(f"{out}/side-qb-{kind}-{r}.json"))["runs"][0]["iops"] for r in (1, 2, 3)]
    fio = [json.load(open(f"{out}/side-fio-{kind}-{r}.json"))["jobs"][0]["read"]["iops"] for r in (1, 2, 3)]
    q, f = statistics.median(qb), statistics.median(fio)
    print(f"{kind}: nvme-qbench median {q:.0f} IOPS {[round(x) for x in qb]}, "
          f"fio {engine} median {f:.0f} IOPS {[round(x) for x in fio]}, ratio {q / f:.2f}")
    ok = ok and q >= f
sys.exit(0 if ok else 1)
PY
qb=$build/bench/nvme-qbench
# One round a side: the wall-clock metrics cannot be tested, so the verdict
# is PASS (none worse than its threshold) or INCONCLUSIVE (status 3), and
# never a regression.
"$qb" diff "$out/side-qb-block-1.json" "$out/side-qb-block-2.json" >"$out/diff.txt" 2>&1
status=$?
verdict=$(grep -E '^(PASS|INCONCLUSIVE|FAIL):' "$out/diff.txt")
if { [ "$status" -eq 0 ] && [ "$verdict" = "PASS: no regression." ]; } ||
	{ [ "$status" -eq 3 ] && grep -q '^INCONCLUSIVE: no regression found' <<<"$verdict"; }; then
	pass "diff: two same-build runs (side-qb-block-1, -2): status $status, $verdict"
else
	fail "diff: two same-build runs: status $status: $(tail -n 5 "$out/diff.txt")"
fi
mkdir "$out/dash"
cp "$out"/side-qb-*.json "$out/compare.json" "$out/dash/"
if "$qb" dashboard "$out/dash" -o "$out/dash.html" >"$out/dash.log" 2>&1; then
	pass "dashboard over $(find "$out/dash" -name '*.json' | wc -l) lab reports"
else
	fail "dashboard: $(cat "$out/dash.log")"
fi
if python3 - "$out/dash" "$out/dash.html" <<'PY'; then pass "dashboard: every report's median IOPS at its place"; else fail "dashboard trend values"; fi
import glob, json, re, statistics, sys
reports = [json.load(open(f)) for f in sorted(glob.glob(sys.argv[1] + "/*.json"))]
reports.sort(key=lambda d: d["created_at"])  # stable: the tool's order
html = open(sys.argv[2]).read()
specs = json.loads(re.search(r'<script type="application/json" id="qb-chart-specs">(.*?)</script>', html, re.S).group(1))
iops = next(s for s in specs if s["options"]["scales"]["y"]["title"]["text"] == "IOPS")
series = {d["label"]: d["data"] for d in iops["data"]["datasets"]}
ok = len(reports) >= 3 and len(iops["data"]["labels"]) == len(reports)
for i, d in enumerate(reports):
    for path in {r["path"] for r in d["runs"]}:
        # the medians come from the runs without probes, where there are any
        runs = [r for r in d["runs"] if r["path"] == path]
        runs = [r for r in runs if not isinstance(r.get("probes"), dict)] or runs
        want = statistics.median(r["iops"] for r in runs)
        got = series.get(path, [None] * len(reports))[i]
        good = got is not None and abs(got - want) <= 1e-6 * want
        print(f"report {i} {path}: median {want:.0f}, drawn {got}", "" if good else "WRONG")
        ok = ok and good
sys.exit(0 if ok else 1)
PY
done_testing
