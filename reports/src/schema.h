// The report document (reports/schema/nvme-qbench-report.v2.schema.json,
// documented in reports/schema/README.md) as types: the version written
// and the versions read, the objects both the writer (bench/app) and the
// readers here map through nlohmann's to_json/from_json, and writing a
// document to a file.
#pragma once

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "result.h"
#include "stats.h"

// std::optional as a value or null, as the schema writes an unmeasured
// figure (nlohmann 3.11 has no mapping of its own).
namespace nlohmann {
template <class T>
struct adl_serializer<std::optional<T>> {
  static void to_json(json& j, const std::optional<T>& v) { j = v ? json(*v) : json(nullptr); }
  static void from_json(const json& j, std::optional<T>& v) {
    if (j.is_null()) v.reset();
    else v = j.get<T>();
  }
};
}  // namespace nlohmann

namespace qb {

// The schema version this build writes. Version 2 adds, per run, the
// latency histogram's bins and the stamps' error bound, CPU time from the
// thread CPU clock with the pinned CPUs' irq and softirq time, io_uring
// kernel entries, hardware counters and the run's place in its round; the
// environment's clocksource, governor, mitigations and NVMe interrupt
// affinity; and status.partial with the runs that did not run
// (reports/schema/README.md).
inline constexpr int report_schema_version = 2;
// Versions this build reads; any other is rejected with a message naming it.
inline constexpr int readable_schema_versions[] = {1, 2};

// A summary over rounds: {median, min, max, spread, n}.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Summary, median, min, max, spread, n)

inline nlohmann::json summary_json(const Summary& s) { return s; }

// "tool": what wrote the document.
struct ToolInfo {
  std::string name = "nvme-qbench";
  std::string version, git_revision;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ToolInfo, name, version, git_revision)

// runs[].user_queue: the user queue a uq run used and the kernel's
// counters over its measured window (null when they could not be read,
// with counters_error saying why).
struct UserQueueCountersRecord {
  uint64_t submitted = 0, completed = 0, polls = 0, empty_polls = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(UserQueueCountersRecord, submitted, completed, polls, empty_polls)

struct UserQueueRecord {
  std::string node;  // /dev/nvme0uq1
  std::string name;  // nvme0uq1
  int qid = -1;
  std::string type;  // irq or poll
  int depth = -1;
  std::optional<UserQueueCountersRecord> counters;
  std::optional<double> empty_poll_share;  // empty_polls / polls; null without polls
  std::optional<std::string> counters_error;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(UserQueueRecord, node, name, qid, type, depth, counters,
                                                empty_poll_share, counters_error)

// runs[].instructions.mmio: the guest's stores to device memory in the
// window (the plugin's mmio=on), NVMe doorbells apart from the others;
// per-I/O figures null without I/O.
struct RunMmioWrites {
  uint64_t doorbell_writes = 0, other_writes = 0;
  std::optional<double> doorbell_per_io, other_per_io;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RunMmioWrites, doorbell_writes, other_writes, doorbell_per_io,
                                                other_per_io)

// runs[].instructions: the lab's instruction counts over one run's window,
// as attach-windows writes them. Per-I/O figures are null for a run without
// I/O; the empty-poll figures are null unless the run marked its polls;
// mmio (added later) is absent unless the plugin counted MMIO stores, so
// documents without it keep their layout.
struct RunInstructions {
  unsigned window = 0;  // the window's number in the plugin's file, from 1
  std::optional<uint64_t> kernel, user;  // always written; a reader without them has no counts
  std::optional<double> kernel_per_io, user_per_io;
  std::optional<uint64_t> marked_polls, empty_polls, empty_poll_kernel, empty_poll_user;
  std::optional<double> useful_kernel_per_io;  // kernel minus the empty polls' kernel work
  bool empty_polls_separated = false;
  std::optional<RunMmioWrites> mmio;
};
void to_json(nlohmann::json& j, const RunInstructions& r);
void from_json(const nlohmann::json& j, RunInstructions& r);

// The top-level "instructions": whether windows were attached, and the
// medians per path when they were.
struct PathInstructions {
  std::string path;
  Summary kernel_per_io, user_per_io, useful_kernel_per_io;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PathInstructions, path, kernel_per_io, user_per_io,
                                                useful_kernel_per_io)

struct Instructions {
  std::string source;   // the windows file
  std::string counter;  // what counted them
  std::string status;   // attached, not_attached
  std::string message;
  uint64_t windows = 0, runs = 0;
  std::vector<PathInstructions> paths;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Instructions, source, counter, status, message, windows, runs, paths)

// The top-level "mmio": MMIO stores per I/O by path (medians over the
// runs that counted them), and where they were counted. The memory
// callback that counts them slows the guest severalfold, so bench.sh
// --mmio counts them in a boot of its own (boot "separate", source its
// report) and the main boot's instruction counts stay unaffected; boot
// "same" means this report's own runs counted them, so its instruction
// counts ran under the callback.
struct PathMmio {
  std::string path;
  Summary doorbell_per_io, other_per_io;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PathMmio, path, doorbell_per_io, other_per_io)

struct MmioRecord {
  std::string boot;    // same, separate
  std::string source;  // the windows file (same) or the report (separate) they came from
  std::string counter;
  std::vector<PathMmio> paths;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(MmioRecord, boot, source, counter, paths)

// runs[].interrupts: the guest's interrupts over the measured window, from
// /proc/interrupts summed over CPUs: every line (timer ticks and IPIs
// included), and the lines of the controller under test (its queues'
// vectors, user queues' included). Absent when /proc/interrupts could not
// be read at both edges; added later, absent from earlier reports.
struct InterruptsRecord {
  uint64_t total = 0, device = 0;
  std::string controller;                 // nvme0: the lines named nvme0q<N> and nvme0uq<N>
  std::optional<double> total_per_io, device_per_io;  // null without I/O
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(InterruptsRecord, total, device, controller, total_per_io,
                                                device_per_io)

// The device object: what --device turned out to be. controller and
// namespace are null unless it is an NVMe namespace.
struct ControllerRecord {
  std::string name, model, firmware, serial, transport, address;
  int queue_count = -1, sqsize = -1;
  bool emulated_qemu = false;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ControllerRecord, name, model, firmware, serial, transport, address,
                                                queue_count, sqsize, emulated_qemu)

struct NamespaceRecord {
  std::string name, controller;
  uint32_t nsid = 0, lba_size = 0;
  int metadata_bytes = -1;
  uint64_t size_bytes = 0;
  bool io_poll = false;
  int hw_queues = -1, nr_requests = -1;
  std::optional<std::string> ng_device;  // /dev/ngXnY, null without one
  bool ng_dev_node = false;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(NamespaceRecord, name, controller, nsid, lba_size, metadata_bytes,
                                                size_bytes, io_poll, hw_queues, nr_requests, ng_device, ng_dev_node)

// device.queues: the nvme module's queue parameters (null when absent)
// and the queues the namespace and controller have (-1 unknown).
struct DeviceQueuesRecord {
  std::optional<std::string> poll_queues, write_queues, io_queue_depth;
  int hw_queues = -1, controller_queue_count = -1;
  bool io_poll = false;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(DeviceQueuesRecord, poll_queues, write_queues, io_queue_depth,
                                                hw_queues, controller_queue_count, io_poll)

struct LbaFormatRecord {
  uint32_t data_size = 0;
  int metadata_bytes = -1;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(LbaFormatRecord, data_size, metadata_bytes)

struct DeviceRecord {
  std::string path, kind;  // kind: nvme_namespace, block_device, regular_file
  bool is_nvme = false, emulated_controller = false;
  uint32_t lba_size = 0;
  uint64_t size_bytes = 0;
  bool io_poll = false;
  std::optional<ControllerRecord> controller;
  std::optional<NamespaceRecord> namespace_;  // "namespace"
  std::optional<std::string> note;  // why figures may not describe NVMe hardware
  DeviceQueuesRecord queues;
  LbaFormatRecord lba_format;
};
void to_json(nlohmann::json& j, const DeviceRecord& d);
void from_json(const nlohmann::json& j, DeviceRecord& d);

// runs[].latency_ns: submission-to-completion latency, ns. Version 2 adds
// the histogram's bins and the stamps' error bound (its max, and the
// median and p99 of the per-I/O bounds, added later: null or absent when
// unknown).
struct LatencyHistogramRecord {
  std::vector<std::array<uint64_t, 3>> bins;  // [lower_ns, upper_ns_exclusive, count], non-empty, ascending
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(LatencyHistogramRecord, bins)

struct LatencyRecord {
  uint64_t count = 0, min = 0;
  double mean = 0;
  uint64_t p50 = 0, p90 = 0, p99 = 0, p99_9 = 0, p99_99 = 0, max = 0;
  double max_relative_error = 0;
  LatencyHistogramRecord histogram;
  std::optional<uint64_t> stamp_error_ns, stamp_error_p50_ns, stamp_error_p99_ns;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(LatencyRecord, count, min, mean, p50, p90, p99, p99_9, p99_99, max,
                                                max_relative_error, histogram, stamp_error_ns, stamp_error_p50_ns,
                                                stamp_error_p99_ns)

// runs[].threads[]: one per thread. cpu_ns (version 2) is the thread CPU
// clock; version 1 has only getrusage's usr_s and sys_s.
struct ThreadRecord {
  unsigned thread = 0;
  int cpu = -1;
  uint64_t ios = 0, reads = 0, writes = 0;
  double elapsed_s = 0, usr_s = 0, sys_s = 0, usr_ns_per_io = 0, sys_ns_per_io = 0;
  uint64_t cpu_ns = 0;
  uint64_t vol_ctx_switches = 0, invol_ctx_switches = 0;
  uint64_t submit_calls = 0, reap_calls = 0, empty_reaps = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ThreadRecord, thread, cpu, ios, reads, writes, elapsed_s, usr_s, sys_s,
                                                usr_ns_per_io, sys_ns_per_io, cpu_ns, vol_ctx_switches,
                                                invol_ctx_switches, submit_calls, reap_calls, empty_reaps)

struct SubmitRecord {
  uint64_t calls = 0, ios = 0;
  double ios_per_call = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SubmitRecord, calls, ios, ios_per_call)

struct ReapRecord {
  uint64_t calls = 0, ios = 0;
  double ios_per_call = 0;
  uint64_t empty_calls = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ReapRecord, calls, ios, ios_per_call, empty_calls)

// runs[].errors[]: failed I/Os by cause.
struct ErrorRecord {
  std::string kind;  // errno, nvme, short
  int code = 0;
  std::string name;
  uint64_t count = 0, first_lba = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ErrorRecord, kind, code, name, count, first_lba)

struct MismatchRecord {
  uint64_t lba = 0;
  std::string fault;
  uint64_t found_lba = 0, found_seed = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(MismatchRecord, lba, fault, found_lba, found_seed)

struct VerifyRecord {
  bool enabled = false;
  uint64_t blocks_checked = 0, bad_sectors = 0;
  std::vector<MismatchRecord> mismatches;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(VerifyRecord, enabled, blocks_checked, bad_sectors, mismatches)

// runs[].cpu (version 2): the threads' CPU clock, the pinned CPUs'
// interrupt time (null when not read) and whether busy counts it.
struct CpuRecord {
  uint64_t thread_ns = 0;
  std::optional<uint64_t> irq_ns, softirq_ns;
  // Whether the kernel kept irq time apart, so that it is measured and in
  // busy; unset in earlier version 2 reports, which added it always.
  std::optional<bool> irq_in_busy;
  std::optional<double> busy_ns_per_io;  // null without I/O
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(CpuRecord, thread_ns, irq_ns, softirq_ns, irq_in_busy, busy_ns_per_io)

// runs[].kernel_entries (version 2): io_uring_enter calls; per_io null
// for a path without io_uring or without I/O.
struct KernelEntriesRecord {
  uint64_t io_uring_enter = 0;
  std::optional<double> per_io;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(KernelEntriesRecord, io_uring_enter, per_io)

// runs[].hw_counters (version 2, null when not counted).
struct HwCountersRecord {
  std::string scope;  // thread or cpu
  uint64_t cycles_user = 0, cycles_kernel = 0, instructions_user = 0, instructions_kernel = 0;
  std::optional<double> cycles_per_io, instructions_per_io, kernel_instructions_per_io;  // null without I/O
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(HwCountersRecord, scope, cycles_user, cycles_kernel, instructions_user,
                                                instructions_kernel, cycles_per_io, instructions_per_io,
                                                kernel_instructions_per_io)

// One entry of runs[] (and of ceiling.runs[]): one path over one round.
// Fields older reports lack read as their defaults; probes, user_queue and
// instructions are absent (not null) when the run has none, and a
// malformed user_queue or instructions reads as absent.
struct RunRecord {
  std::string path;
  // The path's traits. user_space_wait and on_user_queue are absent from
  // older reports (readers fall back on engine and poll).
  std::string engine = "unknown";  // psync, block, ng, uq; early version 1 runs lack it
  bool poll = false;
  std::optional<bool> user_space_wait;
  std::optional<bool> on_user_queue;  // runs on a user queue; absent from earlier version 2 reports
  // Traits and nodes a reproduction with fio needs, added later (absent
  // from earlier reports; report_data.cpp falls back on engine): NVMe
  // passthrough (IORING_OP_URING_CMD), submission through io_uring, the
  // /dev/ngXnY a user queue was bound to, and the node each thread opened
  // where threads open nodes of their own (user queues: one per thread).
  std::optional<bool> passthrough, io_uring;
  std::optional<std::string> namespace_node;
  std::optional<std::vector<std::string>> thread_nodes;
  std::string node;
  unsigned round = 1, order_in_round = 0;  // order_in_round: version 2, from 1
  unsigned iodepth = 0, submit_batch = 0, complete_batch = 0;
  double elapsed_s = 0;
  uint64_t ios = 0, bytes = 0;
  double iops = 0, bw_bytes_per_s = 0;
  LatencyRecord latency_ns;
  std::vector<double> iops_series;
  SubmitRecord submit;
  ReapRecord reap;
  std::vector<ThreadRecord> threads;
  std::vector<ErrorRecord> errors;
  uint64_t error_count = 0;
  VerifyRecord verify;
  bool interrupted = false;
  CpuRecord cpu;                        // version 2
  KernelEntriesRecord kernel_entries;   // version 2
  std::optional<HwCountersRecord> hw_counters;  // version 2
  std::optional<nlohmann::json> probes;  // --probes: this run's window (probes/ writes it)
  std::optional<UserQueueRecord> user_queue;
  std::optional<RunInstructions> instructions;
  std::optional<InterruptsRecord> interrupts;
};
void to_json(nlohmann::json& j, const RunRecord& r);
void from_json(const nlohmann::json& j, RunRecord& r);
// A run in the layout of schema_version: version 1 has none of version
// 2's fields (to_json writes version 2).
nlohmann::json run_json(const RunRecord& r, int schema_version);

// The top-level "ceiling" (compare --ceiling): its paths, their workload
// and runs.
struct CeilingRecord {
  std::vector<std::string> paths;
  unsigned iodepth = 0, submit_batch = 0, complete_batch = 0;
  std::vector<RunRecord> runs;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(CeilingRecord, paths, iodepth, submit_batch, complete_batch, runs)

// What attach-windows and attach-mmio rewrite of a document: its runs and
// the top-level instructions and mmio, kept in the layout of the
// document's version.
struct ReportRuns {
  int schema_version = report_schema_version;
  std::vector<RunRecord> runs;
  std::optional<Instructions> instructions;
  std::optional<MmioRecord> mmio;
};
// Nothing when a run does not read as a run record.
std::optional<ReportRuns> read_report_runs(const nlohmann::json& report);
void write_report_runs(nlohmann::json& report, const ReportRuns& runs);

// Reads a typed object leniently, as the loader reads the optional parts
// of a report: a value of the wrong shape reads as absent. nlohmann says
// "wrong shape" by exception; this is where it becomes a value.
template <class T>
std::optional<T> read_typed(const nlohmann::json& j) {
  if (!j.is_object()) return std::nullopt;
  try {
    return j.get<T>();
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

// Writes to a temporary file next to path and renames it, so a failed run
// never leaves a partial report.
Result<void> write_report(const std::string& path, const nlohmann::json& report);

}  // namespace qb
