// The probes' figures: one measured window's counts and profile, their
// aggregation per path over rounds, the probe-cost comparison, and their
// JSON and text forms. Pure functions of the data, no BPF here.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kcount.h"
#include "profile.h"
#include "result.h"
#include "trace_helpers.h"

namespace qb {

inline constexpr unsigned probe_top_symbols = 15;
inline constexpr unsigned probe_profile_hz = 999;

struct SymbolCount {
  std::string symbol;
  uint64_t self = 0;   // samples with this symbol as the leaf
  uint64_t total = 0;  // samples with this symbol anywhere in the kernel stack
};

struct ProfileSummary {
  bool available = false;
  std::string note;  // why not available
  unsigned frequency_hz = 0;
  uint64_t samples = 0;  // all samples of the process in the window
  uint64_t kernel_samples = 0;
  uint64_t user_samples = 0;
  uint64_t lost_samples = 0;
  uint64_t probe_samples = 0;  // kernel stacks inside the probes themselves
  std::vector<SymbolCount> symbols;  // every symbol seen, by self descending
};

// One measured window of one run.
struct ProbeWindow {
  double window_s = 0;
  uint64_t ios = 0;  // the run's measured I/Os, for the per-I/O figures
  std::vector<KFuncCount> functions;
  ProfileSummary profile;
};

// Kernel stacks to per-symbol self and total counts, sorted by self
// (then total, then name) descending.
std::vector<SymbolCount> symbolize(const std::vector<StackSample>& stacks, const KsymIndex& ksyms);
ProfileSummary summarize_profile(const ProfileSamples& s, const KsymIndex& ksyms);
// A JIT'ed BPF program, a BPF trampoline or the kprobe/perf glue that runs
// them: time the probes add.
bool is_probe_symbol(std::string_view name);

// Sums windows (rounds of one path): counts, I/Os, samples; a function is
// available if it was in every window.
ProbeWindow merge_windows(const std::vector<const ProbeWindow*>& windows);

double calls_per_io(uint64_t calls, uint64_t ios);
// empty / calls, or nullopt when there were no calls.
std::optional<double> useless_ratio(uint64_t empty, uint64_t calls);

// The one line printed when the probes cannot run.
std::string probe_unavailable_line(const Error& e, bool required);

nlohmann::json probe_window_json(const ProbeWindow& w);

struct PathProbeSummary {
  std::string path;
  unsigned rounds = 0;
  ProbeWindow merged;
  // Probe cost: the same path's runs without probes, when measured.
  bool cost_measured = false;
  std::vector<double> iops_off, iops_on;
  double sys_ns_per_io_off = 0, sys_ns_per_io_on = 0;
};

nlohmann::json probe_summary_json(const std::string& mode, const std::string& status, const std::string& message,
                                  const std::vector<PathProbeSummary>& paths);
std::string format_probe_tables(const std::vector<PathProbeSummary>& paths);

}  // namespace qb
