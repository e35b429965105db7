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

  int submit(unsigned wait_nr) {
    int ret = io_uring_submit_and_wait(&ring_, wait_nr);
    // Busy/again leave the SQEs queued; the next call submits them.
    if (ret >= 0 || ret == -EAGAIN || ret == -EBUSY || ret == -EINTR) return 0;
    return ret;
  }

  // Hands the queued SQEs to the kernel without IORING_ENTER_GETEVENTS. On
  // an IOPOLL ring a plain submit also polls once for completions; this
  // does not (the user queue pending check decides when to poll).
  int submit_no_poll();
  // One pass of the kernel's completion polling (IOPOLL), not waiting.
  int poll_once() {
    int ret = io_uring_get_events(&ring_);
    return ret >= 0 || ret == -EAGAIN || ret == -EINTR || ret == -EBUSY ? 0 : ret;
  }
  // Harvests what the CQ ring already holds; never enters the kernel.
  template <class Decode>
  unsigned peek(std::span<Completion> out, Decode&& decode) {
    return harvest(out, decode);
  }

  template <class Decode>
  int reap(std::span<Completion> out, unsigned wait_nr, Decode&& decode) {
    unsigned n = harvest(out, decode);
    if (n == 0 && wait_nr > 0) {
      io_uring_cqe* cqe = nullptr;
      int ret = io_uring_wait_cqe_nr(&ring_, &cqe, wait_nr);
      if (ret < 0 && ret != -EINTR && ret != -EAGAIN) return ret;
      n = harvest(out, decode);
    }
    return static_cast<int>(n);
  }

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
  bool registered_ring_ = false;
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
