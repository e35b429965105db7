// The NVMe user queue ABI (common/linux_nvme_uq.h) and what the tool adds
// to read a mapped CQ.
#pragma once

#include "linux_nvme_uq.h"

// A CQ entry is 16 bytes; the 16-bit status field (phase in bit 0, little
// endian) is its last two bytes.
inline constexpr unsigned nvme_uq_cqe_size = 16;
inline constexpr unsigned nvme_uq_cqe_status_offset = 14;
