// The CPU meters' pure parts: /proc/stat's irq and softirq fields,
// /proc/interrupts' lines, and the hardware counter group's read format; and that a machine without a PMU
// gives a reason instead of counts.
#include "cpu_meters.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>

namespace qb {
namespace {

constexpr const char* proc_stat =
    "cpu  100 0 50 1000 3 7 9 0 0 0\n"
    "cpu0 60 0 30 500 1 5 6 0 0 0\n"
    "cpu1 40 0 20 500 2 2 3 0 0 0\n"
    "cpu10 1 0 1 1 1 100 200 0 0 0\n"
    "intr 12345 0 0\n";

TEST(CpuMeters, IrqAndSoftirqOfTheGivenCpus) {
  auto one = parse_proc_stat_irq(proc_stat, {1}, 100);
  ASSERT_TRUE(one.has_value());
  EXPECT_EQ(one->irq_ns, 20000000u) << "2 ticks of 10 ms";
  EXPECT_EQ(one->softirq_ns, 30000000u);
  auto both = parse_proc_stat_irq(proc_stat, {0, 1}, 100);
  ASSERT_TRUE(both.has_value());
  EXPECT_EQ(both->irq_ns, 70000000u);
  EXPECT_EQ(both->softirq_ns, 90000000u);
  auto ten = parse_proc_stat_irq(proc_stat, {10}, 1000);
  ASSERT_TRUE(ten.has_value());
  EXPECT_EQ(ten->irq_ns, 100000000u) << "cpu10 is not cpu1";
  EXPECT_FALSE(parse_proc_stat_irq(proc_stat, {3}, 100).has_value()) << "an offline CPU";
  EXPECT_FALSE(parse_proc_stat_irq("cpu0 1 2 3\n", {0}, 100).has_value()) << "too few fields";
}

constexpr const char* proc_interrupts =
    "           CPU0       CPU1       \n"
    "  0:         84          1   IO-APIC   2-edge      timer\n"
    " 31:         10          0  PCI-MSIX-0000:01:00.0   0-edge      nvme0q0\n"
    " 32:        201          4  PCI-MSIX-0000:01:00.0   1-edge      nvme0q1\n"
    " 33:         30          3  PCI-MSIX-0000:01:00.0   2-edge      nvme0uq1\n"
    " 34:       1000          0  PCI-MSIX-0000:02:00.0   1-edge      nvme01q1\n"
    " 35:        500          0  PCI-MSIX-0000:01:00.0   3-edge      nvme0q\n"
    "LOC:       2207        100   Local timer interrupts\n"
    "ERR:          7\n"
    "MIS:          9\n";

TEST(CpuMeters, InterruptsOfEveryLineAndOfTheControllersQueues) {
  auto c = parse_proc_interrupts(proc_interrupts, "nvme0");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->device, 10u + 201 + 4 + 30 + 3) << "nvme0q<N> and nvme0uq<N>, not nvme01q1 nor a bare nvme0q";
  EXPECT_EQ(c->total, 85u + 10 + 205 + 33 + 1000 + 500 + 2307) << "every line but ERR and MIS";
  auto other = parse_proc_interrupts(proc_interrupts, "nvme01");
  ASSERT_TRUE(other.has_value());
  EXPECT_EQ(other->device, 1000u);
  auto none = parse_proc_interrupts(proc_interrupts, "");
  ASSERT_TRUE(none.has_value());
  EXPECT_EQ(none->device, 0u) << "no controller, no device lines";
  EXPECT_FALSE(parse_proc_interrupts("  0:  84  IO-APIC  timer\n", "nvme0").has_value()) << "no CPU header";
  EXPECT_FALSE(read_interrupts("nvme0", "/nonexistent/interrupts").has_value());
}

TEST(CpuMeters, ReadsThisMachine) {
  auto t = read_cpu_irq_times({0});
  ASSERT_TRUE(t.has_value());
  EXPECT_FALSE(read_cpu_irq_times({0}, "/nonexistent/stat").has_value());
}

TEST(CpuMeters, GroupReadIsDecodedRaw) {
  uint64_t half[] = {4, 1000, 500, 10, 20, 30, 40};
  auto c = decode_group_read(half, 7);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->raw.cycles_user, 10u);
  EXPECT_EQ(c->raw.cycles_kernel, 20u);
  EXPECT_EQ(c->raw.instructions_user, 30u);
  EXPECT_EQ(c->raw.instructions_kernel, 40u) << "scaled by the window, not by the read";
  EXPECT_EQ(c->enabled_ns, 1000u);
  EXPECT_EQ(c->running_ns, 500u);
  uint64_t full[] = {4, 1000, 1000, 10, 20, 30, 40};
  EXPECT_FALSE(decode_group_read(full, 5).ok());
  full[0] = 3;
  EXPECT_FALSE(decode_group_read(full, 7).ok());
  HwCounts d = HwCounts{10, 20, 30, 40} - HwCounts{1, 2, 3, 4};
  EXPECT_EQ(d.cycles_user, 9u);
  EXPECT_EQ(d.instructions_kernel, 36u);
}

// The ramp ran whole (1000 of 1000 ns), the window half (500 of 1000 ns
// more): the window's 100 counted instructions stand for 200. Scaling
// each edge's total (1100 * 2000 / 1500 - 1000 = 466) would not.
TEST(CpuMeters, TheWindowsDifferenceIsScaledByTheWindowsMultiplexing) {
  std::vector<HwGroupRead> start{{HwCounts{1000, 10, 1000, 10}, 1000, 1000}, {HwCounts{50, 0, 70, 0}, 400, 400}};
  std::vector<HwGroupRead> end{{HwCounts{1100, 20, 1100, 30}, 2000, 1500}, {HwCounts{150, 4, 170, 4}, 900, 900}};
  auto w = hw_window(start, end);
  ASSERT_TRUE(w.ok()) << w.error().message;
  EXPECT_EQ(w->cycles_user, 200u + 100u) << "group 0 scaled by 2, group 1 (not multiplexed) as counted";
  EXPECT_EQ(w->cycles_kernel, 20u + 4u);
  EXPECT_EQ(w->instructions_user, 200u + 100u);
  EXPECT_EQ(w->instructions_kernel, 40u + 4u);
  std::vector<HwGroupRead> idle{{HwCounts{1000, 10, 1000, 10}, 2000, 1000}, {HwCounts{150, 4, 170, 4}, 900, 900}};
  auto never = hw_window(start, idle);
  ASSERT_FALSE(never.ok()) << "group 0 never ran in the window";
  EXPECT_NE(never.error().message.find("never scheduled"), std::string::npos) << never.error().message;
  EXPECT_FALSE(hw_window(start, {end[0]}).ok()) << "not the same groups";
}

TEST(CpuMeters, PermissionErrorNamesTheSysctlAndTheValuesEachScopeNeeds) {
  auto thread = hw_open_error(EACCES, HwScope::thread, 7);
  EXPECT_EQ(thread.kind, ErrorKind::usage);
  EXPECT_NE(thread.message.find("kernel.perf_event_paranoid"), std::string::npos) << thread.message;
  EXPECT_NE(thread.message.find("accepted: -1, 0, 1)"), std::string::npos) << thread.message;
  EXPECT_EQ(thread.message.find("2"), std::string::npos) << "2 excludes the kernel: " << thread.message;
  auto cpu = hw_open_error(EPERM, HwScope::cpu, 3);
  EXPECT_NE(cpu.message.find("accepted: -1, 0)"), std::string::npos) << cpu.message;
  EXPECT_EQ(hw_open_error(ENOENT, HwScope::thread, 7).kind, ErrorKind::runtime);
}

// On a machine with a PMU the counters open and count; without one (this
// project's lab, QEMU TCG) open fails with a reason naming the PMU.
TEST(CpuMeters, CountsOrSaysWhyNot) {
  auto s = HwCounterSet::open(HwScope::thread, {static_cast<int>(gettid())});
  if (!s) {
    EXPECT_FALSE(s.error().message.empty());
    EXPECT_EQ(s.error().message.find('\n'), std::string::npos);
    return;
  }
  auto a = (*s)->read();
  ASSERT_TRUE(a.ok()) << a.error().message;
  volatile uint64_t x = 0;
  for (int i = 0; i < 1000000; i++) x = x + static_cast<uint64_t>(i);
  auto b = (*s)->read();
  ASSERT_TRUE(b.ok());
  auto w = hw_window(*a, *b);
  ASSERT_TRUE(w.ok()) << w.error().message;
  EXPECT_GT(w->instructions_user, 1000000u);
}

}  // namespace
}  // namespace qb
