#!/usr/bin/python3
"""Description: turn a version-1 lab report into the version-2 layout
(reports/schema/README.md), for the readers' tests: what version 2 adds
is derived from the run's own figures where they determine it, and set to
"not measured" where they do not.

- latency_ns.histogram: a sparse histogram whose bins are the tool's own
  buckets (log-linear, 128 per power of two) holding each recorded
  percentile, with counts that give back the run's recorded min, p50, p90,
  p99, p99.9, p99.99 and max;
- latency_ns.stamp_error_ns: null (not known for a version-1 run);
- cpu: thread_ns from getrusage's usr + sys (the only CPU time a version-1
  run has), irq_ns and softirq_ns null, busy_ns_per_io thread_ns / ios;
  threads[].cpu_ns likewise;
- kernel_entries: io_uring_enter = submit + reap calls (0 for psync);
- hw_counters: null, with hw_counters_note saying the lab has no PMU;
- order_in_round: the run's place in its round, as the runs are listed;
- environment: clocksource, cpu_governor, mitigations, nvme_irq_affinity
  as the lab guest has them (tsc, no cpufreq, none listed, one vector per
  queue pair on CPU 0);
- status: partial false, not_run empty.

Usage: make_v2.py V1.json V2.json
"""
import json
import math
import sys

SUB_BITS = 7
SUB = 1 << SUB_BITS


def bucket(v):
    """[lower, upper) of the tool's histogram bucket holding v."""
    if v < 2 * SUB:
        return v, v + 1
    msb = v.bit_length() - 1
    shift = msb - SUB_BITS
    lower = (v >> shift) << shift
    return lower, lower + (1 << shift)


def histogram(lat):
    n = lat["count"]
    # Cumulative shares at each recorded point, as the tool ranks them.
    points = [("min", 0.0), ("p50", 0.50), ("p90", 0.90), ("p99", 0.99), ("p99_9", 0.999),
              ("p99_99", 0.9999), ("max", 1.0)]
    bins = {}
    done = 0
    for key, share in points:
        upto = max(1, math.ceil(share * n)) if key != "max" else n
        if key == "min":
            upto = 1
        count = max(0, upto - done)
        if count:
            lo, hi = bucket(lat[key])
            bins[(lo, hi)] = bins.get((lo, hi), 0) + count
            done += count
    return {"bins": [[lo, hi, c] for (lo, hi), c in sorted(bins.items())]}


def upgrade_run(run, order):
    lat = run["latency_ns"]
    lat["histogram"] = histogram(lat)
    lat["stamp_error_ns"] = None
    thread_ns = 0
    for t in run["threads"]:
        t["cpu_ns"] = int(round((t["usr_s"] + t["sys_s"]) * 1e9))
        thread_ns += t["cpu_ns"]
    ios = run["ios"]
    run["cpu"] = {"thread_ns": thread_ns, "irq_ns": None, "softirq_ns": None,
                  "busy_ns_per_io": thread_ns / ios if ios else None}
    enters = 0 if run["engine"] == "psync" else run["submit"]["calls"] + run["reap"]["calls"]
    run["kernel_entries"] = {"io_uring_enter": enters, "per_io": enters / ios if ios else None}
    run["hw_counters"] = None
    run["order_in_round"] = order


def main():
    doc = json.load(open(sys.argv[1]))
    doc["schema_version"] = 2
    seen = {}
    for run in doc["runs"]:
        seen[run["round"]] = seen.get(run["round"], 0) + 1
        upgrade_run(run, seen[run["round"]])
    if doc.get("ceiling"):
        for run in doc["ceiling"]["runs"]:
            upgrade_run(run, 1)
    doc["hw_counters_note"] = "no hardware counters: perf_event_open(PERF_COUNT_HW_CPU_CYCLES) failed: " \
                              "No such file or directory (no PMU; the lab counts instructions with its TCG plugin)"
    env = doc["environment"]
    env["clocksource"] = "tsc"
    env["cpu_governor"] = None
    env["mitigations"] = {}
    env["nvme_irq_affinity"] = [{"irq": 24 + i, "name": f"nvme0q{i}", "cpus": "0"} for i in range(2)]
    doc["status"]["partial"] = False
    doc["status"]["not_run"] = []
    with open(sys.argv[2], "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
