// Names for NVMe completion status values (NVMe Base Specification 2.0,
// Figures 100-104) and for errno values a block path returns instead.
#pragma once

#include <cstdint>
#include <string>

namespace qb {

// status: the 15-bit Status Field without the phase bit, as the kernel hands
// it to passthrough users (SC in bits 0-7, SCT in 8-10, CRD 11-12, More 13,
// DNR 14).
struct NvmeStatus {
  uint8_t sc;
  uint8_t sct;
  bool more;
  bool dnr;
};

inline NvmeStatus split_status(uint16_t status) {
  return NvmeStatus{static_cast<uint8_t>(status & 0xff),
                    static_cast<uint8_t>((status >> 8) & 0x7),
                    ((status >> 13) & 1) != 0, ((status >> 14) & 1) != 0};
}

// "LBA Out of Range" for 0x80; unknown codes read "SCT 0x1 SC 0x99".
std::string nvme_status_name(uint16_t status);
std::string errno_name(int errnum);  // "EIO (Input/output error)"

}  // namespace qb
