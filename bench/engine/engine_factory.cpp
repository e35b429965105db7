#include "engine_factory.h"

#include <fmt/format.h>

#include <algorithm>

namespace qb {

namespace {
std::vector<PathInfo>& registry() {
  static std::vector<PathInfo> paths;
  return paths;
}
}  // namespace

bool register_path(const PathInfo& info) {
  registry().push_back(info);
  return true;
}

const PathInfo* find_path(std::string_view name) {
  for (const auto& p : registry())
    if (p.name == name) return &p;
  return nullptr;
}

std::vector<const PathInfo*> all_paths() {
  std::vector<const PathInfo*> out;
  for (const auto& p : registry()) out.push_back(&p);
  std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->order < b->order; });
  return out;
}

std::string path_names() {
  std::string s;
  for (const auto* p : all_paths()) s += (s.empty() ? "" : ", ") + std::string(p->name);
  return s;
}

Result<std::string> resolve_node(const PathInfo& path, const DeviceInfo& dev,
                                 const std::string& override_node) {
  if (path.nvme_only && dev.kind != TargetKind::nvme_namespace)
    return usage_error(fmt::format(
        "{}: {} is {}, but this path needs an NVMe namespace (/dev/nvmeXnY); "
        "use psync, block-irq or block-poll for it",
        path.name, dev.path, target_kind_name(dev.kind)));
  if (path.poll) {
    if (dev.kind == TargetKind::regular_file)
      return usage_error(fmt::format(
          "{}: polled I/O (IORING_SETUP_IOPOLL) needs a device with poll queues, and {} is a "
          "regular file (nothing there would be polled); use block-irq, or an NVMe namespace with poll queues",
          path.name, dev.path));
    if (!dev.io_poll && !path.user_queue)
      return usage_error(fmt::format(
          "{}: {} has no poll queues (queue/io_poll is 0); load nvme with "
          "poll_queues=N (N >= 1) or use the -irq path",
          path.name, dev.path));
  }
  if (path.node_for) return path.node_for(dev, override_node);
  return dev.path;
}

Result<void> check_transfer_size(const PathInfo& path, const DeviceInfo& dev, uint32_t bs) {
  if (!path.unsplit || !dev.ns || dev.ns->max_transfer_bytes == 0 || bs <= dev.ns->max_transfer_bytes) return Ok{};
  uint64_t max = dev.ns->max_transfer_bytes;
  return usage_error(fmt::format(
      "{}: --bs {} exceeds the largest transfer of {}, {} bytes (queue/max_hw_sectors_kb, the controller's "
      "MDTS), and passthrough is not split; use --bs {} or less, or a block path, which splits I/O",
      path.name, bs, dev.path, max, max % 1024 == 0 ? fmt::format("{}k", max / 1024) : std::to_string(max)));
}

Result<std::string> resolve_namespace_node(const PathInfo& path, const DeviceInfo& dev,
                                           const std::string& queue_node, const std::string& ng_override,
                                           unsigned threads) {
  if (!path.user_queue) return std::string();
  auto last = user_queue_for_thread(queue_node, threads - 1);
  if (!last) return last.error();
  return ng_node_for(dev, ng_override);
}

}  // namespace qb
