// Facts about the host a report needs to be reproducible.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qb {

// An NVMe interrupt and the CPUs it may be delivered to.
struct IrqAffinity {
  int irq = -1;
  std::string name;  // as /proc/interrupts names it: nvme0q1
  std::string cpus;  // /proc/irq/N/smp_affinity_list: 0-3
  // /proc/irq/N/effective_affinity_list: where it is delivered, which for
  // a managed interrupt is one CPU of cpus; "" when the kernel lacks it.
  std::string effective_cpus;
};

// Whether the kernel keeps irq and softirq time out of the interrupted
// task's CPU time (CONFIG_IRQ_TIME_ACCOUNTING, not turned off). Only then
// is a CPU's irq time in /proc/stat apart from the threads' own clock, so
// that adding the two does not count interrupts that hit a running thread
// twice. x86 turns it off at run time when the TSC is found unstable,
// which also moves the clocksource off "tsc": that case is unknown.
enum class IrqTimeAccounting { on, off, unknown };
const char* irq_time_accounting_name(IrqTimeAccounting a);
IrqTimeAccounting irq_time_accounting(const std::optional<std::string>& kernel_config, std::string_view cmdline,
                                      std::string_view machine, std::string_view clocksource);
// The running kernel's configuration: /proc/config.gz, else
// /boot/config-<release>; unset when neither is readable.
std::optional<std::string> read_kernel_config(const std::string& procfs, const std::string& boot,
                                              const std::string& release);

struct Environment {
  std::string tool_version;
  std::string git_revision;
  std::string kernel_release;
  std::string kernel_version;
  std::string machine;
  std::string hostname;
  std::string kernel_cmdline;
  std::string cpu_model;
  unsigned cpus_online = 0;
  std::map<std::string, std::string> nvme_module_params;
  // What the timing and CPU figures depend on.
  std::string clocksource;                   // current_clocksource, "" if unreadable
  std::optional<std::string> cpu_governor;   // unset without cpufreq; "a,b" when CPUs differ
  std::map<std::string, std::string> mitigations;  // vulnerabilities/<name> -> its line
  std::vector<IrqAffinity> nvme_irq_affinity;
  IrqTimeAccounting irq_time = IrqTimeAccounting::unknown;
};

Environment capture_environment();

// The parts read from sysfs and procfs, from other roots in tests.
std::string read_clocksource(const std::string& sysfs);
std::optional<std::string> read_cpu_governor(const std::string& sysfs);
std::map<std::string, std::string> read_mitigations(const std::string& sysfs);
std::vector<IrqAffinity> read_nvme_irq_affinity(const std::string& procfs);
const char* tool_version();
const char* git_revision();

}  // namespace qb
