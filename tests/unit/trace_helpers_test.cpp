// Availability decisions (fentry, kprobe or unavailable with a reason) from
// fake kallsyms, ftrace and BTF lists, and address symbolization.
#include "trace_helpers.h"

#include <gtest/gtest.h>

namespace qb {
namespace {

constexpr const char* kallsyms =
    "ffffffff81355168 t nvme_poll\n"
    "ffffffff81355100 t __pfx_nvme_poll\n"
    "ffffffff8125683f T blk_stat_add\n"
    "ffffffff81260319 T bio_associate_blkg\n"
    "ffffffff81251292 t blk_account_io_start.part.0\n"
    "ffffffff81424aa6 T xas_load\n"
    "ffffffff81500000 T __rcu_read_lock\n"
    "ffffffff81600000 d some_data\n"
    "ffffffffa0001000 t nvme_uq_iopoll\t[nvme]\n";

KernelFacts facts() {
  KernelFacts f;
  parse_kallsyms(kallsyms, f);
  f.btf_functions = NameSet{"nvme_poll", "blk_stat_add", "xas_load", "__rcu_read_lock", "nvme_uq_iopoll"};
  f.ftrace_functions = parse_function_list("nvme_poll\nblk_stat_add\nbio_associate_blkg\n__rcu_read_lock\n"
                                           "nvme_uq_iopoll [nvme]\n");
  f.kprobe_blacklist = parse_function_list("0xffffffff81424aa6-0xffffffff81424b00\txas_load\n");
  return f;
}

TEST(TraceHelpers, FentryWhenBtfAndFtraceAllowIt) {
  auto d = decide_attach("nvme_poll", facts());
  EXPECT_EQ(d.kind, AttachKind::fentry);
  EXPECT_TRUE(d.reason.empty());
  EXPECT_EQ(decide_attach("nvme_uq_iopoll", facts()).kind, AttachKind::fentry);  // module symbol
}

TEST(TraceHelpers, KprobeWithoutBtfForTheFunction) {
  auto d = decide_attach("bio_associate_blkg", facts());
  EXPECT_EQ(d.kind, AttachKind::kprobe);
  EXPECT_EQ(d.reason, "no BTF for this function");
}

TEST(TraceHelpers, KprobeWithoutKernelBtf) {
  KernelFacts f = facts();
  f.btf_functions.reset();
  f.btf_error = "no kernel BTF (/sys/kernel/btf/vmlinux; CONFIG_DEBUG_INFO_BTF)";
  auto d = decide_attach("nvme_poll", f);
  EXPECT_EQ(d.kind, AttachKind::kprobe);
  EXPECT_NE(d.reason.find("no kernel BTF"), std::string::npos);
}

TEST(TraceHelpers, KprobeWhenFtraceCannotHookIt) {
  KernelFacts f = facts();
  f.ftrace_functions = NameSet{"blk_stat_add"};
  auto d = decide_attach("nvme_poll", f);
  EXPECT_EQ(d.kind, AttachKind::kprobe);
  EXPECT_NE(d.reason.find("available_filter_functions"), std::string::npos);
}

TEST(TraceHelpers, FtraceListUnknownDoesNotBlockFentry) {
  KernelFacts f = facts();
  f.ftrace_functions.reset();
  EXPECT_EQ(decide_attach("blk_stat_add", f).kind, AttachKind::fentry);
}

TEST(TraceHelpers, FentryDeniedFunctionsFallBackToKprobe) {
  auto d = decide_attach("__rcu_read_lock", facts());
  EXPECT_EQ(d.kind, AttachKind::kprobe);
  EXPECT_NE(d.reason.find("btf_id_deny"), std::string::npos);
}

TEST(TraceHelpers, MissingFunctionIsUnavailableWithKnownReason) {
  auto d = decide_attach("__rcu_read_unlock", facts());
  EXPECT_EQ(d.kind, AttachKind::none);
  EXPECT_NE(d.reason.find("CONFIG_PREEMPT_RCU"), std::string::npos);
  d = decide_attach("blkg_lookup_create", facts());
  EXPECT_EQ(d.kind, AttachKind::none);
  EXPECT_NE(d.reason.find("inlined"), std::string::npos);
}

TEST(TraceHelpers, MissingFunctionIsUnavailableWithGenericReason) {
  auto d = decide_attach("no_such_function", facts());
  EXPECT_EQ(d.kind, AttachKind::none);
  EXPECT_EQ(d.reason, "not in /proc/kallsyms: inlined, renamed or not built on this kernel");
}

TEST(TraceHelpers, CompilerCloneIsNamed) {
  auto d = decide_attach("blk_account_io_start", facts());
  EXPECT_EQ(d.kind, AttachKind::none);
  EXPECT_NE(d.reason.find("blk_account_io_start.part.0"), std::string::npos);
}

TEST(TraceHelpers, KprobeBlacklistMakesItUnavailable) {
  KernelFacts f = facts();
  f.btf_functions->erase("xas_load");
  auto d = decide_attach("xas_load", f);
  EXPECT_EQ(d.kind, AttachKind::none);
  EXPECT_NE(d.reason.find("blacklist"), std::string::npos);
}

TEST(TraceHelpers, DataSymbolsAreNotFunctions) {
  EXPECT_EQ(decide_attach("some_data", facts()).kind, AttachKind::none);
}

TEST(TraceHelpers, KsymIndexFindsTheContainingSymbol) {
  KsymIndex idx = KsymIndex::from_kallsyms(kallsyms);
  ASSERT_NE(idx.find(0xffffffff81355170), nullptr);
  EXPECT_EQ(idx.find(0xffffffff81355170)->name, "nvme_poll");
  EXPECT_EQ(idx.find(0xffffffff8125683f)->name, "blk_stat_add");
  EXPECT_EQ(idx.find(0x1000), nullptr);
}

TEST(TraceHelpers, KsymIndexIgnoresHiddenAddresses) {
  KsymIndex idx = KsymIndex::from_kallsyms("0000000000000000 T nvme_poll\n0000000000000000 T xas_load\n");
  EXPECT_TRUE(idx.empty());
}

}  // namespace
}  // namespace qb
