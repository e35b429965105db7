#include "diff.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

#include "report_document.h"
#include "statistics.h"

namespace qb {

namespace {

constexpr double max_threshold = 10.0;  // 1000%

Result<double> parse_percent(std::string_view text, std::string_view arg) {
  std::string_view num = text;
  if (!num.empty() && num.back() == '%') num.remove_suffix(1);
  double v = 0;
  auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), v);
  if (num.empty() || ec != std::errc() || p != num.data() + num.size() || !std::isfinite(v) || v <= 0 ||
      v / 100 > max_threshold)
    return usage_error(fmt::format("--threshold {}: \"{}\" is not a percentage above 0 and at most {:.0f}; "
                                   "use e.g. --threshold 5 or --threshold p99=20",
                                   arg, text, max_threshold * 100));
  return v / 100;
}

// Each test's name in words and as the changes table abbreviates it.
struct GateTestNames {
  const char* name;
  const char* abbreviation;
};

GateTestNames names_of(GateTest t) {
  switch (t) {
    case GateTest::mann_whitney: return {"Mann-Whitney U", "U"};
    case GateTest::rounds_apart: return {"rounds apart", "apart"};
    case GateTest::not_testable: return {"not testable", "-"};
  }
  return {"?", "?"};
}

bool checked(const MetricDef& m, const DiffOptions& o) { return m.gated || o.per_metric.count(m.key); }

// Worse by more than the threshold with the evidence, or better by more
// with the evidence; worse without it is not significant.
void judge(MetricChange& c, bool worse_shown, bool better_shown) {
  if (c.worse > c.threshold) c.verdict = worse_shown ? Verdict::regression : Verdict::not_significant;
  else if (-c.worse > c.threshold && better_shown) c.verdict = Verdict::improved;
  else c.verdict = Verdict::ok;
}

// Every value of high above every value of low.
bool apart(std::span<const double> low, std::span<const double> high) {
  return !low.empty() && !high.empty() &&
         *std::min_element(high.begin(), high.end()) > *std::max_element(low.begin(), low.end());
}

// An instruction count repeats to within 1% only where the path does not
// poll: a polled path's counts include its polling, which follows the
// timing (the lab's spreads reach 20-90%). There they are gated as
// wall-clock metrics, except the useful kernel work of a path that marks
// its polls (uq-poll-check), which leaves the empty polls out.
MetricKind kind_on_path(const MetricDef& m, const PathAggregate& b, const PathAggregate& n) {
  if (m.kind != MetricKind::counted || (!b.poll && !n.poll)) return m.kind;
  bool polls_left_out = m.member == &PathAggregate::useful_kinsn_per_io && b.empty_polls_separated &&
                        n.empty_polls_separated;
  return polls_left_out ? MetricKind::counted : MetricKind::wall_clock;
}

MetricChange compare(const std::string& path, const MetricDef& m, const PathAggregate& b, const PathAggregate& n,
                     const DiffOptions& o) {
  MetricChange c;
  c.path = path;
  c.metric = &m;
  const Summary& sb = b.*(m.member);
  const Summary& sn = n.*(m.member);
  c.base = sb.median;
  c.now = sn.median;
  c.change = sb.median != 0 ? (sn.median - sb.median) / std::fabs(sb.median) : (sn.median != 0 ? 1 : 0);
  c.worse = m.higher_is_better ? -c.change : c.change;
  auto it = o.per_metric.find(m.key);
  c.threshold = it != o.per_metric.end() ? it->second : o.threshold;
  std::span<const double> base = b.round_values(m.key), now = n.round_values(m.key);
  c.n_base = static_cast<unsigned>(base.size());
  c.n_new = static_cast<unsigned>(now.size());
  // Lower is better: worse is higher; else worse is lower.
  std::span<const double> lo = m.higher_is_better ? now : base, hi = m.higher_is_better ? base : now;
  c.kind = kind_on_path(m, b, n);
  if (c.kind == MetricKind::counted) {
    c.test = GateTest::rounds_apart;
    judge(c, apart(lo, hi), apart(hi, lo));
  } else {
    c.p_worse = mann_whitney_greater_p(lo, hi);
    c.p_better = mann_whitney_greater_p(hi, lo);
  }
  return c;
}

// The fewest rounds a side whose exact U test can reach level.
unsigned rounds_for(double level) {
  unsigned n = 1;
  while (mann_whitney_min_p(n, n) > level && n < 64) n++;
  return n;
}

// The wall-clock metrics of every path: one family. Which are testable is
// fixed by the round counts alone (Tarone): the smallest k such that at
// most k comparisons can reach alpha / k; those are tested, Holm-corrected
// among themselves, the rest are not testable.
NotTestable gate_wall_clock(std::vector<MetricChange>& changes, double alpha) {
  NotTestable out;
  std::vector<MetricChange*> family;
  for (auto& c : changes)
    if (c.metric && c.verdict != Verdict::missing && c.kind == MetricKind::wall_clock) family.push_back(&c);
  if (family.empty()) return out;
  auto reachable = [&](const MetricChange& c, double level) { return mann_whitney_min_p(c.n_base, c.n_new) <= level; };
  size_t k = 1;
  for (;; k++) {
    size_t can = 0;
    for (const auto* c : family) can += reachable(*c, alpha / static_cast<double>(k));
    if (can <= k) break;
  }
  std::vector<MetricChange*> tested;
  unsigned needed = rounds_for(alpha / static_cast<double>(family.size()));
  for (auto* c : family) {
    if (reachable(*c, alpha / static_cast<double>(k))) {
      tested.push_back(c);
      continue;
    }
    c->test = GateTest::not_testable;
    c->rounds_needed = needed;
    c->verdict = Verdict::not_testable;
    out.count++;
    out.worse_than_threshold += c->worse > c->threshold;
    out.rounds_needed = needed;
  }
  std::vector<double> worse_p, better_p, worse_level;
  for (const auto* c : tested) {
    worse_p.push_back(c->p_worse);
    better_p.push_back(c->p_better);
  }
  std::vector<bool> worse = holm_rejected(worse_p, alpha, &worse_level), better = holm_rejected(better_p, alpha);
  for (size_t i = 0; i < tested.size(); i++) {
    tested[i]->test = GateTest::mann_whitney;
    tested[i]->alpha = worse_level[i];
    judge(*tested[i], worse[i], better[i]);
  }
  return out;
}

}  // namespace

const char* gate_test_name(GateTest t) { return names_of(t).name; }

std::string MetricChange::evidence() const {
  switch (test) {
    case GateTest::mann_whitney:
      return fmt::format("Mann-Whitney U p={:.4f} {} {:.4f} (Holm), {} vs {} rounds", p_worse,
                         p_worse <= alpha ? "<=" : ">", alpha, n_base, n_new);
    case GateTest::rounds_apart:
      return fmt::format("{}, {} vs {} rounds",
                         verdict == Verdict::regression ? "every new round worse than every base round"
                         : verdict == Verdict::improved ? "every new round better than every base round"
                                                        : "the rounds overlap",
                         n_base, n_new);
    case GateTest::not_testable:
      return fmt::format("not testable with {} vs {} rounds (needs at least {} a side)", n_base, n_new,
                         rounds_needed);
  }
  return "?";
}

const char* verdict_name(Verdict v) {
  switch (v) {
    case Verdict::ok: return "ok";
    case Verdict::improved: return "improved";
    case Verdict::not_significant: return "not significant";
    case Verdict::not_testable: return "not testable";
    case Verdict::regression: return "REGRESSION";
    case Verdict::missing: return "MISSING";
  }
  return "?";
}

Result<DiffOptions> parse_thresholds(const std::vector<std::string>& args) {
  DiffOptions o;
  for (const auto& a : args) {
    auto eq = a.find('=');
    if (eq == std::string::npos) {
      auto v = parse_percent(a, a);
      if (!v) return v.error();
      o.threshold = *v;
      continue;
    }
    std::string key = a.substr(0, eq);
    if (!find_metric(key))
      return usage_error(fmt::format("--threshold {}: unknown metric \"{}\"; metrics: {}", a, key, metric_keys()));
    auto v = parse_percent(std::string_view(a).substr(eq + 1), a);
    if (!v) return v.error();
    o.per_metric[key] = *v;
  }
  return o;
}

std::vector<const MetricChange*> DiffResult::regressions() const {
  std::vector<const MetricChange*> out;
  for (const auto& c : changes)
    if (c.verdict == Verdict::regression || c.verdict == Verdict::missing) out.push_back(&c);
  return out;
}

DiffResult diff_reports(const ReportData& base, const ReportData& now, const DiffOptions& o) {
  DiffResult d;
  if (base.workload_line() != now.workload_line())
    d.notes.push_back(fmt::format("The workloads differ (base: {}; new: {}): the change may not be the kernel's.",
                                  base.workload_line(), now.workload_line()));
  if (base.kernel_release != now.kernel_release)
    d.notes.push_back(fmt::format("Kernel {} -> {}.", base.kernel_release, now.kernel_release));
  std::set<std::string> not_measured, seen;  // skipped for some path; compared or failed for some path
  std::vector<std::string> timed_counts;  // --counted-only: instruction counts left out as timed
  for (const auto& b : base.paths) {
    const PathAggregate* n = now.find(b.path);
    if (!n) {
      MetricChange c;
      c.path = b.path;
      c.verdict = Verdict::missing;
      d.changes.push_back(c);
      continue;
    }
    for (const auto& m : metric_defs()) {
      if (!checked(m, o)) continue;
      if (o.counted_only && m.kind != MetricKind::counted) continue;
      bool in_base = (b.*(m.member)).n > 0, in_new = ((*n).*(m.member)).n > 0;
      // A metric measured only where something ran (probes, the lab's
      // counter, hardware counters) is compared when both reports have it
      // and skipped, said once, when neither has it and no --threshold asked
      // for it. Missing from one report, or asked for and missing, it fails.
      if (!in_base && !in_new && m.optional && !o.per_metric.count(m.key)) {
        not_measured.insert(m.key);
        continue;
      }
      if (!in_base || !in_new) {
        MetricChange c;
        c.path = b.path;
        c.metric = &m;
        c.verdict = Verdict::missing;
        c.missing_from = !in_base && !in_new ? "both reports" : !in_new ? "the new report" : "the base report";
        d.changes.push_back(c);
        seen.insert(m.key);
        continue;
      }
      MetricChange c = compare(b.path, m, b, *n, o);
      seen.insert(m.key);
      if (o.counted_only && c.kind != MetricKind::counted) {
        timed_counts.push_back(fmt::format("{} {}", b.path, m.key));
        continue;
      }
      d.changes.push_back(c);
    }
  }
  if (o.counted_only) {
    std::string left;
    for (const auto& t : timed_counts) left += (left.empty() ? "" : ", ") + t;
    d.notes.push_back(fmt::format(
        "Only counted metrics are gated (--counted-only): wall-clock metrics are not compared{}.",
        left.empty() ? "" : ", nor the instruction counts that include polling, which follow the timing: " + left));
  }
  std::string unmeasured;
  for (const auto& key : not_measured)
    if (!seen.count(key)) unmeasured += (unmeasured.empty() ? "" : ", ") + key;
  if (!unmeasured.empty())
    d.notes.push_back(fmt::format("Measured in neither report, so not gated: {} (give --threshold METRIC=PCT to "
                                  "require one).",
                                  unmeasured));
  for (const auto& n : now.paths)
    if (!base.find(n.path)) d.notes.push_back(fmt::format("Path {} is new; nothing to compare it with.", n.path));
  d.not_testable = gate_wall_clock(d.changes, o.alpha);
  if (base.partial) d.notes.push_back("The base report is partial. " + base.partial_line());
  if (now.partial) d.notes.push_back("The new report is partial. " + now.partial_line());
  return d;
}

namespace {

// The two reports and the rule the gate applies.
Section diff_head(const ReportData& base, const ReportData& now, const DiffOptions& o) {
  Section head{1, "nvme-qbench diff", {}};
  Block f;
  f.kind = Block::Kind::fields;
  f.fields = {{"base", fmt::format("{} ({}, {}, git {})", base.file, base.created_at, base.kernel_release,
                                   base.git_revision)},
              {"new", fmt::format("{} ({}, {}, git {})", now.file, now.created_at, now.kernel_release,
                                  now.git_revision)}};
  head.blocks.push_back(f);
  Block rule;
  rule.kind = Block::Kind::text;
  std::string per;
  for (const auto& [k, v] : o.per_metric) per += fmt::format(", {} {}", k, format_percent(v));
  std::string counted;
  for (const auto& m : metric_defs())
    if (m.kind == MetricKind::counted) counted += fmt::format("{}{}", counted.empty() ? "" : ", ", m.key);
  rule.lines.push_back(fmt::format(
      "A metric regresses when its median is worse than the base's by more than the threshold (the effect size: "
      "{}{}) and the rounds show it. Counted metrics (the lab's instruction counts: {}; test apart) must have "
      "every new round worse than every base round; with one round a side the effect size alone decides. "
      "Wall-clock metrics (all others; test U) take a one-sided exact Mann-Whitney U test (ties at mid-ranks) over "
      "the per-round values, Holm-Bonferroni corrected to a family-wise p <= {:.2f} over the wall-clock "
      "comparisons of every path. Those the round counts let reach {:.2f} / k, for the smallest k such that at "
      "most k of them can, are tested and Holm-corrected among themselves; the rest (all of them with one round, "
      "and with 3 rounds a side once there is more than one comparison) are not testable and do not fail the "
      "gate. Worse by more than the "
      "threshold without that support is shown as not significant, not failed. Metrics measured only with probes, "
      "the lab's counter or hardware counters are compared when both reports have them; missing from one report, "
      "or asked for by --threshold and missing, they fail.",
      format_percent(o.threshold), per, counted, o.alpha, o.alpha));
  head.blocks.push_back(rule);
  return head;
}

// One row per path and metric compared.
Section changes_section(const DiffResult& d) {
  Section s{2, "Changes", {}};
  Block t;
  t.kind = Block::Kind::table;
  t.table.header = {"path", "metric", "base", "new", "change", "test", "p", "verdict"};
  for (const auto& c : d.changes) {
    if (c.verdict == Verdict::missing) {
      t.table.rows.push_back(
          {c.path, c.metric ? c.metric->key : "-", "-", "-", "-", "-", "-", verdict_name(c.verdict)});
      continue;
    }
    t.table.rows.push_back({c.path, c.metric->key, format_metric(*c.metric, c.base), format_metric(*c.metric, c.now),
                            fmt::format("{:+.1f}%", c.change * 100), names_of(c.test).abbreviation,
                            c.test == GateTest::mann_whitney ? fmt::format("{:.4f}", c.p_worse) : "-", verdict_name(c.verdict)});
  }
  s.blocks.push_back(t);
  return s;
}

// The notes, what could not be tested, each regression and PASS or FAIL.
Section verdict_section(const DiffResult& d, const DiffOptions& o) {
  Section v{2, "Verdict", {}};
  Block lines;
  lines.kind = Block::Kind::text;
  for (const auto& n : d.notes) lines.lines.push_back("Note: " + n);
  if (const NotTestable& u = d.not_testable; u.count)
    lines.lines.push_back(fmt::format(
        "NOT TESTABLE: {} wall-clock comparison(s), {} of them worse than the threshold: with these rounds the "
        "Mann-Whitney U test cannot reach p <= {:.2f} Holm-corrected over them, so nothing is known of them. Run "
        "at least {} rounds a side to gate them.",
        u.count, u.worse_than_threshold, o.alpha, u.rounds_needed));
  auto regs = d.regressions();
  for (const auto* c : regs)
    lines.lines.push_back(!c->metric ? fmt::format("REGRESSION: path {} is missing from the new report", c->path)
                          : c->verdict == Verdict::missing
                              ? fmt::format("REGRESSION: {} {} is missing from {}", c->path, c->metric->key,
                                            c->missing_from)
                              : fmt::format("REGRESSION: {} {} {:+.1f}% (threshold {}; {})", c->path,
                                            c->metric->key, c->change * 100, format_percent(c->threshold),
                                            c->evidence()));
  if (!regs.empty())
    lines.lines.push_back(fmt::format("FAIL: {} regression(s).", regs.size()));
  else if (d.inconclusive())
    lines.lines.push_back(fmt::format("INCONCLUSIVE: no regression found, but {} wall-clock metric(s) worse than "
                                      "their threshold could not be tested.",
                                      d.not_testable.worse_than_threshold));
  else
    lines.lines.push_back("PASS: no regression.");
  if (o.counted_only)
    lines.lines.push_back("Counted metrics repeat between boots (same workload, same instrumentation), so two "
                          "boots, such as two kernels, compare on them.");
  else
    lines.lines.push_back("The rounds of a report come from one boot: a test over them says what holds within a "
                          "boot, not between boots, which differ more (compare several boots' reports, e.g. with "
                          "nvme-qbench dashboard).");
  v.blocks.push_back(lines);
  return v;
}

}  // namespace

std::string format_diff(const DiffResult& d, const ReportData& base, const ReportData& now, const DiffOptions& o) {
  Document doc;
  doc.sections.push_back(diff_head(base, now, o));
  doc.sections.push_back(changes_section(d));
  doc.sections.push_back(verdict_section(d, o));
  return layout_text(doc);
}

}  // namespace qb
