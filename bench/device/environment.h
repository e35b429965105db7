// Facts about the host a report needs to be reproducible.
#pragma once

#include <map>
#include <string>

namespace qb {

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
};

Environment capture_environment();
const char* tool_version();
const char* git_revision();

}  // namespace qb
