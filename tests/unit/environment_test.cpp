// What a report records of the machine, read from a fake sysfs and procfs.
#include "environment.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace qb {
namespace {

namespace fs = std::filesystem;

// A fake sysfs and procfs: what the report records of the machine.
struct FakeRoot {
  fs::path root = fs::temp_directory_path() / ("qb-env-" + std::to_string(getpid()));
  FakeRoot() { fs::remove_all(root); }
  ~FakeRoot() { fs::remove_all(root); }
  void write(const std::string& rel, const std::string& text) {
    fs::create_directories((root / rel).parent_path());
    std::ofstream(root / rel) << text;
  }
};

TEST(Environment, ClocksourceGovernorAndMitigations) {
  FakeRoot r;
  std::string sys = (r.root / "sys").string();
  EXPECT_EQ(read_clocksource(sys), "");
  EXPECT_FALSE(read_cpu_governor(sys).has_value()) << "no cpufreq: null";
  r.write("sys/devices/system/clocksource/clocksource0/current_clocksource", "tsc\n");
  r.write("sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", "performance\n");
  r.write("sys/devices/system/cpu/cpu1/cpufreq/scaling_governor", "performance\n");
  r.write("sys/devices/system/cpu/cpufreq/policy0/scaling_governor", "ignored\n");
  r.write("sys/devices/system/cpu/vulnerabilities/meltdown", "Not affected\n");
  r.write("sys/devices/system/cpu/vulnerabilities/spectre_v2", "Mitigation: Retpolines; IBPB: conditional\n");
  EXPECT_EQ(read_clocksource(sys), "tsc");
  EXPECT_EQ(read_cpu_governor(sys), "performance");
  r.write("sys/devices/system/cpu/cpu12/cpufreq/scaling_governor", "powersave\n");
  EXPECT_EQ(read_cpu_governor(sys), "performance,powersave") << "CPUs that differ are all named";
  auto m = read_mitigations(sys);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m["meltdown"], "Not affected");
  EXPECT_EQ(m["spectre_v2"], "Mitigation: Retpolines; IBPB: conditional");
}

TEST(Environment, NvmeInterruptsAndTheirAffinity) {
  FakeRoot r;
  r.write("proc/interrupts",
          "           CPU0       CPU1\n"
          "  0:         45          0   IO-APIC   2-edge      timer\n"
          " 24:          0          0  PCI-MSIX-0000:00:04.0   0-edge      nvme0q0\n"
          " 25:       1200          0  PCI-MSIX-0000:00:04.0   1-edge      nvme0q1\n"
          " 26:          3          0  PCI-MSIX-0000:00:05.0   0-edge      virtio0-config\n"
          "NMI:          0          0   Non-maskable interrupts\n");
  r.write("proc/irq/24/smp_affinity_list", "0-1\n");
  r.write("proc/irq/25/smp_affinity_list", "1\n");
  auto irqs = read_nvme_irq_affinity((r.root / "proc").string());
  ASSERT_EQ(irqs.size(), 2u);
  EXPECT_EQ(irqs[0].irq, 24);
  EXPECT_EQ(irqs[0].name, "nvme0q0");
  EXPECT_EQ(irqs[0].cpus, "0-1");
  EXPECT_EQ(irqs[1].irq, 25);
  EXPECT_EQ(irqs[1].cpus, "1");
}

}  // namespace
}  // namespace qb
