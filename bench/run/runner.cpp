#include "runner.h"

#include <fmt/format.h>
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <mutex>
#include <optional>
#include <thread>

#include "clock.h"

namespace qb {

namespace {

std::atomic<bool> g_stop{false};

double tv_s(const timeval& tv) { return static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6; }

// What a worker reads of itself at each edge of its window: rusage (the
// usr/sys split, tick-sampled), the thread's CPU clock (exact; a kernel
// without CONFIG_POSIX_TIMERS, such as a tiny config, has none) and the
// engine's kernel entries.
struct ThreadMeter {
  rusage ru{};
  uint64_t cpu_ns = 0;
  bool cpu_clock = false;  // cpu_ns was read
  uint64_t entries = 0;

  void take(const Engine& eng) {
    getrusage(RUSAGE_THREAD, &ru);
    timespec ts{};
    cpu_clock = clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0;
    cpu_ns = static_cast<uint64_t>(ts.tv_sec) * 1000000000ULL + static_cast<uint64_t>(ts.tv_nsec);
    entries = eng.kernel_entries();
  }
};

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
  std::unique_ptr<std::atomic<int>[]> tids;  // each worker's thread id, set before it is ready
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

// The measured window as one worker sees it. It opens when the ramp is
// over (gated runs: when the control thread opens it, once the window
// hooks ran) and ends at the runtime, or once the worker's share of --ios
// is issued; the thread's CPU time is taken at both edges.
struct WorkerWindow {
  bool timed = true;  // ends by time, else by I/O count
  bool gated = false;
  uint64_t ramp_end = 0, runtime_ns = 0;
  uint64_t end = UINT64_MAX;  // timed: issuing stops here
  uint64_t ios_target = 0;    // counted: this worker's I/Os
  bool measuring = false;
  uint64_t start = 0;   // when measuring began
  uint64_t issued = 0;  // I/Os issued while measuring
  const Engine& eng;
  ThreadMeter m0, m1;
  bool m1_taken = false;

  WorkerWindow(const Shared& sh, unsigned t, uint64_t run_start, const Engine& e) : eng(e) {
    const WorkloadOptions& w = sh.spec->workload;
    timed = w.ios == 0;
    gated = sh.gated;
    ramp_end = run_start + static_cast<uint64_t>(w.ramp_s * 1e9);
    runtime_ns = static_cast<uint64_t>(w.runtime_s * 1e9);
    end = gated ? UINT64_MAX : ramp_end + runtime_ns;
    if (!timed) ios_target = w.ios / w.threads + (t < w.ios % w.threads ? 1 : 0);
    measuring = w.ramp_s <= 0;
    start = run_start;
    if (measuring) m0.take(eng);
  }

  void open_if_due(uint64_t now, const Shared& sh) {
    if (measuring) return;
    uint64_t open_at = gated ? sh.measure_ns.load(std::memory_order_acquire) : ramp_end;
    if (now < open_at) return;
    measuring = true;
    start = now;
    end = open_at + runtime_ns;
    m0.take(eng);
  }
  bool over(uint64_t now) const { return timed ? now >= end : (measuring && issued >= ios_target); }
  // A timed window closes when issuing stops: completions after it are not
  // counted, so neither is the CPU spent draining them (a stalled queue
  // could otherwise add seconds of spinning to a window of one).
  void issuing_stopped() {
    if (!timed || !measuring) return;
    m1.take(eng);
    m1_taken = true;
  }
  // At most the I/Os left of a counted window.
  unsigned cap(unsigned n) const {
    return !timed && measuring ? static_cast<unsigned>(std::min<uint64_t>(n, ios_target - issued)) : n;
  }
  // An I/O counts when it was submitted and completed inside the window.
  bool counts(uint64_t submitted_at, uint64_t done) const {
    return measuring && submitted_at >= start && !(timed && done > end);
  }
  void close() {
    if (!m1_taken) m1.take(eng);
  }
};

// The in-flight slots: tags handed out from a free list, and what each busy
// tag carries. Sized once: nothing is allocated inside the loop.
struct Slots {
  std::vector<uint16_t> free_tags;
  unsigned nfree;
  std::vector<uint64_t> submitted_at, submit_error, offset;
  std::vector<uint8_t> write;

  explicit Slots(unsigned depth)
      : free_tags(depth), nfree(depth), submitted_at(depth), submit_error(depth), offset(depth), write(depth) {
    for (unsigned i = 0; i < depth; i++) free_tags[i] = static_cast<uint16_t>(depth - 1 - i);
  }
};

// The bound on the error each latency's stamps add, stamping per batch
// rather than per I/O. A latency runs from the I/O's hand-over to the
// kernel to its completion's posting in the CQ, where the application can
// see it. An I/O is stamped just before the call that submits its batch
// (t0) and handed over before that call returns; its completion is stamped
// just after the reap that harvests it returns (done), and was posted after
// the latest reap that looked at the CQ before it began (that reap took
// every completion then in the CQ). A latency so overstates the true one by
// at least 0 and at most: the submit call (without its wait, or whole when
// it also waited, since user space cannot tell the two apart), plus the
// time from that reap's start to done without the waits in between
// (Engine::waited_ns). A completion posted while a call waited for the
// rest of its batch (--complete-batch) counts from the end of that wait,
// as the application sees it. I/Os a short submit left behind go over in
// a later call: their bound is their latency. No bound exceeds its
// latency. Each counted I/O records its bound, so the report gives their
// distribution.
constexpr uint64_t unknown_submit_error = UINT64_MAX;
struct Look {
  uint64_t at = 0;      // when a reap began, before it looked at the CQ
  uint64_t waited = 0;  // Engine::waited_ns() then
};

// The part of [from, to] spent outside waits, given the waits' totals.
uint64_t unwaited(uint64_t from, uint64_t to, uint64_t waited_from, uint64_t waited_to) {
  uint64_t span = to > from ? to - from : 0, waited = waited_to - waited_from;
  return span > waited ? span - waited : 0;
}

struct LoopCounters {
  uint64_t ios = 0, bytes = 0, reads = 0;
  uint64_t submit_calls = 0, submitted = 0, reap_calls = 0, reaped = 0, empty = 0;

  void publish(LiveCounters& live) const {
    live.ios.store(ios, std::memory_order_relaxed);
    live.bytes.store(bytes, std::memory_order_relaxed);
    live.submit_calls.store(submit_calls, std::memory_order_relaxed);
    live.submitted.store(submitted, std::memory_order_relaxed);
    live.reap_calls.store(reap_calls, std::memory_order_relaxed);
    live.reaped.store(reaped, std::memory_order_relaxed);
  }
};

// One worker's I/O: batches submitted as slots free up, completions reaped
// and timed into the histogram while the window is open, until the window
// is over and nothing is in flight.
class IoLoop {
 public:
  IoLoop(Shared& sh, unsigned t, ThreadResult& out, Engine& eng, char* buffers)
      : sh_(sh),
        s_(*sh.spec),
        w_(s_.workload),
        out_(out),
        eng_(eng),
        buffers_(buffers),
        sbatch_(sh.depth.submit_batch),
        cbatch_(sh.depth.complete_batch),
        lba_size_(s_.device.lba_size),
        live_(sh.live[t]),
        reqs_(sbatch_),
        comps_(sh.depth.iodepth),
        slots_(sh.depth.iodepth),
        seq_(w_, t, sh.ranges[t]),
        win_(sh, t, sh.start_ns.load(std::memory_order_acquire), eng),
        last_done_(win_.start),
        last_look_{win_.start, eng.waited_ns()} {}

  Result<void> run() {
    for (;;) {
      uint64_t now = now_ns();
      win_.open_if_due(now, sh_);
      if (issuing_ && (g_stop.load(std::memory_order_relaxed) || sh_.failed.load(std::memory_order_relaxed) ||
                       win_.over(now))) {
        issuing_ = false;
        win_.issuing_stopped();
      }
      if (!issuing_ && inflight_ == 0) break;
      unsigned to_submit = issuing_ ? win_.cap(std::min(slots_.nfree, sbatch_)) : 0;
      int got;
      Look look;
      // Every reap takes every completion the CQ holds: what the next one
      // harvests arrived after this one began.
      if (to_submit) {
        auto r = submit(to_submit);
        if (!r) return r;
        look = submit_end_;
        got = eng_.reap(comps_, 0);
      } else {
        look = Look{now, eng_.waited_ns()};
        got = eng_.reap(comps_, std::min(cbatch_, inflight_));
      }
      n_.reap_calls++;
      if (got < 0) {
        if (got == -EINTR) continue;
        return runtime_error(fmt::format("{}: reaping from {} failed: {}", s_.path->name, s_.node, strerror(-got)),
                             -got);
      }
      if (got == 0) {
        n_.empty++;
        last_look_ = look;
        continue;
      }
      auto r = complete(static_cast<unsigned>(got));
      last_look_ = look;
      if (!r) return r;
      n_.publish(live_);
    }
    finish();
    return Ok{};
  }

  // I/Os issued, ramp included: what a verify pass reads back.
  uint64_t issued() const { return seq_.index(); }

 private:
  Result<void> submit(unsigned n) {
    for (unsigned i = 0; i < n; i++) {
      uint16_t tag = slots_.free_tags[--slots_.nfree];
      IoOp op = seq_.next();
      char* buf = buffers_ + static_cast<size_t>(tag) * w_.bs;
      reqs_[i] = IoRequest{op.offset, buf, w_.bs, tag, op.write};
      slots_.offset[tag] = op.offset;
      slots_.write[tag] = op.write;
      if (w_.verify && op.write) stamp_block(buf, w_.bs, op.offset, lba_size_, w_.seed);
    }
    if (win_.measuring) win_.issued += n;
    inflight_ += n;
    // Wait only once the queue is full, for a completion batch, as
    // t/io_uring does; polled rings reap in the same enter regardless.
    unsigned wait = (!s_.path->poll && slots_.nfree == 0) ? std::min(cbatch_, inflight_) : 0;
    // Stamped once the batch is built, just before the call that hands it
    // to the kernel: each I/O of it reaches the device within that call.
    uint64_t waited = eng_.waited_ns();
    uint64_t t0 = now_ns();
    for (unsigned i = 0; i < n; i++) slots_.submitted_at[reqs_[i].tag] = t0;
    int rc = eng_.submit(std::span<const IoRequest>(reqs_.data(), n), wait);
    submit_end_ = Look{now_ns(), eng_.waited_ns()};
    // A call that also waited cannot tell its handing over from its wait:
    // all of it is the submit side's error. Requests the kernel did not take
    // (a short submit, the newest ones) go over in a later call the runner
    // does not time: their whole latency is their bound.
    uint64_t error = wait ? submit_end_.at - t0 : unwaited(t0, submit_end_.at, waited, submit_end_.waited);
    unsigned taken = n - std::min(eng_.unsubmitted(), n);
    for (unsigned i = 0; i < n; i++) slots_.submit_error[reqs_[i].tag] = i < taken ? error : unknown_submit_error;
    n_.submit_calls++;
    n_.submitted += n;
    if (rc < 0) {
      if (is_setup_errno(-rc)) return completion_setup_error(s_, -rc);
      return runtime_error(fmt::format("{}: submitting to {} failed: {}", s_.path->name, s_.node, strerror(-rc)), -rc);
    }
    return Ok{};
  }

  Result<void> complete(unsigned got) {
    uint64_t done = now_ns();
    last_done_ = done;
    uint64_t harvest_error = unwaited(last_look_.at, done, last_look_.waited, eng_.waited_ns());
    n_.reaped += got;
    inflight_ -= got;
    for (unsigned i = 0; i < got; i++) {
      const Completion& c = comps_[i];
      auto tag = static_cast<uint16_t>(c.tag);
      slots_.free_tags[slots_.nfree++] = tag;
      if (c.res < 0 || c.short_io || c.nvme_status) [[unlikely]] {
        if (c.res < 0 && is_setup_errno(-c.res) && n_.ios == 0 && out_.errors.empty())
          return completion_setup_error(s_, -c.res);
        note_error(out_.errors, c, slots_.offset[tag] / lba_size_);
        continue;
      }
      if (w_.verify && !slots_.write[tag]) [[unlikely]]
        check_read(out_.verify, buffers_ + static_cast<size_t>(tag) * w_.bs, w_.bs, slots_.offset[tag], lba_size_,
                   w_.seed);
      if (!win_.counts(slots_.submitted_at[tag], done)) continue;
      uint64_t latency = done - slots_.submitted_at[tag];
      out_.hist->record(latency);
      // No bound is larger than the latency it bounds (its true value >= 0).
      uint64_t se = slots_.submit_error[tag];
      out_.stamp_error->record(se == unknown_submit_error ? latency : std::min(latency, se + harvest_error));
      n_.ios++;
      n_.reads += !slots_.write[tag];
      n_.bytes += w_.bs;
    }
    return Ok{};
  }

  // The thread's figures over the window.
  void finish() {
    win_.close();
    uint64_t stop = win_.timed ? std::min(win_.end, last_done_) : last_done_;
    if (!win_.measuring) stop = win_.start;
    out_.elapsed_s = stop > win_.start ? static_cast<double>(stop - win_.start) / 1e9 : 0;
    out_.ios = n_.ios;
    out_.reads = n_.reads;
    out_.writes = n_.ios - n_.reads;
    out_.bytes = n_.bytes;
    out_.submit_calls = n_.submit_calls;
    out_.submitted = n_.submitted;
    out_.reap_calls = n_.reap_calls;
    out_.reaped = n_.reaped;
    out_.empty_reaps = n_.empty;
    const rusage &ru0 = win_.m0.ru, &ru1 = win_.m1.ru;
    out_.cpu_clock = win_.m0.cpu_clock && win_.m1.cpu_clock;
    out_.cpu_ns = out_.cpu_clock ? win_.m1.cpu_ns - win_.m0.cpu_ns
                                 : static_cast<uint64_t>((tv_s(ru1.ru_utime) - tv_s(ru0.ru_utime) +
                                                          tv_s(ru1.ru_stime) - tv_s(ru0.ru_stime)) * 1e9);
    out_.kernel_entries = win_.m1.entries - win_.m0.entries;
    out_.stamp_error_ns = out_.stamp_error->max();
    out_.utime_s = tv_s(ru1.ru_utime) - tv_s(ru0.ru_utime);
    out_.stime_s = tv_s(ru1.ru_stime) - tv_s(ru0.ru_stime);
    out_.vol_ctx_switches = static_cast<uint64_t>(ru1.ru_nvcsw - ru0.ru_nvcsw);
    out_.invol_ctx_switches = static_cast<uint64_t>(ru1.ru_nivcsw - ru0.ru_nivcsw);
  }

  Shared& sh_;
  const RunSpec& s_;
  const WorkloadOptions& w_;
  ThreadResult& out_;
  Engine& eng_;
  char* const buffers_;
  const unsigned sbatch_, cbatch_;
  const uint32_t lba_size_;
  LiveCounters& live_;
  std::vector<IoRequest> reqs_;
  std::vector<Completion> comps_;
  Slots slots_;
  IoSequence seq_;
  WorkerWindow win_;
  LoopCounters n_;
  uint64_t last_done_;
  Look last_look_;   // the latest reap that returned: completions harvested next arrived after it began
  Look submit_end_;  // the latest submit call's return
  unsigned inflight_ = 0;
  bool issuing_ = true;
};

struct Worker {
  Shared& sh;
  unsigned t;
  ThreadResult& out;

  void run();

 private:
  void pin_cpu();
  char* allocate_buffers();
  EngineConfig engine_config(char* buffers) const;
  Result<void> loop(Engine& eng, char* buffers);
  Result<void> verify_pass(Engine& eng, char* buffers, uint64_t count);
};

// Pins the thread to its CPU of --cpus (round robin), if given.
void Worker::pin_cpu() {
  const WorkloadOptions& w = sh.spec->workload;
  if (w.cpus.empty()) return;
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

// The thread's I/O buffers, one per slot, aligned for direct I/O and
// filled with the write pattern; null (and the run failed) without them.
char* Worker::allocate_buffers() {
  const RunSpec& s = *sh.spec;
  const WorkloadOptions& w = s.workload;
  size_t align = std::max<size_t>(4096, s.device.lba_size);
  size_t len = static_cast<size_t>(sh.depth.iodepth) * w.bs;
  char* buffers = static_cast<char*>(std::aligned_alloc(align, (len + align - 1) / align * align));
  // Without buffers the run fails here, and the engine is never set up.
  if (!buffers) {
    sh.fail(runtime_error(fmt::format("{}: thread {}: cannot allocate {} bytes of I/O buffers (--iodepth {} x "
                                      "--bs {}): {}; use a smaller --iodepth or --bs", s.path->name, t, len,
                                      sh.depth.iodepth, w.bs, strerror(errno)), errno));
    return nullptr;
  }
  // Non-verify writes carry a fixed non-zero pattern, set up once here.
  for (size_t i = 0; i < len; i += 8) {
    uint64_t v = mix64(i ^ w.seed);
    memcpy(buffers + i, &v, 8);
  }
  return buffers;
}

// What the engine is set up with: the path, the workload and this thread.
EngineConfig Worker::engine_config(char* buffers) const {
  const RunSpec& s = *sh.spec;
  const WorkloadOptions& w = s.workload;
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
  cfg.thread = t;
  cfg.ns_node = s.ns_node;
  cfg.buffers = buffers;
  return cfg;
}

void Worker::run() {
  const RunSpec& s = *sh.spec;
  out.thread = t;
  out.hist = std::make_unique<Histogram>();
  out.stamp_error = std::make_unique<Histogram>();
  sh.tids[t].store(static_cast<int>(gettid()));
  pin_cpu();
  char* buffers = allocate_buffers();
  auto eng = s.path->create(*s.path);
  bool set_up = false;
  if (!sh.failed.load()) {
    auto r = eng->setup(engine_config(buffers));
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
  IoLoop io(sh, t, out, eng, buffers);
  auto r = io.run();
  if (!r) return r;
  const WorkloadOptions& w = sh.spec->workload;
  if (w.verify && rw_has_writes(w) && !g_stop.load()) return verify_pass(eng, buffers, io.issued());
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

// The workers' live counters, summed.
struct LiveTotals {
  uint64_t ios = 0, bytes = 0, submit_calls = 0, submitted = 0, reap_calls = 0, reaped = 0;
};

LiveTotals sum_live(const Shared& sh, unsigned threads) {
  LiveTotals s;
  for (unsigned t = 0; t < threads; t++) {
    s.ios += sh.live[t].ios.load(std::memory_order_relaxed);
    s.bytes += sh.live[t].bytes.load(std::memory_order_relaxed);
    s.submit_calls += sh.live[t].submit_calls.load(std::memory_order_relaxed);
    s.submitted += sh.live[t].submitted.load(std::memory_order_relaxed);
    s.reap_calls += sh.live[t].reap_calls.load(std::memory_order_relaxed);
    s.reaped += sh.live[t].reaped.load(std::memory_order_relaxed);
  }
  return s;
}

// The control thread's side of a run, while the workers loop: it runs the
// window hooks at the edges of the measured window and samples the
// workers' counters once per second of it, from its start.
class Control {
 public:
  Control(Shared& sh, WindowHooks* hooks, PathResult& res, const ProgressFn& progress)
      : sh_(sh), w_(sh.spec->workload), hooks_(hooks), res_(res), progress_(progress),
        timed_(w_.ios == 0), runtime_ns_(static_cast<uint64_t>(w_.runtime_s * 1e9)) {}

  // Starts the workers and watches them until every one has finished.
  void run() {
    // Without a ramp the window opens with the first I/O: the hooks run first.
    if (hooks_ && !sh_.gated && !sh_.failed.load()) {
      hooks_->window_start();
      started_ = true;
    }
    uint64_t start = now_ns();
    sh_.start_ns.store(start, std::memory_order_release);
    window_ = start + static_cast<uint64_t>(w_.ramp_s * 1e9);
    next_ = window_ + 1000000000ULL;
    for (;;) {
      uint64_t now = now_ns();
      if (sh_.finished.load() == w_.threads) break;
      if (hooks_ && !started_ && now >= window_ && !sh_.failed.load()) {
        open_window();
        continue;
      }
      if (hooks_ && started_ && !ended_ &&
          ((timed_ && now >= window_ + runtime_ns_) || sh_.loops_done.load() == w_.threads)) {
        hooks_->window_end();
        ended_ = true;
      }
      if (now < next_) {
        sleep_until_due(now);
        continue;
      }
      sample();
      next_ += 1000000000ULL;
    }
  }

  // The window's end for the hooks, if the run ended before it did.
  void end_window() {
    if (started_ && !ended_) hooks_->window_end();
  }

 private:
  // Gated runs: the hooks ran, the workers may measure from now.
  void open_window() {
    hooks_->window_start();
    started_ = true;
    window_ = now_ns();
    next_ = window_ + 1000000000ULL;
    sh_.measure_ns.store(window_, std::memory_order_release);
  }

  // Until the next sample, or the window's next edge, at most 20 ms.
  void sleep_until_due(uint64_t now) const {
    uint64_t wait = std::min<uint64_t>(next_ - now, 20000000ULL);
    if (hooks_ && timed_ && started_ && !ended_ && window_ + runtime_ns_ > now)
      wait = std::min(wait, window_ + runtime_ns_ - now);
    if (hooks_ && !started_ && window_ > now) wait = std::min(wait, window_ - now);
    std::this_thread::sleep_for(std::chrono::nanoseconds(wait));
  }

  void sample() {
    LiveTotals c = sum_live(sh_, w_.threads);
    ProgressSample p;
    p.second = ++second_;
    p.iops = static_cast<double>(c.ios - prev_.ios);
    p.bw_bytes_s = static_cast<double>(c.bytes - prev_.bytes);
    p.ios_per_submit = c.submit_calls > prev_.submit_calls
                           ? static_cast<double>(c.submitted - prev_.submitted) /
                                 static_cast<double>(c.submit_calls - prev_.submit_calls)
                           : 0;
    p.ios_per_reap = c.reap_calls > prev_.reap_calls ? static_cast<double>(c.reaped - prev_.reaped) /
                                                           static_cast<double>(c.reap_calls - prev_.reap_calls)
                                                     : 0;
    res_.iops_series.push_back(p.iops);
    if (progress_) progress_(p);
    prev_ = c;
  }

  Shared& sh_;
  const WorkloadOptions& w_;
  WindowHooks* hooks_;
  PathResult& res_;
  const ProgressFn& progress_;
  const bool timed_;
  const uint64_t runtime_ns_;
  uint64_t window_ = 0;  // the measured window's start (planned, until it opens)
  uint64_t next_ = 0;    // the next sample
  bool started_ = false, ended_ = false;
  unsigned second_ = 0;
  LiveTotals prev_;
};

// The run's own measures over the window, outermost of its window hooks:
// the irq and softirq time of the CPUs the threads are pinned to, the
// interrupts delivered, and the hardware counters. Counted per CPU when every thread is pinned, so that
// interrupt work done on those CPUs while a thread sleeps is the path's
// cost, as in the lab's instruction counts (which cover the whole guest
// CPU); per thread otherwise (a thread that migrates would leave a CPU
// counter behind), or when counting a CPU is not permitted.
class RunMeters final : public WindowHooks {
 public:
  RunMeters(const Shared& sh, WindowHooks* next) : next_(next) {
    const WorkloadOptions& w = sh.spec->workload;
    if (sh.spec->device.ctrl) controller_ = sh.spec->device.ctrl->name;
    for (unsigned t = 0; t < w.threads && !w.cpus.empty(); t++) {
      int cpu = w.cpus[t % w.cpus.size()];
      if (std::find(cpus_.begin(), cpus_.end(), cpu) == cpus_.end()) cpus_.push_back(cpu);
    }
    std::vector<int> tids;
    for (unsigned t = 0; t < w.threads; t++) tids.push_back(sh.tids[t].load());
    auto hw = cpus_.empty() ? HwCounterSet::open(HwScope::thread, tids) : HwCounterSet::open(HwScope::cpu, cpus_);
    if (!hw && !cpus_.empty() && hw.error().kind == ErrorKind::usage) hw = HwCounterSet::open(HwScope::thread, tids);
    if (hw) hw_ = std::move(*hw);
    else note_ = hw.error().message;
  }

  void window_start() override {
    if (!cpus_.empty()) irq0_ = read_cpu_irq_times(cpus_);
    interrupts0_ = read_interrupts(controller_);
    hw0_ = read_hw();
    if (next_) next_->window_start();
  }
  void window_end() override {
    if (next_) next_->window_end();
    hw1_ = read_hw();
    interrupts1_ = read_interrupts(controller_);
    if (!cpus_.empty()) irq1_ = read_cpu_irq_times(cpus_);
  }

  void fill(PathResult& res) const {
    if (irq0_ && irq1_)
      res.cpu_irq = CpuIrqTimes{irq1_->irq_ns - irq0_->irq_ns, irq1_->softirq_ns - irq0_->softirq_ns};
    if (interrupts0_ && interrupts1_)
      res.interrupts =
          InterruptCounts{interrupts1_->total - interrupts0_->total, interrupts1_->device - interrupts0_->device};
    res.irq_controller = controller_;
    res.hw_note = note_;
    if (hw_) res.hw_scope = hw_->scope();
    if (hw0_ && hw1_) {
      auto window = hw_window(*hw0_, *hw1_);
      if (window) res.hw = *window;
      else res.hw_note = window.error().message;
    } else if (note_.empty()) {
      res.hw_note = "hardware counters: the measured window did not open";
    }
  }

 private:
  std::optional<std::vector<HwGroupRead>> read_hw() {
    if (!hw_) return std::nullopt;
    auto c = hw_->read();
    if (c) return *c;
    note_ = c.error().message;
    return std::nullopt;
  }

  WindowHooks* next_;
  std::vector<int> cpus_;
  std::unique_ptr<HwCounterSet> hw_;
  std::string note_;
  std::optional<std::vector<HwGroupRead>> hw0_, hw1_;
  std::optional<CpuIrqTimes> irq0_, irq1_;
  std::string controller_;
  std::optional<InterruptCounts> interrupts0_, interrupts1_;
};

// The run's figures from its threads'.
void sum_threads(PathResult& res, bool verify) {
  res.hist = std::make_unique<Histogram>();
  res.stamp_error = std::make_unique<Histogram>();
  res.verify.enabled = verify;
  for (const auto& tr : res.threads) {
    res.ios += tr.ios;
    res.bytes += tr.bytes;
    res.elapsed_s = std::max(res.elapsed_s, tr.elapsed_s);
    res.stamp_error_ns = std::max(res.stamp_error_ns, tr.stamp_error_ns);
    res.hist->merge(*tr.hist);
    res.stamp_error->merge(*tr.stamp_error);
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
}

}  // namespace

void request_stop() { g_stop.store(true); }
bool stop_requested() { return g_stop.load(); }
void clear_stop() { g_stop.store(false); }

uint64_t buffer_memory_limit() {
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? static_cast<uint64_t>(pages) * static_cast<uint64_t>(page) / 2 : UINT64_MAX;
}

namespace {
std::string bytes_iec(uint64_t b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  double v = static_cast<double>(b);
  unsigned u = 0;
  while (v >= 1024 && u + 1 < std::size(units)) v /= 1024, u++;
  return fmt::format("{:.1f} {}", v, units[u]);
}
}  // namespace

Result<void> check_buffer_memory(const WorkloadOptions& w, const PathInfo& p, uint64_t limit_bytes) {
  unsigned depth = effective_depth(w, p).iodepth;
  uint64_t per_slot = static_cast<uint64_t>(w.bs) * w.threads;
  uint64_t need = per_slot * depth;
  if (need <= limit_bytes) return Ok{};
  uint64_t fits = limit_bytes / per_slot;
  std::string what = fmt::format("{}: --iodepth {} x --bs {} x --threads {} needs {} of I/O buffers, more than "
                                 "half of this machine's memory ({})", p.name, depth, w.bs, w.threads,
                                 bytes_iec(need), bytes_iec(limit_bytes));
  if (fits == 0) return usage_error(what + "; use fewer --threads or a smaller --bs");
  return usage_error(fmt::format("{}; use --iodepth {} or less at this --bs and --threads", what, fits));
}

EffectiveDepth effective_depth(const WorkloadOptions& w, const PathInfo& p) {
  EffectiveDepth d{w.iodepth, w.submit_batch, w.complete_batch};
  if (p.max_iodepth && d.iodepth > p.max_iodepth) d.iodepth = p.max_iodepth;
  d.submit_batch = std::min(d.submit_batch, d.iodepth);
  d.complete_batch = std::min(d.complete_batch, d.iodepth);
  return d;
}

namespace {

// The queue each thread of a user-queue run opens, as its engine picks
// it; a thread whose queue cannot be named is left out (the run fails on
// it anyway), so the list is whole or empty.
std::vector<std::string> thread_queue_nodes(const std::string& first, unsigned threads) {
  std::vector<std::string> nodes;
  for (unsigned t = 0; t < threads; t++) {
    auto node = user_queue_for_thread(first, t);
    if (!node) return {};
    nodes.push_back(*node);
  }
  return nodes;
}

}  // namespace

Result<PathResult> run_path(const RunSpec& spec, const ProgressFn& progress) {
  const WorkloadOptions& w = spec.workload;
  if (auto m = check_buffer_memory(w, *spec.path, buffer_memory_limit()); !m) return m.error();
  auto ranges = split_range(w);
  if (!ranges) return ranges.error();
  Shared sh;
  sh.spec = &spec;
  sh.depth = effective_depth(w, *spec.path);
  sh.ranges = std::move(*ranges);
  sh.live = std::make_unique<LiveCounters[]>(w.threads);
  sh.tids = std::make_unique<std::atomic<int>[]>(w.threads);
  // A stop requested before this run (Ctrl-C between two runs) stands:
  // the workers see it at once and the run ends with nothing measured.

  PathResult res;
  res.path = std::string(spec.path->name);
  res.node = spec.node;
  res.ns_node = spec.ns_node;
  if (spec.path->user_queue) res.thread_nodes = thread_queue_nodes(spec.node, w.threads);
  res.iodepth = sh.depth.iodepth;
  res.submit_batch = sh.depth.submit_batch;
  res.complete_batch = sh.depth.complete_batch;
  res.threads.resize(w.threads);

  // The run's own meters are always among the hooks: a ramp is always gated.
  sh.gated = w.ramp_s > 0;
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < w.threads; t++)
    threads.emplace_back([&sh, &res, t] { Worker{sh, t, res.threads[t]}.run(); });
  while (sh.ready.load() < w.threads) std::this_thread::yield();
  RunMeters meters(sh, spec.hooks);
  Control control(sh, &meters, res, progress);
  control.run();
  for (auto& th : threads) th.join();
  control.end_window();
  if (sh.first_error) return *sh.first_error;
  sum_threads(res, w.verify);
  meters.fill(res);
  res.interrupted = g_stop.load();
  return res;
}

}  // namespace qb
