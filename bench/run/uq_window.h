// The kernel's counters of the user queues a run owns (submitted, completed,
// polls, empty_polls, from their state pages) over the measured window of
// one run, for the report. Chains to the run's other window hooks (the
// probes).
#pragma once

#include <optional>
#include <string>

#include "device.h"
#include "runner.h"
#include "uq_queue.h"

namespace qb {

struct UqRunInfo {
  std::string node;  // /dev/nvme0uq1
  UserQueueInfo queue;  // at the window's start: name, qid, type, depth
  std::optional<UserQueueCounters> delta;  // unset when no queue was open
  std::string error;  // why delta is unset
};

class UqWindow final : public WindowHooks {
 public:
  UqWindow(std::string node, WindowHooks* next, std::string sysfs_root = "/sys")
      : next_(next), sysfs_(std::move(sysfs_root)) {
    info_.node = std::move(node);
    auto q = user_queue_of_node(info_.node, sysfs_);
    if (q) info_.queue = *q;
    else info_.error = q.error().message;
  }
  void window_start() override {
    auto q = user_queue_of_node(info_.node, sysfs_);
    if (q) info_.queue = *q;
    before_ = read();
    if (next_) next_->window_start();
  }
  void window_end() override {
    if (next_) next_->window_end();
    after_ = read();
  }
  UqRunInfo result() const {
    UqRunInfo r = info_;
    if (before_ && after_) {
      r.delta = UserQueueCounters{after_->submitted - before_->submitted, after_->completed - before_->completed,
                                  after_->polls - before_->polls, after_->empty_polls - before_->empty_polls};
    } else if (r.error.empty()) {
      r.error = "the measured window did not open";
    }
    return r;
  }

 private:
  std::optional<UserQueueCounters> read() {
    auto c = open_user_queue_counters();
    if (!c) info_.error = "no user queue was open in the measured window";
    return c;
  }

  WindowHooks* next_;
  std::string sysfs_;
  UqRunInfo info_;
  std::optional<UserQueueCounters> before_, after_;
};

}  // namespace qb
