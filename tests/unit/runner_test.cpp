#include "runner.h"

#include <gtest/gtest.h>

#include "test_util.h"

#include <cerrno>
#include <chrono>
#include <deque>
#include <thread>

#include "clock.h"

namespace qb {
namespace {

using test::ScratchFile;

RunSpec spec_for(const std::string& file, const char* path, WorkloadOptions w) {
  auto d = probe_device(file);
  EXPECT_TRUE(d.ok());
  if (w.size == 0) w.size = d->size_bytes - w.offset;
  const PathInfo* p = find_path(path);
  EXPECT_NE(p, nullptr);
  return RunSpec{w, p, *d, file};
}

// A path whose engine is the test's fake E, named NAME (engine family too).
template <class E>
PathInfo fake_path(const char* name) {
  PathInfo p;
  p.name = name;
  p.engine = name;
  p.create = [](const PathInfo&) -> std::unique_ptr<Engine> { return std::make_unique<E>(); };
  return p;
}

WorkloadOptions io_count(RwMode rw, uint64_t ios, uint64_t seed = 5) {
  WorkloadOptions w;
  w.rw = rw;
  w.ios = ios;
  w.seed = seed;
  w.iodepth = 16;
  w.submit_batch = 4;
  w.complete_batch = 4;
  return w;
}

// IOS random reads through the fake engine E on a scratch file, IODEPTH in
// flight, submitted and reaped in batches of BATCH.
template <class E>
Result<PathResult> run_fake(const char* name, uint64_t ios, unsigned iodepth, unsigned batch) {
  ScratchFile f(8 << 20);
  PathInfo p = fake_path<E>(name);
  WorkloadOptions w = io_count(RwMode::randread, ios);
  w.iodepth = iodepth;
  w.submit_batch = batch;
  w.complete_batch = batch;
  RunSpec s = spec_for(f.path(), "block-irq", w);
  s.path = &p;
  return run_path(s, nullptr);
}

TEST(Runner, IoCountRunCompletesExactlyThatMany) {
  ScratchFile f(32 << 20);
  auto r = run_path(spec_for(f.path(), "block-irq", io_count(RwMode::randread, 5000)), nullptr);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->ios, 5000u);
  EXPECT_EQ(r->hist->count(), 5000u);
  EXPECT_EQ(r->bytes, 5000u * 4096);
  EXPECT_EQ(r->error_count, 0u);
  EXPECT_GT(r->iops, 0);
  EXPECT_LE(r->hist->percentile(50), r->hist->percentile(99));
  uint64_t sub = 0, reaped = 0;
  for (const auto& t : r->threads) sub += t.submitted, reaped += t.reaped;
  EXPECT_EQ(sub, 5000u);
  EXPECT_EQ(reaped, 5000u);
}

// The core promise: the same seed makes every path touch the same blocks.
// Writes from one path, read back with verify by two others.
TEST(Runner, SameSeedSameBlocksAcrossPaths) {
  ScratchFile f(16 << 20);
  WorkloadOptions w = io_count(RwMode::randwrite, 3000, 11);
  w.verify = true;
  auto wr = run_path(spec_for(f.path(), "block-irq", w), nullptr);
  ASSERT_TRUE(wr.ok()) << wr.error().message;
  EXPECT_EQ(wr->verify.bad_sectors, 0u);
  EXPECT_EQ(wr->verify.blocks_checked, 3000u) << "read-back pass covers every write";

  for (const char* path : {"psync", "block-irq"}) {
    WorkloadOptions rd = io_count(RwMode::randread, 3000, 11);
    rd.verify = true;
    rd.iodepth = 7;  // depth differs from the writer's; the sequence must not
    rd.submit_batch = 3;
    rd.complete_batch = 2;
    auto r = run_path(spec_for(f.path(), path, rd), nullptr);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->verify.blocks_checked, 3000u) << path;
    EXPECT_EQ(r->verify.bad_sectors, 0u) << path;
  }

  WorkloadOptions other = io_count(RwMode::randread, 3000, 12);
  other.verify = true;
  auto r = run_path(spec_for(f.path(), "psync", other), nullptr);
  ASSERT_TRUE(r.ok());
  EXPECT_GT(r->verify.bad_sectors, 0u) << "another seed reads other blocks";
  ASSERT_FALSE(r->verify.first_mismatches.empty());
}

TEST(Runner, ThreadsSplitTheIoCountAndRange) {
  ScratchFile f(32 << 20);
  WorkloadOptions w = io_count(RwMode::randwrite, 3001);
  w.threads = 2;
  w.verify = true;
  auto r = run_path(spec_for(f.path(), "block-irq", w), nullptr);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->threads.size(), 2u);
  EXPECT_EQ(r->threads[0].ios, 1501u);
  EXPECT_EQ(r->threads[1].ios, 1500u);
  EXPECT_EQ(r->verify.bad_sectors, 0u) << "slices must not overlap";
}

TEST(Runner, TimedRunWithRampReportsSeriesAndCpu) {
  ScratchFile f(32 << 20);
  WorkloadOptions w;
  w.rw = RwMode::randread;
  w.runtime_s = 2.2;
  w.ramp_s = 0.3;
  w.iodepth = 8;
  w.submit_batch = 4;
  w.complete_batch = 2;
  w.cpus = {0};
  unsigned samples = 0;
  auto r = run_path(spec_for(f.path(), "block-irq", w), [&](const ProgressSample& p) {
    samples++;
    EXPECT_GT(p.iops, 0);
    EXPECT_GT(p.ios_per_submit, 0);
  });
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->iops_series.size(), 2u);
  EXPECT_EQ(samples, 2u);
  EXPECT_NEAR(r->elapsed_s, 2.2, 0.2);
  EXPECT_EQ(r->threads[0].cpu, 0);
  EXPECT_GT(r->threads[0].utime_s + r->threads[0].stime_s, 0);
  double sum = 0;
  for (double v : r->iops_series) sum += v;
  EXPECT_LE(sum, static_cast<double>(r->ios));
}

// An engine whose completions carry a chosen result: how the runner turns
// completion errors into usage errors or named error counts, without
// needing a device that fails.
class FailingEngine final : public Engine {
 public:
  static inline int32_t res = 0;
  static inline uint16_t status = 0;
  Result<void> setup(const EngineConfig&) override { return Ok{}; }
  int submit(std::span<const IoRequest> reqs, unsigned) override {
    for (const auto& r : reqs) pending_.push_back(Completion{r.tag, res, status, false});
    return 0;
  }
  int reap(std::span<Completion> out, unsigned) override {
    size_t n = std::min(out.size(), pending_.size());
    std::copy(pending_.begin(), pending_.begin() + n, out.begin());
    pending_.erase(pending_.begin(), pending_.begin() + n);
    return static_cast<int>(n);
  }
  void teardown() override {}

 private:
  std::vector<Completion> pending_;
};

PathInfo failing_path(bool poll) {
  PathInfo p = fake_path<FailingEngine>(poll ? "fail-poll" : "fail-irq");
  p.engine = "fail";
  p.poll = poll;
  return p;
}

TEST(Runner, PolledIoRefusedByTheKernelIsAClearUsageError) {
  ScratchFile f(8 << 20);
  PathInfo p = failing_path(true);
  RunSpec s = spec_for(f.path(), "block-irq", io_count(RwMode::randread, 100));
  s.path = &p;
  FailingEngine::res = -EOPNOTSUPP;
  FailingEngine::status = 0;
  auto r = run_path(s, nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::usage);
  EXPECT_NE(r.error().message.find("EOPNOTSUPP"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("poll_queues"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("-irq"), std::string::npos) << r.error().message;
}

TEST(Runner, NvmeStatusErrorsAreCountedWithTheirLba) {
  ScratchFile f(8 << 20);
  PathInfo p = failing_path(false);
  RunSpec s = spec_for(f.path(), "block-irq", io_count(RwMode::read, 100));
  s.path = &p;
  FailingEngine::res = -EIO;
  FailingEngine::status = 0x80;
  auto r = run_path(s, nullptr);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->error_count, 100u);
  ASSERT_EQ(r->errors.size(), 1u);
  EXPECT_EQ(r->errors[0].nvme_status, 0x80);
  EXPECT_EQ(r->errors[0].first_lba, 0u);
  EXPECT_EQ(r->ios, 0u) << "failed I/Os are not counted as done";
}

// A device that completes I/Os only when the caller waits: the runner must
// fill the queue to --iodepth before waiting, or depth is silently lower.
class LazyEngine final : public Engine {
 public:
  static inline size_t max_outstanding = 0;
  Result<void> setup(const EngineConfig&) override { return Ok{}; }
  int submit(std::span<const IoRequest> reqs, unsigned wait_nr) override {
    for (const auto& r : reqs) queued_.push_back(Completion{r.tag, static_cast<int32_t>(r.len), 0, false});
    max_outstanding = std::max(max_outstanding, queued_.size() + done_.size());
    if (wait_nr) complete();
    return 0;
  }
  int reap(std::span<Completion> out, unsigned wait_nr) override {
    if (wait_nr && done_.empty()) complete();
    size_t n = std::min(out.size(), done_.size());
    std::copy(done_.begin(), done_.begin() + n, out.begin());
    done_.erase(done_.begin(), done_.begin() + n);
    return static_cast<int>(n);
  }
  void teardown() override {}

 private:
  void complete() {
    done_.insert(done_.end(), queued_.begin(), queued_.end());
    queued_.clear();
  }
  std::vector<Completion> queued_, done_;
};

TEST(Runner, FillsTheQueueToIodepthBeforeWaiting) {
  LazyEngine::max_outstanding = 0;
  auto r = run_fake<LazyEngine>("lazy", 4000, 32, 8);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->ios, 4000u);
  EXPECT_EQ(LazyEngine::max_outstanding, 32u);
}

TEST(Runner, PsyncRunsAtDepthOne) {
  ScratchFile f(8 << 20);
  auto r = run_path(spec_for(f.path(), "psync", io_count(RwMode::read, 1000)), nullptr);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->iodepth, 1u);
  EXPECT_EQ(r->submit_batch, 1u);
  EXPECT_EQ(r->ios, 1000u);
}

TEST(Runner, ShortReadsAreCountedAsErrors) {
  ScratchFile f(8 << 20);
  RunSpec s = spec_for(f.path(), "block-irq", io_count(RwMode::read, 64));
  // Claim a range running past the file's end: reads there come back short.
  s.workload.offset = (8 << 20) - 32 * 4096;
  s.workload.size = 8 << 20;
  auto r = run_path(s, nullptr);
  ASSERT_TRUE(r.ok());
  EXPECT_GT(r->error_count, 0u);
  ASSERT_FALSE(r->errors.empty());
  EXPECT_TRUE(r->errors[0].short_io);
}

// Issue 14, bug 5: a Ctrl-C that arrives between two runs stops the next
// one at once, instead of being cleared as it starts.
TEST(Runner, StopRequestedBeforeARunStopsIt) {
  ScratchFile f(8 << 20);
  request_stop();
  auto r = run_path(spec_for(f.path(), "block-irq", io_count(RwMode::randread, 200000)), nullptr);
  bool stopped = stop_requested();
  clear_stop();
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(stopped) << "the request outlives the run";
  EXPECT_TRUE(r->interrupted);
  EXPECT_EQ(r->ios, 0u);
}

// Issue 14, bug 7: I/O buffers of --iodepth x --bs per thread are bounded
// before anything is allocated, with a message naming the limit and what
// would fit; 64 TiB here, more than any machine this runs on.
TEST(Runner, IoBuffersBeyondTheMachineAreAClearUsageError) {
  ScratchFile f(off_t{4} << 30);  // sparse: room for blocks of 1 GiB
  WorkloadOptions w = io_count(RwMode::randread, 100);
  w.iodepth = 65535;
  w.submit_batch = w.complete_batch = 1;
  w.bs = 1u << 30;
  RunSpec s = spec_for(f.path(), "block-irq", w);
  auto r = run_path(s, nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::usage);
  const std::string& m = r.error().message;
  EXPECT_NE(m.find("--iodepth 65535"), std::string::npos) << m;
  EXPECT_NE(m.find("--bs"), std::string::npos) << m;
  EXPECT_NE(m.find("half of this machine's memory"), std::string::npos) << m;
  EXPECT_NE(m.find("or less"), std::string::npos) << m;
}

TEST(Runner, BufferLimitNamesTheDepthThatFits) {
  WorkloadOptions w;
  w.iodepth = 64;
  w.bs = 1 << 20;
  w.threads = 2;
  const PathInfo& p = *find_path("block-irq");
  EXPECT_TRUE(check_buffer_memory(w, p, 128ull << 20).ok());
  auto r = check_buffer_memory(w, p, 64ull << 20);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("use --iodepth 32 or less"), std::string::npos) << r.error().message;
  w.threads = 200;
  r = check_buffer_memory(w, p, 64ull << 20);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("fewer --threads or a smaller --bs"), std::string::npos) << r.error().message;
  EXPECT_TRUE(check_buffer_memory(w, *find_path("psync"), 256ull << 20).ok()) << "psync runs at depth 1";
}

// A device with a known latency: each I/O is taken in the middle of a
// slow submit call and completes exactly lat_ns later. The runner stamps
// per batch, so what it records may exceed the true latency, never fall
// short of it, and by no more than the bound it reports. A reap that waits
// sleeps until the first completion is due, and tells the runner its wait
// ended then, as a kernel wait ends when a completion arrives: sleeping
// past it is the runner's to count. With WaitsInSubmit a submit asked to
// wait does so in the same call, as io_uring_enter does for the
// interrupt-driven paths once the queue is full, and reports the whole
// call as wait, as UringRing does (it cannot split the two).
template <uint64_t LatNs, bool WaitsInSubmit = false>
class DelayEngine final : public Engine {
 public:
  static constexpr uint64_t lat_ns = LatNs, half_call_ns = 150000;
  Result<void> setup(const EngineConfig&) override { return Ok{}; }
  int submit(std::span<const IoRequest> reqs, unsigned wait_nr) override {
    uint64_t began = now_ns();
    std::this_thread::sleep_for(std::chrono::nanoseconds(half_call_ns));
    uint64_t taken = now_ns();
    for (const auto& r : reqs) pending_.push_back({taken + lat_ns, Completion{r.tag, static_cast<int32_t>(r.len), 0, false}});
    std::this_thread::sleep_for(std::chrono::nanoseconds(half_call_ns));
    if (WaitsInSubmit && wait_nr && pending_.size() >= wait_nr) {
      uint64_t due = pending_[wait_nr - 1].first, now = now_ns();
      if (due > now) std::this_thread::sleep_for(std::chrono::nanoseconds(due - now));
      waited_ += now_ns() - began;
    }
    entries_++;
    return 0;
  }
  int reap(std::span<Completion> out, unsigned wait_nr) override {
    if (wait_nr && !pending_.empty()) {
      uint64_t now = now_ns(), due = pending_.front().first;
      if (due > now) {
        std::this_thread::sleep_for(std::chrono::nanoseconds(due - now));
        waited_ += due - now;
      }
      entries_++;
    }
    uint64_t now = now_ns();
    size_t n = 0;
    while (n < out.size() && !pending_.empty() && pending_.front().first <= now) {
      out[n++] = pending_.front().second;
      pending_.pop_front();
    }
    return static_cast<int>(n);
  }
  uint64_t kernel_entries() const override { return entries_; }
  uint64_t waited_ns() const override { return waited_; }
  void teardown() override {}

 private:
  std::deque<std::pair<uint64_t, Completion>> pending_;
  uint64_t entries_ = 0, waited_ = 0;
};

TEST(Runner, LatencyStampsStayWithinTheStatedBound) {
  using DelayEngine = DelayEngine<2000000>;
  auto r = run_fake<DelayEngine>("delay", 600, 8, 4);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->ios, 600u);
  uint64_t bound = r->stamp_error_ns;
  EXPECT_GE(bound, 2 * DelayEngine::half_call_ns) << "at least the submit call";
  // The histogram keeps values to within 1/128 of their size.
  double slack = 1.0 / 128;
  EXPECT_GE(static_cast<double>(r->hist->min()), DelayEngine::lat_ns * (1 - slack)) << "never below the truth";
  EXPECT_LE(static_cast<double>(r->hist->max()), (DelayEngine::lat_ns + bound) * (1 + slack))
      << "bound " << bound << " ns";
  EXPECT_EQ(r->threads[0].stamp_error_ns, bound);
  ASSERT_NE(r->stamp_error, nullptr);
  EXPECT_EQ(r->stamp_error->count(), r->ios) << "one bound per counted I/O";
  EXPECT_EQ(r->stamp_error->max(), bound);
  EXPECT_GT(r->threads[0].kernel_entries, 0u) << "the engine's entries over the window";
  EXPECT_LE(r->threads[0].kernel_entries, r->threads[0].submit_calls + r->threads[0].reap_calls);
}

// Every I/O after the first batch goes in a call that also waits, which
// the engine reports as wait from its start: the bound must still cover
// the time before the hand-over in that call. The device's latency is
// the same for every I/O, so the largest excess over it is held to the
// largest bound, and every bound to the submit call at least.
TEST(Runner, LatencyStampsStayWithinTheBoundWhenSubmitAlsoWaits) {
  using WaitingEngine = DelayEngine<2000000, true>;
  auto r = run_fake<WaitingEngine>("submit-and-wait", 600, 8, 4);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->ios, 600u);
  ASSERT_NE(r->stamp_error, nullptr);
  EXPECT_GE(r->stamp_error->min(), 2 * WaitingEngine::half_call_ns) << "at least the submit call, every I/O";
  double slack = 1.0 / 128;
  EXPECT_GE(static_cast<double>(r->hist->min()), WaitingEngine::lat_ns * (1 - slack)) << "never below the truth";
  EXPECT_LE(static_cast<double>(r->hist->max()), (WaitingEngine::lat_ns + r->stamp_error->max()) * (1 + slack))
      << "bound " << r->stamp_error->max() << " ns";
  EXPECT_LE(r->stamp_error->max(), r->hist->max()) << "no bound exceeds its latency";
}

// The loop waits for each completion far longer than it spends stamping:
// one I/O in flight, its reap sleeping 100 ms for it. The bound is the
// stamping's (the submit call, and the reap after its wait ended), not the
// wait, so it stays far below the latency, yet above what the recorded
// latencies exceed the truth by. On a loaded host a sleep can overrun by
// tens of ms, rightly in the bound, so the median is held to it.
TEST(Runner, TheStampErrorBoundLeavesOutWaits) {
  using SlowEngine = DelayEngine<100000000>;
  auto r = run_fake<SlowEngine>("slow", 8, 1, 1);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->ios, 8u);
  ASSERT_NE(r->stamp_error, nullptr);
  ASSERT_EQ(r->stamp_error->count(), 8u);
  EXPECT_GE(r->stamp_error->min(), 2 * SlowEngine::half_call_ns) << "at least the submit call";
  EXPECT_LT(r->stamp_error->percentile(50), SlowEngine::lat_ns / 4) << "the wait is not stamping error";
  double slack = 1.0 / 128;
  EXPECT_GE(static_cast<double>(r->hist->min()), SlowEngine::lat_ns * (1 - slack));
  EXPECT_LE(static_cast<double>(r->hist->max()), (SlowEngine::lat_ns + r->stamp_error_ns) * (1 + slack));
}

TEST(Runner, ThreadCpuTimeAndPinnedCpuInterruptTime) {
  ScratchFile f(16 << 20);
  WorkloadOptions w = io_count(RwMode::randread, 3000);
  w.cpus = {0};
  auto r = run_path(spec_for(f.path(), "block-irq", w), nullptr);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_GT(r->threads[0].cpu_ns, 0u);
  EXPECT_LE(r->threads[0].cpu_ns, static_cast<uint64_t>(r->elapsed_s * 1e9) + 20000000)
      << "one thread's CPU time fits in the window";
  EXPECT_TRUE(r->cpu_irq.has_value()) << "pinned: the CPU's irq and softirq time are read";
  EXPECT_GT(r->threads[0].kernel_entries, 0u);
  EXPECT_TRUE(r->hw.has_value() || !r->hw_note.empty()) << "counts or a reason";
  w.cpus.clear();
  r = run_path(spec_for(f.path(), "block-irq", w), nullptr);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->cpu_irq.has_value()) << "not pinned: no CPU to read";
  if (r->hw) {
    EXPECT_EQ(r->hw_scope, HwScope::thread);
  }
}

}  // namespace
}  // namespace qb
