#!/bin/bash
# Runtime: about 130 s (scripts/test.sh starts the longest tests first)
# Description: the main job end to end, short: scripts/bench.sh (lab
# kernel, every path, one round of one second, ceiling runs, the TCG
# instruction counter) writes compare.json that validates against the
# schema, one instruction window per run attached in run order, and
# text/markdown/HTML reports with the targets, the ceiling and a verdict per
# run; the runs see no I/O errors. --mmio's second boot (one more second
# per path) counts MMIO writes, which the report shows per path as from
# that separate boot, beside its own interrupts per I/O. On the host: a windows file that does not
# match the runs is refused and the report says so; diff passes the report
# against itself and fails it against a copy whose kernel instruction
# counts grew by 10% (a counted metric), naming the metric.
# shellcheck source=tests/lab/lib.sh
. "$(dirname "$0")/lib.sh"
qb=$build/bench/nvme-qbench
out=$(mktemp -d "${TMPDIR:-/tmp}/bench-suite.XXXXXX")
trap 'rm -rf "$out"' EXIT

# --timeout: the guest's limit stays under scripts/test.sh's 1800 s per
# test, so that the guest's own limit, not the suite's, stops a hung run
"$top/scripts/bench.sh" --build "$build" --runtime 1 --rounds 1 --mmio --timeout 1200 --out "$out/r" >"$out/stdout" 2>"$out/stderr"
status=$?
tail -n 5 "$out/stderr"
case $status in
0) pass "scripts/bench.sh ran the suite (status 0)" ;;
1) fail "scripts/bench.sh: the runs saw I/O errors: $(grep -h 'I/O error' "$out/r/compare.log" | head -n 3)" ;;
*) fail "scripts/bench.sh: status $status"; cat "$out/stderr"; done_testing ;;
esac

for f in compare.json insn-windows.txt report.txt report.md report.html analysis.json mmio/compare.json \
	mmio/insn-windows.txt; do
	[ -s "$out/r/$f" ] || fail "no $f"
done
if python3 "$top/tests/unit/validate_report.py" "$top/reports/schema" \
	"$out/r/compare.json"; then
	pass "compare.json validates against the schema"
else
	fail "compare.json does not validate"
fi

if python3 - "$out/r" <<'PY'; then pass "one window per run, attached in run order"; else fail "windows"; fi
import json, sys
d = json.load(open(sys.argv[1] + "/compare.json"))
lines = [l for l in open(sys.argv[1] + "/insn-windows.txt") if l.startswith("window=")]
runs = d["runs"]
ok = d["instructions"]["status"] == "attached" and len(lines) == len(runs) == 8
for i, r in enumerate(runs):
    ins = r.get("instructions") or {}
    ok = ok and ins.get("window") == i + 1 and (ins.get("kernel_per_io") or 0) > 0
    print(r["path"], "kernel/IO", round(ins.get("kernel_per_io") or 0), "user/IO", round(ins.get("user_per_io") or 0),
          "empty polls apart" if ins.get("empty_polls_separated") else "")
check = [r for r in runs if r["path"] == "uq-poll-check"]
ok = ok and all(r["instructions"]["marked_polls"] > 0 for r in check)
# the ceiling paths run in a shuffled order each round
ok = ok and sorted(d["ceiling"]["paths"]) == ["ng-irq", "ng-poll"] and len(d["ceiling"]["runs"]) == 2
sys.exit(0 if ok else 1)
PY

# The MMIO boot's figures, by path, in the main report; the main boot's
# windows carry none (its instruction counts ran without the callback).
if python3 - "$out/r" <<'PY'; then pass "MMIO writes of the separate boot and interrupts per I/O, every path"; else fail "MMIO or interrupts"; fi
import json, sys
d = json.load(open(sys.argv[1] + "/compare.json"))
m = d.get("mmio") or {}
ok = m.get("boot") == "separate" and m.get("source") == "mmio/compare.json" and len(m.get("paths", [])) == 8
ok = ok and not any("mmio_" in l for l in open(sys.argv[1] + "/insn-windows.txt"))
irq = {}
for r in d["runs"]:
    i = r.get("interrupts")
    ok = ok and i is not None and i["controller"] == "nvme0"
    if i:
        irq.setdefault(r["path"], i["device_per_io"])
for p in m.get("paths", []):
    db, other = p["doorbell_per_io"]["median"], p["other_per_io"]["median"]
    print(f"{p['path']}: {db:.3f} doorbell, {other:.3f} other MMIO writes per I/O, "
          f"{irq.get(p['path'], -1):.3f} device interrupts per I/O")
    # psync, at depth 1, rings the SQ tail and CQ head doorbells once each
    # per I/O (2, and a few writes more); the batched paths far less
    ok = ok and 0 < db <= 2.1 and 0 <= other <= 4
# polled paths take no interrupt of their own; interrupt-driven ones do
ok = ok and irq.get("ng-poll") == 0 and irq.get("uq-poll") == 0 and irq.get("ng-irq", 0) > 0
sys.exit(0 if ok else 1)
PY
txt=$out/r/report.txt
missing=
for s in "Targets" "Busy CPU per I/O" "Guest instructions per I/O" "Ceiling: " "Per path (medians over rounds):" \
	"1. IO/CPU s, uq-poll-check / ng-poll" "6. block-layer calls/IO, uq paths" \
	"7. doorbell MMIO writes/IO, uq paths" "8. device interrupts/IO, uq paths" "MMIO writes and interrupts per I/O"; do
	grep -qF -- "$s" "$txt" || missing="$missing '$s'"
done
if [ -z "$missing" ]; then pass "the text report has the targets, CPU, instructions and bound sections"; else fail "missing:$missing"; fi
# the bound table: one row per path, its verdict last
verdicts=$(sed -n '/^path  *IOPS  *of ceil/,/^$/p' "$txt" |
	grep -cE '^[a-z-]+ .* (CPU-bound|device-bound|latency-bound|cannot tell)$')
if [ "$verdicts" = 8 ]; then pass "a verdict for every path"; else fail "$verdicts path verdicts, expected 8"; fi
if grep -q "^## Targets" "$out/r/report.md" && grep -q "Guest instructions per I/O" "$out/r/report.html"; then
	pass "markdown and HTML carry the same sections"
else
	fail "markdown or HTML lacks a section"
fi

# A windows file one line short: nothing attached, exit 1, and the report says so.
cp "$out/r/compare.json" "$out/short.json"
head -n 7 "$out/r/insn-windows.txt" >"$out/short-windows.txt"
expect_status 1 "attach-windows refuses 7 windows for 8 runs" "$qb" attach-windows "$out/short.json" "$out/short-windows.txt"
if "$qb" report "$out/short.json" | grep -q "Not attached: short-windows.txt has 7 window(s) for 8 run(s)"; then
	pass "the report says why the counts are missing"
else
	fail "the report does not say the windows were not attached"
fi
# diff on the lab's counted metric: the same report passes; kernel
# instructions 10% up on every run fail the default 5% gate, by name.
python3 - "$out/r/compare.json" "$out/more-insn.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for r in d["runs"]:
    ins = r["instructions"]
    ins["kernel"] = round(ins["kernel"] * 1.10)
    ins["kernel_per_io"] *= 1.10
    ins["useful_kernel_per_io"] *= 1.10
json.dump(d, open(sys.argv[2], "w"))
PY
expect_status 0 "diff: the report against itself passes" "$qb" diff "$out/r/compare.json" "$out/r/compare.json"
"$qb" diff "$out/r/compare.json" "$out/more-insn.json" >"$out/diff.txt" 2>&1
status=$?
if [ "$status" -eq 1 ] && grep -q "kinsn-per-io" "$out/diff.txt"; then
	pass "diff: kernel instructions 10% up fail the gate (status 1, kinsn-per-io named)"
else
	fail "diff: kernel instructions 10% up: status $status: $(tail -n 5 "$out/diff.txt")"
fi
done_testing
