#include "insn_windows.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <map>

#include "schema.h"
#include "stats.h"

namespace qb {

using nlohmann::json;

namespace {

// "key=value" fields of one line, in order.
std::optional<std::vector<std::pair<std::string_view, uint64_t>>> fields_of(std::string_view line) {
  std::vector<std::pair<std::string_view, uint64_t>> out;
  while (!line.empty()) {
    size_t sp = line.find(' ');
    std::string_view tok = line.substr(0, sp);
    line = sp == std::string_view::npos ? std::string_view() : line.substr(sp + 1);
    if (tok.empty()) continue;
    size_t eq = tok.find('=');
    if (eq == std::string_view::npos || eq == 0) return std::nullopt;
    uint64_t v = 0;
    std::string_view num = tok.substr(eq + 1);
    auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), v);
    if (ec != std::errc() || p != num.data() + num.size()) return std::nullopt;
    out.emplace_back(tok.substr(0, eq), v);
  }
  return out;
}

std::optional<double> per_io(uint64_t count, double ios) {
  return ios > 0 ? std::optional<double>(static_cast<double>(count) / ios) : std::nullopt;
}

const char* const mmio_counter =
    "TCG plugin insn_window, mmio=on: guest stores to I/O memory in the run's window, NVMe doorbells "
    "(BAR0 from 0x1000) apart from the others (the local APIC's EOI above all)";

bool counts_mmio(const InsnWindow& w) { return w.mmio_doorbell && w.mmio_other; }

// Window i as runs[i].instructions, and the medians per path, in the
// order paths first appear; the MMIO medians too when every window has
// them.
struct AttachedPaths {
  std::vector<PathInstructions> instructions;
  std::vector<PathMmio> mmio;
};

AttachedPaths attach_runs(std::vector<RunRecord>& runs, const InsnWindowFile& file) {
  std::vector<std::string> order;
  std::map<std::string, std::vector<double>> kern, user, useful, doorbell, other;
  for (size_t i = 0; i < runs.size(); i++) {
    const InsnWindow& w = file.windows[i];
    RunRecord& r = runs[i];
    auto ios = static_cast<double>(r.ios);
    bool marked = w.polls && w.empty_polls && w.empty_kernel && w.empty_user && *w.polls > 0;
    RunInstructions ri;
    ri.window = w.index;
    ri.kernel = w.kernel;
    ri.user = w.user;
    ri.kernel_per_io = per_io(w.kernel, ios);
    ri.user_per_io = per_io(w.user, ios);
    ri.marked_polls = w.polls;
    if (marked) {
      ri.empty_polls = w.empty_polls;
      ri.empty_poll_kernel = w.empty_kernel;
      ri.empty_poll_user = w.empty_user;
    }
    ri.useful_kernel_per_io =
        marked ? per_io(w.kernel - std::min(w.kernel, *w.empty_kernel), ios) : per_io(w.kernel, ios);
    ri.empty_polls_separated = marked;
    if (counts_mmio(w))
      ri.mmio = RunMmioWrites{*w.mmio_doorbell, *w.mmio_other, per_io(*w.mmio_doorbell, ios),
                              per_io(*w.mmio_other, ios)};
    r.instructions = ri;
    if (!kern.count(r.path)) order.push_back(r.path);
    if (ios > 0) {
      kern[r.path].push_back(*ri.kernel_per_io);
      user[r.path].push_back(*ri.user_per_io);
      useful[r.path].push_back(*ri.useful_kernel_per_io);
      if (ri.mmio) {
        doorbell[r.path].push_back(*ri.mmio->doorbell_per_io);
        other[r.path].push_back(*ri.mmio->other_per_io);
      }
    } else {
      kern[r.path];
    }
  }
  AttachedPaths paths;
  for (const auto& p : order) {
    paths.instructions.push_back(PathInstructions{p, summarize(kern[p]), summarize(user[p]), summarize(useful[p])});
    if (doorbell.count(p)) paths.mmio.push_back(PathMmio{p, summarize(doorbell[p]), summarize(other[p])});
  }
  return paths;
}

}  // namespace

Result<InsnWindowFile> parse_insn_windows(std::string_view text) {
  InsnWindowFile f;
  unsigned lineno = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    lineno++;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    auto bad = [&] { return usage_error(fmt::format("line {}: not an insn_window line: '{}'", lineno, line)); };
    if (line.starts_with("unclosed-window ")) {
      if (!fields_of(line.substr(16))) return bad();
      f.unclosed = true;
      continue;
    }
    auto kv = fields_of(line);
    if (!kv || kv->empty() || kv->front().first != "window") return bad();
    InsnWindow w;
    bool have_kernel = false, have_user = false;
    for (const auto& [k, v] : *kv) {
      if (k == "window") w.index = static_cast<unsigned>(v);
      else if (k == "kernel") w.kernel = v, have_kernel = true;
      else if (k == "user") w.user = v, have_user = true;
      else if (k == "polls") w.polls = v;
      else if (k == "empty_polls") w.empty_polls = v;
      else if (k == "empty_kernel") w.empty_kernel = v;
      else if (k == "empty_user") w.empty_user = v;
      else if (k == "mmio_doorbell") w.mmio_doorbell = v;
      else if (k == "mmio_other") w.mmio_other = v;
    }
    if (!have_kernel || !have_user) return bad();
    if (w.mmio_doorbell.has_value() != w.mmio_other.has_value())
      return usage_error(fmt::format("line {}: mmio_doorbell and mmio_other come together, one is missing: '{}'",
                                     lineno, line));
    f.windows.push_back(w);
  }
  return f;
}

AttachOutcome attach_insn_windows(json& report, const InsnWindowFile& file, const std::string& source) {
  AttachOutcome out;
  std::optional<ReportRuns> read = read_report_runs(report);
  if (!read) {
    out.message = fmt::format("{}: the report's runs do not read as runs: instruction counts not attached", source);
    return out;
  }
  ReportRuns& doc = *read;
  for (auto& r : doc.runs) r.instructions.reset();  // attach afresh
  size_t nruns = doc.runs.size();
  bool numbered = true;
  for (size_t i = 0; i < file.windows.size(); i++) numbered &= file.windows[i].index == i + 1;
  if (file.windows.size() != nruns) {
    out.message = fmt::format("{} has {} window(s) for {} run(s){}: instruction counts not attached", source,
                              file.windows.size(), nruns,
                              file.unclosed ? " and a window the guest never closed" : "");
  } else if (!numbered) {
    out.message = fmt::format("{}: windows are not numbered 1..{} in order (several guests or runs wrote to it?): "
                              "instruction counts not attached",
                              source, nruns);
  } else {
    out.attached = true;
    out.message = fmt::format("{} window(s) from {}, one per run, in run order", nruns, source);
  }
  doc.instructions = Instructions{source, "TCG plugin insn_window: guest instructions between the run's window marks",
                                  out.attached ? "attached" : "not_attached", out.message, file.windows.size(), nruns,
                                  {}};
  // Counts of this boot replace any earlier ones; a separate boot's stay.
  if (doc.mmio && doc.mmio->boot == "same") doc.mmio.reset();
  bool mmio = out.attached && !file.windows.empty() && std::all_of(file.windows.begin(), file.windows.end(), counts_mmio);
  if (out.attached) {
    AttachedPaths paths = attach_runs(doc.runs, file);
    doc.instructions->paths = std::move(paths.instructions);
    if (mmio) doc.mmio = MmioRecord{"same", source, mmio_counter, std::move(paths.mmio)};
  }
  write_report_runs(report, doc);
  return out;
}

AttachOutcome attach_separate_mmio(json& report, const json& mmio_report, const std::string& source) {
  AttachOutcome out;
  std::optional<ReportRuns> doc = read_report_runs(report);
  if (!doc) {
    out.message = "the report's runs do not read as runs: MMIO counts not attached";
    return out;
  }
  std::optional<ReportRuns> counted = read_report_runs(mmio_report);
  if (!counted || !counted->mmio || counted->mmio->boot != "same") {
    out.message = fmt::format("{} has no MMIO counts of its own runs (attach-windows with the windows of a boot "
                              "whose plugin ran with mmio=on): MMIO counts not attached",
                              source);
    return out;
  }
  MmioRecord m{"separate", source, counted->mmio->counter, {}};
  std::vector<std::string> seen;
  std::string left_out;
  for (const auto& r : doc->runs) {
    if (std::find(seen.begin(), seen.end(), r.path) != seen.end()) continue;
    seen.push_back(r.path);
    auto it = std::find_if(counted->mmio->paths.begin(), counted->mmio->paths.end(),
                           [&](const PathMmio& p) { return p.path == r.path; });
    if (it != counted->mmio->paths.end()) m.paths.push_back(*it);
    else left_out += (left_out.empty() ? "" : ", ") + r.path;
  }
  if (m.paths.empty()) {
    out.message = fmt::format("{} counted MMIO on none of the report's paths: MMIO counts not attached", source);
    return out;
  }
  out.attached = true;
  out.message = fmt::format("MMIO counts of {} path(s) from the separate boot of {}{}", m.paths.size(), source,
                            left_out.empty() ? "" : "; not counted there: " + left_out);
  doc->mmio = std::move(m);
  write_report_runs(report, *doc);
  return out;
}

}  // namespace qb
