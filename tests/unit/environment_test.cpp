// What a report records of the machine, read from a fake sysfs and procfs.
#include "environment.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
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
  r.write("proc/irq/25/effective_affinity_list", "1\n");
  auto irqs = read_nvme_irq_affinity((r.root / "proc").string());
  ASSERT_EQ(irqs.size(), 2u);
  EXPECT_EQ(irqs[0].irq, 24);
  EXPECT_EQ(irqs[0].name, "nvme0q0");
  EXPECT_EQ(irqs[0].cpus, "0-1");
  EXPECT_EQ(irqs[1].irq, 25);
  EXPECT_EQ(irqs[1].cpus, "1");
  EXPECT_EQ(irqs[0].effective_cpus, "") << "no effective_affinity_list: not recorded";
  EXPECT_EQ(irqs[1].effective_cpus, "1");
}

// Interrupt time may be added to the threads' clock only where the kernel
// keeps it out of that clock.
TEST(Environment, IrqTimeAccountingFromConfigCommandLineAndClocksource) {
  const std::string on = "CONFIG_TICK_CPU_ACCOUNTING=y\nCONFIG_IRQ_TIME_ACCOUNTING=y\n";
  const std::string off = "CONFIG_TICK_CPU_ACCOUNTING=y\n# CONFIG_IRQ_TIME_ACCOUNTING is not set\n";
  const std::string quiet = "root=/dev/vda quiet";
  EXPECT_EQ(irq_time_accounting(on, quiet, "x86_64", "tsc"), IrqTimeAccounting::on);
  EXPECT_EQ(irq_time_accounting(on, quiet, "aarch64", "arch_sys_counter"), IrqTimeAccounting::on);
  EXPECT_EQ(irq_time_accounting(off, quiet, "x86_64", "tsc"), IrqTimeAccounting::off);
  EXPECT_EQ(irq_time_accounting(on, "root=/dev/vda noirqtime", "x86_64", "tsc"), IrqTimeAccounting::off);
  EXPECT_EQ(irq_time_accounting(on, "root=/dev/vda noirqtimes", "x86_64", "tsc"), IrqTimeAccounting::on)
      << "whole words only";
  EXPECT_EQ(irq_time_accounting(on, quiet, "x86_64", "hpet"), IrqTimeAccounting::unknown)
      << "an unstable TSC turns irq time off and the clocksource away from tsc";
  EXPECT_EQ(irq_time_accounting(std::nullopt, quiet, "x86_64", "tsc"), IrqTimeAccounting::unknown);
  EXPECT_STREQ(irq_time_accounting_name(IrqTimeAccounting::unknown), "unknown");
}

TEST(Environment, KernelConfigFromProcGzOrBoot) {
  FakeRoot r;
  std::string proc = (r.root / "proc").string(), boot = (r.root / "boot").string();
  EXPECT_FALSE(read_kernel_config(proc, boot, "6.12.0-test").has_value());
  r.write("boot/config-6.12.0-test", "CONFIG_IRQ_TIME_ACCOUNTING=y\n");
  EXPECT_EQ(read_kernel_config(proc, boot, "6.12.0-test"), "CONFIG_IRQ_TIME_ACCOUNTING=y\n");
  EXPECT_FALSE(read_kernel_config(proc, boot, "6.12.0-other").has_value()) << "only the running release's";
  fs::create_directories(r.root / "proc");
  std::string cmd = "printf '# CONFIG_IRQ_TIME_ACCOUNTING is not set\\n' | gzip > " + proc + "/config.gz";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  EXPECT_EQ(read_kernel_config(proc, boot, "6.12.0-test"), "# CONFIG_IRQ_TIME_ACCOUNTING is not set\n")
      << "/proc/config.gz first";
}

}  // namespace
}  // namespace qb
