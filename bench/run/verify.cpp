#include "verify.h"

#include "workload.h"

namespace qb {

namespace {
inline uint64_t pattern_word(uint64_t lba, uint64_t seed, unsigned i) {
  return mix64(seed ^ (lba * 0x9e3779b97f4a7c15ULL) ^ (static_cast<uint64_t>(i) << 48));
}
}  // namespace

const char* verify_fault_name(VerifyFault f) {
  switch (f) {
    case VerifyFault::none: return "none";
    case VerifyFault::magic: return "no stamp";
    case VerifyFault::lba: return "wrong LBA";
    case VerifyFault::seed: return "wrong seed";
    case VerifyFault::data: return "data corrupted";
  }
  return "?";
}

void stamp_block(void* buf, uint32_t len, uint64_t offset, uint32_t lba_size, uint64_t seed) {
  auto* w = static_cast<uint64_t*>(buf);
  unsigned words = lba_size / 8;
  for (uint32_t s = 0; s < len / lba_size; s++, w += words) {
    uint64_t lba = offset / lba_size + s;
    w[0] = verify_magic;
    w[1] = lba;
    w[2] = seed;
    for (unsigned i = 3; i < words; i++) w[i] = pattern_word(lba, seed, i);
  }
}

unsigned check_block(const void* buf, uint32_t len, uint64_t offset, uint32_t lba_size,
                     uint64_t seed, VerifyMismatch* first) {
  auto* w = static_cast<const uint64_t*>(buf);
  unsigned words = lba_size / 8;
  unsigned bad = 0;
  for (uint32_t s = 0; s < len / lba_size; s++, w += words) {
    uint64_t lba = offset / lba_size + s;
    VerifyFault f = VerifyFault::none;
    if (w[0] != verify_magic)
      f = VerifyFault::magic;
    else if (w[1] != lba)
      f = VerifyFault::lba;
    else if (w[2] != seed)
      f = VerifyFault::seed;
    else
      for (unsigned i = 3; i < words; i++)
        if (w[i] != pattern_word(lba, seed, i)) {
          f = VerifyFault::data;
          break;
        }
    if (f == VerifyFault::none) continue;
    if (bad++ == 0 && first) *first = VerifyMismatch{lba, f, w[1], w[2]};
  }
  return bad;
}

}  // namespace qb
