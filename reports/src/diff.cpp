#include "diff.h"

#include <fmt/format.h>

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
    case GateTest::bootstrap: return {"bootstrap CI", "boot"};
    case GateTest::threshold_only: return {"threshold only", "thr"};
  }
  return {"?", "?"};
}

bool checked(const MetricDef& m, const DiffOptions& o) { return m.gated || o.per_metric.count(m.key); }

// The one-sided test over per-round values: are the new rounds worse?
// Lower is better: worse is higher; else worse is lower.
void decide(MetricChange& c, std::span<const double> base, std::span<const double> now, bool higher_is_better,
            double alpha) {
  c.n_base = static_cast<unsigned>(base.size());
  c.n_new = static_cast<unsigned>(now.size());
  std::span<const double> lo = higher_is_better ? now : base, hi = higher_is_better ? base : now;
  bool worse_significant = false, better_significant = false;
  if (mann_whitney_min_p(c.n_base, c.n_new) <= alpha) {
    c.test = GateTest::mann_whitney;
    c.p_worse = mann_whitney_greater_p(lo, hi);
    c.p_better = mann_whitney_greater_p(hi, lo);
    worse_significant = c.p_worse <= alpha;
    better_significant = c.p_better <= alpha;
  } else if (c.n_base >= 2 && c.n_new >= 2) {
    c.test = GateTest::bootstrap;
    c.ratio_low = bootstrap_median_ratio_lower(lo, hi, 1 - alpha);
    worse_significant = c.ratio_low > 1;
    better_significant = bootstrap_median_ratio_lower(hi, lo, 1 - alpha) > 1;
  } else {
    c.test = GateTest::threshold_only;
    worse_significant = better_significant = true;
  }
  if (c.worse > c.threshold) c.verdict = worse_significant ? Verdict::regression : Verdict::not_significant;
  else if (-c.worse > c.threshold && better_significant) c.verdict = Verdict::improved;
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
  decide(c, b.round_values(m.key), n.round_values(m.key), m.higher_is_better, o.alpha);
  return c;
}

}  // namespace

const char* gate_test_name(GateTest t) { return names_of(t).name; }

std::string MetricChange::evidence() const {
  switch (test) {
    case GateTest::mann_whitney:
      return fmt::format("Mann-Whitney U p={:.3f}, {} vs {} rounds", p_worse, n_base, n_new);
    case GateTest::bootstrap:
      return fmt::format("bootstrap CI, worse by at least {:.1f}%, {} vs {} rounds", (ratio_low - 1) * 100, n_base,
                         n_new);
    case GateTest::threshold_only:
      return fmt::format("threshold only, {} vs {} round(s)", n_base, n_new);
  }
  return "?";
}

const char* verdict_name(Verdict v) {
  switch (v) {
    case Verdict::ok: return "ok";
    case Verdict::improved: return "improved";
    case Verdict::not_significant: return "not significant";
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
  bool one_round = false, few_rounds = false;
  std::set<std::string> not_measured, seen;  // skipped for some path; compared or failed for some path
  for (const auto& b : base.paths) {
    const PathAggregate* n = now.find(b.path);
    if (!n) {
      MetricChange c;
      c.path = b.path;
      c.verdict = Verdict::missing;
      d.changes.push_back(c);
      continue;
    }
    one_round |= b.rounds < 2 || n->rounds < 2;
    few_rounds |= mann_whitney_min_p(b.rounds, n->rounds) > o.alpha;
    for (const auto& m : metric_defs()) {
      if (!checked(m, o)) continue;
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
      d.changes.push_back(compare(b.path, m, b, *n, o));
      seen.insert(m.key);
    }
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
  if (one_round)
    d.notes.push_back("A report has one round per path: no test over rounds is possible, so the threshold alone "
                      "decides.");
  else if (few_rounds)
    d.notes.push_back(fmt::format("Too few rounds for the Mann-Whitney U test to reach p <= {:.2f} (it needs 3 "
                                  "against 3): a bootstrap confidence interval of the median ratio decides instead; "
                                  "run more rounds for the U test.",
                                  o.alpha));
  if (base.partial) d.notes.push_back("The base report is partial. " + base.partial_line());
  if (now.partial) d.notes.push_back("The new report is partial. " + now.partial_line());
  return d;
}

std::string format_diff(const DiffResult& d, const ReportData& base, const ReportData& now, const DiffOptions& o) {
  Document doc;
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
  rule.lines.push_back(fmt::format(
      "A metric regresses when its median is worse than the base's by more than the threshold (the effect size: "
      "{}{}) and a one-sided test over the per-round values finds the new rounds worse at p <= {:.2f}: the "
      "Mann-Whitney U test (exact, ties at mid-ranks; test U) when both reports have rounds enough for it to get "
      "there (3 and 3 or more), else a bootstrap {:.0f}% confidence interval of the median ratio that must lie "
      "wholly on the worse side (test boot, 2 rounds or more), else the threshold alone (one round; test thr). "
      "Worse by more than the threshold without the test's support is shown as not significant, not failed. "
      "Metrics measured only with probes, the lab's counter or hardware counters are compared when both reports "
      "have them; missing from one report, or asked for by --threshold and missing, they fail.",
      format_percent(o.threshold), per, o.alpha, (1 - o.alpha) * 100));
  head.blocks.push_back(rule);
  doc.sections.push_back(head);

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
                            c.p_worse >= 0 ? fmt::format("{:.3f}", c.p_worse) : "-", verdict_name(c.verdict)});
  }
  s.blocks.push_back(t);
  doc.sections.push_back(s);

  Section v{2, "Verdict", {}};
  Block lines;
  lines.kind = Block::Kind::text;
  for (const auto& n : d.notes) lines.lines.push_back("Note: " + n);
  auto regs = d.regressions();
  for (const auto* c : regs)
    lines.lines.push_back(!c->metric ? fmt::format("REGRESSION: path {} is missing from the new report", c->path)
                          : c->verdict == Verdict::missing
                              ? fmt::format("REGRESSION: {} {} is missing from {}", c->path, c->metric->key,
                                            c->missing_from)
                              : fmt::format("REGRESSION: {} {} {:+.1f}% (threshold {}; {})", c->path,
                                            c->metric->key, c->change * 100, format_percent(c->threshold),
                                            c->evidence()));
  lines.lines.push_back(regs.empty() ? "PASS: no regression."
                                     : fmt::format("FAIL: {} regression(s).", regs.size()));
  v.blocks.push_back(lines);
  doc.sections.push_back(v);
  return layout_text(doc);
}

}  // namespace qb
