#include "environment.h"

#include <sys/utsname.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "device.h"
#include "git_revision.h"

#ifndef QB_VERSION
#define QB_VERSION "unknown"
#endif

namespace qb {

const char* tool_version() { return QB_VERSION; }
const char* git_revision() { return QB_GIT_REVISION; }

namespace {

std::string first_line(const std::filesystem::path& p) {
  std::ifstream f(p);
  std::string line;
  std::getline(f, line);
  return line;
}

}  // namespace

std::string read_clocksource(const std::string& sysfs) {
  return first_line(sysfs + "/devices/system/clocksource/clocksource0/current_clocksource");
}

std::optional<std::string> read_cpu_governor(const std::string& sysfs) {
  namespace fs = std::filesystem;
  std::set<std::string> governors;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(sysfs + "/devices/system/cpu", ec)) {
    std::string name = e.path().filename().string();
    if (name.rfind("cpu", 0) != 0 || name.size() == 3 ||
        !std::all_of(name.begin() + 3, name.end(), [](char c) { return c >= '0' && c <= '9'; }))
      continue;
    std::string g = first_line(e.path() / "cpufreq/scaling_governor");
    if (!g.empty()) governors.insert(g);
  }
  if (governors.empty()) return std::nullopt;
  std::string out;
  for (const auto& g : governors) out += (out.empty() ? "" : ",") + g;
  return out;
}

std::map<std::string, std::string> read_mitigations(const std::string& sysfs) {
  std::map<std::string, std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(sysfs + "/devices/system/cpu/vulnerabilities", ec))
    out[e.path().filename().string()] = first_line(e.path());
  return out;
}

std::vector<IrqAffinity> read_nvme_irq_affinity(const std::string& procfs) {
  std::vector<IrqAffinity> out;
  std::ifstream f(procfs + "/interrupts");
  std::string line;
  while (std::getline(f, line)) {
    // " 24:   10   0  PCI-MSIX-0000:00:04.0   1-edge      nvme0q1": the
    // number, counts per CPU, the chip, the type and the name last.
    std::istringstream in(line);
    std::string head, tok, name;
    in >> head;
    if (head.size() < 2 || head.back() != ':') continue;
    int irq = 0;
    try {
      size_t used = 0;
      irq = std::stoi(head, &used);
      if (used != head.size() - 1) continue;
    } catch (const std::exception&) {
      continue;  // NMI:, LOC: and the like
    }
    while (in >> tok) name = tok;
    if (name.rfind("nvme", 0) != 0) continue;
    std::string dir = procfs + "/irq/" + std::to_string(irq);
    out.push_back(
        IrqAffinity{irq, name, first_line(dir + "/smp_affinity_list"), first_line(dir + "/effective_affinity_list")});
  }
  return out;
}

const char* irq_time_accounting_name(IrqTimeAccounting a) {
  switch (a) {
    case IrqTimeAccounting::on:
      return "on";
    case IrqTimeAccounting::off:
      return "off";
    case IrqTimeAccounting::unknown:
      break;
  }
  return "unknown";
}

IrqTimeAccounting irq_time_accounting(const std::optional<std::string>& kernel_config, std::string_view cmdline,
                                      std::string_view machine, std::string_view clocksource) {
  if (!kernel_config) return IrqTimeAccounting::unknown;
  std::istringstream in(*kernel_config);
  std::string line;
  bool built = false;
  while (std::getline(in, line))
    if (line == "CONFIG_IRQ_TIME_ACCOUNTING=y") built = true;
  if (!built) return IrqTimeAccounting::off;
  std::istringstream words{std::string(cmdline)};
  std::string w;
  while (words >> w)
    if (w == "noirqtime") return IrqTimeAccounting::off;
  if (machine == "x86_64" && clocksource != "tsc") return IrqTimeAccounting::unknown;
  return IrqTimeAccounting::on;
}

std::optional<std::string> read_kernel_config(const std::string& procfs, const std::string& boot,
                                              const std::string& release) {
  if (gzFile gz = gzopen((procfs + "/config.gz").c_str(), "rb")) {
    std::string text;
    char buf[16384];
    int n = 0;
    while ((n = gzread(gz, buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
    bool ok = n == 0;
    gzclose(gz);
    if (ok && !text.empty()) return text;
  }
  std::ifstream f(boot + "/config-" + release);
  if (!f) return std::nullopt;
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

Environment capture_environment() {
  Environment e;
  e.tool_version = tool_version();
  e.git_revision = git_revision();
  utsname u{};
  if (uname(&u) == 0) {
    e.kernel_release = u.release;
    e.kernel_version = u.version;
    e.machine = u.machine;
    e.hostname = u.nodename;
  }
  std::ifstream cmd("/proc/cmdline");
  std::getline(cmd, e.kernel_cmdline);
  std::ifstream cpu("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpu, line)) {
    if (line.rfind("model name", 0) == 0) {
      auto pos = line.find(':');
      if (pos != std::string::npos) e.cpu_model = line.substr(line.find_first_not_of(' ', pos + 1));
      break;
    }
  }
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  e.cpus_online = n > 0 ? static_cast<unsigned>(n) : 0;
  e.nvme_module_params = nvme_module_params();
  e.clocksource = read_clocksource("/sys");
  e.cpu_governor = read_cpu_governor("/sys");
  e.mitigations = read_mitigations("/sys");
  e.nvme_irq_affinity = read_nvme_irq_affinity("/proc");
  e.irq_time = irq_time_accounting(read_kernel_config("/proc", "/boot", e.kernel_release), e.kernel_cmdline,
                                   e.machine, e.clocksource);
  return e;
}

}  // namespace qb
