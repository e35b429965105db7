#include "report_data.h"

#include "statistics.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

namespace qb {

using nlohmann::json;

namespace {

const MetricDef metrics[] = {
    {"iops", "IOPS", true, true, false, 1, "", &PathAggregate::iops, MetricKind::wall_clock},
    // Not gated by default: it is IOPS times the block size, the same test
    // again, and a larger family needs more rounds to test anything.
    {"bw", "bandwidth MiB/s", true, false, false, 1.0 / (1024 * 1024), "MiB/s", &PathAggregate::bw_bytes_s,
     MetricKind::wall_clock},
    {"p50", "latency p50 us", false, true, false, 1e-3, "us", &PathAggregate::lat_p50_ns, MetricKind::wall_clock},
    {"p90", "latency p90 us", false, false, false, 1e-3, "us", &PathAggregate::lat_p90_ns, MetricKind::wall_clock},
    {"p99", "latency p99 us", false, true, false, 1e-3, "us", &PathAggregate::lat_p99_ns, MetricKind::wall_clock},
    {"p99.9", "latency p99.9 us", false, false, false, 1e-3, "us", &PathAggregate::lat_p99_9_ns,
     MetricKind::wall_clock},
    {"p99.99", "latency p99.99 us", false, false, false, 1e-3, "us", &PathAggregate::lat_p99_99_ns,
     MetricKind::wall_clock},
    {"ios-per-submit", "I/Os per submit call", true, false, false, 1, "", &PathAggregate::ios_per_submit,
     MetricKind::wall_clock},
    {"ios-per-reap", "I/Os per reap call", true, false, false, 1, "", &PathAggregate::ios_per_reap,
     MetricKind::wall_clock},
    {"usr-per-io", "CPU usr ns per I/O", false, false, false, 1, "ns", &PathAggregate::usr_ns_per_io,
     MetricKind::wall_clock},
    {"sys-per-io", "CPU sys ns per I/O", false, false, false, 1, "ns", &PathAggregate::sys_ns_per_io,
     MetricKind::wall_clock},
    {"cpu-per-io", "CPU ns per I/O", false, true, false, 1, "ns", &PathAggregate::cpu_ns_per_io,
     MetricKind::wall_clock},
    {"cpu-busy", "CPU busy, of 1 CPU", false, false, false, 1, "", &PathAggregate::cpu_busy, MetricKind::wall_clock},
    {"empty-reaps", "empty reap calls", false, false, false, 1, "", &PathAggregate::empty_reap_ratio,
     MetricKind::wall_clock},
    {"useless-polls", "useless-poll ratio", false, true, true, 1, "", &PathAggregate::useless_poll_ratio,
     MetricKind::wall_clock},
    {"block-calls", "block-layer calls per I/O", false, true, true, 1, "", &PathAggregate::block_calls_per_io,
     MetricKind::wall_clock},
    {"ios-per-cpu-s", "I/Os per busy CPU second", true, false, false, 1, "", &PathAggregate::ios_per_cpu_s,
     MetricKind::wall_clock},
    {"uq-empty-polls", "kernel empty-poll share (user queue)", false, false, true, 1, "",
     &PathAggregate::uq_empty_poll_share, MetricKind::wall_clock},
    {"uq-polls-per-io", "kernel polls per I/O (user queue)", false, false, true, 1, "", &PathAggregate::uq_polls_per_io,
     MetricKind::wall_clock},
    {"kinsn-per-io", "kernel instructions per I/O", false, true, true, 1, "insn", &PathAggregate::kinsn_per_io,
     MetricKind::counted},
    {"uinsn-per-io", "user instructions per I/O", false, false, true, 1, "insn", &PathAggregate::uinsn_per_io,
     MetricKind::counted},
    {"useful-kinsn-per-io", "kernel instr/IO without empty polls", false, false, true, 1, "insn",
     &PathAggregate::useful_kinsn_per_io, MetricKind::counted},
    {"empty-kinsn-per-io", "kernel instr/IO in empty polls", false, false, true, 1, "insn",
     &PathAggregate::empty_kinsn_per_io, MetricKind::counted},
    {"empty-polls-per-io", "marked empty polls per I/O", false, false, true, 1, "",
     &PathAggregate::empty_polls_marked_per_io, MetricKind::wall_clock},
    {"empty-poll-cpu-per-io", "CPU ns per I/O in empty polls", false, false, true, 1, "ns",
     &PathAggregate::empty_poll_cpu_ns_per_io, MetricKind::wall_clock},
    {"enters-per-io", "io_uring_enter calls per I/O", false, false, true, 1, "", &PathAggregate::enters_per_io,
     MetricKind::wall_clock},
    {"irq-per-io", "irq + softirq ns per I/O (its CPU)", false, false, true, 1, "ns", &PathAggregate::irq_ns_per_io,
     MetricKind::wall_clock},
    {"interrupts-per-io", "interrupts per I/O (all)", false, false, true, 1, "", &PathAggregate::interrupts_per_io,
     MetricKind::wall_clock},
    {"device-interrupts-per-io", "device interrupts per I/O", false, false, true, 1, "",
     &PathAggregate::device_interrupts_per_io, MetricKind::wall_clock},
    {"stamp-error", "latency stamp error bound, max us", false, false, true, 1e-3, "us", &PathAggregate::stamp_error_ns,
     MetricKind::wall_clock},
    {"stamp-error-p50", "latency stamp error bound, p50 us", false, false, true, 1e-3, "us",
     &PathAggregate::stamp_error_p50_ns, MetricKind::wall_clock},
    {"stamp-error-p99", "latency stamp error bound, p99 us", false, false, true, 1e-3, "us",
     &PathAggregate::stamp_error_p99_ns, MetricKind::wall_clock},
    {"cycles-per-io", "CPU cycles per I/O (hw counters)", false, true, true, 1, "cycles", &PathAggregate::cycles_per_io,
     MetricKind::wall_clock},
    {"hw-insn-per-io", "instructions per I/O (hw counters)", false, false, true, 1, "insn",
     &PathAggregate::hw_insn_per_io, MetricKind::wall_clock},
    {"hw-kinsn-per-io", "kernel instructions per I/O (hw counters)", false, true, true, 1, "insn",
     &PathAggregate::hw_kinsn_per_io, MetricKind::wall_clock},
};

// Reads fields and remembers the first one that is missing or mistyped, so
// a damaged report is rejected with the field's name instead of an
// exception.
class Reader {
 public:
  explicit Reader(std::string name) : name_(std::move(name)) {}

  const json& obj(const json& j, const char* key, const std::string& where) {
    static const json empty = json::object();
    if (!j.is_object() || !j.contains(key) || !j[key].is_object()) return fail(where, key, "an object"), empty;
    return j[key];
  }
  const json& arr(const json& j, const char* key, const std::string& where) {
    static const json empty = json::array();
    if (!j.is_object() || !j.contains(key) || !j[key].is_array()) return fail(where, key, "an array"), empty;
    return j[key];
  }
  double num(const json& j, const char* key, const std::string& where) {
    if (!j.is_object() || !j.contains(key) || !j[key].is_number()) return fail(where, key, "a number"), 0;
    return j[key].get<double>();
  }
  std::string str(const json& j, const char* key, const std::string& where) {
    if (!j.is_object() || !j.contains(key) || !j[key].is_string()) return fail(where, key, "a string"), "";
    return j[key].get<std::string>();
  }
  bool flag(const json& j, const char* key, const std::string& where) {
    if (!j.is_object() || !j.contains(key) || !j[key].is_boolean()) return fail(where, key, "true or false"), false;
    return j[key].get<bool>();
  }
  // Optional fields: null and absent read as the fallback.
  static std::string opt_str(const json& j, const char* key, std::string fallback = "") {
    if (j.is_object() && j.contains(key)) {
      if (j[key].is_string()) return j[key].get<std::string>();
      if (j[key].is_number_integer()) return std::to_string(j[key].get<long long>());
    }
    return fallback;
  }
  static double opt_num(const json& j, const char* key, double fallback) {
    return j.is_object() && j.contains(key) && j[key].is_number() ? j[key].get<double>() : fallback;
  }

  // A typed object, or none with the error recorded when a field holds
  // the wrong thing.
  template <class T>
  std::optional<T> typed(const json& j, const std::string& where, const char* what) {
    try {
      return j.get<T>();
    } catch (const json::exception&) {
      bad(where, what);
      return std::nullopt;
    }
  }

  // A field that is there but holds the wrong thing.
  void bad(const std::string& where, const char* what) {
    if (error_.empty())
      error_ = fmt::format("field {} is missing or not {}; the file does not follow schema version {}", where, what,
                           version);
  }
  bool ok() const { return error_.empty(); }
  int version = 1;  // the document's schema_version: what it must hold
  Error error() const { return usage_error(fmt::format("{}: {}", name_, error_)); }

 private:
  void fail(const std::string& where, const char* key, const char* what) {
    if (error_.empty())
      error_ = fmt::format("field {}{}{} is missing or not {}; the file does not follow schema version {}", where,
                           where.empty() ? "" : ".", key, what, version);
  }
  std::string name_;
  std::string error_;
};

struct RunFacts {
  double iops, bw, lat[7], per_submit, per_reap, usr, sys, cpu, busy, empty;
  uint64_t lat_min, lat_max;
  double ios_per_cpu_s;
  double uq_empty_share = -1, uq_polls_per_io = -1;  // -1: no user queue counters
  // runs[].instructions; -1: not attached
  double kinsn = -1, uinsn = -1, useful_kinsn = -1, empty_kinsn = -1, empty_polls = -1, empty_cpu_ns = -1;
  std::map<std::string, double> calls_per_io;  // --probes: available functions
  bool has_probes = false;
  double useless = -1, block_calls = -1;  // -1: not measured in this run
  std::string poll_function;
  std::vector<SymbolShare> symbols;
  std::vector<double> series;
  uint64_t errors;
  bool interrupted;
  // Little's law: IOPS x mean latency, and the depth given.
  double in_flight = -1, depth = 0;
  // Schema version 2; -1 (or empty) in version 1 or when not measured.
  std::vector<LatencyBin> bins;
  bool has_bins = false;
  double stamp_error = -1, stamp_error_p50 = -1, stamp_error_p99 = -1, enters_per_io = -1, irq_ns_per_io = -1;
  double cycles = -1, hw_insn = -1, hw_kinsn = -1;
  std::string hw_scope;
  unsigned order = 0;
  // runs[].interrupts per I/O; -1: not recorded (device: or no controller)
  double interrupts = -1, device_interrupts = -1;
};

std::vector<SymbolShare> read_symbols(const json& list) {
  std::vector<SymbolShare> out;
  if (!list.is_array()) return out;
  double total = 0;
  for (const auto& s : list) {
    std::string name = Reader::opt_str(s, "symbol", Reader::opt_str(s, "name"));
    double share = Reader::opt_num(s, "self_share", Reader::opt_num(s, "share", -1));
    double count = Reader::opt_num(s, "samples", Reader::opt_num(s, "count", 0));
    out.push_back(SymbolShare{name, share >= 0 ? share : count});
    total += count;
  }
  // Counts rather than shares: turn them into fractions of the listed samples.
  if (total > 0)
    for (auto& s : out)
      if (s.share > 1) s.share /= total;
  return out;
}

// run.probes as nvme-qbench --probes writes it: counted kernel functions
// (kind "poll" with empty_calls, kind "call") and a kernel profile. The
// useless-poll ratio is that of the poll function called most often (the
// driver's, which every poll reaches); block-layer calls per I/O sum the
// counted "call" functions.
void read_probes(const json& p, RunFacts& f) {
  f.has_probes = true;
  f.useless = Reader::opt_num(p, "useless_poll_ratio", -1);
  f.block_calls = Reader::opt_num(p, "block_calls_per_io", -1);
  double most_calls = 0, calls_sum = 0;
  bool any_call = false;
  if (p.contains("functions") && p["functions"].is_array())
    for (const auto& fn : p["functions"]) {
      if (!fn.is_object() || fn.value("available", false) != true) continue;
      double calls = Reader::opt_num(fn, "calls", 0);
      f.calls_per_io[Reader::opt_str(fn, "name")] = Reader::opt_num(fn, "calls_per_io", 0);
      if (fn.value("kind", "") == "poll") {
        double ratio = Reader::opt_num(fn, "useless_ratio", -1);
        if (ratio >= 0 && calls > most_calls && !p.contains("useless_poll_ratio")) {
          most_calls = calls;
          f.useless = ratio;
          f.poll_function = Reader::opt_str(fn, "name");
        }
      } else if (fn.value("kind", "") == "call") {
        calls_sum += Reader::opt_num(fn, "calls_per_io", 0);
        any_call = true;
      }
    }
  if (f.block_calls < 0 && any_call) f.block_calls = calls_sum;
  if (p.contains("profile") && p["profile"].is_object() && p["profile"].value("available", false) == true)
    f.symbols = read_symbols(p["profile"].contains("top_symbols") ? p["profile"]["top_symbols"] : json());
  else if (p.contains("top_symbols"))
    f.symbols = read_symbols(p["top_symbols"]);
}

// runs[].instructions as attach-windows writes it. Empty polls are set
// apart only when the path marked its polls; their CPU time is estimated
// by their share of the window's instructions.
void read_instructions(const RunInstructions& ri, double ios, double cpu_s, RunFacts& f) {
  if (!ri.kernel || !ri.user || ios <= 0) return;
  auto kernel = static_cast<double>(*ri.kernel), user = static_cast<double>(*ri.user);
  f.kinsn = kernel / ios;
  f.uinsn = user / ios;
  f.useful_kinsn = f.kinsn;
  if (ri.empty_polls_separated) {
    auto ek = static_cast<double>(ri.empty_poll_kernel.value_or(0));
    auto eu = static_cast<double>(ri.empty_poll_user.value_or(0));
    f.empty_kinsn = ek / ios;
    f.useful_kinsn = (kernel - std::min(kernel, ek)) / ios;
    f.empty_polls = static_cast<double>(ri.empty_polls.value_or(0)) / ios;
    if (kernel + user > 0) f.empty_cpu_ns = cpu_s * 1e9 / ios * (ek + eu) / (kernel + user);
  }
}

// Version 2's latency histogram: [[lower, upper), count] bins, ascending.
void check_bins(Reader& rd, const json& lat, const std::string& where) {
  const json& list = rd.arr(rd.obj(lat, "histogram", where), "bins", where + ".histogram");
  for (size_t i = 0; i < list.size(); i++) {
    const json& b = list[i];
    if (!b.is_array() || b.size() != 3 || !b[0].is_number_unsigned() || !b[1].is_number_unsigned() ||
        !b[2].is_number_unsigned() || b[1].get<uint64_t>() <= b[0].get<uint64_t>()) {
      rd.bad(fmt::format("{}.histogram.bins[{}]", where, i), "[lower_ns, upper_ns, count] with lower < upper");
      return;
    }
  }
}

// The fields a run must hold in version 2: the histogram, thread CPU
// time, interrupt time, kernel entries, hardware counters and its place in
// the round.
void check_run_v2(Reader& rd, const json& run, const std::string& where) {
  check_bins(rd, rd.obj(run, "latency_ns", where), where + ".latency_ns");
  rd.num(rd.obj(run, "cpu", where), "thread_ns", where + ".cpu");
  rd.num(rd.obj(run, "kernel_entries", where), "io_uring_enter", where + ".kernel_entries");
  rd.num(run, "order_in_round", where);
  if (!run.contains("hw_counters")) rd.bad(where + ".hw_counters", "an object or null");
  if (const json& hw = run.contains("hw_counters") ? run["hw_counters"] : json(); hw.is_object()) {
    std::string hw_where = where + ".hw_counters";
    rd.str(hw, "scope", hw_where);
    for (const char* k : {"cycles_per_io", "instructions_per_io", "kernel_instructions_per_io"}) rd.num(hw, k, hw_where);
  }
}

// The fields a run must hold in its version, checked by name so that a
// damaged report is rejected naming the first one missing or mistyped.
void check_run(Reader& rd, const json& run, const std::string& where) {
  rd.str(run, "path", where);
  rd.num(run, "iops", where);
  rd.num(run, "bw_bytes_per_s", where);
  const json& lat = rd.obj(run, "latency_ns", where);
  for (const char* k : {"min", "p50", "p90", "p99", "p99_9", "p99_99", "max"}) rd.num(lat, k, where + ".latency_ns");
  rd.num(rd.obj(run, "submit", where), "ios_per_call", where + ".submit");
  const json& reap = rd.obj(run, "reap", where);
  rd.num(reap, "ios_per_call", where + ".reap");
  if (rd.num(reap, "calls", where + ".reap") > 0) rd.num(reap, "empty_calls", where + ".reap");
  const json& threads = rd.arr(run, "threads", where);
  for (size_t i = 0; i < threads.size(); i++) {
    std::string tw = fmt::format("{}.threads[{}]", where, i);
    for (const char* k : {"ios", "usr_s", "sys_s"}) rd.num(threads[i], k, tw);
    if (rd.version >= 2) rd.num(threads[i], "cpu_ns", tw);
    rd.num(threads[i], "elapsed_s", tw);
  }
  rd.num(run, "iodepth", where);
  if (rd.version >= 2) check_run_v2(rd, run, where);
  rd.arr(run, "iops_series", where);
  rd.num(run, "error_count", where);
  rd.flag(run, "interrupted", where);
}

// A run as its record, once the fields its version requires are there.
std::optional<RunRecord> read_run(Reader& rd, const json& run, const std::string& where) {
  check_run(rd, run, where);
  if (!rd.ok()) return std::nullopt;
  return rd.typed<RunRecord>(run, where, "a run of its version");
}

// Version 2's measurements of a run.
void facts_v2(const RunRecord& run, double ios, RunFacts& f) {
  const LatencyRecord& lat = run.latency_ns;
  for (const auto& b : lat.histogram.bins) f.bins.push_back(LatencyBin{b[0], b[1], b[2]});
  f.has_bins = true;
  auto known = [](const std::optional<uint64_t>& v) { return v ? static_cast<double>(*v) : -1.0; };
  f.stamp_error = known(lat.stamp_error_ns);
  // Absent before the bound's distribution was reported: unknown.
  f.stamp_error_p50 = known(lat.stamp_error_p50_ns);
  f.stamp_error_p99 = known(lat.stamp_error_p99_ns);
  // /proc/stat's irq time means something only where the kernel accounts
  // it apart (irq_in_busy); elsewhere it is tick-sampled, near zero or
  // noise, and shown as not measured. Reports before the field: as read.
  bool irq_apart = run.cpu.irq_in_busy.value_or(true);
  if (run.cpu.irq_ns && run.cpu.softirq_ns && ios > 0 && irq_apart)
    f.irq_ns_per_io = static_cast<double>(*run.cpu.irq_ns + *run.cpu.softirq_ns) / ios;
  if (ios > 0) f.enters_per_io = static_cast<double>(run.kernel_entries.io_uring_enter) / ios;
  f.order = run.order_in_round;
  if (run.hw_counters) {
    f.hw_scope = run.hw_counters->scope;
    f.cycles = run.hw_counters->cycles_per_io.value_or(-1);
    f.hw_insn = run.hw_counters->instructions_per_io.value_or(-1);
    f.hw_kinsn = run.hw_counters->kernel_instructions_per_io.value_or(-1);
  }
}

// What the aggregates need of one run.
RunFacts facts_of(const RunRecord& run, int version) {
  RunFacts f{};
  f.iops = run.iops;
  f.bw = run.bw_bytes_per_s;
  const LatencyRecord& lat = run.latency_ns;
  const uint64_t percentiles[] = {lat.min, lat.p50, lat.p90, lat.p99, lat.p99_9, lat.p99_99, lat.max};
  for (int i = 0; i < 7; i++) f.lat[i] = static_cast<double>(percentiles[i]);
  f.per_submit = run.submit.ios_per_call;
  f.per_reap = run.reap.ios_per_call;
  f.empty = run.reap.calls > 0 ? static_cast<double>(run.reap.empty_calls) / static_cast<double>(run.reap.calls) : 0;
  // Busy time: the thread CPU clock in version 2 (cpu_ns), getrusage's
  // usr + sys (tick-sampled) in version 1.
  double ios = 0, usr = 0, sys = 0, busy = 0, cpu_s = 0;
  for (const auto& t : run.threads) {
    ios += static_cast<double>(t.ios);
    double c = version >= 2 ? static_cast<double>(t.cpu_ns) / 1e9 : t.usr_s + t.sys_s;
    usr += t.usr_s;
    sys += t.sys_s;
    cpu_s += c;
    busy += t.elapsed_s > 0 ? c / t.elapsed_s : 0;
  }
  f.usr = ios > 0 ? usr * 1e9 / ios : 0;
  f.sys = ios > 0 ? sys * 1e9 / ios : 0;
  f.cpu = ios > 0 ? cpu_s * 1e9 / ios : 0;
  // Where the kernel keeps interrupt time apart, CPU per I/O includes the
  // pinned CPUs' interrupt work: a path that moves completion work into
  // interrupts does not look cheaper for it.
  if (version >= 2 && run.cpu.irq_in_busy.value_or(false) && run.cpu.busy_ns_per_io) f.cpu = *run.cpu.busy_ns_per_io;
  f.busy = run.threads.empty() ? 0 : busy / static_cast<double>(run.threads.size());
  f.depth = static_cast<double>(run.iodepth) * static_cast<double>(run.threads.size());
  f.in_flight = f.iops * lat.mean / 1e9;
  f.lat_min = lat.min;
  f.lat_max = lat.max;
  if (version >= 2) facts_v2(run, ios, f);
  f.series = run.iops_series;
  f.errors = run.error_count;
  f.interrupted = run.interrupted;
  f.ios_per_cpu_s = cpu_s > 0 ? ios / cpu_s : 0;
  if (run.probes) read_probes(*run.probes, f);
  if (run.user_queue && run.user_queue->counters) {
    auto polls = static_cast<double>(run.user_queue->counters->polls);
    if (polls > 0) f.uq_empty_share = static_cast<double>(run.user_queue->counters->empty_polls) / polls;
    if (ios > 0) f.uq_polls_per_io = polls / ios;
  }
  if (run.instructions) read_instructions(*run.instructions, ios, cpu_s, f);
  if (run.interrupts) {
    f.interrupts = run.interrupts->total_per_io.value_or(-1);
    f.device_interrupts = run.interrupts->device_per_io.value_or(-1);
  }
  return f;
}

// A figure of every run, in run order.
template <class F>
std::vector<double> values(const std::vector<RunFacts>& runs, F get) {
  std::vector<double> v;
  for (const auto& r : runs) v.push_back(get(r));
  return v;
}

// A figure of the runs where it was measured (>= 0); empty when none.
template <class F>
std::vector<double> measured(const std::vector<RunFacts>& runs, F get) {
  std::vector<double> v;
  for (const auto& r : runs)
    if (get(r) >= 0) v.push_back(get(r));
  return v;
}

// The metric key of a PathAggregate member; empty for one no metric names.
std::string_view key_of(Summary PathAggregate::*member) {
  for (const auto& m : metrics)
    if (m.member == member) return m.key;
  return {};
}

// Sets a summary over rounds and keeps the rounds' values under the
// metric's key, for the diff's test over per-round values.
void put(PathAggregate& a, Summary PathAggregate::*member, std::vector<double> v) {
  a.*member = summarize(v);
  if (auto key = key_of(member); !key.empty()) a.rounds_of[std::string(key)] = std::move(v);
}

// Latency percentiles. With every round's histogram (version 2) each
// percentile is that of all rounds' I/Os pooled (the histograms merged);
// its min and max stay the rounds' own, as does the test's per-round data.
void aggregate_latency(PathAggregate& a, const std::vector<RunFacts>& runs) {
  Summary PathAggregate::*lat[] = {&PathAggregate::lat_min_ns,   &PathAggregate::lat_p50_ns,
                                   &PathAggregate::lat_p90_ns,   &PathAggregate::lat_p99_ns,
                                   &PathAggregate::lat_p99_9_ns, &PathAggregate::lat_p99_99_ns,
                                   &PathAggregate::lat_max_ns};
  for (int i = 0; i < 7; i++) put(a, lat[i], values(runs, [i](const RunFacts& r) { return r.lat[i]; }));
  a.lat_merged = !runs.empty() && std::all_of(runs.begin(), runs.end(), [](const RunFacts& r) { return r.has_bins; });
  if (!a.lat_merged) return;
  std::vector<std::vector<LatencyBin>> histograms;
  uint64_t lo = UINT64_MAX, hi = 0;
  for (const auto& r : runs) {
    histograms.push_back(r.bins);
    lo = std::min(lo, r.lat_min);
    hi = std::max(hi, r.lat_max);
  }
  std::vector<LatencyBin> merged = merge_bins(histograms);
  const double q[] = {50, 90, 99, 99.9, 99.99};
  for (int i = 0; i < 5; i++) {
    Summary& s = a.*lat[i + 1];
    s.median = static_cast<double>(bin_percentile(merged, q[i], lo, hi));
    s.spread = s.median > 0 ? (s.max - s.min) / s.median : 0;
  }
}

// Version 2's figures; n == 0 where not measured.
void aggregate_v2(PathAggregate& a, const std::vector<RunFacts>& runs) {
  put(a, &PathAggregate::stamp_error_ns, measured(runs, [](const RunFacts& r) { return r.stamp_error; }));
  put(a, &PathAggregate::stamp_error_p50_ns, measured(runs, [](const RunFacts& r) { return r.stamp_error_p50; }));
  put(a, &PathAggregate::stamp_error_p99_ns, measured(runs, [](const RunFacts& r) { return r.stamp_error_p99; }));
  put(a, &PathAggregate::enters_per_io, measured(runs, [](const RunFacts& r) { return r.enters_per_io; }));
  put(a, &PathAggregate::irq_ns_per_io, measured(runs, [](const RunFacts& r) { return r.irq_ns_per_io; }));
  put(a, &PathAggregate::interrupts_per_io, measured(runs, [](const RunFacts& r) { return r.interrupts; }));
  put(a, &PathAggregate::device_interrupts_per_io,
      measured(runs, [](const RunFacts& r) { return r.device_interrupts; }));
  a.hw_counters = !runs.empty() && std::all_of(runs.begin(), runs.end(), [](const RunFacts& r) { return r.cycles >= 0; });
  if (a.hw_counters) {
    a.hw_scope = runs.front().hw_scope;
    put(a, &PathAggregate::cycles_per_io, values(runs, [](const RunFacts& r) { return r.cycles; }));
    put(a, &PathAggregate::hw_insn_per_io, values(runs, [](const RunFacts& r) { return r.hw_insn; }));
    put(a, &PathAggregate::hw_kinsn_per_io, values(runs, [](const RunFacts& r) { return r.hw_kinsn; }));
  }
  a.in_flight = summarize(measured(runs, [](const RunFacts& r) { return r.in_flight; }));
  if (!runs.empty()) a.depth = runs.front().depth;
}

// The empty-poll share the bound rule reads: the user queue's own counters,
// else the probes' useless-poll ratio.
double empty_share_of(const PathAggregate& a) {
  if (a.uq_empty_poll_share.n) return a.uq_empty_poll_share.median;
  if (a.probes && a.useless_poll_ratio.n) return a.useless_poll_ratio.median;
  return -1;
}

// The probes' figures of a path, over its probed runs.
void aggregate_probes(PathAggregate& a, const std::vector<RunFacts>& probed) {
  std::vector<double> useless, calls;
  for (const auto& r : probed) {
    if (r.useless >= 0) useless.push_back(r.useless);
    if (r.block_calls >= 0) calls.push_back(r.block_calls);
    if (!r.poll_function.empty()) a.poll_function = r.poll_function;
  }
  put(a, &PathAggregate::useless_poll_ratio, useless);  // n == 0: no poll function ran
  put(a, &PathAggregate::block_calls_per_io, calls);
  std::map<std::string, double> shares;
  for (const auto& r : probed)
    for (const auto& s : r.symbols) shares[s.symbol] += s.share / static_cast<double>(probed.size());
  for (const auto& [sym, share] : shares) a.top_symbols.push_back(SymbolShare{sym, share});
  std::sort(a.top_symbols.begin(), a.top_symbols.end(),
            [](const SymbolShare& x, const SymbolShare& y) { return x.share > y.share; });
  std::map<std::string, std::vector<double>> fn_calls;
  for (const auto& r : probed)
    for (const auto& [fn, v] : r.calls_per_io) fn_calls[fn].push_back(v);
  for (const auto& [fn, v] : fn_calls) a.function_calls_per_io[fn] = summarize(v);
}

// Guest instructions per I/O, when every run has them attached; empty
// polls apart when every run marked them.
void aggregate_instructions(PathAggregate& a, const std::vector<RunFacts>& runs) {
  a.instructions = !runs.empty() && std::all_of(runs.begin(), runs.end(), [](const RunFacts& r) { return r.kinsn >= 0; });
  if (!a.instructions) return;
  put(a, &PathAggregate::kinsn_per_io, values(runs, [](const RunFacts& r) { return r.kinsn; }));
  put(a, &PathAggregate::uinsn_per_io, values(runs, [](const RunFacts& r) { return r.uinsn; }));
  put(a, &PathAggregate::useful_kinsn_per_io, values(runs, [](const RunFacts& r) { return r.useful_kinsn; }));
  a.empty_polls_separated = std::all_of(runs.begin(), runs.end(), [](const RunFacts& r) { return r.empty_kinsn >= 0; });
  if (!a.empty_polls_separated) return;
  put(a, &PathAggregate::empty_kinsn_per_io, values(runs, [](const RunFacts& r) { return r.empty_kinsn; }));
  put(a, &PathAggregate::empty_polls_marked_per_io, values(runs, [](const RunFacts& r) { return r.empty_polls; }));
  put(a, &PathAggregate::empty_poll_cpu_ns_per_io, measured(runs, [](const RunFacts& r) { return r.empty_cpu_ns; }));
}

PathAggregate aggregate(const std::string& path, bool poll, const std::vector<RunFacts>& all_runs) {
  // With --probe-cost a path runs with probes on and off: its performance
  // and instruction figures come from the runs without probes (whose own
  // kernel work would otherwise count), the probe figures from the others.
  std::vector<RunFacts> runs, probed;
  for (const auto& r : all_runs) (r.has_probes ? probed : runs).push_back(r);
  if (runs.empty()) runs = probed;
  PathAggregate a;
  a.path = path;
  a.poll = poll;
  a.rounds = static_cast<unsigned>(runs.size());
  put(a, &PathAggregate::iops, values(runs, [](const RunFacts& r) { return r.iops; }));
  put(a, &PathAggregate::bw_bytes_s, values(runs, [](const RunFacts& r) { return r.bw; }));
  aggregate_latency(a, runs);
  put(a, &PathAggregate::ios_per_submit, values(runs, [](const RunFacts& r) { return r.per_submit; }));
  put(a, &PathAggregate::ios_per_reap, values(runs, [](const RunFacts& r) { return r.per_reap; }));
  put(a, &PathAggregate::usr_ns_per_io, values(runs, [](const RunFacts& r) { return r.usr; }));
  put(a, &PathAggregate::sys_ns_per_io, values(runs, [](const RunFacts& r) { return r.sys; }));
  put(a, &PathAggregate::cpu_ns_per_io, values(runs, [](const RunFacts& r) { return r.cpu; }));
  put(a, &PathAggregate::cpu_busy, values(runs, [](const RunFacts& r) { return r.busy; }));
  put(a, &PathAggregate::empty_reap_ratio, values(runs, [](const RunFacts& r) { return r.empty; }));
  a.probes = !probed.empty();
  if (a.probes) aggregate_probes(a, probed);
  for (const auto& r : all_runs) a.errors += r.errors;
  for (const auto& r : runs) a.iops_series.push_back(r.series);
  put(a, &PathAggregate::ios_per_cpu_s, values(runs, [](const RunFacts& r) { return r.ios_per_cpu_s; }));
  put(a, &PathAggregate::uq_empty_poll_share, measured(runs, [](const RunFacts& r) { return r.uq_empty_share; }));
  put(a, &PathAggregate::uq_polls_per_io, measured(runs, [](const RunFacts& r) { return r.uq_polls_per_io; }));
  aggregate_instructions(a, runs);
  aggregate_v2(a, runs);
  return a;
}

// The ceiling: the median IOPS of the ceiling runs of the ceiling path
// whose median is highest (each ceiling path is one way to load the
// device), with the spread of those runs; one lucky run moves a median far
// less than a maximum. Confirmed when those runs waited on the device (by
// their median busy or empty polls) and no measured path's median beats
// it; without ceiling runs there is no ceiling.
CeilingInfo find_ceiling(std::vector<CeilingInfo::Candidate> candidates, const std::string& ceiling_config,
                         const std::vector<PathAggregate>& paths, const BoundLimits& lim) {
  CeilingInfo c;
  c.ceiling_runs = ceiling_config;
  c.candidates = std::move(candidates);
  std::vector<std::string> order;
  std::map<std::string, std::vector<const CeilingInfo::Candidate*>> by_path;
  for (const auto& k : c.candidates)
    if (k.ceiling_run) {
      if (!by_path.count(k.path)) order.push_back(k.path);
      by_path[k.path].push_back(&k);
    }
  std::string best;
  Summary best_iops;
  for (const auto& p : order) {
    std::vector<double> iops;
    for (const auto* k : by_path[p]) iops.push_back(k->iops);
    Summary s = summarize(iops);
    if (best.empty() || s.median > best_iops.median) best = p, best_iops = s;
  }
  if (best.empty() || best_iops.median <= 0) {
    c.evidence = "no ceiling runs (compare --ceiling PATHS measures it)";
    return c;
  }
  c.iops = best_iops.median;
  c.runs = best_iops;
  std::vector<double> busy, empty;
  for (const auto* k : by_path[best]) {
    busy.push_back(k->busy);
    if (k->empty_poll_share >= 0) empty.push_back(k->empty_poll_share);
  }
  double busy_median = median_of(busy), empty_median = empty.empty() ? -1 : median_of(empty);
  c.source = fmt::format("the median of {} {} ceiling run(s) ({}), min {:.0f}, max {:.0f}, spread {:.1f}%",
                         best_iops.n, best, ceiling_config, best_iops.min, best_iops.max, best_iops.spread * 100);
  if (busy_median <= lim.busy_device) {
    c.confirmed = true;
    c.evidence = fmt::format("their median busy {:.2f} (<= {:.2f}): they waited on the device", busy_median,
                             lim.busy_device);
  } else if (empty_median >= lim.empty_device) {
    c.confirmed = true;
    c.evidence = fmt::format("{:.0f}% of their kernel polls found nothing (median, >= {:.0f}%): they waited on the "
                             "device",
                             empty_median * 100, lim.empty_device * 100);
  } else {
    c.evidence = fmt::format("their median busy {:.2f}{}, so the device may serve more", busy_median,
                             empty_median >= 0 ? fmt::format(" with {:.0f}% empty kernel polls", empty_median * 100)
                                               : std::string());
  }
  for (const auto& p : paths)
    if (p.iops.median > c.iops) {
      c.confirmed = false;
      c.evidence += fmt::format("; {}'s median IOPS {:.0f} exceeds it, so it is only a lower bound", p.path,
                                p.iops.median);
      break;
    }
  return c;
}

// A run's empty-poll share: the user queue's counters, else the probes'.
double run_empty_share(const RunFacts& f) {
  return f.uq_empty_share >= 0 ? f.uq_empty_share : f.has_probes ? f.useless : -1;
}

// Whether a path may wait by spinning in user space, from its run's
// traits: the trait itself when the run records it (user_space_wait), else
// a polled run on a user queue, whose CQ is mapped into the process and
// can be watched from user space.
// Whether a run's path runs on a user queue: the trait when the run records
// it (on_user_queue); reports written before it was recorded name such
// paths only by their engine family, uq.
bool on_user_queue(const RunRecord& run) { return run.on_user_queue.value_or(run.engine == "uq"); }

// The traits a reproduction picks its fio engine by. Reports written
// before they were recorded name them only by the engine family, read
// here and nowhere else.
bool is_passthrough(const RunRecord& run) {
  return run.passthrough.value_or(run.engine == "ng" || on_user_queue(run));
}
bool submits_through_io_uring(const RunRecord& run) { return run.io_uring.value_or(run.engine != "psync"); }

// The path's setup from one of its runs; device_ng is the report's
// namespace node, what user queues were bound to before the run said.
PathSetup setup_of(const RunRecord& run, const std::string& device_ng) {
  PathSetup s;
  s.node = run.node;
  s.thread_nodes = run.thread_nodes.value_or(std::vector<std::string>{});
  if (on_user_queue(run)) s.namespace_node = run.namespace_node.value_or(device_ng);
  s.passthrough = is_passthrough(run);
  s.io_uring = submits_through_io_uring(run);
  s.user_space_wait = run.user_space_wait.value_or(false);
  s.iodepth = run.iodepth;
  s.submit_batch = run.submit_batch;
  s.complete_batch = run.complete_batch;
  return s;
}

bool waits_in_user_space(const RunRecord& run) {
  if (run.user_space_wait) return *run.user_space_wait;
  return run.poll && on_user_queue(run);
}

BoundInput bound_input(bool poll, double busy, double iops, double empty_share, const CeilingInfo& c, bool spins,
                       double in_flight, double depth) {
  return BoundInput{poll, busy, iops, c.iops, c.confirmed, empty_share, spins, in_flight, depth};
}

}  // namespace

std::span<const MetricDef> metric_defs() { return metrics; }

const MetricDef* find_metric(std::string_view key) {
  for (const auto& m : metrics)
    if (key == m.key) return &m;
  return nullptr;
}

std::string metric_keys() {
  std::string s;
  for (const auto& m : metrics) s += (s.empty() ? "" : ", ") + std::string(m.key);
  return s;
}

std::span<const double> PathAggregate::round_values(std::string_view key) const {
  auto it = rounds_of.find(key);
  return it == rounds_of.end() ? std::span<const double>() : std::span<const double>(it->second);
}

std::string ReportData::partial_line() const {
  if (!partial) return "";
  std::string missing;
  for (const auto& [path, round] : not_run) missing += fmt::format("{}{} round {}", missing.empty() ? "" : ", ", path, round);
  return fmt::format("PARTIAL REPORT: the run was stopped before it finished; {} run(s) did not run{}{}.", not_run.size(),
                     missing.empty() ? "" : ": ", missing);
}

std::vector<std::string> ReportData::interrupted_lines() const {
  std::vector<std::string> out;
  for (const auto& [path, round] : interrupted_runs)
    out.push_back(fmt::format("INTERRUPTED RUN: {} round {} was cut short; it is left out of every figure.", path,
                              round));
  return out;
}

const PathAggregate* ReportData::find(const std::string& path) const {
  for (const auto& p : paths)
    if (p.path == path) return &p;
  return nullptr;
}

std::string ReportData::workload_line() const {
  return fmt::format("{} bs={} iodepth={} submit-batch={} complete-batch={} threads={}{}{}{}", rw, bs, iodepth,
                     submit_batch, complete_batch, threads, fixed_buffers ? " fixed-buffers" : "",
                     registered_files ? " registered-files" : "", sqpoll ? " sqpoll" : "");
}

namespace {

// The document's schema_version, if this build reads it.
Result<int> readable_version(const json& doc, const std::string& name) {
  if (!doc.is_object() || !doc.contains("schema_version"))
    return usage_error(fmt::format("{}: not an nvme-qbench report (no schema_version field)", name));
  if (!doc["schema_version"].is_number_integer())
    return usage_error(fmt::format("{}: schema_version {} is not an integer", name, doc["schema_version"].dump()));
  int version = doc["schema_version"].get<int>();
  if (std::find(std::begin(readable_schema_versions), std::end(readable_schema_versions), version) ==
      std::end(readable_schema_versions)) {
    std::string supported;
    for (int v : readable_schema_versions) supported += (supported.empty() ? "" : ", ") + std::to_string(v);
    return usage_error(fmt::format("{}: report schema version {} is not supported; this nvme-qbench {} reads "
                                   "schema version{} {}",
                                   name, version, QB_VERSION, std::size(readable_schema_versions) > 1 ? "s" : "",
                                   supported));
  }
  return version;
}

// Version 2's host settings that shape figures; "" when not recorded.
void read_host_settings(const json& env, ReportData& d) {
  d.clocksource = Reader::opt_str(env, "clocksource");
  d.irq_time_accounting = Reader::opt_str(env, "irq_time_accounting");
  if (env.contains("cpu_governor"))
    d.cpu_governor = env["cpu_governor"].is_string() ? env["cpu_governor"].get<std::string>() : "none (no cpufreq)";
  if (env.contains("mitigations") && env["mitigations"].is_object()) {
    for (const auto& [k, v] : env["mitigations"].items())
      d.mitigations += fmt::format("{}{}: {}", d.mitigations.empty() ? "" : "; ", k,
                                   v.is_string() ? v.get<std::string>() : v.dump());
    if (d.mitigations.empty()) d.mitigations = "none listed";
  }
  if (env.contains("nvme_irq_affinity") && env["nvme_irq_affinity"].is_array()) {
    for (const auto& i : env["nvme_irq_affinity"])
      d.irq_affinity += fmt::format("{}{} (irq {}): CPUs {}{}", d.irq_affinity.empty() ? "" : "; ",
                                    Reader::opt_str(i, "name", "?"), Reader::opt_str(i, "irq", "?"),
                                    i.contains("cpus") && i["cpus"].is_string() ? i["cpus"].get<std::string>()
                                                                                 : i.value("cpus", json()).dump(),
                                    i.contains("effective_cpus") && i["effective_cpus"].is_string()
                                        ? ", delivered to " + i["effective_cpus"].get<std::string>()
                                        : "");
    if (d.irq_affinity.empty()) d.irq_affinity = "no NVMe interrupts";
  }
}

// The command, the tool and the machine it ran on.
void read_context(Reader& rd, const json& doc, ReportData& d) {
  d.command = rd.str(doc, "command", "");
  for (const auto& a : rd.arr(doc, "argv", ""))
    if (a.is_string()) d.argv.push_back(a.get<std::string>());
  d.created_at = rd.str(doc, "created_at", "");
  if (auto tool = read_typed<ToolInfo>(rd.obj(doc, "tool", ""))) {
    d.tool_version = tool->version;
    d.git_revision = tool->git_revision;
  }
  const json& env = rd.obj(doc, "environment", "");
  d.kernel_release = rd.str(env, "kernel_release", "environment");
  d.kernel_version = Reader::opt_str(env, "kernel_version");
  d.kernel_cmdline = Reader::opt_str(env, "kernel_cmdline");
  d.hostname = Reader::opt_str(env, "hostname");
  d.machine = Reader::opt_str(env, "machine");
  d.cpu_model = Reader::opt_str(env, "cpu_model");
  d.cpus_online = static_cast<unsigned>(Reader::opt_num(env, "cpus_online", 0));
  read_host_settings(env, d);
  if (env.contains("nvme_module_parameters") && env["nvme_module_parameters"].is_object())
    for (const char* k : {"poll_queues", "write_queues", "io_queue_depth", "use_threaded_interrupts"})
      if (env["nvme_module_parameters"].contains(k))
        d.nvme_params.emplace_back(k, Reader::opt_str(env["nvme_module_parameters"], k));
}

void read_device(Reader& rd, const json& doc, ReportData& d) {
  const json& dev = rd.obj(doc, "device", "");
  rd.str(dev, "path", "device");
  rd.str(dev, "kind", "device");
  rd.num(dev, "lba_size", "device");
  rd.flag(dev, "io_poll", "device");
  rd.obj(dev, "queues", "device");
  if (!rd.ok()) return;
  auto rec = rd.typed<DeviceRecord>(dev, "device", "a device object");
  if (!rec) return;
  d.device_path = rec->path;
  d.device_kind = rec->kind;
  d.emulated = rec->emulated_controller;
  d.device_note = rec->note.value_or("");
  d.lba_size = static_cast<int>(rec->lba_size);
  d.io_poll = rec->io_poll;
  if (rec->controller) {
    d.device_model = rec->controller->model;
    d.device_firmware = rec->controller->firmware;
    d.device_transport = rec->controller->transport;
  }
  if (rec->namespace_) {
    d.nr_requests = rec->namespace_->nr_requests;
    d.ng_device = rec->namespace_->ng_device.value_or("");
  }
  d.hw_queues = rec->queues.hw_queues;
  d.controller_queues = rec->queues.controller_queue_count;
  d.poll_queues = rec->queues.poll_queues.value_or("unknown");
  d.write_queues = rec->queues.write_queues.value_or("unknown");
  d.io_queue_depth = rec->queues.io_queue_depth.value_or("unknown");
}

// What the reproduction lines need besides the figures: read leniently,
// as a report without them still reads.
void read_workload_range(const json& w, ReportData& d) {
  d.register_ring = w.value("register_ring", false);
  d.ramp_s = Reader::opt_num(w, "ramp_s", 0);
  d.offset = static_cast<uint64_t>(Reader::opt_num(w, "offset", 0));
  d.size = static_cast<uint64_t>(Reader::opt_num(w, "size", 0));
  d.rwmixread = static_cast<int>(Reader::opt_num(w, "rwmixread", 50));
  if (w.contains("cpus") && w["cpus"].is_array())
    for (const auto& c : w["cpus"])
      if (c.is_number_integer()) d.cpus.push_back(c.get<int>());
}

// The workload, the comparison's settings and the exit status.
void read_workload(Reader& rd, const json& doc, ReportData& d) {
  const json& w = rd.obj(doc, "workload", "");
  d.rw = rd.str(w, "rw", "workload");
  d.bs = static_cast<int>(rd.num(w, "bs", "workload"));
  d.iodepth = static_cast<int>(rd.num(w, "iodepth", "workload"));
  d.submit_batch = static_cast<int>(rd.num(w, "submit_batch", "workload"));
  d.complete_batch = static_cast<int>(rd.num(w, "complete_batch", "workload"));
  d.threads = static_cast<int>(rd.num(w, "threads", "workload"));
  d.fixed_buffers = rd.flag(w, "fixed_buffers", "workload");
  d.registered_files = rd.flag(w, "registered_files", "workload");
  d.sqpoll = rd.flag(w, "sqpoll", "workload");
  d.runtime_s = rd.num(w, "runtime_s", "workload");
  d.ios = static_cast<uint64_t>(rd.num(w, "ios", "workload"));
  read_workload_range(w, d);
  if (doc.contains("comparison") && doc["comparison"].is_object()) {
    d.baseline = rd.str(doc["comparison"], "baseline", "comparison");
    d.rounds = static_cast<unsigned>(rd.num(doc["comparison"], "rounds", "comparison"));
  }
  const json& status = rd.obj(doc, "status", "");
  d.exit_code = static_cast<int>(rd.num(status, "exit_code", "status"));
  if (rd.version >= 2) {
    d.partial = rd.flag(status, "partial", "status");
    const json& not_run = rd.arr(status, "not_run", "status");
    for (size_t i = 0; i < not_run.size(); i++) {
      std::string where = fmt::format("status.not_run[{}]", i);
      std::string path = rd.str(not_run[i], "path", where);
      d.not_run.emplace_back(path, static_cast<unsigned>(rd.num(not_run[i], "round", where)));
    }
    d.hw_counters_note = Reader::opt_str(doc, "hw_counters_note");
    d.run_order_recorded = true;
  }
  d.cpu_clock = rd.version >= 2 ? "the thread's CPU clock (CLOCK_THREAD_CPUTIME_ID)"
                                : "getrusage RUSAGE_THREAD user + system time, tick-sampled";
}

// The measured runs, in run order and grouped by path in the order paths
// first appear.
struct RunRef {
  std::string path;
  unsigned round;
  RunFacts facts;
};
struct Runs {
  std::vector<RunRef> in_order;
  std::vector<std::string> order;
  std::map<std::string, std::vector<RunFacts>> by_path;
  std::map<std::string, bool> poll;
  std::map<std::string, std::string> engine;
  std::map<std::string, bool> user_queue;  // runs on a user queue
  std::map<std::string, bool> spins;  // may wait by spinning in user space
  std::map<std::string, PathSetup> setup;  // from each path's first run
  std::vector<std::pair<std::string, unsigned>> interrupted;  // left out: path, round
};

Runs read_runs(Reader& rd, const json& runs, const std::string& device_ng) {
  Runs out;
  for (size_t i = 0; i < runs.size(); i++) {
    std::string where = fmt::format("runs[{}]", i);
    rd.flag(runs[i], "poll", where);
    auto run = read_run(rd, runs[i], where);
    if (!run) continue;
    const std::string& path = run->path;
    out.poll[path] = run->poll;
    // Early version 1 runs do not name their engine family: the record's
    // default, unknown, not blank.
    out.engine[path] = run->engine;
    out.user_queue[path] = on_user_queue(*run);
    out.spins[path] = waits_in_user_space(*run);
    if (!out.setup.count(path)) out.setup[path] = setup_of(*run, device_ng);
    unsigned round = run->round;
    RunFacts f = facts_of(*run, rd.version);
    // A run cut short measured part of a round: its figures are not the
    // round's, so it counts nowhere and is listed apart.
    if (f.interrupted) {
      out.interrupted.emplace_back(path, round);
      continue;
    }
    if (!out.by_path.count(path)) out.order.push_back(path);
    out.by_path[path].push_back(f);
    out.in_order.push_back(RunRef{path, round, std::move(f)});
  }
  return out;
}

// compare --ceiling: its runs, apart from the measured paths, as ceiling
// candidates; config says how they ran ("" without).
std::vector<CeilingInfo::Candidate> read_ceiling_runs(Reader& rd, const json& doc, std::string& config) {
  std::vector<CeilingInfo::Candidate> candidates;
  if (!doc.contains("ceiling") || !doc["ceiling"].is_object()) return candidates;
  const json& c = doc["ceiling"];
  config = fmt::format("iodepth {}, batches {}/{}", Reader::opt_str(c, "iodepth", "?"),
                       Reader::opt_str(c, "submit_batch", "?"), Reader::opt_str(c, "complete_batch", "?"));
  const json& cruns = rd.arr(c, "runs", "ceiling");
  for (size_t i = 0; i < cruns.size(); i++) {
    std::string where = fmt::format("ceiling.runs[{}]", i);
    auto run = read_run(rd, cruns[i], where);
    if (!run) continue;
    RunFacts f = facts_of(*run, rd.version);
    candidates.push_back(CeilingInfo::Candidate{run->path, run->round, f.iops, f.busy, run_empty_share(f), true});
  }
  return candidates;
}

// What the report concludes, computed once: the aggregates per path, the
// device's ceiling, each path's and run's verdict, the ratios.
void analyse(ReportData& d, Runs& runs, std::vector<CeilingInfo::Candidate> candidates,
             const std::string& ceiling_config) {
  for (const auto& r : runs.in_order)
    candidates.push_back(
        CeilingInfo::Candidate{r.path, r.round, r.facts.iops, r.facts.busy, run_empty_share(r.facts), false});
  for (const auto& p : runs.order) {
    d.paths.push_back(aggregate(p, runs.poll[p], runs.by_path[p]));
    d.paths.back().engine = runs.engine[p];
    d.paths.back().user_queue = runs.user_queue[p];
    d.paths.back().setup = runs.setup[p];
  }
  d.interrupted_runs = runs.interrupted;
  for (auto& p : d.paths)
    p.interrupted = std::any_of(runs.interrupted.begin(), runs.interrupted.end(),
                                [&](const auto& r) { return r.first == p.path; });
  const BoundLimits lim;
  d.ceiling = find_ceiling(std::move(candidates), ceiling_config, d.paths, lim);
  for (auto& p : d.paths) {
    BoundVerdict v = classify_bound(
        bound_input(p.poll, p.cpu_busy.median, p.iops.median, empty_share_of(p), d.ceiling, runs.spins[p.path],
                    p.in_flight.n ? p.in_flight.median : -1, p.depth),
        lim);
    p.bound = v.bound;
    p.bound_reason = v.reason;
  }
  for (const auto& r : runs.in_order) {
    double share = run_empty_share(r.facts);
    d.run_bounds.push_back(RunBound{r.path, r.round, r.facts.order, r.facts.iops, r.facts.busy, share,
                                    r.facts.in_flight,
                                    classify_bound(bound_input(runs.poll[r.path], r.facts.busy, r.facts.iops, share,
                                                               d.ceiling, runs.spins[r.path], r.facts.in_flight,
                                                               r.facts.depth),
                                                   lim)});
  }
  if (const PathAggregate* base = d.find(d.baseline); base && base->iops.median > 0)
    for (auto& p : d.paths) p.ratio_to_baseline = p.iops.median / base->iops.median;
}

}  // namespace

namespace {

// The top-level "mmio": its per-path medians onto the paths, as written
// (attach-windows computed them over the runs that counted them).
void read_mmio(const MmioRecord& m, ReportData& d) {
  d.mmio_boot = m.boot;
  d.mmio_source = m.source;
  for (const auto& pm : m.paths)
    for (auto& p : d.paths)
      if (p.path == pm.path) {
        p.mmio = true;
        p.mmio_doorbell_per_io = pm.doorbell_per_io;
        p.mmio_other_per_io = pm.other_per_io;
      }
}

}  // namespace

Result<ReportData> report_from_json(const json& doc, const std::string& name) {
  auto version = readable_version(doc, name);
  if (!version) return version.error();
  Reader rd(name);
  rd.version = *version;
  ReportData d;
  d.file = name;
  d.schema_version = *version;
  read_context(rd, doc, d);
  read_device(rd, doc, d);
  read_workload(rd, doc, d);
  const json& run_list = rd.arr(doc, "runs", "");
  if (rd.ok() && run_list.empty()) return usage_error(fmt::format("{}: the report holds no runs", name));
  Runs runs = read_runs(rd, run_list, d.ng_device);
  std::string ceiling_config;
  std::vector<CeilingInfo::Candidate> candidates = read_ceiling_runs(rd, doc, ceiling_config);
  if (!rd.ok()) return rd.error();
  analyse(d, runs, std::move(candidates), ceiling_config);
  if (doc.contains("instructions")) {
    if (auto insn = read_typed<Instructions>(doc["instructions"])) {
      d.insn_status = insn->status;
      d.insn_message = insn->message;
    }
  }
  if (doc.contains("mmio"))
    if (auto mmio = read_typed<MmioRecord>(doc["mmio"])) read_mmio(*mmio, d);
  return d;
}

Result<ReportData> load_report(const std::string& file) {
  std::ifstream in(file);
  if (!in) return usage_error(fmt::format("{}: cannot read: {}", file, strerror(errno)), errno);
  json doc = json::parse(in, nullptr, false);
  if (doc.is_discarded()) return usage_error(fmt::format("{}: not valid JSON", file));
  return report_from_json(doc, file);
}

}  // namespace qb
