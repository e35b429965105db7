// The one interface every I/O path implements. Engines see only requests,
// buffers and completions: no JSON, no CLI, no workload logic, and the build
// holds them to it (bench/engine/ links device and common only). Calls are
// per batch, never per I/O, so the interface costs one indirect call per
// batch.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "result.h"

namespace qb {

struct IoRequest {
  uint64_t offset;  // bytes, a multiple of the LBA size
  void* buf;
  uint32_t len;
  uint16_t tag;     // in-flight slot; also the registered buffer index
  bool write;
};

struct Completion {
  uint64_t tag;
  int32_t res;           // >= 0 success (bytes, or 0 where the path reports none), < 0 -errno
  uint16_t nvme_status;  // status field when the path sees NVMe status, else 0
  bool short_io;         // fewer bytes than asked for
};

struct EngineConfig {
  std::string node;       // what the engine opens: block device, char device or file
  bool poll = false;      // IORING_SETUP_IOPOLL
  bool write_access = false;
  unsigned iodepth = 1;
  uint32_t bs = 4096;
  uint32_t lba_size = 512;
  uint32_t nsid = 1;
  bool fixed_buffers = false;
  bool registered_files = false;
  bool register_ring = false;
  bool sqpoll = false;
  unsigned thread = 0;    // the run's thread this engine serves
  std::string ns_node;    // uq paths: the /dev/ngXnY a user queue binds to
  // iodepth slots of bs bytes each, contiguous and aligned for O_DIRECT.
  void* buffers = nullptr;
};

class Engine {
 public:
  virtual ~Engine() = default;
  // Opens the node and prepares the queue; a usage error means the setup is
  // unsupported (e.g. no privilege, wrong node type).
  virtual Result<void> setup(const EngineConfig& cfg) = 0;
  // Queues reqs and lets the kernel see them; waits for wait_nr completions
  // in the same call where the path allows it. 0 or -errno.
  virtual int submit(std::span<const IoRequest> reqs, unsigned wait_nr) = 0;
  // Harvests up to out.size() completions, waiting for wait_nr first.
  // Returns the number harvested or -errno.
  virtual int reap(std::span<Completion> out, unsigned wait_nr) = 0;
  virtual void teardown() = 0;
  // io_uring_enter system calls made so far (0 for a path without
  // io_uring): the runner reads it at the window's edges.
  virtual uint64_t kernel_entries() const { return 0; }
  // Time spent waiting for completions so far, ns: from where a call began
  // to wait to where the wait ended (a completion arrived, as near as the
  // engine can tell). The runner leaves it out of the reap side's stamp
  // error: a wait is the batching the workload asked for, not an error of
  // the stamps. A call that hands I/Os over and waits in one system call
  // counts as wait from its start, its kernel submission included: user
  // space cannot split the two, so the runner counts such a call whole on
  // the submit side.
  virtual uint64_t waited_ns() const { return 0; }
  // Requests given to submit() that the kernel has not taken yet (a short
  // submit): the newest ones, handed over by a later call.
  virtual unsigned unsubmitted() const { return 0; }
};

}  // namespace qb
