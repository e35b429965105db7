#include "probe_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <set>

#include "stats.h"

namespace qb {

using nlohmann::json;

std::vector<SymbolCount> symbolize(const std::vector<StackSample>& stacks, const KsymIndex& ksyms) {
  std::map<std::string, SymbolCount> by;
  auto name_of = [&](uint64_t ip) {
    const KsymEntry* s = ksyms.find(ip);
    return s ? s->name : std::string("[unknown]");
  };
  for (const auto& st : stacks) {
    if (st.ips.empty()) continue;
    std::string leaf = name_of(st.ips[0]);
    auto& l = by[leaf];
    l.symbol = leaf;
    l.self += st.count;
    std::set<std::string> seen;
    for (uint64_t ip : st.ips) {
      std::string n = name_of(ip);
      if (!seen.insert(n).second) continue;
      auto& e = by[n];
      e.symbol = n;
      e.total += st.count;
    }
  }
  std::vector<SymbolCount> out;
  for (auto& [k, v] : by) out.push_back(v);
  std::sort(out.begin(), out.end(), [](const SymbolCount& a, const SymbolCount& b) {
    if (a.self != b.self) return a.self > b.self;
    if (a.total != b.total) return a.total > b.total;
    return a.symbol < b.symbol;
  });
  return out;
}

bool is_probe_symbol(std::string_view n) {
  for (std::string_view p : {"bpf_prog_", "__bpf_prog_enter", "__bpf_prog_exit", "bpf_trampoline_", "kprobe_ftrace_handler",
                             "kretprobe_", "trace_call_bpf", "bpf_get_stackid", "bpf_overflow_handler"})
    if (n.substr(0, p.size()) == p) return true;
  return false;
}

ProfileSummary summarize_profile(const ProfileSamples& s, const KsymIndex& ksyms) {
  ProfileSummary p;
  p.available = true;
  p.frequency_hz = s.frequency_hz;
  p.samples = s.samples;
  p.user_samples = s.user_samples;
  p.lost_samples = s.lost_samples;
  for (const auto& st : s.stacks) {
    p.kernel_samples += st.count;
    for (uint64_t ip : st.ips) {
      const KsymEntry* e = ksyms.find(ip);
      if (e && is_probe_symbol(e->name)) {
        p.probe_samples += st.count;
        break;
      }
    }
  }
  p.symbols = symbolize(s.stacks, ksyms);
  if (ksyms.empty() && !s.stacks.empty()) p.note = "kernel addresses hidden (kptr_restrict): symbols unknown";
  return p;
}

ProbeWindow merge_windows(const std::vector<const ProbeWindow*>& windows) {
  ProbeWindow m;
  if (windows.empty()) return m;
  m.functions = windows.front()->functions;
  for (auto& f : m.functions) f.calls = f.empty = f.other_calls = f.other_empty = 0;
  m.profile.available = true;
  std::map<std::string, SymbolCount> syms;
  for (const ProbeWindow* w : windows) {
    m.window_s += w->window_s;
    m.ios += w->ios;
    for (size_t i = 0; i < m.functions.size() && i < w->functions.size(); i++) {
      KFuncCount& f = m.functions[i];
      const KFuncCount& g = w->functions[i];
      if (g.attach == AttachKind::none && f.attach != AttachKind::none) {
        f.attach = AttachKind::none;
        f.note = g.note;
      }
      f.calls += g.calls;
      f.empty += g.empty;
      f.other_calls += g.other_calls;
      f.other_empty += g.other_empty;
    }
    const ProfileSummary& p = w->profile;
    if (!p.available) {
      m.profile.available = false;
      if (m.profile.note.empty()) m.profile.note = p.note;
    }
    if (!m.profile.frequency_hz) m.profile.frequency_hz = p.frequency_hz;
    m.profile.samples += p.samples;
    m.profile.kernel_samples += p.kernel_samples;
    m.profile.user_samples += p.user_samples;
    m.profile.lost_samples += p.lost_samples;
    m.profile.probe_samples += p.probe_samples;
    if (m.profile.note.empty()) m.profile.note = p.note;
    for (const auto& s : p.symbols) {
      auto& e = syms[s.symbol];
      e.symbol = s.symbol;
      e.self += s.self;
      e.total += s.total;
    }
  }
  for (auto& [k, v] : syms) m.profile.symbols.push_back(v);
  std::sort(m.profile.symbols.begin(), m.profile.symbols.end(), [](const SymbolCount& a, const SymbolCount& b) {
    if (a.self != b.self) return a.self > b.self;
    if (a.total != b.total) return a.total > b.total;
    return a.symbol < b.symbol;
  });
  return m;
}

double calls_per_io(uint64_t calls, uint64_t ios) {
  return ios ? static_cast<double>(calls) / static_cast<double>(ios) : 0.0;
}

std::optional<double> useless_ratio(uint64_t empty, uint64_t calls) {
  if (!calls) return std::nullopt;
  return static_cast<double>(empty) / static_cast<double>(calls);
}

std::string probe_unavailable_line(const Error& e, bool required) {
  std::string why;
  if (e.errnum == EPERM || e.errnum == EACCES)
    why = fmt::format("no privilege for BPF tracing (run as root, or with CAP_BPF and CAP_PERFMON): {}", e.message);
  else
    why = fmt::format("this kernel offers no usable BPF tracing: {}", e.message);
  if (required) return fmt::format("--probes=required: {}", why);
  return fmt::format("probes: off: {}; the run continues without probes", why);
}

namespace {

json function_json(const KFuncCount& f, uint64_t ios) {
  bool avail = f.attach != AttachKind::none;
  json j{{"name", f.name},
         {"kind", f.poll ? "poll" : "call"},
         {"available", avail},
         {"attach", avail ? json(attach_kind_name(f.attach)) : json(nullptr)},
         {"note", f.note.empty() ? json(nullptr) : json(f.note)}};
  if (!avail) return j;
  j["calls"] = f.calls;
  j["calls_per_io"] = calls_per_io(f.calls, ios);
  j["other_calls"] = f.other_calls;
  if (f.poll) {
    j["empty_calls"] = f.empty;
    auto r = useless_ratio(f.empty, f.calls);
    j["useless_ratio"] = r ? json(*r) : json(nullptr);
  }
  return j;
}

double share(uint64_t n, uint64_t of) { return of ? static_cast<double>(n) / static_cast<double>(of) : 0.0; }

json profile_json(const ProfileSummary& p) {
  json top = json::array();
  for (size_t i = 0; i < p.symbols.size() && i < probe_top_symbols; i++) {
    const auto& s = p.symbols[i];
    if (!s.self) break;
    top.push_back(json{{"symbol", s.symbol},
                       {"self_samples", s.self},
                       {"self_share", share(s.self, p.samples)},
                       {"total_share", share(s.total, p.samples)}});
  }
  return json{{"available", p.available},
              {"note", p.note.empty() ? json(nullptr) : json(p.note)},
              {"event", "cpu-clock"},
              {"frequency_hz", p.frequency_hz},
              {"samples", p.samples},
              {"kernel_samples", p.kernel_samples},
              {"user_samples", p.user_samples},
              {"lost_samples", p.lost_samples},
              {"probe_share", share(p.probe_samples, p.samples)},
              {"top_symbols", top}};
}

double median_of(const std::vector<double>& v) { return v.empty() ? 0.0 : summarize(v).median; }

}  // namespace

json probe_window_json(const ProbeWindow& w) {
  json fns = json::array();
  for (const auto& f : w.functions) fns.push_back(function_json(f, w.ios));
  return json{{"window_s", w.window_s}, {"ios", w.ios}, {"functions", fns}, {"profile", profile_json(w.profile)}};
}

json probe_summary_json(const std::string& mode, const std::string& status, const std::string& message,
                        const std::vector<PathProbeSummary>& paths) {
  json ps = json::array();
  for (const auto& p : paths) {
    json j = probe_window_json(p.merged);
    j["path"] = p.path;
    j["rounds"] = p.rounds;
    if (p.cost_measured) {
      double off = median_of(p.iops_off), on = median_of(p.iops_on);
      j["cost"] = json{{"iops_off_median", off},
                       {"iops_on_median", on},
                       {"iops_change", off > 0 ? on / off - 1 : 0.0},
                       {"sys_ns_per_io_off", p.sys_ns_per_io_off},
                       {"sys_ns_per_io_on", p.sys_ns_per_io_on},
                       {"rounds", p.iops_off.size()}};
    } else {
      j["cost"] = nullptr;
    }
    ps.push_back(j);
  }
  return json{{"mode", mode}, {"status", status}, {"message", message.empty() ? json(nullptr) : json(message)},
              {"paths", ps}};
}

std::string format_probe_tables(const std::vector<PathProbeSummary>& paths) {
  if (paths.empty()) return {};
  std::string s = "probes (measured window; calls per I/O, useless = polls that found nothing):\n";
  s += fmt::format("{:<30}", "function");
  for (const auto& p : paths) s += fmt::format(" {:>22}", p.path);
  s += "\n";
  const auto& fns = paths.front().merged.functions;
  std::vector<std::string> unavailable;
  for (size_t i = 0; i < fns.size(); i++) {
    bool any = false;
    for (const auto& p : paths) any |= i < p.merged.functions.size() && p.merged.functions[i].attach != AttachKind::none;
    if (!any) {
      unavailable.push_back(fmt::format("  {}: {}", fns[i].name, fns[i].note));
      continue;
    }
    s += fmt::format("{:<30}", fns[i].name);
    for (const auto& p : paths) {
      const KFuncCount& f = p.merged.functions[i];
      std::string cell = "-";
      if (f.attach != AttachKind::none) {
        cell = fmt::format("{:.2f}", calls_per_io(f.calls, p.merged.ios));
        if (f.poll) {
          auto r = useless_ratio(f.empty, f.calls);
          cell += r ? fmt::format(" ({:.1f}% useless)", *r * 100) : " (no calls)";
        }
      }
      s += fmt::format(" {:>22}", cell);
    }
    s += "\n";
  }
  if (!unavailable.empty()) {
    s += "unavailable on this kernel:\n";
    for (const auto& u : unavailable) s += u + "\n";
  }
  for (const auto& p : paths) {
    const ProfileSummary& pr = p.merged.profile;
    if (!pr.available) {
      s += fmt::format("top kernel symbols, {}: profile unavailable: {}\n", p.path, pr.note);
      continue;
    }
    s += fmt::format("top kernel symbols, {} ({} samples at {} Hz, {:.1f}% in the kernel, {:.1f}% in the probes):\n",
                     p.path, pr.samples, pr.frequency_hz, share(pr.kernel_samples, pr.samples) * 100,
                     share(pr.probe_samples, pr.samples) * 100);
    for (size_t i = 0; i < pr.symbols.size() && i < 10 && pr.symbols[i].self; i++)
      s += fmt::format("  {:>6.2f}%  {}\n", share(pr.symbols[i].self, pr.samples) * 100, pr.symbols[i].symbol);
  }
  for (const auto& p : paths) {
    if (!p.cost_measured) continue;
    double off = median_of(p.iops_off), on = median_of(p.iops_on);
    s += fmt::format("probe cost, {}: median IOPS {:.0f} without probes, {:.0f} with ({:+.1f}%); sys {:.0f} -> {:.0f} ns/IO\n",
                     p.path, off, on, off > 0 ? (on / off - 1) * 100 : 0.0, p.sys_ns_per_io_off, p.sys_ns_per_io_on);
  }
  return s;
}

}  // namespace qb
