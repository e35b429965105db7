// Verify mode: each LBA-sized sector of a written block carries its LBA, the
// seed and a pattern derived from both, so a read can tell a misdirected
// write (wrong LBA), a stale block (wrong seed) and corrupted data apart.
// The stamp depends only on (LBA, seed): rewriting a block gives the same
// content, whatever order the writes land in.
#pragma once

#include <cstdint>

namespace qb {

inline constexpr uint64_t verify_magic = 0x31565142454d564eULL;  // "NVMEBQV1"

enum class VerifyFault { none, magic, lba, seed, data };
const char* verify_fault_name(VerifyFault f);

struct VerifyMismatch {
  uint64_t lba = 0;        // the LBA that read back wrong
  VerifyFault fault = VerifyFault::none;
  uint64_t found_lba = 0;  // what the stamp said, when it had one
  uint64_t found_seed = 0;
};

void stamp_block(void* buf, uint32_t len, uint64_t offset, uint32_t lba_size, uint64_t seed);
// Returns the number of bad sectors in the block; the first is described in
// *first.
unsigned check_block(const void* buf, uint32_t len, uint64_t offset, uint32_t lba_size,
                     uint64_t seed, VerifyMismatch* first);

}  // namespace qb
