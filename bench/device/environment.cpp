#include "environment.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>

#include "device.h"
#include "git_revision.h"

#ifndef QB_VERSION
#define QB_VERSION "unknown"
#endif

namespace qb {

const char* tool_version() { return QB_VERSION; }
const char* git_revision() { return QB_GIT_REVISION; }

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
  return e;
}

}  // namespace qb
