// Monotonic nanoseconds through the vDSO (no system call): the I/O loop
// reads it twice per pass, before submitting a batch and after reaping one.
#pragma once

#include <time.h>

#include <cstdint>

namespace qb {

inline uint64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ULL + static_cast<uint64_t>(ts.tv_nsec);
}

}  // namespace qb
