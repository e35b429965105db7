// What the machine's NVMe devices are, read from sysfs, and the guard that
// keeps destructive workloads off devices holding data.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "result.h"

namespace qb {

enum class TargetKind { nvme_namespace, block_device, regular_file };
std::string target_kind_name(TargetKind k);

struct ControllerInfo {
  std::string name;  // nvme0
  std::string model;
  std::string firmware;
  std::string serial;
  std::string transport;
  std::string address;
  int queue_count = -1;  // queues incl. admin, from sysfs; -1 unknown
  int sqsize = -1;
  bool emulated_qemu = false;  // the lab's controller: model "QEMU NVMe Ctrl"
};

struct NamespaceInfo {
  std::string name;        // nvme0n1
  std::string controller;  // nvme0
  uint32_t nsid = 0;
  uint32_t lba_size = 0;
  int metadata_bytes = -1;
  uint64_t size_bytes = 0;
  bool io_poll = false;    // queue/io_poll: the namespace has poll queues
  int hw_queues = -1;      // blk-mq hardware contexts (mq/ entries)
  int nr_requests = -1;
  // queue/max_hw_sectors_kb in bytes: the largest command the controller
  // takes (its MDTS), which passthrough cannot split; 0 unknown.
  uint64_t max_transfer_bytes = 0;
  std::string ng_name;     // ng0n1 when the generic char device exists in sysfs
  bool ng_dev_node = false;  // /dev/ngXnY exists as a char device
};

// A user queue char device of the kernel patch (/dev/nvmeXuqN), from
// sysfs class/nvme-generic/nvmeXuqN.
struct UserQueueInfo {
  std::string name;        // nvme0uq1
  std::string controller;  // nvme0
  unsigned index = 0;      // N of uqN: irq queues first, then poll queues
  int qid = -1;            // hardware queue id; 0 while the queue is down
  std::string type;        // irq or poll
  int depth = -1;
  bool dev_node = false;   // /dev/nvmeXuqN exists as a char device
};

// The kernel's counters of one user queue (sysfs), read together.
struct UserQueueCounters {
  uint64_t submitted = 0, completed = 0, polls = 0, empty_polls = 0;
};

struct Inventory {
  std::vector<ControllerInfo> controllers;
  std::vector<NamespaceInfo> namespaces;
  std::vector<UserQueueInfo> user_queues;  // sorted by controller, index
  std::map<std::string, std::string> module_params;  // nvme module parameters
};

// sysfs_root and dev_root are parameters so tests can use a fake tree.
Inventory discover(const std::string& sysfs_root = "/sys", const std::string& dev_root = "/dev");
std::map<std::string, std::string> nvme_module_params(const std::string& sysfs_root = "/sys");

struct DeviceInfo {
  std::string path;
  TargetKind kind = TargetKind::regular_file;
  uint32_t lba_size = 512;   // smallest I/O and alignment unit
  uint64_t size_bytes = 0;
  bool io_poll = false;
  std::optional<NamespaceInfo> ns;
  std::optional<ControllerInfo> ctrl;
};

Result<DeviceInfo> probe_device(const std::string& path, const std::string& sysfs_root = "/sys",
                                const std::string& dev_root = "/dev");

// /dev/ngXnY for a namespace, or a usage error saying why there is none.
Result<std::string> ng_node_for(const DeviceInfo& dev, const std::string& override_node,
                                const std::string& dev_root = "/dev");

// The user queues sysfs lists, of one controller when controller is given.
std::vector<UserQueueInfo> user_queues(const std::string& sysfs_root = "/sys", const std::string& dev_root = "/dev",
                                       const std::string& controller = "");
// /dev/nvmeXuqN for a uq path: the override (checked: a user queue of the
// right type), else the first queue of type ("irq" or "poll") of the
// namespace's controller; a usage error saying why there is none.
Result<std::string> uq_node_for(const DeviceInfo& dev, const std::string& type, const std::string& override_node,
                                const std::string& sysfs_root = "/sys", const std::string& dev_root = "/dev");
// The sysfs entry of a user queue node (/dev/nvme0uq1 -> nvme0uq1).
Result<UserQueueInfo> user_queue_of_node(const std::string& node, const std::string& sysfs_root = "/sys");
// A queue has one owner, so thread t of a run takes the t-th queue of
// node's type on its controller, counting from node; a usage error naming
// the parameter to raise when there are not that many.
Result<std::string> user_queue_for_thread(const std::string& node, unsigned thread,
                                          const std::string& sysfs_root = "/sys", const std::string& dev_root = "/dev");

// Refuses (usage error) a write workload on a device or image that holds a
// mounted file system, holders, a partition table or a file system
// signature, unless allow_destructive.
Result<void> check_write_safety(const DeviceInfo& dev, bool allow_destructive,
                                const std::string& sysfs_root = "/sys",
                                const std::string& mountinfo = "/proc/self/mountinfo");

// The one line for a missing user queue node.
inline constexpr const char* no_user_queues_hint =
    "no user queues: boot with nvme.user_poll_queues=N / nvme.user_irq_queues=N";

}  // namespace qb
