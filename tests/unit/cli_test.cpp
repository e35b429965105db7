#include "cli.h"

#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "test_util.h"

namespace qb {
namespace {

CliOptions run_opts() {
  CliOptions o;
  o.command = "run";
  o.path = "block-irq";
  o.device = "/var/tmp/x";
  return o;
}

// Each invalid option comes back as one usage error naming the option.
void expect_usage(CliOptions o, const std::string& needle) {
  auto r = validate_options(o);
  ASSERT_FALSE(r.ok()) << "accepted, expected an error about " << needle;
  EXPECT_EQ(r.error().kind, ErrorKind::usage);
  EXPECT_NE(r.error().message.find(needle), std::string::npos) << r.error().message;
  EXPECT_EQ(r.error().message.find('\n'), std::string::npos) << "one line only";
}

TEST(Cli, DefaultsAreValid) {
  CliOptions o = run_opts();
  ASSERT_TRUE(validate_options(o).ok());
  EXPECT_EQ(o.w.bs, 4096u);
  EXPECT_DOUBLE_EQ(o.w.runtime_s, 10.0);
  EXPECT_EQ(o.w.rw, RwMode::randread);
}

TEST(Cli, RejectsInvalidOptions) {
  CliOptions o = run_opts();
  o.rw = "trim";
  expect_usage(o, "--rw trim");
  o = run_opts();
  o.bs = "4q";
  expect_usage(o, "--bs 4q");
  o = run_opts();
  o.runtime_s = 5;
  o.w.ios = 100;
  expect_usage(o, "--runtime and --ios");
  o = run_opts();
  o.w.submit_batch = 64;
  expect_usage(o, "--submit-batch 64 exceeds --iodepth 32");
  o = run_opts();
  o.w.complete_batch = 33;
  expect_usage(o, "--complete-batch 33");
  o = run_opts();
  o.rw = "randrw";
  o.w.verify = true;
  expect_usage(o, "--verify with --rw randrw");
  o = run_opts();
  o.progress = "always";
  expect_usage(o, "--progress always: unknown mode; use auto, tty, run, second or off");
  o = run_opts();
  o.w.rwmixread = 70;
  expect_usage(o, "--rwmixread applies only");
  o = run_opts();
  o.path = "fast";
  expect_usage(o, "unknown path");
  o = run_opts();
  o.path = "uq-poll";
  o.uq_device = "/dev/nvme0uq1";
  o.w.fixed_buffers = true;
  EXPECT_TRUE(validate_options(o).ok()) << "uq-poll is a path of its own now";
  o = run_opts();
  o.path = "ng-poll";
  o.uq_device = "/dev/nvme0uq1";
  expect_usage(o, "--uq-device applies only to the uq paths");
  o = run_opts();
  o.path = "psync";
  o.w.sqpoll = true;
  expect_usage(o, "psync does not use io_uring");
  o = run_opts();
  o.cpus = "0,x";
  expect_usage(o, "--cpus");
  o = run_opts();
  o.w.ios = 1;
  o.w.threads = 2;
  expect_usage(o, "--ios 1 is fewer than --threads 2");
}

TEST(Cli, CompareChecksPathsAndBaseline) {
  CliOptions o;
  o.command = "compare";
  o.paths = "block-irq,psync";
  ASSERT_TRUE(validate_options(o).ok());
  EXPECT_EQ(o.baseline, "block-irq");
  auto p = selected_paths(o);
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->size(), 2u);
  EXPECT_EQ((*p)[1]->name, "psync");
  o.baseline = "ng-poll";
  expect_usage(o, "--baseline ng-poll is not one of");
  o.baseline.clear();
  o.paths = "psync,psync";
  expect_usage(o, "listed twice");
}

TEST(Cli, CeilingRunsHaveTheirOwnDepthAndBatches) {
  CliOptions o;
  o.command = "compare";
  o.paths = "ng-irq,ng-poll";
  o.w.iodepth = 128;
  o.w.submit_batch = o.w.complete_batch = 32;
  o.ceiling_iodepth = 256;
  expect_usage(o, "give --ceiling");
  o.ceiling = "ng-poll,spdk";
  expect_usage(o, "--ceiling spdk: unknown path");
  o.ceiling = "ng-poll";
  o.ceiling_batch = 64;
  ASSERT_TRUE(validate_options(o).ok());
  WorkloadOptions w = ceiling_workload(o);
  EXPECT_EQ(w.iodepth, 256u);
  EXPECT_EQ(w.submit_batch, 64u);
  EXPECT_EQ(w.complete_batch, 64u);
  // A batch larger than the depth is capped at it.
  o.ceiling_iodepth = 16;
  EXPECT_EQ(ceiling_workload(o).submit_batch, 16u);
}

TEST(Cli, ParsesSizes) {
  EXPECT_EQ(*parse_size("4k", "--bs"), 4096u);
  EXPECT_EQ(*parse_size("128KiB", "--bs"), 131072u);
  EXPECT_EQ(*parse_size("1g", "--size"), 1ull << 30);
  EXPECT_EQ(*parse_size("512", "--bs"), 512u);
  EXPECT_FALSE(parse_size("", "--bs").ok());
  EXPECT_FALSE(parse_size("1x", "--bs").ok());
  EXPECT_FALSE(parse_size("-1", "--bs").ok());
}

TEST(Cli, ParsesCpuLists) {
  auto c = parse_cpu_list("0,2,4-6");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(*c, (std::vector<int>{0, 2, 4, 5, 6}));
  EXPECT_FALSE(parse_cpu_list("3-1").ok());
  EXPECT_FALSE(parse_cpu_list("1,,2").ok());
}

TEST(Cli, DeviceChecksAlignmentAndRange) {
  DeviceInfo d;
  d.path = "/dev/nvme0n1";
  d.lba_size = 4096;
  d.size_bytes = 1 << 30;
  CliOptions o = run_opts();
  ASSERT_TRUE(validate_options(o).ok());
  ASSERT_TRUE(validate_for_device(o, d).ok());
  EXPECT_EQ(o.w.size, 1u << 30);
  o = run_opts();
  o.bs = "512";
  ASSERT_TRUE(validate_options(o).ok());
  auto r = validate_for_device(o, d);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("LBA size 4096"), std::string::npos);
  o = run_opts();
  o.offset = "512m";
  o.size = "1g";
  ASSERT_TRUE(validate_options(o).ok());
  r = validate_for_device(o, d);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("exceeds"), std::string::npos);
}

struct Cmd {
  int status;
  std::string err;
};

Cmd run_tool(const std::string& args) {
  std::string errf = std::string(QB_TEST_DIR) + "/qb-cli-err-" + std::to_string(getpid());
  int st = test::run_status(std::string(QB_BINARY) + " " + args + " >/dev/null 2>" + errf);
  std::ifstream in(errf);
  std::string err((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::filesystem::remove(errf);
  return Cmd{st, err};
}

// Exit status 2, one line on stderr, and no report file.
TEST(Cli, ToolExitsTwoWithOneLineAndNoReport) {
  test::ScratchFile f(8 << 20);
  std::string json = f.path() + ".json";
  const std::string cases[] = {
      "run --device " + f.path() + " --path block-poll --ios 100",
      "run --device " + f.path() + " --path ng-irq --ios 100",
      "run --device " + f.path() + " --path block-irq --iodepth 0 --ios 100",
      "run --device " + f.path() + " --path block-irq --bs 1000 --ios 100",
      "run --device /dev/null --path block-irq --ios 100",
      "compare --device " + f.path() + " --paths block-irq,ng-poll --ios 100",
      "run --device " + f.path() + " --path block-irq --cpus 4000 --ios 100",
      "run --device " + f.path() + " --path block-irq --bogus",
  };
  for (const auto& c : cases) {
    Cmd r = run_tool(c + " --json " + json);
    EXPECT_EQ(r.status, 2) << c << ": " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << c << ": " << r.err;
    EXPECT_FALSE(std::filesystem::exists(json)) << c;
    std::filesystem::remove(json);
  }
}

// The whole message, word for word, for each kind of mistake: what is
// wrong, with the value given, and what would work. {f} stands for the
// scratch file given as the device.
TEST(Cli, BadOptionMessagesWordForWord) {
  test::ScratchFile f(8 << 20);
  auto with_file = [&](std::string s) {
    for (size_t p = s.find("{f}"); p != std::string::npos; p = s.find("{f}", p + f.path().size()))
      s.replace(p, 3, f.path());
    return s;
  };
  const std::pair<std::string, std::string> cases[] = {
      {"run --device {f} --path block-poll --ios 100",
       "nvme-qbench: block-poll: polled I/O (IORING_SETUP_IOPOLL) needs a device with poll queues, and {f} "
       "is a regular file (nothing there would be polled); use block-irq, or an NVMe namespace with poll queues"},
      {"run --device {f} --path block-irq --bs 1000 --ios 100",
       "nvme-qbench: --bs 1000: not a multiple of {f}'s LBA size 512; use 512 or a multiple"},
      {"run --device /dev/null --path block-irq --ios 100",
       "nvme-qbench: --device /dev/null is a character device; give the namespace block device "
       "(/dev/nvmeXnY): the ng paths find /dev/ngXnY from it (or use --ng-device)"},
      {"run --device {f} --path fast --ios 100",
       "nvme-qbench: --path fast: unknown path; known paths: psync, block-irq, block-poll, ng-irq, ng-poll, "
       "uq-irq, uq-poll, uq-poll-check"},
      {"run --device {f} --path block-irq --rw trim",
       "nvme-qbench: --rw trim: unknown mode; use randread, randwrite, read, write or randrw"},
      {"run --device {f} --path block-irq --runtime 5 --ios 100",
       "nvme-qbench: --runtime and --ios both given; a run ends by time or by I/O count, give one"},
      {"compare --device {f} --paths block-irq,ng-fast --ios 100",
       "nvme-qbench: --paths ng-fast: unknown path; known paths: psync, block-irq, block-poll, ng-irq, ng-poll, "
       "uq-irq, uq-poll, uq-poll-check"},
      {"run --device {f} --path block-irq --bs 4q --ios 100",
       "nvme-qbench: --bs 4q: not a size; use bytes or a k/m/g/t suffix (4k, 1g)"},
      {"run --device {f} --path block-irq --bs 0 --ios 100", "nvme-qbench: --bs 0: must be between one LBA and 1g"},
      {"run --device {f} --path block-irq --bs 2g --ios 100", "nvme-qbench: --bs 2g: must be between one LBA and 1g"},
      // CLI11's own checks name the subcommand whose --help to read.
      {"run --device {f} --path block-irq --iodepth 0 --ios 100",
       "nvme-qbench: --iodepth: 0 is out of range; use 1 to 65535; see nvme-qbench run --help"},
      {"run --device {f} --path block-irq --iodepth deep --ios 100",
       "nvme-qbench: --iodepth: deep is not a whole number; use 1 to 65535; see nvme-qbench run --help"},
      {"compare --device {f} --paths block-irq --rounds 0 --ios 100",
       "nvme-qbench: --rounds: 0 is out of range; use 1 to 1000; see nvme-qbench compare --help"},
      {"run --path block-irq --ios 100", "nvme-qbench: --device is required; see nvme-qbench run --help"},
      {"compare --paths block-irq --ios 100", "nvme-qbench: --device is required; see nvme-qbench compare --help"},
      {"run --device {f} --ios 100", "nvme-qbench: --path is required; see nvme-qbench run --help"},
      {"compare --device {f} --paths ng-irq,uq-poll --sqpoll --ios 100",
       "nvme-qbench: uq-poll: --sqpoll is not supported on the user queues: with an SQPOLL ring their commands do "
       "not complete on this kernel series and the run hangs; drop --sqpoll, or use it with ng-irq or ng-poll"},
  };
  for (const auto& [args, want] : cases) {
    Cmd r = run_tool(with_file(args));
    EXPECT_EQ(r.status, 2) << args;
    EXPECT_EQ(r.err, with_file(want) + "\n") << args;
  }
}

TEST(Cli, EverySubcommandHasHelp) {
  for (const char* sub : {"run", "compare", "list", "attach-windows"}) {
    Cmd r = run_tool(std::string(sub) + " --help");
    EXPECT_EQ(r.status, 0) << sub;
  }
  EXPECT_EQ(run_tool("").status, 2);
}

CliOptions parsed(const std::string& paths, const std::string& uq_device) {
  CliOptions o;
  o.command = "compare";
  o.paths = paths;
  o.uq_device = uq_device;
  return o;
}

TEST(Cli, UqDeviceIsCheckedAgainstTheUqPaths) {
  CliOptions ok = parsed("ng-poll,uq-poll,uq-poll-check", "/dev/nvme0uq1");
  EXPECT_TRUE(validate_options(ok).ok());
  CliOptions none = parsed("ng-poll,block-irq", "/dev/nvme0uq1");
  auto r = validate_options(none);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("--uq-device applies only to the uq paths"), std::string::npos);
  CliOptions both = parsed("uq-irq,uq-poll", "/dev/nvme0uq1");
  r = validate_options(both);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("both types"), std::string::npos) << r.error().message;
  CliOptions unknown = parsed("uq-bogus", "");
  r = validate_options(unknown);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("unknown path"), std::string::npos) << r.error().message;
}

// Issue 14, bug 5: Ctrl-C stops the whole compare, not only the run it
// lands in, and the report written is valid JSON that says it is partial
// and which measured runs did not run.
TEST(Cli, CtrlCStopsTheCompareAndTheReportSaysPartial) {
  test::ScratchFile f(16 << 20);
  std::string json_path = f.path() + ".json";
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    int null = open("/dev/null", O_WRONLY);
    dup2(null, STDOUT_FILENO);
    dup2(null, STDERR_FILENO);
    execl(QB_BINARY, QB_BINARY, "compare", "--device", f.path().c_str(), "--paths", "psync,block-irq", "--rounds",
          "4", "--runtime", "1", "--quiet", "--json", json_path.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  kill(pid, SIGINT);
  int st = 0;
  ASSERT_EQ(waitpid(pid, &st, 0), pid);
  ASSERT_TRUE(WIFEXITED(st)) << "the tool finishes its report after Ctrl-C";
  EXPECT_EQ(WEXITSTATUS(st), 0);
  std::ifstream in(json_path);
  ASSERT_TRUE(in.good()) << "a report is written";
  nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  std::filesystem::remove(json_path);
  ASSERT_FALSE(j.is_discarded()) << "valid JSON";
  EXPECT_EQ(j["status"]["partial"], true);
  size_t ran = j["runs"].size(), not_run = j["status"]["not_run"].size();
  EXPECT_EQ(ran + not_run, 8u) << "every planned run either ran or is listed";
  EXPECT_LE(ran, 3u) << "the compare stopped";
  for (const auto& n : j["status"]["not_run"]) {
    EXPECT_TRUE(n["path"] == "psync" || n["path"] == "block-irq");
    EXPECT_GE(n["round"].get<int>(), 1);
  }
}

}  // namespace
}  // namespace qb
