// The workload: what every path issues, and the deterministic sequence of
// offsets and operations derived from a seed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "result.h"

namespace qb {

enum class RwMode { randread, randwrite, read, write, randrw };

struct WorkloadOptions {
  RwMode rw = RwMode::randread;
  unsigned rwmixread = 50;  // percent reads, only for randrw
  uint32_t bs = 4096;
  unsigned iodepth = 32;
  unsigned submit_batch = 8;
  unsigned complete_batch = 8;
  bool fixed_buffers = false;
  bool registered_files = false;
  bool register_ring = false;
  bool sqpoll = false;
  uint64_t offset = 0;
  uint64_t size = 0;          // 0: from offset to the end of the device
  double runtime_s = 0;       // 0 with ios == 0 defaults in the CLI
  uint64_t ios = 0;           // total measured I/Os over all threads
  double ramp_s = 0;
  unsigned threads = 1;
  std::vector<int> cpus;      // thread i pinned to cpus[i % size]
  uint64_t seed = 1;
  bool verify = false;
};

std::string_view rw_name(RwMode rw);
Result<RwMode> parse_rw(std::string_view name);
bool rw_has_writes(const WorkloadOptions& w);
bool rw_has_reads(const WorkloadOptions& w);

// Slice of the range a thread works in: threads never overlap, so a
// verifying run's writes cannot race each other.
struct ThreadRange {
  uint64_t start = 0;   // byte offset
  uint64_t blocks = 0;  // number of bs-sized blocks
};

// Splits [offset, offset+size) into per-thread slices of whole blocks.
// Fails when a thread would get no block at all.
Result<std::vector<ThreadRange>> split_range(const WorkloadOptions& w);

struct IoOp {
  uint64_t offset;  // bytes
  bool write;
};

// Counter-based: I/O number i of thread t depends only on (seed, t, i), so
// every path, engine and queue depth issues the same sequence.
inline uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

class IoSequence {
 public:
  IoSequence(const WorkloadOptions& w, unsigned thread, ThreadRange range);

  IoOp at(uint64_t index) const {
    uint64_t h = mix64(key_ + index * 0x9e3779b97f4a7c15ULL);
    uint64_t block;
    if (random_) {
      // Multiply-shift maps h onto [0, blocks) without a division.
      block = static_cast<uint64_t>((static_cast<unsigned __int128>(h) * blocks_) >> 64);
    } else {
      block = index % blocks_;
    }
    bool write;
    if (mixed_) {
      // Low 32 bits are independent of the high bits used for the block.
      write = ((h & 0xffffffffULL) * 100 >> 32) >= rwmixread_;
    } else {
      write = all_writes_;
    }
    return IoOp{start_ + block * bs_, write};
  }

  IoOp next() { return at(index_++); }
  uint64_t index() const { return index_; }

 private:
  uint64_t key_;
  uint64_t start_;
  uint64_t blocks_;
  uint64_t bs_;
  uint64_t index_ = 0;
  unsigned rwmixread_;
  bool random_;
  bool mixed_;
  bool all_writes_;
};

}  // namespace qb
