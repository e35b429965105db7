// The probes of one nvme-qbench invocation: loaded once, attached for each
// measured window through the runner's WindowHooks.
#pragma once

#include <memory>
#include <optional>

#include "probe_report.h"
#include "window_hooks.h"

namespace qb {

class ProbeSession : public WindowHooks {
 public:
  ~ProbeSession() override;
  // Loads the BPF programs for this process. An error carries the errno:
  // EPERM/EACCES for no privilege, anything else for no BPF support.
  static Result<std::unique_ptr<ProbeSession>> open(bool verbose);

  void window_start() override;
  void window_end() override;
  // The last window's figures (ios not yet filled in), once.
  std::optional<ProbeWindow> take();

 private:
  ProbeSession() = default;
  std::unique_ptr<KCount> kcount_;
  std::unique_ptr<Profile> profile_;
  std::string profile_note_;
  bool profiling_ = false;
  uint64_t t0_ = 0;
  std::optional<ProbeWindow> last_;
};

}  // namespace qb
