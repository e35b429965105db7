#!/bin/bash
# Description: runs in a lab guest booted with nvme.poll_queues=1 and a null
# namespace. `nvme-qbench compare --probes --probe-cost` over block-poll and
# ng-poll reports the useless-poll ratio of nvme_poll on both paths,
# blk_stat_add per I/O on the block path and none of blk_stat_add or the
# blkg work on the ng path, the top kernel symbols of each path, unavailable
# functions with a reason, and the probe cost. As an unprivileged user the
# run prints one line and completes without probes; --probes=required then
# exits 2.
# Exit: 0 pass, 1 fail, 77 skip (no namespace or no poll queues).
set -u
build=${QBENCH_BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/build}
qb=$build/bench/nvme-qbench
dev=/dev/nvme0n1
[ -b $dev ] || { echo "SKIP: no $dev"; exit 77; }
[ "$(cat /sys/block/nvme0n1/queue/io_poll)" = 1 ] || { echo "SKIP: $dev has no poll queues"; exit 77; }
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }

work=(--device $dev --bs 512 --iodepth 32 --submit-batch 8 --complete-batch 8 --quiet)
"$qb" compare "${work[@]}" --paths block-poll,ng-poll --runtime 2 --rounds 1 --probes --probe-cost --json /tmp/p.json \
	>/tmp/p.out 2>&1
rc=$?
[ $rc -eq 0 ] && ok "compare --probes --probe-cost exits 0" || { bad "compare --probes exits $rc"; cat /tmp/p.out; }
python3 - /tmp/p.json <<'PY' || fail=1
import json, sys
r = json.load(open(sys.argv[1]))
bad = 0
def check(cond, what):
    global bad
    print(("ok: " if cond else "FAIL: ") + what)
    bad |= not cond
p = r.get("probes") or {}
check(p.get("status") == "on", f"probes status on (got {p.get('status')}: {p.get('message')})")
paths = {x["path"]: x for x in p.get("paths", [])}
check(set(paths) == {"block-poll", "ng-poll"}, f"probe figures for both paths (got {sorted(paths)})")
def fn(path, name):
    for f in paths.get(path, {}).get("functions", []):
        if f["name"] == name:
            return f
    return {}
for path in paths:
    f = fn(path, "nvme_poll")
    check(f.get("available") and f.get("calls", 0) > 0 and isinstance(f.get("useless_ratio"), float),
          f"{path}: nvme_poll calls {f.get('calls')} useless ratio {f.get('useless_ratio')}")
    top = paths[path]["profile"]["top_symbols"]
    check(len(top) > 0 and top[0]["self_share"] > 0, f"{path}: top kernel symbols ({top[0]['symbol'] if top else None})")
    check(paths[path]["cost"] is not None and paths[path]["cost"]["iops_off_median"] > 0,
          f"{path}: probe cost measured ({paths[path]['cost']})")
    for f in paths[path]["functions"]:
        if not f["available"]:
            check(bool(f["note"]), f"{path}: {f['name']} unavailable with a reason: {f['note']}")
b = fn("block-poll", "blk_stat_add")
check(b.get("calls_per_io", 0) > 0, f"block-poll: blk_stat_add {b.get('calls_per_io')} per I/O > 0")
for name in ("blk_stat_add", "bio_associate_blkg_from_css", "blkg_lookup_create", "blk_cgroup_bio_start"):
    f = fn("ng-poll", name)
    check(not f.get("available") or f.get("calls") == 0,
          f"ng-poll: {name} not called ({f.get('calls', 'unavailable')})")
f = fn("ng-poll", "nvme_ns_chr_uring_cmd_iopoll")
check(f.get("calls", 0) > 0, f"ng-poll: nvme_ns_chr_uring_cmd_iopoll called ({f.get('calls')})")
runs = [x for x in r["runs"] if "probes" in x]
check(len(runs) == 2 and len(r["runs"]) == 4, f"2 of 4 runs carry probes (cost runs without)")
sys.exit(1 if bad else 0)
PY
grep -q "^top kernel symbols, block-poll" /tmp/p.out && ok "text report lists top symbols" || bad "no top symbols in the text"

# No privilege: one line, the run completes without probes.
chmod 666 $dev
nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
"${nobody[@]}" "$qb" run "${work[@]}" --path block-irq --runtime 1 --probes --json /tmp/np.json >/tmp/np.out 2>/tmp/np.err
rc=$?
[ $rc -eq 0 ] && ok "unprivileged run --probes exits 0" || { bad "unprivileged run exits $rc"; cat /tmp/np.err; }
n=$(grep -c "^probes: off: no privilege for BPF tracing" /tmp/np.err)
[ "$n" = 1 ] && [ "$(grep -c . /tmp/np.err)" = 1 ] && ok "one line: $(cat /tmp/np.err)" ||
	bad "expected one 'probes: off' line on stderr, got: $(cat /tmp/np.err)"
python3 -c 'import json,sys; p=json.load(open("/tmp/np.json"))["probes"]; sys.exit(p["status"]!="unavailable" or not p["message"])' &&
	ok "report says probes unavailable" || bad "report does not record the unavailable probes"
"${nobody[@]}" "$qb" run "${work[@]}" --path block-irq --runtime 1 --probes=required >/tmp/nr.out 2>/tmp/nr.err
rc=$?
[ $rc -eq 2 ] && grep -q "^nvme-qbench: --probes=required: no privilege" /tmp/nr.err &&
	ok "--probes=required without privilege exits 2: $(cat /tmp/nr.err)" || bad "--probes=required: status $rc, $(cat /tmp/nr.err)"
chmod 660 $dev
exit $fail
