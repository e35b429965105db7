#include "cli.h"

#include <fmt/format.h>
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

#include "run_report.h"
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

// The command line as the tool parses it, then validate_options; a
// problem comes back as the one line main prints after "nvme-qbench: ".
Result<CliOptions> parse(const std::string& args) {
  CliOptions o;
  CLI::App app;
  build_cli(app, o);
  try {
    app.parse(args, false);
  } catch (const CLI::ParseError& e) {
    return usage_error(usage_message(app, e));
  }
  if (auto r = validate_options(o); !r) return r.error();
  return o;
}

const std::string run_args = "run --device /var/tmp/x --path block-irq ";

void expect_parse_error(const std::string& args, const std::string& needle) {
  auto r = parse(args);
  ASSERT_FALSE(r.ok()) << args << ": accepted, expected an error about " << needle;
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
  expect_parse_error(run_args + "--bs 4q", "--bs: 4q is not a size");
  expect_parse_error(run_args + "--runtime 5 --ios 100", "--runtime and --ios both given");
  expect_parse_error(run_args + "--ios 100 --runtime 5", "--runtime and --ios both given");
  expect_parse_error(run_args + "--probe-cost", "--probe-cost needs --probes");
  EXPECT_TRUE(parse(run_args + "--probes --probe-cost").ok());
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
  expect_parse_error("run --device /var/tmp/x --path fast", "--path: fast is not a path; known paths: psync,");
  expect_parse_error("run --device /var/tmp/x --path psync,block-irq",
                     "--path: psync,block-irq is several paths; run takes one, use compare --paths a,b,c");
  o = run_opts();
  o.path = "fast";
  expect_usage(o, "--path: fast is not a path");
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
  expect_parse_error(run_args + "--cpus 0,x", "--cpus: x is not a CPU or range; use a list like 0,2,4-7");
  o = run_opts();
  o.w.ios = 1;
  o.w.threads = 2;
  expect_usage(o, "--ios 1 is fewer than --threads 2");
}

TEST(Cli, CompareChecksPathsAndBaseline) {
  CliOptions o;
  o.command = "compare";
  o.paths = {"block-irq", "psync"};
  ASSERT_TRUE(validate_options(o).ok());
  EXPECT_EQ(o.baseline, "block-irq");
  auto p = selected_paths(o);
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->size(), 2u);
  EXPECT_EQ((*p)[1]->name, "psync");
  o.baseline = "ng-poll";
  expect_usage(o, "--baseline ng-poll is not one of");
  o.baseline.clear();
  o.paths = {"psync", "psync"};
  expect_usage(o, "--paths: psync is listed twice");
  expect_parse_error("compare --device /var/tmp/x --paths psync,block-irq,psync", "--paths: psync is listed twice");
  expect_parse_error("compare --device /var/tmp/x --paths psync,fast", "--paths: fast is not a path");
}

TEST(Cli, CeilingRunsHaveTheirOwnDepthAndBatches) {
  const std::string args =
      "compare --device /var/tmp/x --paths ng-irq,ng-poll --iodepth 128 --submit-batch 32 --complete-batch 32 ";
  expect_parse_error(args + "--ceiling-iodepth 256",
                     "--ceiling-iodepth applies to the runs of --ceiling PATHS; give --ceiling");
  expect_parse_error(args + "--ceiling-batch 64",
                     "--ceiling-batch applies to the runs of --ceiling PATHS; give --ceiling");
  expect_parse_error(args + "--ceiling ng-poll,spdk", "--ceiling: spdk is not a path");
  auto o = parse(args + "--ceiling ng-poll --ceiling-iodepth 256 --ceiling-batch 64");
  ASSERT_TRUE(o.ok()) << o.error().message;
  EXPECT_EQ(o->ceiling, std::vector<std::string>{"ng-poll"});
  WorkloadOptions w = ceiling_workload(*o);
  EXPECT_EQ(w.iodepth, 256u);
  EXPECT_EQ(w.submit_batch, 64u);
  EXPECT_EQ(w.complete_batch, 64u);
  // A batch larger than the depth is capped at it.
  o->ceiling_iodepth = 16;
  EXPECT_EQ(ceiling_workload(*o).submit_batch, 16u);
}

// Sizes are bytes, or k/m/g/t as powers of 1024 in any case, with or
// without b or ib; only decimal digits before the unit.
TEST(Cli, ParsesSizes) {
  const std::pair<std::string, uint64_t> bs[] = {
      {"4k", 4096}, {"4K", 4096}, {"4kb", 4096}, {"128KiB", 131072}, {"512", 512}, {"010", 10}, {"1g", 1 << 30}};
  for (const auto& [text, want] : bs) {
    auto o = parse(run_args + "--bs " + text);
    ASSERT_TRUE(o.ok()) << text << ": " << o.error().message;
    EXPECT_EQ(o->w.bs, want) << text;
  }
  auto o = parse(run_args + "--offset 1m --size 3T");
  ASSERT_TRUE(o.ok()) << o.error().message;
  EXPECT_EQ(o->w.offset, 1u << 20);
  EXPECT_EQ(o->w.size, 3ull << 40);
  for (const char* bad : {"1x", "-1", "0x10", "k", "1.5k", "99999999999999999999"})
    expect_parse_error(run_args + "--offset " + bad, "--offset: " + std::string(bad) + " is not a size");
  expect_parse_error(run_args + "--size 16e", "--size: 16e is not a size");
  expect_parse_error(run_args + "--bs 0", "--bs: 0 is out of range; use one LBA to 1g");
  expect_parse_error(run_args + "--bs 1025m", "--bs: 1025m is out of range; use one LBA to 1g");
}

TEST(Cli, ParsesCpuLists) {
  auto o = parse(run_args + "--cpus 0,2,4-6");
  ASSERT_TRUE(o.ok()) << o.error().message;
  EXPECT_EQ(o->w.cpus, (std::vector<int>{0, 2, 4, 5, 6}));
  expect_parse_error(run_args + "--cpus 3-1", "--cpus: 3-1 is not a CPU or range");
  expect_parse_error(run_args + "--cpus 1,-2", "--cpus: -2 is not a CPU or range");
  expect_parse_error(run_args + "--cpus 0,1024", "--cpus: 1024 is not a CPU or range");
  // CLI11 drops the empty items of a comma list.
  o = parse(run_args + "--cpus 1,,2");
  ASSERT_TRUE(o.ok()) << o.error().message;
  EXPECT_EQ(o->w.cpus, (std::vector<int>{1, 2}));
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
  o.w.bs = 512;
  ASSERT_TRUE(validate_options(o).ok());
  auto r = validate_for_device(o, d);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("LBA size 4096"), std::string::npos);
  o = run_opts();
  o.w.offset = 512ull << 20;
  o.w.size = 1ull << 30;
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
       "nvme-qbench: --path: fast is not a path; known paths: psync, block-irq, block-poll, ng-irq, ng-poll, "
       "uq-irq, uq-poll, uq-poll-check; see nvme-qbench run --help"},
      {"run --device {f} --path block-irq --rw trim",
       "nvme-qbench: --rw trim: unknown mode; use randread, randwrite, read, write or randrw"},
      {"run --device {f} --path block-irq --runtime 5 --ios 100",
       "nvme-qbench: --runtime and --ios both given; a run ends by time or by I/O count, give one; see "
       "nvme-qbench run --help"},
      {"compare --device {f} --paths block-irq,ng-fast --ios 100",
       "nvme-qbench: --paths: ng-fast is not a path; known paths: psync, block-irq, block-poll, ng-irq, ng-poll, "
       "uq-irq, uq-poll, uq-poll-check; see nvme-qbench compare --help"},
      {"run --device {f} --path block-irq --bs 4q --ios 100",
       "nvme-qbench: --bs: 4q is not a size; use bytes or a k/m/g/t suffix (4k, 1g); see nvme-qbench run --help"},
      {"run --device {f} --path block-irq --bs 0 --ios 100",
       "nvme-qbench: --bs: 0 is out of range; use one LBA to 1g; see nvme-qbench run --help"},
      {"run --device {f} --path block-irq --bs 2g --ios 100",
       "nvme-qbench: --bs: 2g is out of range; use one LBA to 1g; see nvme-qbench run --help"},
      {"run --device {f} --path block-irq --cpus 0,x --ios 100",
       "nvme-qbench: --cpus: x is not a CPU or range; use a list like 0,2,4-7; see nvme-qbench run --help"},
      {"run --device {f} --path block-irq,psync --ios 100",
       "nvme-qbench: --path: block-irq,psync is several paths; run takes one, use compare --paths a,b,c for "
       "several; see nvme-qbench run --help"},
      {"run --device {f} --path block-irq --probe-cost --ios 100",
       "nvme-qbench: --probe-cost needs --probes; see nvme-qbench run --help"},
      {"compare --device {f} --paths block-irq --ceiling-batch 8 --ios 100",
       "nvme-qbench: --ceiling-batch applies to the runs of --ceiling PATHS; give --ceiling; see nvme-qbench "
       "compare --help"},
      {"compare --device {f} --paths block-irq --ceiling ng-poll,spdk --ios 100",
       "nvme-qbench: --ceiling: spdk is not a path; known paths: psync, block-irq, block-poll, ng-irq, ng-poll, "
       "uq-irq, uq-poll, uq-poll-check; see nvme-qbench compare --help"},
      {"report {f} --format pdf",
       "nvme-qbench: --format: pdf is not a format; known formats: text, markdown, html, json, email; see nvme-qbench "
       "report --help"},
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

// list: under each namespace a line for every path of the table, yes with
// the node it would open, or no with why, as a run would say it.
TEST(Cli, ListShowsEveryPathOfEachNamespace) {
  NamespaceInfo plain;
  plain.name = "nvme0n1";
  plain.controller = "nvme0";
  plain.nsid = 1;
  plain.lba_size = 512;
  plain.size_bytes = 1 << 30;
  NamespaceInfo ng = plain;
  ng.name = "nvme1n1";
  ng.controller = "nvme1";
  ng.io_poll = true;
  ng.ng_name = "ng1n1";
  ng.ng_dev_node = true;
  Inventory inv;
  inv.namespaces = {plain, ng};
  std::string out = format_inventory(inv);
  for (const auto* p : all_paths()) {
    std::string line = fmt::format("\n    {:<15} ", fmt::format("{}:", p->name));
    size_t first = out.find(line);
    EXPECT_NE(first, std::string::npos) << p->name << " missing:\n" << out;
    EXPECT_NE(out.find(line, first + 1), std::string::npos) << p->name << " once only:\n" << out;
  }
  size_t second = out.find("/dev/nvme1n1");
  ASSERT_NE(second, std::string::npos) << out;
  std::string a = out.substr(0, second), b = out.substr(second);
  EXPECT_NE(a.find("    psync:          yes\n    block-irq:      yes\n"), std::string::npos) << out;
  EXPECT_NE(a.find("    block-poll:     no: /dev/nvme0n1 has no poll queues (queue/io_poll is 0); load nvme with "
                   "poll_queues=N (N >= 1) or use the -irq path\n"),
            std::string::npos)
      << out;
  EXPECT_NE(a.find("    ng-irq:         no: /dev/nvme0n1 has no NVMe generic char device in sysfs"), std::string::npos)
      << out;
  EXPECT_NE(b.find("    block-poll:     yes\n"), std::string::npos) << out;
  EXPECT_NE(b.find("    ng-irq:         yes (/dev/ng1n1)\n    ng-poll:        yes (/dev/ng1n1)\n"),
            std::string::npos)
      << out;
}

// list --json: the same verdicts as data, which scripts/bench.sh --device
// reads to choose the paths it runs.
TEST(Cli, ListJsonSaysWhichPathsEachNamespaceSupports) {
  NamespaceInfo plain;
  plain.name = "nvme0n1";
  plain.controller = "nvme0";
  plain.nsid = 1;
  plain.lba_size = 512;
  Inventory inv;
  inv.namespaces = {plain};
  auto j = inventory_json(inv);
  const auto& paths = j["namespaces"][0]["paths"];
  ASSERT_EQ(paths.size(), all_paths().size()) << paths.dump();
  EXPECT_EQ(paths["psync"]["available"], true);
  EXPECT_EQ(paths["psync"]["node"], "/dev/nvme0n1");
  EXPECT_EQ(paths["block-poll"]["available"], false);
  EXPECT_EQ(paths["block-poll"]["reason"],
            "/dev/nvme0n1 has no poll queues (queue/io_poll is 0); load nvme with poll_queues=N (N >= 1) or use "
            "the -irq path");
  EXPECT_FALSE(paths["ng-irq"].contains("node"));
}

TEST(Cli, EverySubcommandHasHelp) {
  for (const char* sub : {"run", "compare", "list", "attach-windows"}) {
    Cmd r = run_tool(std::string(sub) + " --help");
    EXPECT_EQ(r.status, 0) << sub;
  }
  EXPECT_EQ(run_tool("").status, 2);
}

CliOptions parsed(std::vector<std::string> paths, const std::string& uq_device) {
  CliOptions o;
  o.command = "compare";
  o.paths = std::move(paths);
  o.uq_device = uq_device;
  return o;
}

TEST(Cli, UqDeviceIsCheckedAgainstTheUqPaths) {
  CliOptions ok = parsed({"ng-poll", "uq-poll", "uq-poll-check"}, "/dev/nvme0uq1");
  EXPECT_TRUE(validate_options(ok).ok());
  CliOptions none = parsed({"ng-poll", "block-irq"}, "/dev/nvme0uq1");
  auto r = validate_options(none);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("--uq-device applies only to the uq paths"), std::string::npos);
  CliOptions both = parsed({"uq-irq", "uq-poll"}, "/dev/nvme0uq1");
  r = validate_options(both);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("both types"), std::string::npos) << r.error().message;
  CliOptions unknown = parsed({"uq-bogus"}, "");
  r = validate_options(unknown);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("--paths: uq-bogus is not a path"), std::string::npos) << r.error().message;
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
