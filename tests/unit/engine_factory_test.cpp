#include "engine_factory.h"

#include <gtest/gtest.h>

namespace qb {
namespace {

TEST(EngineFactory, KnowsEveryPathInOrder) {
  auto paths = all_paths();
  std::vector<std::string> names;
  for (auto* p : paths) names.emplace_back(p->name);
  EXPECT_EQ(names, (std::vector<std::string>{"psync", "block-irq", "block-poll", "ng-irq", "ng-poll", "uq-irq",
                                             "uq-poll", "uq-poll-check"}));
  EXPECT_EQ(find_path("uq-poll")->engine, "uq");
  EXPECT_TRUE(find_path("ng-poll")->poll);
  EXPECT_FALSE(find_path("ng-irq")->poll);
  EXPECT_EQ(find_path("block-poll")->engine, "block");
}

TEST(EngineFactory, EachPathCreatesAnEngine) {
  for (auto* p : all_paths()) EXPECT_NE(p->create(*p), nullptr) << p->name;
}

DeviceInfo file_target() {
  DeviceInfo d;
  d.path = "/var/tmp/image";
  d.kind = TargetKind::regular_file;
  return d;
}

DeviceInfo nvme_target(bool poll, bool ng) {
  DeviceInfo d;
  d.path = "/dev/nvme0n1";
  d.kind = TargetKind::nvme_namespace;
  d.io_poll = poll;
  NamespaceInfo ns;
  ns.name = "nvme0n1";
  ns.nsid = 1;
  if (ng) ns.ng_name = "ng0n1";
  d.ns = ns;
  return d;
}

TEST(EngineFactory, NgRefusesAFileAndSaysWhatWorks) {
  auto r = resolve_node(*find_path("ng-irq"), file_target(), "");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::usage);
  EXPECT_NE(r.error().message.find("needs an NVMe namespace"), std::string::npos);
  EXPECT_NE(r.error().message.find("block-irq"), std::string::npos);
}

TEST(EngineFactory, PolledPathNeedsPollQueues) {
  auto r = resolve_node(*find_path("block-poll"), nvme_target(false, true), "");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("poll_queues"), std::string::npos);
  auto f = resolve_node(*find_path("block-poll"), file_target(), "");
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.error().message.find("regular file"), std::string::npos);
  auto ok = resolve_node(*find_path("block-poll"), nvme_target(true, true), "");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, "/dev/nvme0n1");
}

TEST(EngineFactory, NgWithoutGenericDeviceIsRefused) {
  auto r = resolve_node(*find_path("ng-irq"), nvme_target(false, false), "");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("generic char device"), std::string::npos);
}

TEST(EngineFactory, NgDeviceOverrideMustBeACharDevice) {
  auto r = resolve_node(*find_path("ng-irq"), nvme_target(false, true), "/var/tmp");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("not a character device"), std::string::npos);
  auto ok = resolve_node(*find_path("ng-irq"), nvme_target(false, true), "/dev/null");
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(*ok, "/dev/null");
}

// Passthrough hands each I/O to the controller whole: a --bs above the
// namespace's largest transfer (MDTS) is refused before any I/O, naming
// both sizes; the block paths split it, so they take it.
TEST(EngineFactory, UnsplitPathsRefuseABlockAboveTheLargestTransfer) {
  DeviceInfo d = nvme_target(true, true);
  d.ns->max_transfer_bytes = 16384;
  for (const char* name : {"ng-irq", "ng-poll", "uq-irq", "uq-poll", "uq-poll-check"}) {
    auto r = check_transfer_size(*find_path(name), d, 32768);
    ASSERT_FALSE(r.ok()) << name;
    EXPECT_EQ(r.error().kind, ErrorKind::usage);
    EXPECT_EQ(r.error().message,
              std::string(name) + ": --bs 32768 exceeds the largest transfer of /dev/nvme0n1, 16384 bytes "
                                  "(queue/max_hw_sectors_kb, the controller's MDTS), and passthrough is not split; "
                                  "use --bs 16k or less, or a block path, which splits I/O");
    EXPECT_TRUE(check_transfer_size(*find_path(name), d, 16384).ok()) << name;
  }
  for (const char* name : {"psync", "block-irq", "block-poll"})
    EXPECT_TRUE(check_transfer_size(*find_path(name), d, 1 << 20).ok()) << name;
  d.ns->max_transfer_bytes = 0;  // unknown: the kernel decides
  EXPECT_TRUE(check_transfer_size(*find_path("ng-irq"), d, 1 << 20).ok());
}

}  // namespace
}  // namespace qb
