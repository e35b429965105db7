#!/bin/bash
# Runtime: about 300 s (scripts/test.sh starts the longest tests first)
# Description: nvme-qbench's uq paths (uq-irq, uq-poll, uq-poll-check) on
# the user queues of kernel-patch/: in a guest with one user queue of each
# type, --verify data round trips between them and the block and ng paths,
# and a randread compare. Checks the reports: every uq run completed I/O
# with no errors and no bad sectors and recorded its queue and the kernel's
# counters, and uq-poll-check's share of empty kernel polls is lower than
# uq-poll's (the point of checking the mapped CQ first).
# shellcheck source=tests/lab/lib.sh
. "$(dirname "$0")/lib.sh"
[ -x "$build/bench/nvme-qbench" ] || skip "$build/bench/nvme-qbench is not built"
out=$(mktemp -d "${TMPDIR:-/tmp}/uq-engine.XXXXXX")
trap 'rm -rf "$out"' EXIT
expect_status 0 "uq paths in the guest" \
	lab_vm --results "$out" --append "nvme.poll_queues=1 nvme.user_irq_queues=1 nvme.user_poll_queues=1" \
	--nvme file,size=256M,qpairs=16 -- "$top/tests/guest/uq-engine.sh" "$out" "$build"

if python3 - "$out" <<'PY'; then pass "reports: uq runs clean, counters recorded, empty-poll shares compared"; else fail "reports"; fi
import glob, json, os, sys
out = sys.argv[1]
bad = []
runs = []
for f in sorted(glob.glob(os.path.join(out, "*.json"))):
    if os.path.basename(f) == "list.json":
        continue
    for r in json.load(open(f))["runs"]:
        runs.append((os.path.basename(f), r))
uq = [(f, r) for f, r in runs if r["engine"] == "uq"]
for path in ("uq-irq", "uq-poll", "uq-poll-check"):
    if not any(r["path"] == path for _, r in uq):
        bad.append(f"no {path} run in the reports")
for f, r in runs:
    if r["error_count"] or r["verify"]["bad_sectors"]:
        bad.append(f"{f} {r['path']}: {r['error_count']} errors, {r['verify']['bad_sectors']} bad sectors")
    if r["verify"]["enabled"] and r["verify"]["blocks_checked"] == 0:
        bad.append(f"{f} {r['path']}: --verify checked no blocks")
for f, r in uq:
    u = r.get("user_queue")
    if r["ios"] <= 0:
        bad.append(f"{f} {r['path']}: no I/O completed")
    if not u or not u.get("counters"):
        bad.append(f"{f} {r['path']}: no user queue counters ({u and u.get('counters_error')})")
        continue
    want = "irq" if r["path"] == "uq-irq" else "poll"
    if u["type"] != want or u["qid"] <= 0:
        bad.append(f"{f} {r['path']}: queue {u['name']} type {u['type']} qid {u['qid']}")
    if u["counters"]["completed"] < r["ios"]:
        bad.append(f"{f} {r['path']}: kernel completed {u['counters']['completed']} < {r['ios']} I/Os")
    print(f"{f:22} {r['path']:14} {u['node']} qid {u['qid']} {u['type']:4} ios {r['ios']:7} iops {r['iops']:9.0f} "
          f"polls {u['counters']['polls']:8} empty {u['counters']['empty_polls']:8} "
          f"share {u['empty_poll_share'] if u['empty_poll_share'] is not None else '-'}")

def share(path):
    p = e = 0
    for f, r in uq:
        if f == "randread.json" and r["path"] == path and r.get("user_queue", {}).get("counters"):
            p += r["user_queue"]["counters"]["polls"]
            e += r["user_queue"]["counters"]["empty_polls"]
    return (e / p if p else None), p, e

poll, check = share("uq-poll"), share("uq-poll-check")
print(f"randread empty-poll share: uq-poll {poll[0]} ({poll[2]}/{poll[1]}), "
      f"uq-poll-check {check[0]} ({check[2]}/{check[1]})")
if poll[0] is None or check[0] is None:
    bad.append("randread: a poll path made no kernel polls")
elif not check[0] < poll[0]:
    bad.append(f"randread: uq-poll-check empty-poll share {check[0]:.3f} is not below uq-poll's {poll[0]:.3f}")
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
PY

# Schema version 2 figures on the paths only this kernel has: every
# io_uring_enter counted (uq-poll-check's kernel polls included), thread
# CPU time, a latency bound and histogram, and hardware counters or the
# reason there are none (no PMU under TCG), the runs going on either way.
if python3 - "$out" <<'PY'; then pass "reports: kernel entries, CPU time, latency bound and hw counters or why not"; else fail "version 2 figures"; fi
import glob, json, os, sys
bad = []
for f in sorted(glob.glob(os.path.join(sys.argv[1], "*.json"))):
    if os.path.basename(f) == "list.json":
        continue
    d = json.load(open(f))
    if d["schema_version"] != 2:
        bad.append(f"{f}: schema_version {d['schema_version']}")
    for r in d["runs"]:
        k, lat = r["kernel_entries"], r["latency_ns"]
        print(f"{os.path.basename(f):22} {r['path']:14} enters/IO {k['per_io']} cpu ns/IO {r['cpu']['busy_ns_per_io']} "
              f"stamp error {lat['stamp_error_ns']} ns, {len(lat['histogram']['bins'])} bins, hw {r['hw_counters']}")
        if r["path"] != "psync" and not (k["io_uring_enter"] > 0 and k["per_io"] > 0):
            bad.append(f"{f} {r['path']}: no io_uring_enter counted")
        if r["cpu"]["thread_ns"] <= 0 or lat["stamp_error_ns"] is None or not lat["histogram"]["bins"]:
            bad.append(f"{f} {r['path']}: no CPU time, latency bound or histogram")
        if sum(b[2] for b in lat["histogram"]["bins"]) != lat["count"]:
            bad.append(f"{f} {r['path']}: histogram bins do not add up to the count")
        if r["hw_counters"] is None and not d["hw_counters_note"]:
            bad.append(f"{f} {r['path']}: no hardware counters and no reason")
    print(f"{os.path.basename(f)}: hw_counters_note: {d['hw_counters_note']}")
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
PY
done_testing
