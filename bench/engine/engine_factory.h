// Path names ("block-poll", ...) map to engines here. Each engine file
// registers its own paths, so a new path is one new engine_*.cpp and
// nothing else. What sets a path apart is written in its PathInfo, as
// traits: code that treats paths apart reads those, never the name.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "device.h"
#include "engine.h"
#include "result.h"

namespace qb {

struct PathInfo {
  std::string_view name;         // command-line name
  std::string_view engine;       // engine family: psync, block, ng, uq
  std::string_view description;
  bool poll = false;             // IORING_SETUP_IOPOLL: the kernel polls for completions
  bool nvme_only = false;        // refuses regular files and non-NVMe block devices
  unsigned max_iodepth = 0;      // 0: no limit of its own
  int order = 0;                 // listing order
  std::unique_ptr<Engine> (*create)(const PathInfo&) = nullptr;
  // Node the engine opens for the target; nullptr opens the target itself.
  Result<std::string> (*node_for)(const DeviceInfo& dev, const std::string& override_node) = nullptr;
  // Runs on a user queue (kernel-patch/): its own hardware queue, not
  // blk-mq's, so polling needs no nvme.poll_queues; its node is given by
  // --uq-device, and its runs record the queue's counters.
  bool user_queue = false;
  // Submits through io_uring: the ring options (--fixed-buffers,
  // --registered-files, --register-ring, --sqpoll) apply.
  bool io_uring = true;
  // Waits for completions in user space, on the queue's mapped CQ, and
  // enters the kernel to poll only when one is pending there; it marks its
  // kernel polls for the lab's instruction counter.
  bool user_space_wait = false;
  // Hands each I/O to the controller as one command (NVMe passthrough):
  // nothing splits it, so it must fit the controller's largest transfer.
  bool unsplit = false;
};

// An I/O of bs bytes on an unsplit path must fit the namespace's largest
// transfer (queue/max_hw_sectors_kb, from the controller's MDTS): a usage
// error naming both and what works, where the kernel would fail every I/O.
Result<void> check_transfer_size(const PathInfo& path, const DeviceInfo& dev, uint32_t bs);

bool register_path(const PathInfo& info);
const PathInfo* find_path(std::string_view name);
std::vector<const PathInfo*> all_paths();  // sorted by order
std::string path_names();                  // "psync, block-irq, ..."

// The node the path opens, or why this target cannot serve it (usage
// error: polled I/O without poll queues, a file given to ng, ...).
Result<std::string> resolve_node(const PathInfo& path, const DeviceInfo& dev,
                                 const std::string& override_node);

// Paths on queues of their own (the user queues) bind each queue to the
// target's namespace through its /dev/ngXnY: that node, and the check that
// the controller has a queue for each of threads; "" for other paths.
Result<std::string> resolve_namespace_node(const PathInfo& path, const DeviceInfo& dev,
                                           const std::string& queue_node, const std::string& ng_override,
                                           unsigned threads);

}  // namespace qb
