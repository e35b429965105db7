// Runs one workload over one path: threads (one engine and ring each),
// pinning, ramp, runtime or I/O count, the per-second series and rusage.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cpu_meters.h"
#include "device.h"
#include "engine_factory.h"
#include "histogram.h"
#include "result.h"
#include "verify.h"
#include "window_hooks.h"
#include "workload.h"

namespace qb {

struct RunSpec {
  WorkloadOptions workload;
  const PathInfo* path = nullptr;
  DeviceInfo device;
  std::string node;  // resolved node the engine opens
  WindowHooks* hooks = nullptr;
  std::string ns_node;  // uq paths: the namespace's /dev/ngXnY the queues bind to
};

// One error kind: an NVMe status (nvme_status != 0) or an errno.
struct ErrorCount {
  uint16_t nvme_status = 0;
  int errnum = 0;
  bool short_io = false;
  uint64_t count = 0;
  uint64_t first_lba = 0;
};

struct VerifyResult {
  bool enabled = false;
  uint64_t blocks_checked = 0;
  uint64_t bad_sectors = 0;
  std::vector<VerifyMismatch> first_mismatches;  // at most max_mismatches
  static constexpr size_t max_mismatches = 16;
};

struct ThreadResult {
  unsigned thread = 0;
  int cpu = -1;
  uint64_t ios = 0;
  uint64_t reads = 0;
  uint64_t writes = 0;
  uint64_t bytes = 0;
  uint64_t submit_calls = 0;
  uint64_t submitted = 0;
  uint64_t reap_calls = 0;
  uint64_t reaped = 0;
  uint64_t empty_reaps = 0;
  double elapsed_s = 0;
  double utime_s = 0;  // getrusage: tick-sampled, kept for the usr/sys split
  double stime_s = 0;
  uint64_t cpu_ns = 0;  // CLOCK_THREAD_CPUTIME_ID over the window: exact
  bool cpu_clock = true;  // false: the kernel has no thread CPU clock, cpu_ns is usr + sys
  uint64_t kernel_entries = 0;  // io_uring_enter calls over the window
  uint64_t stamp_error_ns = 0;  // the largest of stamp_error's
  // Per counted I/O, the bound on the error its stamps add to its latency,
  // waits for completions left out (runner.cpp, Look).
  std::unique_ptr<Histogram> stamp_error;
  uint64_t vol_ctx_switches = 0;
  uint64_t invol_ctx_switches = 0;
  std::vector<ErrorCount> errors;
  VerifyResult verify;
  std::unique_ptr<Histogram> hist;
};

struct PathResult {
  std::string path;
  std::string node;
  // User-queue paths: the /dev/ngXnY the queues were bound to, and the
  // queue each thread opened (a queue has one owner); empty elsewhere.
  std::string ns_node;
  std::vector<std::string> thread_nodes;
  unsigned iodepth = 0;  // effective: a path may cap it (psync: 1)
  unsigned submit_batch = 0;
  unsigned complete_batch = 0;
  double elapsed_s = 0;
  uint64_t ios = 0;
  uint64_t bytes = 0;
  double iops = 0;
  double bw_bytes_s = 0;
  std::vector<double> iops_series;  // one entry per full second measured
  std::unique_ptr<Histogram> hist;
  std::vector<ThreadResult> threads;
  std::vector<ErrorCount> errors;  // summed over threads
  uint64_t error_count = 0;
  VerifyResult verify;
  bool interrupted = false;
  uint64_t stamp_error_ns = 0;  // the largest of the threads'
  std::unique_ptr<Histogram> stamp_error;  // the threads' merged
  // irq and softirq time of the CPUs the threads are pinned to, over the
  // window; unset when they are not pinned or /proc/stat was unreadable.
  std::optional<CpuIrqTimes> cpu_irq;
  // Interrupts delivered over the window, all and those of irq_controller
  // (the device's controller; "" when the device is not an NVMe
  // namespace); unset when /proc/interrupts was unreadable.
  std::optional<InterruptCounts> interrupts;
  std::string irq_controller;
  // Hardware cycles and instructions over the window, and where they were
  // counted; unset with hw_note saying why (no PMU, no permission).
  std::optional<HwCounts> hw;
  HwScope hw_scope = HwScope::thread;
  std::string hw_note;
};

struct ProgressSample {
  unsigned second = 0;
  double iops = 0;
  double bw_bytes_s = 0;
  double ios_per_submit = 0;
  double ios_per_reap = 0;
};

using ProgressFn = std::function<void(const ProgressSample&)>;

// Effective depth/batches after the path's own limits.
struct EffectiveDepth {
  unsigned iodepth, submit_batch, complete_batch;
};
EffectiveDepth effective_depth(const WorkloadOptions& w, const PathInfo& p);

Result<PathResult> run_path(const RunSpec& spec, const ProgressFn& progress);

// SIGINT asks every running thread to stop; the partial result is kept and
// marked interrupted. The request stays until clear_stop(): a run started
// after it stops at once, so a Ctrl-C between two runs of a compare stops
// the whole compare.
void request_stop();
bool stop_requested();
void clear_stop();

// I/O buffers take --iodepth x --bs bytes per thread (the path's effective
// depth), allocated before the run; limit_bytes bounds them over all
// threads. A usage error naming the options and the depth that fits.
Result<void> check_buffer_memory(const WorkloadOptions& w, const PathInfo& p, uint64_t limit_bytes);
// The bound run_path applies: half of this machine's physical memory.
uint64_t buffer_memory_limit();

}  // namespace qb
