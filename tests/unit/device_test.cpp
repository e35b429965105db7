#include "device.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "test_util.h"

namespace qb {
namespace {

namespace fs = std::filesystem;
using test::run_status;
using test::ScratchFile;

DeviceInfo probe_file(const std::string& path) {
  auto d = probe_device(path);
  EXPECT_TRUE(d.ok()) << (d.ok() ? "" : d.error().message);
  return d.ok() ? *d : DeviceInfo{};
}

TEST(DeviceGuard, BlankImageAllowsWrites) {
  ScratchFile f(16 << 20);
  DeviceInfo d = probe_file(f.path());
  EXPECT_EQ(d.kind, TargetKind::regular_file);
  EXPECT_EQ(d.size_bytes, 16u << 20);
  EXPECT_TRUE(check_write_safety(d, false).ok());
}

TEST(DeviceGuard, Ext4ImageRefusesWritesUnlessAllowed) {
  ScratchFile f(16 << 20);
  ASSERT_EQ(run_status("mkfs.ext4 -q -F " + f.path() + " >/dev/null 2>&1"), 0) << "mkfs.ext4 failed";
  DeviceInfo d = probe_file(f.path());
  auto r = check_write_safety(d, false);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::usage);
  EXPECT_EQ(r.error().message, "refusing to write to " + f.path() +
                                   ": it holds a file system signature (ext4); pass --allow-destructive to overwrite it");
  EXPECT_TRUE(check_write_safety(d, true).ok());
}

TEST(DeviceGuard, PartitionTableRefusesWritesUnlessAllowed) {
  ScratchFile f(16 << 20);
  ASSERT_EQ(run_status("echo 'label: gpt\n,8M' | sfdisk -q " + f.path() + " >/dev/null 2>&1"), 0) << "sfdisk failed";
  DeviceInfo d = probe_file(f.path());
  auto r = check_write_safety(d, false);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "refusing to write to " + f.path() +
                                   ": it holds a partition table (gpt); pass --allow-destructive to overwrite it");
  EXPECT_TRUE(check_write_safety(d, true).ok());
}

// The guard is applied only to writing workloads: a read-only run of the
// ext4 image must go through the whole tool.
TEST(DeviceGuard, ToolRefusesWritesButAllowsReadsOnExt4Image) {
  ScratchFile f(16 << 20);
  ASSERT_EQ(run_status("mkfs.ext4 -q -F " + f.path() + " >/dev/null 2>&1"), 0);
  std::string base = std::string(QB_BINARY) + " run --quiet --device " + f.path() + " --path block-irq --ios 200";
  EXPECT_EQ(run_status(base + " --rw randwrite >/dev/null 2>&1"), 2);
  EXPECT_EQ(run_status(base + " --rw randread >/dev/null 2>&1"), 0);
  EXPECT_EQ(run_status(base + " --rw randwrite --allow-destructive >/dev/null 2>&1"), 0);
  // The file system was overwritten, so now nothing stops a write.
}

TEST(Device, CharDeviceIsRefusedWithAHint) {
  auto r = probe_device("/dev/null");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("/dev/nvmeXnY"), std::string::npos);
}

TEST(Device, MissingDeviceIsAUsageError) {
  auto r = probe_device("/nonexistent/nvme9n9");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::usage);
}

// A fake sysfs/dev tree shaped like the lab's QEMU controller.
class FakeSysfs : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::path(QB_TEST_DIR) / ("qb-sysfs-" + std::to_string(getpid()));
    fs::remove_all(root_);
    sys_ = root_ / "sys";
    dev_ = root_ / "dev";
    fs::path ctrl = sys_ / "devices/pci0000:00/0000:00:04.0/nvme/nvme0";
    fs::path ns = ctrl / "nvme0n1";
    fs::create_directories(ns / "queue");
    fs::create_directories(ns / "mq/0");
    fs::create_directories(ns / "mq/1");
    fs::create_directories(ns / "mq/2");
    put(ctrl / "model", "QEMU NVMe Ctrl                          \n");
    put(ctrl / "firmware_rev", "7.2.0   \n");
    put(ctrl / "serial", "qb1                 \n");
    put(ctrl / "transport", "pcie\n");
    put(ctrl / "queue_count", "4\n");
    put(ns / "nsid", "1\n");
    put(ns / "size", "16777216\n");
    put(ns / "queue/logical_block_size", "512\n");
    put(ns / "queue/io_poll", "1\n");
    put(ns / "queue/nr_requests", "1023\n");
    fs::create_directories(sys_ / "class/nvme");
    fs::create_directories(sys_ / "block");
    fs::create_directories(sys_ / "class/nvme-generic/ng0n1");
    fs::create_directory_symlink(ctrl, sys_ / "class/nvme/nvme0");
    fs::create_directory_symlink(ns, sys_ / "block/nvme0n1");
    fs::create_directory_symlink(ctrl, ns / "device");
    fs::create_directories(sys_ / "module/nvme/parameters");
    put(sys_ / "module/nvme/parameters/poll_queues", "2\n");
    put(sys_ / "module/nvme/parameters/write_queues", "0\n");
    fs::create_directories(dev_);
  }
  void TearDown() override { fs::remove_all(root_); }
  static void put(const fs::path& p, const std::string& s) { std::ofstream(p) << s; }

  fs::path root_, sys_, dev_;
};

TEST_F(FakeSysfs, DiscoversControllerNamespaceAndParameters) {
  Inventory inv = discover(sys_.string(), dev_.string());
  ASSERT_EQ(inv.controllers.size(), 1u);
  const ControllerInfo& c = inv.controllers[0];
  EXPECT_EQ(c.name, "nvme0");
  EXPECT_EQ(c.model, "QEMU NVMe Ctrl");
  EXPECT_TRUE(c.emulated_qemu);
  EXPECT_EQ(c.firmware, "7.2.0");
  EXPECT_EQ(c.serial, "qb1");
  EXPECT_EQ(c.queue_count, 4);
  ASSERT_EQ(inv.namespaces.size(), 1u);
  const NamespaceInfo& n = inv.namespaces[0];
  EXPECT_EQ(n.controller, "nvme0");
  EXPECT_EQ(n.nsid, 1u);
  EXPECT_EQ(n.lba_size, 512u);
  EXPECT_EQ(n.size_bytes, 16777216ull * 512);
  EXPECT_TRUE(n.io_poll);
  EXPECT_EQ(n.hw_queues, 3);
  EXPECT_EQ(n.ng_name, "ng0n1");
  EXPECT_FALSE(n.ng_dev_node) << "no /dev/ng0n1 in the fake tree";
  EXPECT_EQ(inv.module_params.at("poll_queues"), "2");
}

TEST_F(FakeSysfs, NgNodeMissingIsExplained) {
  Inventory inv = discover(sys_.string(), dev_.string());
  DeviceInfo d;
  d.path = "/dev/nvme0n1";
  d.kind = TargetKind::nvme_namespace;
  d.ns = inv.namespaces.at(0);
  auto r = ng_node_for(d, "", dev_.string());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("missing"), std::string::npos);
}

TEST_F(FakeSysfs, EmptyTreeFindsNothing) {
  Inventory inv = discover((root_ / "nothing").string(), dev_.string());
  EXPECT_TRUE(inv.controllers.empty());
  EXPECT_TRUE(inv.namespaces.empty());
}

}  // namespace
}  // namespace qb
