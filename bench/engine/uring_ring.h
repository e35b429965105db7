// io_uring setup and the batch loops shared by every io_uring path (block,
// ng and uq). The per-I/O work is a template parameter, so the shared loop
// costs no indirect call per I/O.
#pragma once

#include <liburing.h>
#include <unistd.h>

#include <cerrno>

#include <span>

#include "engine.h"
#include "node.h"
#include "result.h"

namespace qb {

struct UringOptions {
  unsigned entries = 32;
  bool iopoll = false;
  bool sqpoll = false;
  bool big_entries = false;  // SQE128 + CQE32, what NVMe passthrough needs
  bool fixed_buffers = false;
  bool registered_files = false;
  bool register_ring = false;
};

class UringRing {
 public:
  // Sets the ring up for fd; buffers/slot_len/slots are registered when
  // fixed buffers are asked for. name labels errors ("block-poll").
  Result<void> open(int fd, const UringOptions& o, void* buffers, uint32_t slot_len,
                    unsigned slots, std::string_view name);
  void close();

  io_uring_sqe* next_sqe() { return io_uring_get_sqe(&ring_); }
  // The fd to put in an SQE and the flags that go with it.
  int sqe_fd() const { return sqe_fd_; }
  uint8_t sqe_flags() const { return sqe_flags_; }

  // Hands every queued SQE to the kernel and, with wait_nr, waits for that
  // many completions in the same call; an IOPOLL ring also polls once. The
  // kernel may consume fewer SQEs than were queued (a short submit: an SQE
  // that failed to prepare stops the batch, or the kernel ran out of
  // resources: EAGAIN, EBUSY): the rest stay in the SQ ring, and the next
  // submit, reap or poll hands them over, so that nothing the caller
  // counts as in flight is left behind. 0 or -errno.
  int submit(unsigned wait_nr) {
    return enter(wait_nr, wait_nr > 0 || iopoll_);
  }

  // Hands the queued SQEs to the kernel without IORING_ENTER_GETEVENTS. On
  // an IOPOLL ring a plain submit also polls once for completions; this
  // does not (the user queue pending check decides when to poll).
  int submit_no_poll() { return enter(0, false); }
  // One pass of the kernel's completion polling (IOPOLL), not waiting; SQEs
  // a short submit left behind go with it.
  int poll_once() { return enter(0, true); }
  // Harvests what the CQ ring already holds; never enters the kernel
  // unless a short submit left SQEs behind.
  template <class Decode>
  unsigned peek(std::span<Completion> out, Decode&& decode) {
    if (unsubmitted()) enter(0, false);
    return harvest(out, decode);
  }

  template <class Decode>
  int reap(std::span<Completion> out, unsigned wait_nr, Decode&& decode) {
    unsigned n = peek(out, decode);
    if (n == 0 && wait_nr > 0) {
      int ret = enter(wait_nr, true);
      if (ret < 0) return ret;
      n = harvest(out, decode);
    }
    return static_cast<int>(n);
  }

  // SQEs queued that the kernel has not consumed yet.
  unsigned unsubmitted() const { return io_uring_sq_ready(&ring_); }
  // io_uring_enter calls made on this ring since it was opened.
  uint64_t enters() const { return enters_; }
  // Time inside the enters that waited for completions (Engine::waited_ns).
  uint64_t waited_ns() const { return waited_ns_; }

 private:
  // Publishes the queued SQEs and enters the kernel when there is
  // something to submit, to wait for or to poll, as liburing's submit
  // does, but with one system call per call, counted.
  int enter(unsigned wait_nr, bool getevents);

 private:
  template <class Decode>
  unsigned harvest(std::span<Completion> out, Decode& decode) {
    unsigned head, n = 0;
    io_uring_cqe* cqe;
    io_uring_for_each_cqe(&ring_, head, cqe) {
      if (n == out.size()) break;
      decode(cqe, out[n++]);
    }
    io_uring_cq_advance(&ring_, n);
    return n;
  }

  io_uring ring_{};
  bool open_ = false;
  bool sqpoll_ = false;
  bool iopoll_ = false;
  bool registered_ring_ = false;
  uint64_t enters_ = 0;
  uint64_t waited_ns_ = 0;
  int sqe_fd_ = -1;
  uint8_t sqe_flags_ = 0;
};

// The shared half of an io_uring engine. Derived supplies
//   void prep(io_uring_sqe*, const IoRequest&)
//   void decode(const io_uring_cqe*, Completion&)
// and opens ring_ in its setup(). queue() and reap() may be wrapped by an
// engine that decides itself when to enter the kernel.
template <class Derived>
class UringEngine : public Engine {
 public:
  int submit(std::span<const IoRequest> reqs, unsigned wait_nr) override {
    queue(reqs);
    return ring_.submit(wait_nr);
  }

  int reap(std::span<Completion> out, unsigned wait_nr) override {
    return ring_.reap(out, wait_nr, decoder());
  }

  uint64_t kernel_entries() const override { return ring_.enters(); }
  uint64_t waited_ns() const override { return ring_.waited_ns(); }
  unsigned unsubmitted() const override { return ring_.unsubmitted(); }

  void teardown() override {
    ring_.close();
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 protected:
  // Prepares SQEs for reqs without submitting them.
  void queue(std::span<const IoRequest> reqs) {
    auto* self = static_cast<Derived*>(this);
    for (const IoRequest& r : reqs) {
      // Never null: the SQ has at least iodepth entries.
      io_uring_sqe* sqe = ring_.next_sqe();
      self->prep(sqe, r);
      sqe->flags |= ring_.sqe_flags();
      sqe->user_data = r.tag;
    }
  }
  auto decoder() {
    auto* self = static_cast<Derived*>(this);
    return [self](const io_uring_cqe* c, Completion& o) { self->decode(c, o); };
  }

  // Opens node with flags and the ring over it; errors name the path.
  Result<void> open_node_and_ring(const EngineConfig& cfg, int flags, bool big_entries,
                                  std::string_view name);
  // The ring over fd, which the engine then owns (and closes).
  Result<void> open_ring(const EngineConfig& cfg, int fd, bool big_entries, std::string_view name);

  UringRing ring_;
  int fd_ = -1;
};

template <class Derived>
Result<void> UringEngine<Derived>::open_node_and_ring(const EngineConfig& cfg, int flags,
                                                      bool big_entries, std::string_view name) {
  auto fd = open_node(cfg.node, flags, name);
  if (!fd) return fd.error();
  return open_ring(cfg, *fd, big_entries, name);
}

template <class Derived>
Result<void> UringEngine<Derived>::open_ring(const EngineConfig& cfg, int fd, bool big_entries,
                                            std::string_view name) {
  fd_ = fd;
  UringOptions o;
  o.entries = cfg.iodepth;
  o.iopoll = cfg.poll;
  o.sqpoll = cfg.sqpoll;
  o.big_entries = big_entries;
  o.fixed_buffers = cfg.fixed_buffers;
  o.registered_files = cfg.registered_files;
  o.register_ring = cfg.register_ring;
  auto r = ring_.open(fd_, o, cfg.buffers, cfg.bs, cfg.iodepth, name);
  if (!r) {
    ::close(fd_);
    fd_ = -1;
  }
  return r;
}

}  // namespace qb
