#include "cpu_meters.h"

#include <fmt/format.h>
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace qb {

std::optional<CpuIrqTimes> parse_proc_stat_irq(std::string_view text, const std::vector<int>& cpus,
                                               long ticks_per_s) {
  if (ticks_per_s <= 0) return std::nullopt;
  auto tick_ns = [ticks_per_s](uint64_t ticks) { return ticks * 1000000000ULL / static_cast<uint64_t>(ticks_per_s); };
  CpuIrqTimes t;
  for (int cpu : cpus) {
    std::string key = fmt::format("cpu{} ", cpu);
    bool found = false;
    std::istringstream lines{std::string(text)};
    std::string line;
    while (!found && std::getline(lines, line)) {
      if (line.rfind(key, 0) != 0) continue;
      // cpuN user nice system idle iowait irq softirq ...
      std::istringstream in(line.substr(key.size()));
      uint64_t f[7];
      for (auto& v : f)
        if (!(in >> v)) return std::nullopt;
      t.irq_ns += tick_ns(f[5]);
      t.softirq_ns += tick_ns(f[6]);
      found = true;
    }
    if (!found) return std::nullopt;
  }
  return t;
}

std::optional<CpuIrqTimes> read_cpu_irq_times(const std::vector<int>& cpus, const std::string& path) {
  std::ifstream f(path);
  if (!f) return std::nullopt;
  std::stringstream ss;
  ss << f.rdbuf();
  return parse_proc_stat_irq(ss.str(), cpus, sysconf(_SC_CLK_TCK));
}

namespace {

// Whether an interrupt line's name is one of controller's queue vectors:
// nvme0q3 or nvme0uq1 for nvme0 (not nvme01q1, another controller's).
bool is_queue_vector(std::string_view name, const std::string& controller) {
  if (controller.empty() || !name.starts_with(controller)) return false;
  name.remove_prefix(controller.size());
  if (name.starts_with("uq")) name.remove_prefix(2);
  else if (name.starts_with("q")) name.remove_prefix(1);
  else return false;
  return !name.empty() && name.find_first_not_of("0123456789") == std::string_view::npos;
}

}  // namespace

std::optional<InterruptCounts> parse_proc_interrupts(std::string_view text, const std::string& controller) {
  std::istringstream lines{std::string(text)};
  std::string line;
  // "           CPU0       CPU1": the columns each line then counts in.
  if (!std::getline(lines, line)) return std::nullopt;
  std::istringstream header(line);
  size_t ncpus = 0;
  for (std::string tok; header >> tok;) {
    if (!tok.starts_with("CPU")) return std::nullopt;
    ncpus++;
  }
  if (ncpus == 0) return std::nullopt;
  InterruptCounts c;
  while (std::getline(lines, line)) {
    // " 32:  201  PCI-MSIX-0000:01:00.0  1-edge  nvme0q1", "LOC:  2207  Local timer interrupts"
    std::istringstream in(line);
    std::string head;
    if (!(in >> head) || head.back() != ':' || head == "ERR:" || head == "MIS:") continue;
    uint64_t sum = 0, v = 0;
    for (size_t cpu = 0; cpu < ncpus && in >> v; cpu++) sum += v;
    in.clear();
    std::string tok, name;
    while (in >> tok) name = tok;
    c.total += sum;
    if (is_queue_vector(name, controller)) c.device += sum;
  }
  return c;
}

std::optional<InterruptCounts> read_interrupts(const std::string& controller, const std::string& path) {
  std::ifstream f(path);
  if (!f) return std::nullopt;
  std::stringstream ss;
  ss << f.rdbuf();
  return parse_proc_interrupts(ss.str(), controller);
}

HwCounts operator-(const HwCounts& a, const HwCounts& b) {
  return HwCounts{a.cycles_user - b.cycles_user, a.cycles_kernel - b.cycles_kernel,
                  a.instructions_user - b.instructions_user, a.instructions_kernel - b.instructions_kernel};
}

HwCounts operator+(const HwCounts& a, const HwCounts& b) {
  return HwCounts{a.cycles_user + b.cycles_user, a.cycles_kernel + b.cycles_kernel,
                  a.instructions_user + b.instructions_user, a.instructions_kernel + b.instructions_kernel};
}

namespace {

// The group's members, in the order they are opened and read back.
struct CounterDef {
  uint64_t config;
  bool kernel;
};
constexpr CounterDef counter_defs[] = {{PERF_COUNT_HW_CPU_CYCLES, false},
                                       {PERF_COUNT_HW_CPU_CYCLES, true},
                                       {PERF_COUNT_HW_INSTRUCTIONS, false},
                                       {PERF_COUNT_HW_INSTRUCTIONS, true}};
constexpr size_t n_counters = std::size(counter_defs);

int perf_open(const CounterDef& d, HwScope scope, int target, int group) {
  perf_event_attr a{};
  a.size = sizeof(a);
  a.type = PERF_TYPE_HARDWARE;
  a.config = d.config;
  a.exclude_user = d.kernel;
  a.exclude_kernel = !d.kernel;
  a.exclude_hv = 1;
  a.read_format = PERF_FORMAT_GROUP | PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
  pid_t pid = scope == HwScope::cpu ? -1 : target;
  int cpu = scope == HwScope::cpu ? target : -1;
  return static_cast<int>(syscall(SYS_perf_event_open, &a, pid, cpu, group, PERF_FLAG_FD_CLOEXEC));
}

}  // namespace

Error hw_open_error(int e, HwScope scope, int target) {
  std::string where = scope == HwScope::cpu ? fmt::format("CPU {}", target) : fmt::format("thread {}", target);
  if (e == ENOENT || e == EOPNOTSUPP || e == ENODEV)
    return runtime_error(fmt::format("no hardware PMU here (perf_event_open of cycles on {}: {})", where,
                                     strerror(e)), e);
  // Counting a CPU needs paranoid <= 0; counting a thread's kernel work
  // too (exclude_kernel = 0) needs <= 1 (2 allows user space only).
  if (e == EACCES || e == EPERM)
    return usage_error(fmt::format("perf_event_open on {} not permitted ({}): needs CAP_PERFMON or the sysctl "
                                   "kernel.perf_event_paranoid at {} (accepted: {})", where, strerror(e),
                                   scope == HwScope::cpu ? "0 or below" : "1 or below",
                                   scope == HwScope::cpu ? "-1, 0" : "-1, 0, 1"), e);
  return runtime_error(fmt::format("perf_event_open on {}: {}", where, strerror(e)), e);
}

const char* hw_scope_name(HwScope s) { return s == HwScope::cpu ? "cpu" : "thread"; }

Result<HwGroupRead> decode_group_read(const uint64_t* words, size_t n) {
  if (n < 3 + n_counters || words[0] != n_counters)
    return runtime_error(fmt::format("hardware counters: unexpected group read of {} values", n));
  return HwGroupRead{HwCounts{words[3], words[4], words[5], words[6]}, words[1], words[2]};
}

Result<HwCounts> hw_window(const std::vector<HwGroupRead>& start, const std::vector<HwGroupRead>& end) {
  if (start.size() != end.size())
    return runtime_error(fmt::format("hardware counters: {} groups read at the window's start, {} at its end",
                                     start.size(), end.size()));
  HwCounts sum;
  for (size_t g = 0; g < start.size(); g++) {
    uint64_t enabled = end[g].enabled_ns - start[g].enabled_ns, running = end[g].running_ns - start[g].running_ns;
    if (running == 0)
      return runtime_error("hardware counters: the PMU never scheduled the group in the measured window "
                           "(all counters busy)");
    HwCounts d = end[g].raw - start[g].raw;
    auto scaled = [&](uint64_t v) {
      return running >= enabled ? v
                                : static_cast<uint64_t>(static_cast<long double>(v) * enabled / running);
    };
    sum = sum + HwCounts{scaled(d.cycles_user), scaled(d.cycles_kernel), scaled(d.instructions_user),
                         scaled(d.instructions_kernel)};
  }
  return sum;
}

Result<std::unique_ptr<HwCounterSet>> HwCounterSet::open(HwScope scope, const std::vector<int>& targets) {
  std::unique_ptr<HwCounterSet> s(new HwCounterSet());
  s->scope_ = scope;
  for (int target : targets) {
    int leader = -1;
    for (const auto& d : counter_defs) {
      int fd = perf_open(d, scope, target, leader);
      if (fd < 0) return hw_open_error(errno, scope, target);
      s->fds_.push_back(fd);
      if (leader < 0) leader = fd;
    }
    s->leaders_.push_back(leader);
  }
  return s;
}

HwCounterSet::~HwCounterSet() {
  for (int fd : fds_) ::close(fd);
}

Result<std::vector<HwGroupRead>> HwCounterSet::read() const {
  std::vector<HwGroupRead> groups;
  for (int leader : leaders_) {
    uint64_t buf[3 + n_counters];
    ssize_t got = ::read(leader, buf, sizeof(buf));
    if (got < 0) return runtime_error(fmt::format("hardware counters: read: {}", strerror(errno)), errno);
    auto c = decode_group_read(buf, static_cast<size_t>(got) / sizeof(uint64_t));
    if (!c) return c.error();
    groups.push_back(*c);
  }
  return groups;
}

}  // namespace qb
