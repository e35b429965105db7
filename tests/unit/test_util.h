// Scratch files for tests: on QB_TEST_DIR (O_DIRECT capable), removed on
// destruction.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace qb::test {

class ScratchFile {
 public:
  explicit ScratchFile(off_t size, const char* stem = "qb-test") {
    path_ = std::string(QB_TEST_DIR) + "/" + stem + "-XXXXXX";
    int fd = mkstemp(path_.data());
    if (fd >= 0) {
      if (ftruncate(fd, size) != 0) path_.clear();
      close(fd);
    } else {
      path_.clear();
    }
  }
  ~ScratchFile() {
    if (!path_.empty()) unlink(path_.c_str());
  }
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Runs a shell command, returns its exit status (or -1).
inline int run_status(const std::string& cmd) {
  int rc = std::system(cmd.c_str());
  return rc == -1 ? -1 : WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

}  // namespace qb::test
