// Path names ("block-poll", ...) map to engines here. Each engine file
// registers its own paths, so a new path (the user-queue char devices) is one
// new engine_*.cpp and nothing else.
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
  std::string_view engine;       // engine family: psync, block, ng
  std::string_view description;
  bool poll = false;
  bool nvme_only = false;        // refuses regular files and non-NVMe block devices
  unsigned max_iodepth = 0;      // 0: no limit of its own
  int order = 0;                 // listing order
  std::unique_ptr<Engine> (*create)(const PathInfo&) = nullptr;
  // Node the engine opens for the target; nullptr opens the target itself.
  Result<std::string> (*node_for)(const DeviceInfo& dev, const std::string& override_node) = nullptr;
  // Polls queues of its own (the user queues), not blk-mq's: needs no
  // nvme.poll_queues.
  bool own_queues = false;
};

bool register_path(const PathInfo& info);
const PathInfo* find_path(std::string_view name);
std::vector<const PathInfo*> all_paths();  // sorted by order
std::string path_names();                  // "psync, block-irq, ..."

// The node the path opens, or why this target cannot serve it (usage
// error: polled I/O without poll queues, a file given to ng, ...).
Result<std::string> resolve_node(const PathInfo& path, const DeviceInfo& dev,
                                 const std::string& override_node);

}  // namespace qb
