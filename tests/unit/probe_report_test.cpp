// The probes' figures: per-I/O math, useless-poll ratio, symbol aggregation,
// merging rounds, the no-privilege line and the report JSON.
#include "probe_report.h"

#include <gtest/gtest.h>

#include <cerrno>

namespace qb {
namespace {

KsymIndex ksyms() {
  return KsymIndex({{0x1000, "nvme_poll"}, {0x2000, "blk_hctx_poll"}, {0x3000, "io_do_iopoll"},
                    {0x4000, "bpf_prog_abc_do_sample"}, {0x5000, "nvme_write_sq_db"}});
}

TEST(ProbeReport, CallsPerIo) {
  EXPECT_DOUBLE_EQ(calls_per_io(300, 100), 3.0);
  EXPECT_DOUBLE_EQ(calls_per_io(5, 0), 0.0);
}

TEST(ProbeReport, UselessRatio) {
  EXPECT_DOUBLE_EQ(*useless_ratio(50, 100), 0.5);
  EXPECT_FALSE(useless_ratio(0, 0).has_value());
}

TEST(ProbeReport, SymbolizeCountsSelfAtTheLeafAndTotalOncePerStack) {
  std::vector<StackSample> st{
      {{0x1010, 0x2010, 0x3010}, 6},          // nvme_poll <- blk_hctx_poll <- io_do_iopoll
      {{0x2020, 0x3020}, 3},                  // blk_hctx_poll <- io_do_iopoll
      {{0x1010, 0x1020, 0x3010}, 1},          // recursion: nvme_poll counted once in total
      {{0x9999999, 0x3010}, 2},               // unknown leaf
  };
  auto s = symbolize(st, ksyms());
  ASSERT_GE(s.size(), 4u);
  EXPECT_EQ(s[0].symbol, "nvme_poll");
  EXPECT_EQ(s[0].self, 7u);
  EXPECT_EQ(s[0].total, 7u);
  EXPECT_EQ(s[1].symbol, "blk_hctx_poll");
  EXPECT_EQ(s[1].self, 3u);
  EXPECT_EQ(s[1].total, 9u);
  auto io = std::find_if(s.begin(), s.end(), [](const SymbolCount& c) { return c.symbol == "io_do_iopoll"; });
  ASSERT_NE(io, s.end());
  EXPECT_EQ(io->self, 0u);
  EXPECT_EQ(io->total, 12u);
  auto unk = std::find_if(s.begin(), s.end(), [](const SymbolCount& c) { return c.symbol == "[unknown]"; });
  ASSERT_NE(unk, s.end());
  EXPECT_EQ(unk->self, 2u);
}

TEST(ProbeReport, ProfileSummaryCountsKernelUserAndProbeSamples) {
  ProfileSamples ps;
  ps.frequency_hz = 999;
  ps.samples = 20;
  ps.user_samples = 8;
  ps.lost_samples = 1;
  ps.stacks = {{{0x1010, 0x3010}, 7}, {{0x4010, 0x5010}, 4}};
  auto p = summarize_profile(ps, ksyms());
  EXPECT_TRUE(p.available);
  EXPECT_EQ(p.kernel_samples, 11u);
  EXPECT_EQ(p.probe_samples, 4u);
  auto j = probe_window_json(ProbeWindow{1.0, 100, {}, p});
  EXPECT_DOUBLE_EQ(j["profile"]["probe_share"].get<double>(), 0.2);
  ASSERT_EQ(j["profile"]["top_symbols"].size(), 2u);
  EXPECT_EQ(j["profile"]["top_symbols"][0]["symbol"], "nvme_poll");
  EXPECT_DOUBLE_EQ(j["profile"]["top_symbols"][0]["self_share"].get<double>(), 7.0 / 20);
}

KFuncCount fn(const char* name, bool poll, AttachKind k, uint64_t calls, uint64_t empty, std::string note = "") {
  KFuncCount f;
  f.name = name;
  f.poll = poll;
  f.attach = k;
  f.calls = calls;
  f.empty = empty;
  f.note = std::move(note);
  return f;
}

TEST(ProbeReport, MergeSumsRoundsAndKeepsUnavailability) {
  ProbeWindow a, b;
  a.window_s = 1, a.ios = 100;
  b.window_s = 2, b.ios = 300;
  a.functions = {fn("nvme_poll", true, AttachKind::fentry, 200, 100), fn("blk_stat_add", false, AttachKind::fentry, 100, 0)};
  b.functions = {fn("nvme_poll", true, AttachKind::fentry, 600, 150),
                 fn("blk_stat_add", false, AttachKind::none, 0, 0, "fentry attach failed: Invalid argument")};
  a.profile.available = b.profile.available = true;
  a.profile.samples = 10, b.profile.samples = 30;
  a.profile.symbols = {{"nvme_poll", 5, 6}};
  b.profile.symbols = {{"nvme_poll", 1, 2}, {"xas_load", 9, 9}};
  ProbeWindow m = merge_windows({&a, &b});
  EXPECT_DOUBLE_EQ(m.window_s, 3);
  EXPECT_EQ(m.ios, 400u);
  EXPECT_EQ(m.functions[0].calls, 800u);
  EXPECT_EQ(m.functions[0].empty, 250u);
  EXPECT_EQ(m.functions[1].attach, AttachKind::none);
  EXPECT_EQ(m.functions[1].note, "fentry attach failed: Invalid argument");
  EXPECT_EQ(m.profile.samples, 40u);
  ASSERT_EQ(m.profile.symbols.size(), 2u);
  EXPECT_EQ(m.profile.symbols[0].symbol, "xas_load");
  EXPECT_EQ(m.profile.symbols[1].self, 6u);
}

TEST(ProbeReport, FunctionJson) {
  ProbeWindow w;
  w.ios = 100;
  w.functions = {fn("nvme_poll", true, AttachKind::kprobe, 400, 200, "no BTF for this function"),
                 fn("blk_stat_add", false, AttachKind::fentry, 100, 0),
                 fn("nvme_uq_iopoll", true, AttachKind::none, 0, 0, "not in /proc/kallsyms: x")};
  auto j = probe_window_json(w);
  auto& f = j["functions"];
  EXPECT_EQ(f[0]["attach"], "kprobe");
  EXPECT_DOUBLE_EQ(f[0]["calls_per_io"].get<double>(), 4.0);
  EXPECT_DOUBLE_EQ(f[0]["useless_ratio"].get<double>(), 0.5);
  EXPECT_EQ(f[0]["note"], "no BTF for this function");
  EXPECT_FALSE(f[1].contains("useless_ratio"));
  EXPECT_TRUE(f[1]["note"].is_null());
  EXPECT_FALSE(f[2]["available"].get<bool>());
  EXPECT_TRUE(f[2]["attach"].is_null());
  EXPECT_FALSE(f[2].contains("calls"));
  EXPECT_EQ(f[2]["note"], "not in /proc/kallsyms: x");
}

TEST(ProbeReport, NoPrivilegeLine) {
  Error e = runtime_error("failed to load the kcount BPF programs: Operation not permitted", EPERM);
  std::string line = probe_unavailable_line(e, false);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_EQ(line.rfind("probes: off: no privilege for BPF tracing", 0), 0u) << line;
  EXPECT_NE(line.find("the run continues without probes"), std::string::npos);
  std::string req = probe_unavailable_line(e, true);
  EXPECT_EQ(req.rfind("--probes=required: no privilege", 0), 0u) << req;
  EXPECT_EQ(req.find("continues"), std::string::npos);
}

TEST(ProbeReport, NoBpfSupportLine) {
  Error e = runtime_error("failed to load the kcount BPF programs: Function not implemented", ENOSYS);
  EXPECT_NE(probe_unavailable_line(e, false).find("no usable BPF tracing"), std::string::npos);
}

TEST(ProbeReport, SummaryCostAndTables) {
  PathProbeSummary p;
  p.path = "block-poll";
  p.rounds = 2;
  p.merged.ios = 1000;
  p.merged.functions = {fn("nvme_poll", true, AttachKind::fentry, 2000, 1000),
                        fn("__rcu_read_lock", false, AttachKind::none, 0, 0, "not in /proc/kallsyms: y")};
  p.cost_measured = true;
  p.iops_off = {100, 120};
  p.iops_on = {90, 110};
  auto j = probe_summary_json("auto", "on", "", {p});
  EXPECT_TRUE(j["message"].is_null());
  EXPECT_DOUBLE_EQ(j["paths"][0]["cost"]["iops_change"].get<double>(), 100.0 / 110 - 1);
  std::string t = format_probe_tables({p});
  EXPECT_NE(t.find("2.00 (50.0% useless)"), std::string::npos) << t;
  EXPECT_NE(t.find("__rcu_read_lock: not in /proc/kallsyms: y"), std::string::npos) << t;
  EXPECT_NE(t.find("probe cost, block-poll"), std::string::npos) << t;
}

TEST(ProbeReport, ProbeSymbols) {
  EXPECT_TRUE(is_probe_symbol("bpf_prog_5f4adb92b9eae3f1_do_sample"));
  EXPECT_TRUE(is_probe_symbol("__bpf_prog_enter_recur"));
  EXPECT_TRUE(is_probe_symbol("bpf_trampoline_6442"));
  EXPECT_FALSE(is_probe_symbol("nvme_poll"));
}

}  // namespace
}  // namespace qb
