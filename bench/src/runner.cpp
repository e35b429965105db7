#include "runner.h"

#include <fmt/format.h>
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <optional>
#include <thread>

#include "clock.h"

namespace qb {

namespace {

std::atomic<bool> g_stop{false};

double tv_s(const timeval& tv) { return static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6; }

// Written by one worker, read by the sampling thread: relaxed stores of
// plain counters, no locks in the I/O loop.
struct alignas(64) LiveCounters {
  std::atomic<uint64_t> ios{0};
  std::atomic<uint64_t> bytes{0};
  std::atomic<uint64_t> submit_calls{0};
  std::atomic<uint64_t> submitted{0};
  std::atomic<uint64_t> reap_calls{0};
  std::atomic<uint64_t> reaped{0};
};

struct Shared {
  const RunSpec* spec = nullptr;
  EffectiveDepth depth{};
  std::vector<ThreadRange> ranges;
  std::unique_ptr<LiveCounters[]> live;
  std::atomic<unsigned> ready{0};
  std::atomic<unsigned> finished{0};
  std::atomic<bool> failed{false};
  std::atomic<uint64_t> start_ns{0};  // set once every thread is ready
  // With window hooks and a ramp, the control thread opens the measured
  // window (measure_ns) once the hooks are ready; otherwise it opens at
  // start + ramp.
  bool gated = false;
  std::atomic<uint64_t> measure_ns{UINT64_MAX};
  std::atomic<unsigned> loops_done{0};  // workers out of their measured loop
  std::mutex err_mu;  // guards first_error; taken only on the failure path
  std::optional<Error> first_error;

  void fail(Error e) {
    std::lock_guard<std::mutex> lk(err_mu);
    if (!first_error) first_error = std::move(e);
    failed.store(true);
  }
};

// Errors that say "this setup cannot work" rather than "this I/O failed".
bool is_setup_errno(int e) { return e == EOPNOTSUPP || e == EPERM || e == EACCES; }

Error completion_setup_error(const RunSpec& s, int e) {
  std::string why = fmt::format("{}: the kernel refused I/O on {} ({}: {})", s.path->name, s.node,
                                strerrorname_np(e) ? strerrorname_np(e) : "?", strerror(e));
  if (e == EOPNOTSUPP && s.path->poll)
    return usage_error(why + "; polled I/O needs a device with poll queues (nvme poll_queues=N); "
                             "use the -irq path", e);
  if (e == EPERM || e == EACCES)
    return usage_error(why + "; run as root or get access to the device", e);
  return usage_error(why, e);
}

void note_error(std::vector<ErrorCount>& errs, const Completion& c, uint64_t lba) {
  int e = c.res < 0 ? -c.res : 0;
  for (auto& x : errs)
    if (x.nvme_status == c.nvme_status && x.errnum == e && x.short_io == c.short_io) {
      x.count++;
      return;
    }
  errs.push_back(ErrorCount{c.nvme_status, e, c.short_io, 1, lba});
}

void check_read(VerifyResult& v, const char* buf, uint32_t len, uint64_t offset, uint32_t lba_size, uint64_t seed) {
  VerifyMismatch m;
  unsigned bad = check_block(buf, len, offset, lba_size, seed, &m);
  v.blocks_checked++;
  if (bad) {
    v.bad_sectors += bad;
    if (v.first_mismatches.size() < VerifyResult::max_mismatches) v.first_mismatches.push_back(m);
  }
}

struct Worker {
  Shared& sh;
  unsigned t;
  ThreadResult& out;

  void run();

 private:
  Result<void> loop(Engine& eng, char* buffers);
  Result<void> verify_pass(Engine& eng, char* buffers, uint64_t count);
};

void Worker::run() {
  const RunSpec& s = *sh.spec;
  const WorkloadOptions& w = s.workload;
  out.thread = t;
  out.hist = std::make_unique<Histogram>();
  if (!w.cpus.empty()) {
    out.cpu = w.cpus[t % w.cpus.size()];
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(out.cpu, &set);
    int rc = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
    if (rc != 0)
      sh.fail(usage_error(fmt::format("--cpus: cannot pin thread {} to CPU {}: {}; give online CPUs "
                                      "(this machine has {})", t, out.cpu, strerror(rc),
                                      std::thread::hardware_concurrency()), rc));
  }
  size_t align = std::max<size_t>(4096, s.device.lba_size);
  size_t len = static_cast<size_t>(sh.depth.iodepth) * w.bs;
  char* buffers = static_cast<char*>(std::aligned_alloc(align, (len + align - 1) / align * align));
  // Non-verify writes carry a fixed non-zero pattern, set up once here.
  for (size_t i = 0; i < len; i += 8) {
    uint64_t v = mix64(i ^ w.seed);
    memcpy(buffers + i, &v, 8);
  }
  auto eng = s.path->create(*s.path);
  EngineConfig cfg;
  cfg.node = s.node;
  cfg.poll = s.path->poll;
  cfg.write_access = rw_has_writes(w);
  cfg.iodepth = sh.depth.iodepth;
  cfg.bs = w.bs;
  cfg.lba_size = s.device.lba_size;
  cfg.nsid = s.device.ns ? s.device.ns->nsid : 1;
  cfg.fixed_buffers = w.fixed_buffers;
  cfg.registered_files = w.registered_files;
  cfg.register_ring = w.register_ring;
  cfg.sqpoll = w.sqpoll;
  cfg.buffers = buffers;
  bool set_up = false;
  if (!sh.failed.load()) {
    auto r = eng->setup(cfg);
    if (!r)
      sh.fail(r.error());
    else
      set_up = true;
  }
  sh.ready.fetch_add(1);
  while (sh.start_ns.load(std::memory_order_acquire) == 0 && !sh.failed.load()) std::this_thread::yield();
  if (set_up && !sh.failed.load()) {
    auto r = loop(*eng, buffers);
    if (!r) sh.fail(r.error());
  }
  sh.loops_done.fetch_add(1);
  if (set_up) eng->teardown();
  free(buffers);
  sh.finished.fetch_add(1);
}

Result<void> Worker::loop(Engine& eng, char* buffers) {
  const RunSpec& s = *sh.spec;
  const WorkloadOptions& w = s.workload;
  const unsigned depth = sh.depth.iodepth;
  const unsigned sbatch = sh.depth.submit_batch;
  const unsigned cbatch = sh.depth.complete_batch;
  const uint32_t lba_size = s.device.lba_size;
  const bool verify = w.verify;
  LiveCounters& live = sh.live[t];

  // Per-slot state, sized once: nothing is allocated inside the loop.
  std::vector<IoRequest> reqs(sbatch);
  std::vector<Completion> comps(depth);
  std::vector<uint64_t> sub_ts(depth);
  std::vector<uint64_t> slot_offset(depth);
  std::vector<uint8_t> slot_write(depth);
  std::vector<uint16_t> free_tags(depth);
  for (unsigned i = 0; i < depth; i++) free_tags[i] = static_cast<uint16_t>(depth - 1 - i);
  unsigned nfree = depth;

  IoSequence seq(w, t, sh.ranges[t]);
  const uint64_t start = sh.start_ns.load(std::memory_order_acquire);
  const uint64_t ramp_end = start + static_cast<uint64_t>(w.ramp_s * 1e9);
  const bool timed = w.ios == 0;
  const uint64_t runtime_ns = static_cast<uint64_t>(w.runtime_s * 1e9);
  uint64_t end = sh.gated ? UINT64_MAX : ramp_end + runtime_ns;
  uint64_t ios_target = 0;
  if (!timed) ios_target = w.ios / w.threads + (t < w.ios % w.threads ? 1 : 0);

  bool measuring = w.ramp_s <= 0;
  uint64_t measure_start = start;
  uint64_t issued_measured = 0;
  uint64_t last_done = start;
  rusage ru0{}, ru1{};
  bool ru1_taken = false;
  if (measuring) getrusage(RUSAGE_THREAD, &ru0);
  unsigned inflight = 0;
  bool issuing = true;
  Histogram& hist = *out.hist;
  uint64_t ios = 0, bytes = 0, reads = 0;
  uint64_t submit_calls = 0, submitted = 0, reap_calls = 0, reaped = 0, empty = 0;

  for (;;) {
    uint64_t now = now_ns();
    if (!measuring) {
      uint64_t open_at = sh.gated ? sh.measure_ns.load(std::memory_order_acquire) : ramp_end;
      if (now >= open_at) {
        measuring = true;
        measure_start = now;
        end = open_at + runtime_ns;
        getrusage(RUSAGE_THREAD, &ru0);
      }
    }
    if (issuing) {
      if (g_stop.load(std::memory_order_relaxed) || sh.failed.load(std::memory_order_relaxed))
        issuing = false;
      else if (timed ? now >= end : (measuring && issued_measured >= ios_target))
        issuing = false;
      // A timed window closes here: completions after it are not counted,
      // so neither is the CPU spent draining them (a stalled queue could
      // otherwise add seconds of spinning to a window of one).
      if (!issuing && timed && measuring) {
        getrusage(RUSAGE_THREAD, &ru1);
        ru1_taken = true;
      }
    }
    if (!issuing && inflight == 0) break;

    unsigned to_submit = 0;
    if (issuing) {
      to_submit = std::min(nfree, sbatch);
      if (!timed && measuring) to_submit = static_cast<unsigned>(std::min<uint64_t>(to_submit, ios_target - issued_measured));
    }
    int got;
    if (to_submit) {
      for (unsigned i = 0; i < to_submit; i++) {
        uint16_t tag = free_tags[--nfree];
        IoOp op = seq.next();
        char* buf = buffers + static_cast<size_t>(tag) * w.bs;
        reqs[i] = IoRequest{op.offset, buf, w.bs, tag, op.write};
        sub_ts[tag] = now;
        slot_offset[tag] = op.offset;
        slot_write[tag] = op.write;
        if (verify && op.write) stamp_block(buf, w.bs, op.offset, lba_size, w.seed);
      }
      if (measuring) issued_measured += to_submit;
      inflight += to_submit;
      // Wait only once the queue is full, for a completion batch, as
      // t/io_uring does; polled rings reap in the same enter regardless.
      unsigned wait = (!s.path->poll && nfree == 0) ? std::min(cbatch, inflight) : 0;
      int rc = eng.submit(std::span<const IoRequest>(reqs.data(), to_submit), wait);
      submit_calls++;
      submitted += to_submit;
      if (rc < 0) {
        if (is_setup_errno(-rc)) return completion_setup_error(s, -rc);
        return runtime_error(fmt::format("{}: submitting to {} failed: {}", s.path->name, s.node, strerror(-rc)), -rc);
      }
      got = eng.reap(comps, 0);
    } else {
      got = eng.reap(comps, std::min(cbatch, inflight));
    }
    reap_calls++;
    if (got < 0) {
      if (got == -EINTR) continue;
      return runtime_error(fmt::format("{}: reaping from {} failed: {}", s.path->name, s.node, strerror(-got)), -got);
    }
    if (got == 0) {
      empty++;
      continue;
    }
    uint64_t done = now_ns();
    last_done = done;
    reaped += static_cast<unsigned>(got);
    inflight -= static_cast<unsigned>(got);
    for (int i = 0; i < got; i++) {
      const Completion& c = comps[i];
      auto tag = static_cast<uint16_t>(c.tag);
      free_tags[nfree++] = tag;
      if (c.res < 0 || c.short_io || c.nvme_status) [[unlikely]] {
        if (c.res < 0 && is_setup_errno(-c.res) && ios == 0 && out.errors.empty())
          return completion_setup_error(s, -c.res);
        note_error(out.errors, c, slot_offset[tag] / lba_size);
        continue;
      }
      if (verify && !slot_write[tag]) [[unlikely]]
        check_read(out.verify, buffers + static_cast<size_t>(tag) * w.bs, w.bs, slot_offset[tag], lba_size, w.seed);
      if (!measuring || sub_ts[tag] < measure_start || (timed && done > end)) continue;
      hist.record(done - sub_ts[tag]);
      ios++;
      reads += !slot_write[tag];
      bytes += w.bs;
    }
    live.ios.store(ios, std::memory_order_relaxed);
    live.bytes.store(bytes, std::memory_order_relaxed);
    live.submit_calls.store(submit_calls, std::memory_order_relaxed);
    live.submitted.store(submitted, std::memory_order_relaxed);
    live.reap_calls.store(reap_calls, std::memory_order_relaxed);
    live.reaped.store(reaped, std::memory_order_relaxed);
  }

  if (!ru1_taken) getrusage(RUSAGE_THREAD, &ru1);
  uint64_t stop = timed ? std::min(end, last_done) : last_done;
  if (!measuring) stop = measure_start;
  out.elapsed_s = stop > measure_start ? static_cast<double>(stop - measure_start) / 1e9 : 0;
  out.ios = ios;
  out.reads = reads;
  out.writes = ios - reads;
  out.bytes = bytes;
  out.submit_calls = submit_calls;
  out.submitted = submitted;
  out.reap_calls = reap_calls;
  out.reaped = reaped;
  out.empty_reaps = empty;
  out.utime_s = tv_s(ru1.ru_utime) - tv_s(ru0.ru_utime);
  out.stime_s = tv_s(ru1.ru_stime) - tv_s(ru0.ru_stime);
  out.vol_ctx_switches = static_cast<uint64_t>(ru1.ru_nvcsw - ru0.ru_nvcsw);
  out.invol_ctx_switches = static_cast<uint64_t>(ru1.ru_nivcsw - ru0.ru_nivcsw);

  if (verify && rw_has_writes(w) && !g_stop.load()) return verify_pass(eng, buffers, seq.index());
  return Ok{};
}

// Reads back, in the same order, every block the write pass issued.
Result<void> Worker::verify_pass(Engine& eng, char* buffers, uint64_t count) {
  const RunSpec& s = *sh.spec;
  const WorkloadOptions& w = s.workload;
  const unsigned depth = sh.depth.iodepth;
  IoSequence seq(w, t, sh.ranges[t]);
  std::vector<IoRequest> reqs(depth);
  std::vector<Completion> comps(depth);
  std::vector<uint64_t> slot_offset(depth);
  uint64_t next = 0;
  while (next < count) {
    unsigned n = static_cast<unsigned>(std::min<uint64_t>(depth, count - next));
    for (unsigned i = 0; i < n; i++) {
      IoOp op = seq.at(next + i);
      slot_offset[i] = op.offset;
      reqs[i] = IoRequest{op.offset, buffers + static_cast<size_t>(i) * w.bs, w.bs, static_cast<uint16_t>(i), false};
    }
    next += n;
    int rc = eng.submit(std::span<const IoRequest>(reqs.data(), n), s.path->poll ? 0 : n);
    if (rc < 0) return runtime_error(fmt::format("{}: verify read-back submit failed: {}", s.path->name, strerror(-rc)), -rc);
    unsigned left = n;
    while (left) {
      int got = eng.reap(comps, left);
      if (got < 0 && got != -EINTR)
        return runtime_error(fmt::format("{}: verify read-back reap failed: {}", s.path->name, strerror(-got)), -got);
      for (int i = 0; i < got; i++) {
        const Completion& c = comps[i];
        auto tag = static_cast<uint16_t>(c.tag);
        if (c.res < 0 || c.short_io || c.nvme_status) {
          note_error(out.errors, c, slot_offset[tag] / s.device.lba_size);
          continue;
        }
        check_read(out.verify, buffers + static_cast<size_t>(tag) * w.bs, w.bs, slot_offset[tag],
                   s.device.lba_size, w.seed);
      }
      if (got > 0) left -= static_cast<unsigned>(got);
    }
  }
  return Ok{};
}

void merge_errors(std::vector<ErrorCount>& into, const std::vector<ErrorCount>& from) {
  for (const auto& e : from) {
    auto it = std::find_if(into.begin(), into.end(), [&](const ErrorCount& x) {
      return x.nvme_status == e.nvme_status && x.errnum == e.errnum && x.short_io == e.short_io;
    });
    if (it == into.end())
      into.push_back(e);
    else
      it->count += e.count;
  }
}

}  // namespace

void request_stop() { g_stop.store(true); }

EffectiveDepth effective_depth(const WorkloadOptions& w, const PathInfo& p) {
  EffectiveDepth d{w.iodepth, w.submit_batch, w.complete_batch};
  if (p.max_iodepth && d.iodepth > p.max_iodepth) d.iodepth = p.max_iodepth;
  d.submit_batch = std::min(d.submit_batch, d.iodepth);
  d.complete_batch = std::min(d.complete_batch, d.iodepth);
  return d;
}

Result<PathResult> run_path(const RunSpec& spec, const ProgressFn& progress) {
  const WorkloadOptions& w = spec.workload;
  auto ranges = split_range(w);
  if (!ranges) return ranges.error();
  Shared sh;
  sh.spec = &spec;
  sh.depth = effective_depth(w, *spec.path);
  sh.ranges = std::move(*ranges);
  sh.live = std::make_unique<LiveCounters[]>(w.threads);
  g_stop.store(false);

  PathResult res;
  res.path = std::string(spec.path->name);
  res.node = spec.node;
  res.iodepth = sh.depth.iodepth;
  res.submit_batch = sh.depth.submit_batch;
  res.complete_batch = sh.depth.complete_batch;
  res.threads.resize(w.threads);

  WindowHooks* hooks = spec.hooks;
  sh.gated = hooks && w.ramp_s > 0;
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < w.threads; t++)
    threads.emplace_back([&sh, &res, t] { Worker{sh, t, res.threads[t]}.run(); });
  while (sh.ready.load() < w.threads) std::this_thread::yield();
  // Without a ramp the window opens with the first I/O: the hooks run first.
  bool window_started = false, window_ended = false;
  if (hooks && !sh.gated && !sh.failed.load()) {
    hooks->window_start();
    window_started = true;
  }
  uint64_t start = now_ns();
  sh.start_ns.store(start, std::memory_order_release);

  // Sample once per second of the measured window, from its start.
  const bool timed = w.ios == 0;
  const uint64_t runtime_ns = static_cast<uint64_t>(w.runtime_s * 1e9);
  uint64_t window = start + static_cast<uint64_t>(w.ramp_s * 1e9);
  uint64_t prev_ios = 0, prev_bytes = 0, prev_sc = 0, prev_s = 0, prev_rc = 0, prev_r = 0;
  unsigned second = 0;
  uint64_t next = window + 1000000000ULL;
  for (;;) {
    uint64_t now = now_ns();
    if (sh.finished.load() == w.threads) break;
    if (hooks && !window_started && now >= window && !sh.failed.load()) {
      hooks->window_start();
      window_started = true;
      window = now_ns();
      next = window + 1000000000ULL;
      sh.measure_ns.store(window, std::memory_order_release);
      continue;
    }
    if (hooks && window_started && !window_ended &&
        ((timed && now >= window + runtime_ns) || sh.loops_done.load() == w.threads)) {
      hooks->window_end();
      window_ended = true;
    }
    if (now < next) {
      uint64_t wait = std::min<uint64_t>(next - now, 20000000ULL);
      if (hooks && timed && window_started && !window_ended && window + runtime_ns > now)
        wait = std::min(wait, window + runtime_ns - now);
      if (hooks && !window_started && window > now) wait = std::min(wait, window - now);
      std::this_thread::sleep_for(std::chrono::nanoseconds(wait));
      continue;
    }
    uint64_t ios = 0, bytes = 0, sc = 0, sub = 0, rc = 0, r = 0;
    for (unsigned t = 0; t < w.threads; t++) {
      ios += sh.live[t].ios.load(std::memory_order_relaxed);
      bytes += sh.live[t].bytes.load(std::memory_order_relaxed);
      sc += sh.live[t].submit_calls.load(std::memory_order_relaxed);
      sub += sh.live[t].submitted.load(std::memory_order_relaxed);
      rc += sh.live[t].reap_calls.load(std::memory_order_relaxed);
      r += sh.live[t].reaped.load(std::memory_order_relaxed);
    }
    ProgressSample p;
    p.second = ++second;
    p.iops = static_cast<double>(ios - prev_ios);
    p.bw_bytes_s = static_cast<double>(bytes - prev_bytes);
    p.ios_per_submit = sc > prev_sc ? static_cast<double>(sub - prev_s) / static_cast<double>(sc - prev_sc) : 0;
    p.ios_per_reap = rc > prev_rc ? static_cast<double>(r - prev_r) / static_cast<double>(rc - prev_rc) : 0;
    res.iops_series.push_back(p.iops);
    if (progress) progress(p);
    prev_ios = ios, prev_bytes = bytes, prev_sc = sc, prev_s = sub, prev_rc = rc, prev_r = r;
    next += 1000000000ULL;
  }
  for (auto& th : threads) th.join();
  if (window_started && !window_ended) hooks->window_end();
  if (sh.first_error) return *sh.first_error;

  res.hist = std::make_unique<Histogram>();
  res.verify.enabled = w.verify;
  for (const auto& tr : res.threads) {
    res.ios += tr.ios;
    res.bytes += tr.bytes;
    res.elapsed_s = std::max(res.elapsed_s, tr.elapsed_s);
    res.hist->merge(*tr.hist);
    merge_errors(res.errors, tr.errors);
    res.verify.blocks_checked += tr.verify.blocks_checked;
    res.verify.bad_sectors += tr.verify.bad_sectors;
    for (const auto& m : tr.verify.first_mismatches)
      if (res.verify.first_mismatches.size() < VerifyResult::max_mismatches) res.verify.first_mismatches.push_back(m);
  }
  for (const auto& e : res.errors) res.error_count += e.count;
  if (res.elapsed_s > 0) {
    res.iops = static_cast<double>(res.ios) / res.elapsed_s;
    res.bw_bytes_s = static_cast<double>(res.bytes) / res.elapsed_s;
  }
  res.interrupted = g_stop.load();
  return res;
}

}  // namespace qb
