#!/bin/bash
# Description: runs in a lab guest booted with nvme.poll_queues=1
# nvme.user_irq_queues=1 nvme.user_poll_queues=1 and a null namespace.
# `nvme-qbench compare --probes --probe-cost` over block-poll and ng-poll
# reports the useless-poll ratio of nvme_poll on both paths, blk_stat_add,
# blk_mq_start_request and the poll chain per I/O on the block path and
# none of blk_stat_add or the blkg work on the ng path, the top kernel
# symbols of each path, unavailable functions with a reason (the RFC's
# blk_mq_poll_classic is gone in 6.12), and the probe cost. `compare
# --probes` over uq-irq, uq-poll and uq-poll-check shows none of the
# block-layer functions or the blk-mq poll chain, nvme_uq_iopoll on the
# poll paths only, and no I/O errors. probes/nvme_poll.bt runs live under
# bpftrace during an ng-poll run and prints its counts. As an unprivileged user the
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

work=(--device "$dev" --bs 512 --iodepth 32 --submit-batch 8 --complete-batch 8 --quiet)

# The checks every `compare --probes` report gets, whatever its paths: the
# path-specific Python checks come on stdin and run after these, with the
# report as r, its probe figures by path as paths, check() and fn(), a
# path's figures of one kernel function ({} when absent).
probe_report() { # STATUS OUT JSON OK-TEXT FAIL-TEXT PATH,... PATHS-TEXT
	local rc=$1 out=$2 json=$3
	if [ "$rc" -eq 0 ]; then ok "$4 exits 0"; else bad "$5 exits $rc"; cat "$out"; fi
	{
		cat <<'PY'
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
check(set(paths) == set(sys.argv[2].split(",")), f"probe figures for {sys.argv[3]} (got {sorted(paths)})")
def fn(path, name):
    for f in paths.get(path, {}).get("functions", []):
        if f["name"] == name:
            return f
    return {}
PY
		cat
	} | python3 - "$json" "$6" "$7" || fail=1
}

"$qb" compare "${work[@]}" --paths block-poll,ng-poll --runtime 2 --rounds 1 --probes --probe-cost --json /tmp/p.json \
	>/tmp/p.out 2>&1
probe_report $? /tmp/p.out /tmp/p.json "compare --probes --probe-cost" "compare --probes" \
	block-poll,ng-poll "both paths" <<'PY'
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
for name in ("blk_stat_add", "blk_mq_start_request", "bio_poll", "nvme_poll"):
    b = fn("block-poll", name)
    check(b.get("calls_per_io", 0) > 0, f"block-poll: {name} {b.get('calls_per_io')} per I/O > 0")
f = fn("block-poll", "blk_mq_poll_classic")
check(f and not f.get("available") and bool(f.get("note")),
      f"a function missing on this kernel is unavailable with a reason, not an error: blk_mq_poll_classic: {f.get('note')}")
# "Not called" means something only for a function the probes could attach
# in this boot: each must be available here. blkg_lookup_create is inlined
# into bio_associate_blkg_from_css on 6.12 (the report's note says so); the
# latter stands for it.
for name in ("blk_stat_add", "bio_associate_blkg_from_css", "blk_cgroup_bio_start"):
    f = fn("ng-poll", name)
    check(f.get("available") and f.get("calls") == 0,
          f"ng-poll: {name} attachable and not called "
          f"({f.get('calls') if f.get('available') else 'unavailable: ' + str(f.get('note'))})")
f = fn("ng-poll", "blkg_lookup_create")
check(f.get("available") and f.get("calls") == 0 or not f.get("available") and bool(f.get("note")),
      f"ng-poll: blkg_lookup_create not called, or not attachable with a reason "
      f"({f.get('calls') if f.get('available') else f.get('note')})")
f = fn("ng-poll", "nvme_ns_chr_uring_cmd_iopoll")
check(f.get("calls", 0) > 0, f"ng-poll: nvme_ns_chr_uring_cmd_iopoll called ({f.get('calls')})")
runs = [x for x in r["runs"] if "probes" in x]
check(len(runs) == 2 and len(r["runs"]) == 4, f"2 of 4 runs carry probes (cost runs without)")
sys.exit(1 if bad else 0)
PY
if grep -q "^top kernel symbols, block-poll" /tmp/p.out; then ok "text report lists top symbols"; else bad "no top symbols in the text"; fi

# The user queue paths (boot with nvme.user_irq_queues=1
# nvme.user_poll_queues=1): none of the block layer's per-I/O work and none
# of the blk-mq poll chain, only the user queue's own poll function.
if [ -c /dev/nvme0uq0 ] && [ -c /dev/nvme0uq1 ]; then
	"$qb" compare "${work[@]}" --paths uq-irq,uq-poll,uq-poll-check --runtime 2 --rounds 1 --probes \
		--json /tmp/uq.json >/tmp/uq.out 2>&1
	probe_report $? /tmp/uq.out /tmp/uq.json "compare --probes over the uq paths" "uq compare --probes" \
		uq-irq,uq-poll,uq-poll-check "the uq paths" <<'PY'
for run in r.get("runs", []):
    # a command left unreaped until the user queue timeout shows as EINTR/EIO errors
    check(run.get("error_count", 0) == 0 and run.get("ios", 0) > 0,
          f"{run['path']}: {run.get('ios')} I/Os, {run.get('error_count')} errors {run.get('errors') or ''}")
block = ("blk_mq_start_request", "blk_stat_add", "bio_associate_blkg", "bio_associate_blkg_from_css",
         "blkg_lookup_create", "blk_cgroup_bio_start", "__rq_qos_issue",
         "nvme_poll", "nvme_poll_cq", "blk_rq_poll", "bio_poll", "blk_mq_poll_classic",
         "nvme_ns_chr_uring_cmd_iopoll")
# Not called means something only for a function attachable in this boot:
# all must be, except these, which 6.12 does not have as functions of their
# own (each one's caller is in the list, so its calls would still show).
absent_ok = {"blkg_lookup_create": "inlined into bio_associate_blkg_from_css",
             "blk_mq_poll_classic": "gone by 6.12; blk_rq_poll and bio_poll are its callers",
             "nvme_poll_cq": "static inline, may be inlined into nvme_poll"}
for path in paths:
    ios = paths[path].get("ios")
    called = [f"{n} {fn(path, n).get('calls')}" for n in block if fn(path, n).get("calls")]
    check(not called, f"{path}: no block-layer or blk-mq poll calls over {ios} I/Os ({', '.join(called) or 'all 0'})")
    missing = [f"{n} ({fn(path, n).get('note')})" for n in block
               if not fn(path, n).get("available") and n not in absent_ok]
    check(not missing, f"{path}: every function above attachable in this boot ({'; '.join(missing) or 'yes'})")
    for n in absent_ok:
        if not fn(path, n).get("available"):
            print(f"note: {path}: {n} not attachable ({absent_ok[n]}): {fn(path, n).get('note')}")
    f = fn(path, "nvme_uq_iopoll")
    if path == "uq-irq":
        check(f.get("available") and f.get("calls") == 0, f"{path}: nvme_uq_iopoll not called ({f.get('calls')})")
    else:
        check(f.get("available") and f.get("calls", 0) > 0,
              f"{path}: nvme_uq_iopoll {f.get('calls_per_io')} per I/O, useless ratio {f.get('useless_ratio')}")
sys.exit(1 if bad else 0)
PY
else
	bad "no user queues /dev/nvme0uq0 and /dev/nvme0uq1 (boot with nvme.user_irq_queues=1 nvme.user_poll_queues=1)"
fi

# probes/nvme_poll.bt live, the RFC's script: bpftrace compiles and attaches
# it (about a minute under TCG: allow 240 s), counts nvme_poll returns while
# ng-poll runs, and prints the counts on SIGINT.
bt=$(cd "$(dirname "$0")/../.." && pwd)/probes/nvme_poll.bt
if command -v bpftrace >/dev/null; then
	mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
	mountpoint -q /sys/kernel/tracing || mount -t tracefs none /sys/kernel/tracing
	start=$SECONDS
	bpftrace "$bt" >/tmp/bt.out 2>&1 &
	btpid=$!
	while ! grep -q "^Counting nvme_poll" /tmp/bt.out && kill -0 $btpid 2>/dev/null &&
		[ $((SECONDS - start)) -lt 240 ]; do
		sleep 1
	done
	if grep -q "^Counting nvme_poll" /tmp/bt.out; then
		ok "bpftrace attached $bt after $((SECONDS - start)) s"
		"$qb" run "${work[@]}" --path ng-poll --runtime 3 >/dev/null 2>&1 || bad "ng-poll run under bpftrace"
	fi
	kill -INT $btpid 2>/dev/null
	wait $btpid
	rc=$?
	line=$(grep "^nvme_poll: " /tmp/bt.out)
	if [ $rc -eq 0 ] && [[ $line =~ ^nvme_poll:\ ([0-9]+)\ found\ nothing,\ ([0-9]+)\ found\ completions$ ]] &&
		[ "${BASH_REMATCH[2]}" -gt 0 ]; then
		ok "nvme_poll.bt live: $line"
	else
		bad "nvme_poll.bt live (status $rc): $(head -c 2000 /tmp/bt.out)"
	fi
else
	bad "bpftrace is not installed (scripts/setup.sh installs it)"
fi

# No privilege: one line, the run completes without probes.
chmod 666 $dev
nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
"${nobody[@]}" "$qb" run "${work[@]}" --path block-irq --runtime 1 --probes --json /tmp/np.json >/tmp/np.out 2>/tmp/np.err
rc=$?
if [ $rc -eq 0 ]; then ok "unprivileged run --probes exits 0"; else bad "unprivileged run exits $rc"; cat /tmp/np.err; fi
# The environment's notes (no PMU, no thread CPU clock) are the lines the
# run prints anyway; of the rest, one says why probes are off.
n=$(grep -c "^probes: off: no privilege for BPF tracing" /tmp/np.err)
others=$(grep -v -e "^probes: off: " -e "^hw counters: off: " -e "^cpu: " /tmp/np.err | grep -c .)
if [ "$n" = 1 ] && [ "$others" = 0 ]; then
	ok "one line: $(grep "^probes: " /tmp/np.err)"
else
	bad "expected one 'probes: off' line and no other on stderr but the environment's notes, got: $(cat /tmp/np.err)"
fi
if python3 -c 'import json,sys; p=json.load(open("/tmp/np.json"))["probes"]; sys.exit(p["status"]!="unavailable" or not p["message"])'; then
	ok "report says probes unavailable"
else
	bad "report does not record the unavailable probes"
fi
"${nobody[@]}" "$qb" run "${work[@]}" --path block-irq --runtime 1 --probes=required >/tmp/nr.out 2>/tmp/nr.err
rc=$?
if [ $rc -eq 2 ] && grep -q "^nvme-qbench: --probes=required: no privilege" /tmp/nr.err; then
	ok "--probes=required without privilege exits 2: $(cat /tmp/nr.err)"
else
	bad "--probes=required: status $rc, $(cat /tmp/nr.err)"
fi
chmod 660 $dev
exit $fail
