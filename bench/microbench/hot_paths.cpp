// Per-I/O costs of the tool itself: what each I/O pays in user space on top
// of the kernel path being measured.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <deque>
#include <vector>

#include "clock.h"
#include "histogram.h"
#include "nvme_cmd.h"
#include "runner.h"
#include "verify.h"
#include "workload.h"

namespace qb {
namespace {

void BM_HistogramRecord(benchmark::State& state) {
  Histogram h;
  uint64_t v = 12345;
  for (auto _ : state) {
    h.record(v);
    v = v * 6364136223846793005ULL + 1442695040888963407ULL;
    v >>= 40;  // latencies up to ~16M ns
  }
  benchmark::DoNotOptimize(h.count());
}
BENCHMARK(BM_HistogramRecord);

void BM_LbaSequence(benchmark::State& state) {
  WorkloadOptions w;
  w.rw = static_cast<RwMode>(state.range(0));
  w.size = 1ULL << 40;
  IoSequence s(w, 0, ThreadRange{0, w.size / w.bs});
  for (auto _ : state) benchmark::DoNotOptimize(s.next());
}
BENCHMARK(BM_LbaSequence)->Arg(static_cast<int>(RwMode::randread))->Arg(static_cast<int>(RwMode::randrw))
    ->Arg(static_cast<int>(RwMode::read));

void BM_Clock(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(now_ns());
}
BENCHMARK(BM_Clock);

void BM_PrepNvmeCommand(benchmark::State& state) {
  alignas(64) unsigned char sqe_mem[128] = {};
  auto* sqe = reinterpret_cast<io_uring_sqe*>(sqe_mem);
  NvmeTarget t{1, 12, state.range(0) != 0};
  char buf[4096];
  uint64_t off = 0;
  for (auto _ : state) {
    prep_nvme_rw(sqe, 3, t, IoRequest{off, buf, 4096, 7, false});
    off += 4096;
    benchmark::DoNotOptimize(sqe);
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_PrepNvmeCommand)->Arg(0)->Arg(1);

void BM_VerifyStampAndCheck(benchmark::State& state) {
  std::vector<uint64_t> buf(4096 / 8);
  VerifyMismatch m;
  for (auto _ : state) {
    stamp_block(buf.data(), 4096, 4096 * 9, 512, 1);
    benchmark::DoNotOptimize(check_block(buf.data(), 4096, 4096 * 9, 512, 1, &m));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * 4096);
}
BENCHMARK(BM_VerifyStampAndCheck);

// An engine that completes every I/O at once: the whole runner loop
// (sequence, tags, timestamps, histogram, counters) per I/O, no kernel.
class NullEngine final : public Engine {
 public:
  Result<void> setup(const EngineConfig& c) override {
    done_.resize(c.iodepth);
    return Ok{};
  }
  int submit(std::span<const IoRequest> reqs, unsigned) override {
    for (const auto& r : reqs) done_[n_++] = Completion{r.tag, static_cast<int32_t>(r.len), 0, false};
    return 0;
  }
  int reap(std::span<Completion> out, unsigned) override {
    unsigned n = n_ < out.size() ? n_ : static_cast<unsigned>(out.size());
    for (unsigned i = 0; i < n; i++) out[i] = done_[n_ - 1 - i];
    n_ -= n;
    return static_cast<int>(n);
  }
  void teardown() override {}

 private:
  std::vector<Completion> done_;
  unsigned n_ = 0;
};

void BM_RunnerLoopPerIo(benchmark::State& state) {
  PathInfo p;
  p.name = "null";
  p.engine = "null";
  p.create = [](const PathInfo&) -> std::unique_ptr<Engine> { return std::make_unique<NullEngine>(); };
  RunSpec s;
  s.path = &p;
  s.node = "null";
  s.device.kind = TargetKind::regular_file;
  s.device.lba_size = 512;
  s.device.size_bytes = 1ULL << 40;
  s.workload.size = s.device.size_bytes;
  s.workload.iodepth = static_cast<unsigned>(state.range(0));
  s.workload.submit_batch = static_cast<unsigned>(state.range(1));
  s.workload.complete_batch = static_cast<unsigned>(state.range(1));
  const uint64_t ios = 1 << 20;
  s.workload.ios = ios;
  uint64_t total = 0;
  for (auto _ : state) {
    auto r = run_path(s, nullptr);
    if (!r) {
      state.SkipWithError(r.error().message.c_str());
      break;
    }
    total += r->ios;
  }
  state.SetItemsProcessed(static_cast<int64_t>(total));
}
BENCHMARK(BM_RunnerLoopPerIo)->Args({32, 8})->Args({128, 32})->Args({1, 1})->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace qb

BENCHMARK_MAIN();
