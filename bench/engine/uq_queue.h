// A user queue char device (/dev/nvme<X>uq<N>, kernel-patch/) as user space
// sees it: the open node, owned by this process and bound to one namespace,
// the read-only state page and CQ ring, and the pending test that needs no
// system call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "device.h"
#include "nvme_uq_uapi.h"
#include "result.h"

namespace qb {

// The pending test over a state page and CQ ring anywhere in memory (the
// mapped ones, or fakes in tests). A completion is pending when the entry
// at the driver's head carries the phase the driver expects there, which
// is the driver's own nvme_cqe_pending(). A hint: the driver may consume
// the entry at any moment.
struct UqRingView {
  const nvme_uq_state* state = nullptr;
  const unsigned char* cq = nullptr;
  uint32_t depth = 0;

  bool completion_pending() const {
    uint32_t hp = __atomic_load_n(&state->cq_head_phase, __ATOMIC_ACQUIRE);
    uint32_t head = hp & 0xffff;
    if (head >= depth) return false;  // torn or reset state: not ours to trust
    const unsigned char* st = cq + static_cast<size_t>(head) * nvme_uq_cqe_size + nvme_uq_cqe_status_offset;
    // Byte 14 holds bits 7:0 of the little-endian status; the phase is bit 0.
    unsigned char lo = __atomic_load_n(st, __ATOMIC_ACQUIRE);
    return (lo & 1u) == ((hp >> 16) & 1u);
  }
};

class UqQueue {
 public:
  // Opens node, binds it to the namespace of ns_node (opened read-write
  // when write, else read-only: the queue gets those rights) and maps its
  // state page and CQ ring read-only. name labels errors ("uq-poll").
  static Result<std::unique_ptr<UqQueue>> open(const std::string& node, const std::string& ns_node, bool write,
                                               std::string_view name);
  ~UqQueue();
  UqQueue(const UqQueue&) = delete;
  UqQueue& operator=(const UqQueue&) = delete;

  bool completion_pending() const { return view_.completion_pending(); }
  // The driver's CQ head and expected phase: it changes when the driver
  // consumes completions.
  uint32_t head_phase() const { return __atomic_load_n(&view_.state->cq_head_phase, __ATOMIC_ACQUIRE); }
  int fd() const { return fd_; }
  const std::string& node() const { return node_; }
  uint32_t qid() const { return __atomic_load_n(&view_.state->qid, __ATOMIC_RELAXED); }
  uint32_t depth() const { return view_.depth; }
  uint32_t generation() const { return __atomic_load_n(&view_.state->generation, __ATOMIC_ACQUIRE); }
  bool live() const { return __atomic_load_n(&view_.state->flags, __ATOMIC_ACQUIRE) & NVME_UQ_STATE_LIVE; }
  const UqRingView& view() const { return view_; }
  // The driver's counters of this queue, from the state page.
  UserQueueCounters counters() const;

 private:
  UqQueue() = default;
  std::string node_;
  int fd_ = -1;
  void* state_map_ = nullptr;
  size_t state_len_ = 0;
  void* cq_map_ = nullptr;
  size_t cq_len_ = 0;
  UqRingView view_;
};

// A queue takes at most depth - 1 commands at a time (one slot tells a
// full ring from an empty one). Every thread of a run owns a queue of its
// own, so the limit applies to the per-thread --iodepth, whatever
// --threads is. A usage error naming node and the accepted depth when
// iodepth exceeds it.
Result<void> check_uq_iodepth(std::string_view path, const std::string& node, unsigned iodepth,
                              uint32_t queue_depth);

// The driver's counters summed over the user queues this process has had
// open (one per thread of a uq run; a closed queue counts with its last
// values); unset when none was ever opened.
std::optional<UserQueueCounters> open_user_queue_counters();

}  // namespace qb
