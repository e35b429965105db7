// The CPU meters' pure parts: /proc/stat's irq and softirq fields, and the
// hardware counter group's read format; and that a machine without a PMU
// gives a reason instead of counts.
#include "cpu_meters.h"

#include <gtest/gtest.h>
#include <unistd.h>

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

TEST(CpuMeters, ReadsThisMachine) {
  auto t = read_cpu_irq_times({0});
  ASSERT_TRUE(t.has_value());
  EXPECT_FALSE(read_cpu_irq_times({0}, "/nonexistent/stat").has_value());
}

TEST(CpuMeters, GroupReadIsScaledWhenMultiplexed) {
  uint64_t full[] = {4, 1000, 1000, 10, 20, 30, 40};
  auto c = decode_group_read(full, 7);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->cycles_user, 10u);
  EXPECT_EQ(c->cycles_kernel, 20u);
  EXPECT_EQ(c->instructions_user, 30u);
  EXPECT_EQ(c->instructions_kernel, 40u);
  uint64_t half[] = {4, 1000, 500, 10, 20, 30, 40};
  c = decode_group_read(half, 7);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->instructions_kernel, 80u) << "ran half the time: counts doubled";
  uint64_t never[] = {4, 1000, 0, 0, 0, 0, 0};
  EXPECT_FALSE(decode_group_read(never, 7).ok());
  EXPECT_FALSE(decode_group_read(full, 5).ok());
  HwCounts d = HwCounts{10, 20, 30, 40} - HwCounts{1, 2, 3, 4};
  EXPECT_EQ(d.cycles_user, 9u);
  EXPECT_EQ(d.instructions_kernel, 36u);
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
  EXPECT_GT(b->instructions_user, a->instructions_user + 1000000);
}

}  // namespace
}  // namespace qb
