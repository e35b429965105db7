// The fio and t/io_uring lines a report gives per path, the job files
// fio-jobs writes, and the mail's body.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "fio_job_set.h"
#include "report_document.h"
#include "report_test_util.h"
#include "reporter.h"
#include "reproduction.h"

namespace qb {
namespace {

using nlohmann::json;

json example_json() {
  std::ifstream in(QB_EXAMPLE_REPORT);
  return json::parse(in);
}

ReportData load(const json& doc) {
  auto d = report_from_json(doc, "compare.json");
  EXPECT_TRUE(d.ok()) << (d.ok() ? "" : d.error().message);
  return *d;
}

Reproduction of(const ReportData& r, const std::string& path, const ReproductionOptions& opts = {}) {
  for (auto& rep : reproductions(r, opts))
    if (rep.path == path) return rep;
  ADD_FAILURE() << "no reproduction for " << path;
  return {};
}

std::string job(const ReportData& r, const std::string& path) { return fio_job_file(of(r, path)); }

bool has_line(const std::string& text, const std::string& line) {
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    if (l == line) return true;
  return false;
}

void set_on_runs(json& doc, const std::string& path, const std::string& key, const json& value) {
  for (auto& r : doc["runs"])
    if (r["path"] == path) r[key] = value;
}

TEST(Reproduction, BlockPathsUseIoUringWithODirect) {
  ReportData r = load(example_json());
  std::string j = job(r, "block-poll");
  for (const char* l : {"ioengine=io_uring", "direct=1", "hipri=1", "filename=/dev/nvme0n1", "rw=randread", "bs=512",
                        "iodepth=128", "iodepth_batch_submit=32", "iodepth_batch_complete_min=32",
                        "iodepth_batch_complete_max=128", "fixedbufs=1", "registerfiles=1", "runtime=5",
                        "numjobs=1", "cpus_allowed=0", "norandommap=1", "size=8589934592"})
    EXPECT_TRUE(has_line(j, l)) << l << " missing from\n" << j;
  EXPECT_FALSE(has_line(job(r, "block-irq"), "hipri=1"));
}

TEST(Reproduction, PassthroughPathsUseIoUringCmd) {
  ReportData r = load(example_json());
  for (const char* path : {"ng-irq", "ng-poll", "uq-irq", "uq-poll"}) {
    std::string j = job(r, path);
    EXPECT_TRUE(has_line(j, "ioengine=io_uring_cmd")) << path;
    EXPECT_TRUE(has_line(j, "cmd_type=nvme")) << path;
    EXPECT_FALSE(has_line(j, "direct=1")) << path;
  }
  EXPECT_TRUE(has_line(job(r, "ng-irq"), "filename=/dev/ng0n1"));
  EXPECT_TRUE(has_line(job(r, "ng-poll"), "hipri=1"));
  EXPECT_TRUE(has_line(job(r, "uq-poll"), "filename=/dev/nvme0uq1"));
}

TEST(Reproduction, PsyncUsesPsyncAtDepthOne) {
  std::string j = job(load(example_json()), "psync");
  EXPECT_TRUE(has_line(j, "ioengine=psync"));
  EXPECT_TRUE(has_line(j, "direct=1"));
  EXPECT_TRUE(has_line(j, "iodepth=1"));
  EXPECT_EQ(j.find("iodepth_batch"), std::string::npos);
  EXPECT_EQ(j.find("fixedbufs"), std::string::npos);
}

// The engine comes from the recorded traits, not from the path's name or
// engine family.
TEST(Reproduction, RecordedTraitsDecideTheEngine) {
  json doc = example_json();
  set_on_runs(doc, "ng-irq", "passthrough", false);
  std::string j = job(load(doc), "ng-irq");
  EXPECT_TRUE(has_line(j, "ioengine=io_uring")) << j;
  EXPECT_TRUE(has_line(j, "direct=1"));
}

TEST(Reproduction, UserQueueLinesCarryTheBindEnvironment) {
  ReportData r = load(example_json());
  Reproduction rep = of(r, "uq-irq");
  std::string env = "NVME_QBENCH_UQ_BIND=/dev/nvme0uq0=/dev/ng0n1 LD_PRELOAD=" + std::string(default_uq_bind_library);
  EXPECT_EQ(fio_command(rep).rfind(env + " fio ", 0), 0u) << fio_command(rep);
  EXPECT_EQ(io_uring_command(rep).rfind(env + " taskset -c 0 t/io_uring ", 0), 0u) << io_uring_command(rep);
  EXPECT_EQ(environment_prefix(of(r, "ng-irq")), "");
  EXPECT_EQ(environment_prefix(of(r, "uq-poll", ReproductionOptions{"/opt/lib/bind.so"})),
            "NVME_QBENCH_UQ_BIND=/dev/nvme0uq1=/dev/ng0n1 LD_PRELOAD=/opt/lib/bind.so ");
}

TEST(Reproduction, RecordedNamespaceAndThreadQueuesWin) {
  json doc = example_json();
  doc["workload"]["threads"] = 2;
  doc["workload"]["cpus"] = json::array({2, 3});
  set_on_runs(doc, "uq-poll", "namespace_node", "/dev/ng1n1");
  set_on_runs(doc, "uq-poll", "thread_nodes", json::array({"/dev/nvme1uq1", "/dev/nvme1uq2"}));
  Reproduction rep = of(load(doc), "uq-poll");
  EXPECT_EQ(environment_prefix(rep).rfind("NVME_QBENCH_UQ_BIND=/dev/nvme1uq1=/dev/ng1n1,/dev/nvme1uq2=/dev/ng1n1 ", 0),
            0u);
  std::string j = fio_job_file(rep);
  // Each thread in its own half of the 8 GiB, as nvme-qbench's threads.
  EXPECT_TRUE(has_line(j, "size=4294967296")) << j;
  EXPECT_NE(j.find("[uq-poll-thread0]\nfilename=/dev/nvme1uq1\noffset=0\ncpus_allowed=2\n"), std::string::npos) << j;
  EXPECT_NE(j.find("[uq-poll-thread1]\nfilename=/dev/nvme1uq2\noffset=4294967296\ncpus_allowed=3\n"),
            std::string::npos)
      << j;
  EXPECT_NE(io_uring_command(rep).find("-n2 -R1 -r5 /dev/nvme1uq1 /dev/nvme1uq2"), std::string::npos);
}

TEST(Reproduction, UqPollCheckSaysInOneLineThatFioHasNone) {
  Reproduction rep = of(load(example_json()), "uq-poll-check");
  EXPECT_EQ(std::count_if(rep.notes.begin(), rep.notes.end(),
                          [](const auto& n) { return n.find("fio has no equivalent of uq-poll-check") == 0; }),
            1);
  EXPECT_TRUE(has_line(fio_job_file(rep), "hipri=1"));
}

TEST(Reproduction, IoUringFlags) {
  ReportData r = load(example_json());
  EXPECT_EQ(io_uring_command(of(r, "block-poll")),
            "taskset -c 0 t/io_uring -b512 -d128 -s32 -c32 -p1 -B1 -F1 -X0 -u0 -O1 -n1 -R1 -r5 /dev/nvme0n1");
  EXPECT_EQ(io_uring_command(of(r, "ng-irq")),
            "taskset -c 0 t/io_uring -b512 -d128 -s32 -c32 -p0 -B1 -F1 -X0 -u1 -O0 -n1 -R1 -r5 /dev/ng0n1");
  EXPECT_EQ(io_uring_command(of(r, "psync")), "taskset -c 0 t/io_uring -b512 -S1 -O1 -n1 -R1 -r5 /dev/nvme0n1");
}

TEST(Reproduction, NoIoUringLineForWrites) {
  json doc = example_json();
  doc["workload"]["rw"] = "randwrite";
  Reproduction rep = of(load(doc), "ng-poll");
  EXPECT_EQ(io_uring_command(rep), "");
  EXPECT_EQ(std::count_if(rep.notes.begin(), rep.notes.end(),
                          [](const auto& n) { return n.find("t/io_uring reads only") == 0; }),
            1);
  EXPECT_TRUE(has_line(fio_job_file(rep), "rw=randwrite"));
}

// Where fio and nvme-qbench differ by default, the jobs say what
// nvme-qbench did: random blocks with replacement, a count of I/Os, times
// fio can parse, one pinned thread, threads in their own slices.
TEST(Reproduction, JobsRunWhatNvmeQbenchRan) {
  json doc = example_json();
  doc["workload"]["rw"] = "read";
  EXPECT_FALSE(has_line(job(load(doc), "ng-irq"), "norandommap=1")) << "sequential: no random map to skip";
  doc["workload"]["rw"] = "randread";
  doc["workload"]["runtime_s"] = 0;
  doc["workload"]["ios"] = 1001;
  doc["workload"]["threads"] = 2;
  doc["workload"]["cpus"] = json::array({4, 5});
  doc["workload"]["ramp_s"] = 0.5;
  std::string j = job(load(doc), "ng-irq");
  for (const char* l : {"norandommap=1", "number_ios=501", "io_size=256512", "ramp_time=500ms", "numjobs=2",
                        "size=4294967296", "offset_increment=4294967296", "cpus_allowed=4,5",
                        "cpus_allowed_policy=split"})
    EXPECT_TRUE(has_line(j, l)) << l << " missing from\n" << j;
  EXPECT_EQ(j.find("time_based"), std::string::npos) << j;
  doc["workload"]["threads"] = 1;
  std::string one = job(load(doc), "ng-irq");
  EXPECT_TRUE(has_line(one, "cpus_allowed=4")) << "one thread, pinned as --cpus pins it: the first\n" << one;
  EXPECT_EQ(one.find("offset_increment"), std::string::npos) << one;
}

TEST(FioJobSet, OneJobFilePerPathAndARunScript) {
  ReportData r = load(example_json());
  auto files = fio_job_set(r, {});
  ASSERT_EQ(files.size(), r.paths.size() + 1);
  EXPECT_EQ(files.front().name, r.paths.front().path + ".fio");
  const GeneratedFile& script = files.back();
  EXPECT_EQ(script.name, "run.sh");
  EXPECT_TRUE(script.executable);
  EXPECT_EQ(test::count_of(script.content, "|| { echo"), r.paths.size());
  EXPECT_NE(script.content.find("exit $failed\n"), std::string::npos);
  EXPECT_NE(script.content.find("NVME_QBENCH_UQ_BIND=/dev/nvme0uq1=/dev/ng0n1 LD_PRELOAD="), std::string::npos);
  EXPECT_NE(script.content.find("--output-format=json --output=\"$dir/uq-poll.json\" \"$dir/uq-poll.fio\""),
            std::string::npos);
}

std::string render(const std::string& format, const json& doc) {
  auto text = create_reporter(format)->render({load(doc)}, RenderOptions{});
  EXPECT_TRUE(text.ok());
  return *text;
}

void expect_ascii_within(const std::string& text, size_t width) {
  std::istringstream in(text);
  int n = 0;
  for (std::string line; std::getline(in, line);) {
    n++;
    EXPECT_LE(line.size(), width) << "line " << n << ": " << line;
    for (unsigned char c : line) EXPECT_TRUE(c >= 0x20 && c < 0x7f) << "non-ASCII on line " << n;
  }
}

TEST(ReproductionText, SetupCarriesTheLinesWithin80Columns) {
  std::string text = render("text", example_json());
  expect_ascii_within(text, 80);
  std::string setup = text.substr(0, text.find("\nSummary\n"));
  EXPECT_NE(setup.find("# uq-poll-check\n"), std::string::npos);
  EXPECT_NE(setup.find("t/io_uring -b512 -d128"), std::string::npos);
  EXPECT_NE(setup.find("NVME_QBENCH_UQ_BIND=/dev/nvme0uq0=/dev/ng0n1 \\\n"), std::string::npos) << setup;
}

// A report written before the traits and nodes were recorded (version 1,
// no passthrough, io_uring or namespace_node) still renders its lines.
TEST(ReproductionText, OldReportsRender) {
  std::string text = render("text", test::lab_report_json());
  expect_ascii_within(text, 80);
  EXPECT_NE(text.find("--ioengine=io_uring_cmd --cmd_type=nvme"), std::string::npos);
  EXPECT_NE(text.find("--ioengine=psync"), std::string::npos);
}

TEST(Email, PlainAsciiWithin72Columns) { expect_ascii_within(render("email", example_json()), email_width); }

TEST(Email, SummaryConditionsRatiosTargetsAndReproduction) {
  std::string mail = render("email", example_json());
  for (const char* s : {"Summary\n", "Conditions\n", "Ratios to the baseline, ng-poll\n", "Targets\n", "Reproducing\n",
                        "in the lab (an emulated controller under QEMU)", "swing with", "kernel:   6.12.118-qbench",
                        "Against ng-poll, IOPS ranged from", "# psync\ntaskset -c 0 t/io_uring -b512 -S1",
                        "psync.fio", "run.sh"})
    EXPECT_NE(mail.find(s), std::string::npos) << s;
  // The figures and verdicts are the report's own.
  EXPECT_NE(mail.find("uq-irq         1.279x"), std::string::npos);
  EXPECT_NE(mail.find("status: missed"), std::string::npos);
}

TEST(Email, ARealMachineIsSaidSo) {
  json doc = example_json();
  doc["device"]["emulated_controller"] = false;
  std::string mail = render("email", doc);
  std::replace(mail.begin(), mail.end(), '\n', ' ');  // a phrase may be wrapped
  EXPECT_NE(mail.find("on a real machine:"), std::string::npos) << mail;
  EXPECT_EQ(mail.find("emulated controller under QEMU"), std::string::npos);
}

}  // namespace
}  // namespace qb
