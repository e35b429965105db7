// What a run costs the CPUs beyond its threads' own time, over the
// measured window: the irq and softirq time of the CPUs the threads are
// pinned to (/proc/stat), the interrupts delivered (/proc/interrupts), and
// the hardware's cycles and instructions, user and kernel apart
// (perf_event_open), where the machine has a PMU.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "result.h"

namespace qb {

// irq and softirq time summed over some CPUs. /proc/stat counts it in
// USER_HZ ticks (10 ms at 100 Hz), so a window's figure is good to a tick
// per CPU at each edge.
struct CpuIrqTimes {
  uint64_t irq_ns = 0, softirq_ns = 0;
};

// From the text of /proc/stat: the cpuN lines of cpus; unset when one of
// them is missing or malformed.
std::optional<CpuIrqTimes> parse_proc_stat_irq(std::string_view text, const std::vector<int>& cpus,
                                               long ticks_per_s);
std::optional<CpuIrqTimes> read_cpu_irq_times(const std::vector<int>& cpus, const std::string& path = "/proc/stat");

// Interrupts delivered, from /proc/interrupts, summed over CPUs: every
// line (timer ticks, IPIs and other devices included; ERR and MIS, which
// count errors, left out), and the lines of one NVMe controller's queue
// vectors, named <controller>q<N> (blk-mq and admin queues) or
// <controller>uq<N> (user_irq queues). A window's figures are the
// difference of two reads.
struct InterruptCounts {
  uint64_t total = 0, device = 0;
};

// From the text of /proc/interrupts; unset without its CPU header line.
std::optional<InterruptCounts> parse_proc_interrupts(std::string_view text, const std::string& controller);
std::optional<InterruptCounts> read_interrupts(const std::string& controller,
                                               const std::string& path = "/proc/interrupts");

struct HwCounts {
  uint64_t cycles_user = 0, cycles_kernel = 0, instructions_user = 0, instructions_kernel = 0;
};
HwCounts operator-(const HwCounts& a, const HwCounts& b);
HwCounts operator+(const HwCounts& a, const HwCounts& b);

// One counter group's read (PERF_FORMAT_GROUP | TOTAL_TIME_ENABLED |
// TOTAL_TIME_RUNNING): the raw counts, and how long the group was enabled
// and how long it ran (less when the PMU multiplexed it), in ns.
struct HwGroupRead {
  HwCounts raw;
  uint64_t enabled_ns = 0, running_ns = 0;
};

// Decodes a group read of the four counters ({nr, enabled, running,
// values...}), unscaled; an error when it is not one.
Result<HwGroupRead> decode_group_read(const uint64_t* words, size_t n);

// The counts between two reads of the same groups (one per CPU or thread,
// in the same order), each group's difference scaled by the share of the
// window it ran: dv * d_enabled / d_running. Scaling each edge's running
// total instead would subtract two differently scaled values when the
// multiplexing changed between them. An error when a group never ran in
// the window.
Result<HwCounts> hw_window(const std::vector<HwGroupRead>& start, const std::vector<HwGroupRead>& end);

// Where the counters count. cpu: everything the I/O threads' CPUs execute
// in the window, interrupt work done while a thread sleeps included, as
// the lab's instruction counter counts the whole guest CPU; it needs the
// threads pinned (--cpus) and CAP_PERFMON or perf_event_paranoid <= 0.
// thread: only the I/O threads, in user space and in the kernel on their
// behalf, wherever they run; counting the kernel needs CAP_PERFMON or
// perf_event_paranoid <= 1.
enum class HwScope { cpu, thread };
const char* hw_scope_name(HwScope s);

// Why perf_event_open(2) failed with errno e on a CPU or thread: a usage
// error naming the sysctl and the values it needs when not permitted.
Error hw_open_error(int e, HwScope scope, int target);

// One counter group (cycles and instructions, user and kernel apart) per
// CPU or per thread id, enabled from open to close.
class HwCounterSet {
 public:
  static Result<std::unique_ptr<HwCounterSet>> open(HwScope scope, const std::vector<int>& targets);
  ~HwCounterSet();
  HwCounterSet(const HwCounterSet&) = delete;
  HwCounterSet& operator=(const HwCounterSet&) = delete;
  HwScope scope() const { return scope_; }
  // Each target's group as it reads now; hw_window() makes counts of two.
  Result<std::vector<HwGroupRead>> read() const;

 private:
  HwCounterSet() = default;
  HwScope scope_ = HwScope::thread;
  std::vector<int> leaders_;
  std::vector<int> fds_;
};

}  // namespace qb
