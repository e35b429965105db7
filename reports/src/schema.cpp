#include "schema.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace qb {

Result<void> write_report(const std::string& path, const nlohmann::json& report) {
  std::string tmp = path + ".tmp." + std::to_string(getpid());
  FILE* f = fopen(tmp.c_str(), "w");
  if (!f) return usage_error(fmt::format("--json {}: cannot create {}: {}", path, tmp, strerror(errno)), errno);
  std::string text = report.dump(2) + "\n";
  bool ok = fwrite(text.data(), 1, text.size(), f) == text.size();
  ok = (fflush(f) == 0) && ok;
  ok = (fsync(fileno(f)) == 0) && ok;
  ok = (fclose(f) == 0) && ok;
  if (!ok || rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    unlink(tmp.c_str());
    return runtime_error(fmt::format("--json {}: writing the report failed: {}", path, strerror(e)), e);
  }
  return Ok{};
}

}  // namespace qb
