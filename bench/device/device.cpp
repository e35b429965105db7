#include "device.h"

#include <blkid/blkid.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <algorithm>
#include <regex>


namespace qb {

namespace fs = std::filesystem;

namespace {

std::string read_attr(const fs::path& p) {
  std::ifstream in(p);
  std::string s;
  if (!in) return s;
  std::getline(in, s, '\0');
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

long long read_num(const fs::path& p, long long fallback) {
  std::string s = read_attr(p);
  if (s.empty()) return fallback;
  char* end = nullptr;
  long long v = strtoll(s.c_str(), &end, 0);
  return end == s.c_str() ? fallback : v;
}

ControllerInfo read_controller(const fs::path& dir) {
  ControllerInfo c;
  c.name = dir.filename().string();
  c.model = read_attr(dir / "model");
  c.firmware = read_attr(dir / "firmware_rev");
  c.serial = read_attr(dir / "serial");
  c.transport = read_attr(dir / "transport");
  c.address = read_attr(dir / "address");
  c.queue_count = static_cast<int>(read_num(dir / "queue_count", -1));
  c.sqsize = static_cast<int>(read_num(dir / "sqsize", -1));
  c.emulated_qemu = c.model == "QEMU NVMe Ctrl";
  return c;
}

const std::regex ns_re("nvme([0-9]+)n([0-9]+)");

NamespaceInfo read_namespace(const fs::path& dir, const std::string& sysfs_root,
                             const std::string& dev_root) {
  NamespaceInfo n;
  n.name = dir.filename().string();
  std::smatch m;
  std::string name = n.name;
  if (std::regex_match(name, m, ns_re)) {
    n.controller = "nvme" + m[1].str();
    n.nsid = static_cast<uint32_t>(std::stoul(m[2].str()));
    n.ng_name = "ng" + m[1].str() + "n" + m[2].str();
  }
  // A non-multipath namespace links to its controller; prefer that to the name.
  std::error_code ec;
  fs::path dev = fs::read_symlink(dir / "device", ec);
  if (!ec && dev.filename().string().rfind("nvme", 0) == 0) n.controller = dev.filename().string();
  long long nsid = read_num(dir / "nsid", -1);
  if (nsid > 0) n.nsid = static_cast<uint32_t>(nsid);
  n.lba_size = static_cast<uint32_t>(read_num(dir / "queue/logical_block_size", 512));
  n.metadata_bytes = static_cast<int>(read_num(dir / "metadata_bytes", -1));
  n.size_bytes = static_cast<uint64_t>(read_num(dir / "size", 0)) * 512;
  n.io_poll = read_num(dir / "queue/io_poll", 0) == 1;
  n.nr_requests = static_cast<int>(read_num(dir / "queue/nr_requests", -1));
  long long max_kb = read_num(dir / "queue/max_hw_sectors_kb", 0);
  n.max_transfer_bytes = max_kb > 0 ? static_cast<uint64_t>(max_kb) * 1024 : 0;
  if (fs::is_directory(dir / "mq", ec)) {
    int q = 0;
    for (auto& e : fs::directory_iterator(dir / "mq", ec)) {
      (void)e;
      q++;
    }
    n.hw_queues = q;
  }
  if (!n.ng_name.empty()) {
    if (!fs::exists(fs::path(sysfs_root) / "class/nvme-generic" / n.ng_name, ec)) n.ng_name.clear();
    struct stat st;
    n.ng_dev_node = !n.ng_name.empty() &&
                    stat((fs::path(dev_root) / n.ng_name).c_str(), &st) == 0 && S_ISCHR(st.st_mode);
  }
  return n;
}

}  // namespace

std::string target_kind_name(TargetKind k) {
  switch (k) {
    case TargetKind::nvme_namespace: return "nvme_namespace";
    case TargetKind::block_device: return "block_device";
    case TargetKind::regular_file: return "regular_file";
  }
  return "?";
}

std::map<std::string, std::string> nvme_module_params(const std::string& sysfs_root) {
  std::map<std::string, std::string> out;
  std::error_code ec;
  fs::path dir = fs::path(sysfs_root) / "module/nvme/parameters";
  for (auto& e : fs::directory_iterator(dir, ec)) out[e.path().filename().string()] = read_attr(e.path());
  return out;
}

Inventory discover(const std::string& sysfs_root, const std::string& dev_root) {
  Inventory inv;
  std::error_code ec;
  for (auto& e : fs::directory_iterator(fs::path(sysfs_root) / "class/nvme", ec))
    inv.controllers.push_back(read_controller(e.path()));
  for (auto& e : fs::directory_iterator(fs::path(sysfs_root) / "block", ec)) {
    std::string name = e.path().filename().string();
    if (std::regex_match(name, ns_re)) inv.namespaces.push_back(read_namespace(e.path(), sysfs_root, dev_root));
  }
  auto by_name = [](const auto& a, const auto& b) { return a.name < b.name; };
  std::sort(inv.controllers.begin(), inv.controllers.end(), by_name);
  std::sort(inv.namespaces.begin(), inv.namespaces.end(), by_name);
  inv.module_params = nvme_module_params(sysfs_root);
  inv.user_queues = user_queues(sysfs_root, dev_root);
  return inv;
}

Result<DeviceInfo> probe_device(const std::string& path, const std::string& sysfs_root,
                                const std::string& dev_root) {
  DeviceInfo d;
  d.path = path;
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    int e = errno;
    return usage_error(fmt::format("--device {}: {}; give an NVMe namespace such as /dev/nvme0n1 "
                                   "or, for testing, a regular file",
                                   path, strerror(e)), e);
  }
  if (S_ISCHR(st.st_mode))
    return usage_error(fmt::format(
        "--device {} is a character device; give the namespace block device (/dev/nvmeXnY): "
        "the ng paths find /dev/ngXnY from it (or use --ng-device)", path));
  if (S_ISREG(st.st_mode)) {
    d.kind = TargetKind::regular_file;
    d.size_bytes = static_cast<uint64_t>(st.st_size);
    // O_DIRECT alignment of the file system; 4096 is safe where unknown.
    d.lba_size = 4096;
    struct statx sx;
    if (statx(AT_FDCWD, path.c_str(), 0, STATX_DIOALIGN, &sx) == 0 && (sx.stx_mask & STATX_DIOALIGN) &&
        sx.stx_dio_offset_align)
      d.lba_size = std::max(sx.stx_dio_offset_align, sx.stx_dio_mem_align);
    return d;
  }
  if (!S_ISBLK(st.st_mode))
    return usage_error(fmt::format("--device {} is neither a block device nor a regular file", path));

  std::error_code ec;
  fs::path sys = fs::canonical(
      fs::path(sysfs_root) / fmt::format("dev/block/{}:{}", major(st.st_rdev), minor(st.st_rdev)), ec);
  if (ec) return runtime_error(fmt::format("--device {}: not found in {}/dev/block", path, sysfs_root));
  std::string name = sys.filename().string();
  d.size_bytes = static_cast<uint64_t>(read_num(sys / "size", 0)) * 512;
  d.lba_size = static_cast<uint32_t>(read_num(sys / "queue/logical_block_size", 512));
  d.io_poll = read_num(sys / "queue/io_poll", 0) == 1;
  if (std::regex_match(name, ns_re)) {
    d.kind = TargetKind::nvme_namespace;
    d.ns = read_namespace(sys, sysfs_root, dev_root);
    fs::path ctrl = fs::path(sysfs_root) / "class/nvme" / d.ns->controller;
    if (fs::exists(ctrl, ec)) d.ctrl = read_controller(ctrl);
  } else {
    d.kind = TargetKind::block_device;
  }
  return d;
}

Result<std::string> ng_node_for(const DeviceInfo& dev, const std::string& override_node,
                                const std::string& dev_root) {
  if (!override_node.empty()) {
    struct stat st;
    if (stat(override_node.c_str(), &st) != 0)
      return usage_error(fmt::format("--ng-device {}: {}", override_node, strerror(errno)), errno);
    if (!S_ISCHR(st.st_mode))
      return usage_error(fmt::format(
          "--ng-device {} is not a character device; the ng paths need the NVMe generic "
          "char device /dev/ngXnY", override_node));
    return override_node;
  }
  if (!dev.ns || dev.ns->ng_name.empty())
    return usage_error(fmt::format(
        "ng: {} has no NVMe generic char device in sysfs (class/nvme-generic); "
        "it needs a kernel with NVMe char device support (5.13+) or use block-irq/block-poll",
        dev.path));
  std::string node = (fs::path(dev_root) / dev.ns->ng_name).string();
  if (!dev.ns->ng_dev_node)
    return usage_error(fmt::format(
        "ng: {} is missing (sysfs has {}); mount devtmpfs or create the node, or pass --ng-device",
        node, dev.ns->ng_name));
  return node;
}

namespace {

const std::regex uq_re("(nvme[0-9]+)uq([0-9]+)");

UserQueueInfo read_user_queue(const fs::path& dir, const std::string& dev_root) {
  UserQueueInfo q;
  q.name = dir.filename().string();
  std::smatch m;
  if (std::regex_match(q.name, m, uq_re)) {
    q.controller = m[1].str();
    q.index = static_cast<unsigned>(std::stoul(m[2].str()));
  }
  q.qid = static_cast<int>(read_num(dir / "qid", -1));
  q.type = read_attr(dir / "type");
  q.depth = static_cast<int>(read_num(dir / "depth", -1));
  struct stat st;
  q.dev_node = stat((fs::path(dev_root) / q.name).c_str(), &st) == 0 && S_ISCHR(st.st_mode);
  return q;
}

}  // namespace

std::vector<UserQueueInfo> user_queues(const std::string& sysfs_root, const std::string& dev_root,
                                       const std::string& controller) {
  std::vector<UserQueueInfo> out;
  std::error_code ec;
  for (auto& e : fs::directory_iterator(fs::path(sysfs_root) / "class/nvme-generic", ec)) {
    std::string name = e.path().filename().string();
    if (!std::regex_match(name, uq_re)) continue;
    UserQueueInfo q = read_user_queue(e.path(), dev_root);
    if (controller.empty() || q.controller == controller) out.push_back(std::move(q));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.controller != b.controller ? a.controller < b.controller : a.index < b.index;
  });
  return out;
}

Result<UserQueueInfo> user_queue_of_node(const std::string& node, const std::string& sysfs_root) {
  std::string name = fs::path(node).filename().string();
  fs::path dir = fs::path(sysfs_root) / "class/nvme-generic" / name;
  std::error_code ec;
  if (!std::regex_match(name, uq_re) || !fs::exists(dir / "type", ec))
    return usage_error(fmt::format("--uq-device {}: not a user queue (no {}/type); give /dev/nvmeXuqN", node,
                                   dir.string()));
  return read_user_queue(dir, fs::path(node).parent_path().string());
}

Result<std::string> user_queue_for_thread(const std::string& node, unsigned thread, const std::string& sysfs_root,
                                          const std::string& dev_root) {
  auto first = user_queue_of_node(node, sysfs_root);
  if (!first) return first.error();
  std::vector<const UserQueueInfo*> mine;
  auto all = user_queues(sysfs_root, dev_root, first->controller);
  for (const auto& q : all)
    if (q.type == first->type && q.index >= first->index) mine.push_back(&q);
  if (thread >= mine.size())
    return usage_error(fmt::format("{} threads need {} user_{} queues of {} from {} on, and it has {}; a queue has "
                                   "one owner: boot with nvme.user_{}_queues={} or more, or use fewer --threads",
                                   thread + 1, thread + 1, first->type, first->controller, first->name, mine.size(),
                                   first->type, first->index + thread + 1 -
                                       (first->type == "poll" ? static_cast<unsigned>(std::count_if(
                                           all.begin(), all.end(), [](const auto& q) { return q.type == "irq"; }))
                                                              : 0u)));
  return (fs::path(node).parent_path() / mine[thread]->name).string();
}

Result<std::string> uq_node_for(const DeviceInfo& dev, const std::string& type, const std::string& override_node,
                                const std::string& sysfs_root, const std::string& dev_root) {
  if (!override_node.empty()) {
    struct stat st;
    if (stat(override_node.c_str(), &st) != 0)
      return usage_error(fmt::format("--uq-device {}: {}{}", override_node, strerror(errno),
                                     errno == ENOENT ? fmt::format("; {}", no_user_queues_hint) : ""), errno);
    if (!S_ISCHR(st.st_mode))
      return usage_error(fmt::format("--uq-device {} is not a character device; give a user queue node "
                                     "/dev/nvmeXuqN", override_node));
    auto q = user_queue_of_node(override_node, sysfs_root);
    if (!q) return q.error();
    if (q->type != type)
      return usage_error(fmt::format("--uq-device {} is a user_{} queue, but this path needs a user_{} queue; "
                                     "give a uq-{} path or another node", override_node, q->type, type,
                                     q->type));
    return override_node;
  }
  if (!dev.ns || dev.ns->controller.empty())
    return usage_error(fmt::format("uq-{}: {} is not an NVMe namespace; give /dev/nvmeXnY or --uq-device",
                                   type, dev.path));
  auto qs = user_queues(sysfs_root, dev_root, dev.ns->controller);
  if (qs.empty()) {
    std::error_code ec;
    if (!fs::exists(fs::path(sysfs_root) / "module/nvme/parameters/user_irq_queues", ec))
      return usage_error(fmt::format("uq-{}: this kernel has no NVMe user queues (nvme has no user_irq_queues "
                                     "parameter): they need a kernel with the series of kernel-patch/ "
                                     "(scripts/build-kernel.sh --flavor host)", type));
    return usage_error(fmt::format("uq-{}: {} has {}", type, dev.ns->controller, no_user_queues_hint));
  }
  for (const auto& q : qs) {
    if (q.type != type) continue;
    std::string node = (fs::path(dev_root) / q.name).string();
    if (!q.dev_node)
      return usage_error(fmt::format("uq-{}: {} is missing (sysfs has {}); mount devtmpfs or create the node, or "
                                     "pass --uq-device", type, node, q.name));
    if (q.qid == 0)
      return usage_error(fmt::format("uq-{}: {} has no hardware queue (qid 0): {} did not grant I/O queues beyond "
                                     "blk-mq's for it (see dmesg); ask for fewer nvme.poll_queues, "
                                     "nvme.write_queues or user queues", type, node, dev.ns->controller));
    return node;
  }
  return usage_error(fmt::format("uq-{}: {} has user queues but none of type {}; boot with nvme.user_{}_queues=N",
                                 type, dev.ns->controller, type, type));
}

namespace {

// Block devices whose sysfs entry is the target or one of its partitions.
bool belongs_to(const fs::path& sysfs_dev, const fs::path& target) {
  return sysfs_dev == target || sysfs_dev.parent_path() == target;
}

Result<void> check_mounts_and_holders(const DeviceInfo& dev, const std::string& sysfs_root,
                                      const std::string& mountinfo) {
  struct stat st;
  if (stat(dev.path.c_str(), &st) != 0) return Ok{};
  std::error_code ec;
  fs::path target = fs::canonical(
      fs::path(sysfs_root) / fmt::format("dev/block/{}:{}", major(st.st_rdev), minor(st.st_rdev)), ec);
  if (ec) return Ok{};
  std::ifstream in(mountinfo);
  std::string line;
  while (std::getline(in, line)) {
    // Fields: id parent major:minor root mountpoint ...
    unsigned maj = 0, min = 0;
    char mnt[4096];
    if (sscanf(line.c_str(), "%*u %*u %u:%u %*s %4095s", &maj, &min, mnt) != 3) continue;
    fs::path p = fs::canonical(fs::path(sysfs_root) / fmt::format("dev/block/{}:{}", maj, min), ec);
    if (!ec && belongs_to(p, target))
      return usage_error(fmt::format(
          "refusing to write to {}: {} is mounted on {}; unmount it, or pass --allow-destructive",
          dev.path, p.filename().string(), mnt));
  }
  std::vector<fs::path> dirs{target};
  for (auto& e : fs::directory_iterator(target, ec))
    if (fs::exists(e.path() / "partition")) dirs.push_back(e.path());
  for (const auto& d : dirs) {
    for (auto& h : fs::directory_iterator(d / "holders", ec))
      return usage_error(fmt::format(
          "refusing to write to {}: {} is held by {}; release it, or pass --allow-destructive",
          dev.path, d.filename().string(), h.path().filename().string()));
    if (d != target)
      return usage_error(fmt::format(
          "refusing to write to {}: it has partition {}; pass --allow-destructive to overwrite it",
          dev.path, d.filename().string()));
  }
  return Ok{};
}

Result<void> check_signatures(const DeviceInfo& dev) {
  blkid_probe pr = blkid_new_probe_from_filename(dev.path.c_str());
  if (!pr) {
    int e = errno;
    return usage_error(fmt::format(
        "refusing to write to {}: cannot probe it for file systems ({}); run as root, "
        "or pass --allow-destructive", dev.path, strerror(e)), e);
  }
  blkid_probe_enable_superblocks(pr, 1);
  blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE);
  blkid_probe_enable_partitions(pr, 1);
  blkid_probe_set_partitions_flags(pr, BLKID_PARTS_ENTRY_DETAILS);
  int rc = blkid_do_safeprobe(pr);
  std::string what;
  const char* val = nullptr;
  if (rc == 0) {
    if (blkid_probe_lookup_value(pr, "TYPE", &val, nullptr) == 0)
      what = fmt::format("a file system signature ({})", val);
    else if (blkid_probe_lookup_value(pr, "PTTYPE", &val, nullptr) == 0)
      what = fmt::format("a partition table ({})", val);
    else
      what = "a signature";
  } else if (rc == -2) {
    what = "several conflicting signatures";
  }
  blkid_free_probe(pr);
  if (rc < 0 && rc != -2)
    return usage_error(fmt::format("refusing to write to {}: probing it for signatures failed; "
                                   "pass --allow-destructive to write anyway", dev.path));
  if (!what.empty())
    return usage_error(fmt::format(
        "refusing to write to {}: it holds {}; pass --allow-destructive to overwrite it",
        dev.path, what));
  return Ok{};
}

}  // namespace

Result<void> check_write_safety(const DeviceInfo& dev, bool allow_destructive,
                                const std::string& sysfs_root, const std::string& mountinfo) {
  if (allow_destructive) return Ok{};
  if (dev.kind != TargetKind::regular_file) {
    auto r = check_mounts_and_holders(dev, sysfs_root, mountinfo);
    if (!r) return r;
  }
  return check_signatures(dev);
}

}  // namespace qb
