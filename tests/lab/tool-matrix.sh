#!/bin/bash
# Runtime: about 400 s (scripts/test.sh starts the longest tests first)
# CPUs: 2
# Description: what users run, on every path in one guest (two CPUs, a poll
# queue, two user queues of each type; four controllers: two namespaces,
# 4096-byte LBAs, mdts=2, blkdebug errors; see tests/guest/tool-matrix.sh):
# randwrite --verify read back by every other path and a wrong seed
# caught, randrw, --threads 2 (one user queue per thread), --sqpoll,
# --uq-device, namespace 2 and 4K LBAs, the transfer limit, I/O errors by
# LBA with the NVMe status and exit status 1, a controller reset during a
# run, and the write guard on a partition table and an ext4 file system
# (no byte changed, every path and compare). Checks the reports here:
# every one validates against the schema, each run did what it says.
# Boots the lab kernel: what is tested is the tool.
# shellcheck source=tests/lab/lib.sh
. "$(dirname "$0")/lib.sh"
[ -x "$build/bench/nvme-qbench" ] || { fail "$build/bench/nvme-qbench is not built"; done_testing; }
out=$(mktemp -d "${TMPDIR:-/tmp}/tool-matrix.XXXXXX")
trap 'rm -rf "$out"' EXIT
# A copy without debug information for the guest to start from tmpfs.
objcopy --strip-debug "$build/bench/nvme-qbench" "$out/nvme-qbench" || cp "$build/bench/nvme-qbench" "$out/"
expect_status 0 "every path, device and option in the guest" \
	tool_vm --cpus 2 --timeout 1300 --results "$out" \
	--append "nvme.poll_queues=1 nvme.user_irq_queues=2 nvme.user_poll_queues=2" \
	--nvme file,size=64M,namespaces=2,serial=qbmain --nvme file,size=64M,lbs=4096,serial=qb4k \
	--nvme null,size=64M,mdts=2,serial=qbmdts --nvme blkdebug,size=64M,inject=read:2048,serial=qbbad \
	-- "$top/tests/guest/tool-matrix.sh" "$out" "$build"

reports=()
for f in "$out"/*.json; do [ -e "$f" ] && reports+=("$f"); done
if [ "${#reports[@]}" -gt 0 ] && python3 "$top/tests/unit/validate_report.py" "$top/reports/schema" "${reports[@]}"; then
	pass "${#reports[@]} reports validate against the schema (the error run's too)"
else
	fail "a report does not validate, or there are none"
fi

if python3 - "$out" <<'PY'; then pass "reports: each run did what it says"; else fail "reports"; fi
import json, os, sys
out = sys.argv[1]
ALL = ["psync", "block-irq", "block-poll", "ng-irq", "ng-poll", "uq-irq", "uq-poll", "uq-poll-check"]
bad = []

def load(name):
    try:
        return json.load(open(os.path.join(out, name)))
    except (OSError, ValueError) as e:
        bad.append(f"{name}: {e}")
        return None

def clean(name, d, want_paths, writes=None, threads=1, verify=None):
    if d is None:
        return
    paths = [r["path"] for r in d["runs"]]
    if sorted(paths) != sorted(want_paths):
        bad.append(f"{name}: paths {paths}, expected {want_paths}")
    for r in d["runs"]:
        w = sum(t["writes"] for t in r["threads"])
        rd = sum(t["reads"] for t in r["threads"])
        what = f"{name} {r['path']}"
        if r["ios"] <= 0 or r["error_count"] or r["verify"]["bad_sectors"]:
            bad.append(f"{what}: {r['ios']} I/Os, {r['error_count']} errors, {r['verify']['bad_sectors']} bad sectors")
        if len(r["threads"]) != threads:
            bad.append(f"{what}: {len(r['threads'])} threads, expected {threads}")
        if writes == "both" and not (w > 0 and rd > 0):
            bad.append(f"{what}: randrw did {rd} reads and {w} writes")
        if writes is True and rd:
            bad.append(f"{what}: {rd} reads in a write run")
        if writes is False and w:
            bad.append(f"{what}: {w} writes in a read run")
        if verify and r["verify"]["blocks_checked"] == 0:
            bad.append(f"{what}: --verify checked no blocks")
    if d["status"]["exit_code"] != 0:
        bad.append(f"{name}: exit code {d['status']['exit_code']}")

for p in ("psync", "block-poll", "ng-irq", "uq-poll-check"):
    clean(f"rw-{p}.json", load(f"rw-{p}.json"), [p], writes=True, verify=True)
    clean(f"rr-{p}.json", load(f"rr-{p}.json"), [q for q in ALL if q != p], writes=False, verify=True)
d = load("wrong-seed.json")
if d and not (d["status"]["verify_bad_sectors"] > 0 and d["status"]["exit_code"] == 1):
    bad.append(f"wrong-seed.json: status {d['status']}")
clean("randrw.json", load("randrw.json"), ALL, writes="both")
clean("threads.json", load("threads.json"), ALL, writes=True, threads=2, verify=True)
for name, ns, lba in (("ns2.json", 2, 512), ("ns4k.json", 1, 4096)):
    d = load(name)
    clean(name, d, ALL, writes=True, verify=True)
    if d and (d["device"]["namespace"]["nsid"] != ns or d["device"]["lba_size"] != lba):
        bad.append(f"{name}: nsid {d['device']['namespace']['nsid']} lba {d['device']['lba_size']}")
d = load("uqdev.json")
clean("uqdev.json", d, ["uq-irq"], writes=False)
if d:
    u = d["runs"][0].get("user_queue") or {}
    if not u.get("node", "").endswith("uq1") or u.get("type") != "irq":
        bad.append(f"uqdev.json: ran on {u.get('node')} ({u.get('type')}), not the --uq-device queue")
clean("mdts-block.json", load("mdts-block.json"), ["block-irq"], writes=False)
clean("mdts-16k.json", load("mdts-16k.json"), ["ng-irq", "ng-poll", "uq-irq", "uq-poll", "uq-poll-check"], writes=False)

# The error run: status 1, each path one error at LBA 2048 named by its
# NVMe status (passthrough) or errno (block), and every other I/O counted.
d = load("errors.json")
if d:
    if d["status"]["exit_code"] != 1 or d["status"]["errors"] != sum(r["error_count"] for r in d["runs"]):
        bad.append(f"errors.json: status {d['status']}")
    for r in d["runs"]:
        e = r["errors"]
        # block: sequential reads in flight are merged and fail together
        # (at most --iodepth 4), as a media error's errno
        block = r["path"] == "block-irq"
        want = "ENODATA (No data available)" if block else "Unrecovered Read Error"
        n = r["error_count"]
        if not (1 <= n <= (4 if block else 1)) or len(e) != 1 or e[0]["first_lba"] != 2048 or e[0]["name"] != want:
            bad.append(f"errors.json {r['path']}: errors {e}")
        if r["ios"] != 512 - n:
            bad.append(f"errors.json {r['path']}: {r['ios']} I/Os counted, expected {512 - n} (failed ones are not I/O)")
        print(f"errors.json {r['path']}: {r['ios']} I/Os, errors {e}")

# The run across a controller reset: status 1, its errors counted and
# named (EIO while the queue was down, EINTR for commands the controller
# could not finish), and I/O before and after the reset.
d = load("reset.json")
if d:
    r = d["runs"][0]
    names = {e["name"] for e in r["errors"]}
    print(f"reset.json: {r['ios']} I/Os, {r['error_count']} errors, {r['errors']}")
    if d["status"]["exit_code"] != 1 or r["error_count"] < 1 or r["ios"] <= 0:
        bad.append(f"reset.json: exit {d['status']['exit_code']}, {r['error_count']} errors, {r['ios']} I/Os")
    if not names or not names <= {"EIO (Input/output error)", "EINTR (Interrupted system call)"}:
        bad.append(f"reset.json: error names {names}")
    if any(not isinstance(e["first_lba"], int) for e in r["errors"]):
        bad.append(f"reset.json: an error without its LBA: {r['errors']}")
clean("after-reset.json", load("after-reset.json"), ["uq-irq"], writes=False)

# --sqpoll: the ng paths run with it (the uq paths refuse it, checked in
# the guest).
for p in ("ng-irq", "ng-poll"):
    try:
        st = int(open(os.path.join(out, f"sqpoll-{p}.status")).read())
        err = [l for l in open(os.path.join(out, f"sqpoll-{p}.err")).read().splitlines()
               if not l.startswith(("hw counters:", "cpu:"))]
    except (OSError, ValueError) as e:
        bad.append(f"sqpoll {p}: {e}")
        continue
    print(f"sqpoll {p}: status {st} {err}")
    if st == 0:
        d = load(f"sqpoll-{p}.json")
        clean(f"sqpoll-{p}.json", d, [p], writes=False)
        if d and not d["workload"]["sqpoll"]:
            bad.append(f"sqpoll-{p}.json: workload.sqpoll false")
    else:
        bad.append(f"sqpoll {p}: status {st}, stderr {err}")
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
PY
done_testing
