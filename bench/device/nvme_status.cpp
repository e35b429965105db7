#include "nvme_status.h"

#include <fmt/format.h>

#include <cstring>

namespace qb {

namespace {

struct Code {
  uint8_t sct;
  uint8_t sc;
  const char* name;
};

constexpr Code codes[] = {
    // Generic Command Status (SCT 0)
    {0, 0x00, "Successful Completion"},
    {0, 0x01, "Invalid Command Opcode"},
    {0, 0x02, "Invalid Field in Command"},
    {0, 0x03, "Command ID Conflict"},
    {0, 0x04, "Data Transfer Error"},
    {0, 0x05, "Commands Aborted due to Power Loss Notification"},
    {0, 0x06, "Internal Error"},
    {0, 0x07, "Command Abort Requested"},
    {0, 0x08, "Command Aborted due to SQ Deletion"},
    {0, 0x09, "Command Aborted due to Failed Fused Command"},
    {0, 0x0a, "Command Aborted due to Missing Fused Command"},
    {0, 0x0b, "Invalid Namespace or Format"},
    {0, 0x0c, "Command Sequence Error"},
    {0, 0x0d, "Invalid SGL Segment Descriptor"},
    {0, 0x0e, "Invalid Number of SGL Descriptors"},
    {0, 0x0f, "Data SGL Length Invalid"},
    {0, 0x10, "Metadata SGL Length Invalid"},
    {0, 0x11, "SGL Descriptor Type Invalid"},
    {0, 0x12, "Invalid Use of Controller Memory Buffer"},
    {0, 0x13, "PRP Offset Invalid"},
    {0, 0x14, "Atomic Write Unit Exceeded"},
    {0, 0x15, "Operation Denied"},
    {0, 0x16, "SGL Offset Invalid"},
    {0, 0x18, "Host Identifier Inconsistent Format"},
    {0, 0x19, "Keep Alive Timer Expired"},
    {0, 0x1a, "Keep Alive Timeout Invalid"},
    {0, 0x1b, "Command Aborted due to Preempt and Abort"},
    {0, 0x1c, "Sanitize Failed"},
    {0, 0x1d, "Sanitize In Progress"},
    {0, 0x1e, "SGL Data Block Granularity Invalid"},
    {0, 0x1f, "Command Not Supported for Queue in CMB"},
    {0, 0x20, "Namespace is Write Protected"},
    {0, 0x21, "Command Interrupted"},
    {0, 0x22, "Transient Transport Error"},
    {0, 0x23, "Command Prohibited by Command and Feature Lockdown"},
    {0, 0x24, "Admin Command Media Not Ready"},
    {0, 0x80, "LBA Out of Range"},
    {0, 0x81, "Capacity Exceeded"},
    {0, 0x82, "Namespace Not Ready"},
    {0, 0x83, "Reservation Conflict"},
    {0, 0x84, "Format In Progress"},
    {0, 0x85, "Invalid Value Size"},
    {0, 0x86, "Invalid Key Size"},
    {0, 0x87, "KV Key Does Not Exist"},
    {0, 0x88, "Unrecovered Error"},
    {0, 0x89, "Key Exists"},
    // Command Specific Status (SCT 1), I/O command set
    {1, 0x80, "Conflicting Attributes"},
    {1, 0x81, "Invalid Protection Information"},
    {1, 0x82, "Attempted Write to Read Only Range"},
    {1, 0x83, "Command Size Limit Exceeded"},
    {1, 0xb8, "Zoned Boundary Error"},
    {1, 0xb9, "Zone Is Full"},
    {1, 0xba, "Zone Is Read Only"},
    {1, 0xbb, "Zone Is Offline"},
    {1, 0xbc, "Zone Invalid Write"},
    {1, 0xbd, "Too Many Active Zones"},
    {1, 0xbe, "Too Many Open Zones"},
    {1, 0xbf, "Invalid Zone State Transition"},
    // Media and Data Integrity Errors (SCT 2)
    {2, 0x80, "Write Fault"},
    {2, 0x81, "Unrecovered Read Error"},
    {2, 0x82, "End-to-end Guard Check Error"},
    {2, 0x83, "End-to-end Application Tag Check Error"},
    {2, 0x84, "End-to-end Reference Tag Check Error"},
    {2, 0x85, "Compare Failure"},
    {2, 0x86, "Access Denied"},
    {2, 0x87, "Deallocated or Unwritten Logical Block"},
    {2, 0x88, "End-to-End Storage Tag Check Error"},
    // Path Related Status (SCT 3)
    {3, 0x00, "Internal Path Error"},
    {3, 0x01, "Asymmetric Access Persistent Loss"},
    {3, 0x02, "Asymmetric Access Inaccessible"},
    {3, 0x03, "Asymmetric Access Transition"},
    {3, 0x60, "Controller Pathing Error"},
    {3, 0x70, "Host Pathing Error"},
    {3, 0x71, "Command Aborted By Host"},
};

}  // namespace

std::string nvme_status_name(uint16_t status) {
  NvmeStatus s = split_status(status);
  for (const auto& c : codes)
    if (c.sct == s.sct && c.sc == s.sc) return c.name;
  if (s.sct == 7) return fmt::format("Vendor Specific (SC 0x{:02x})", s.sc);
  return fmt::format("SCT 0x{:x} SC 0x{:02x}", s.sct, s.sc);
}

std::string errno_name(int errnum) {
  const char* abbrev = strerrorname_np(errnum);
  const char* desc = strerrordesc_np(errnum);
  if (!abbrev) return fmt::format("errno {}", errnum);
  return fmt::format("{} ({})", abbrev, desc ? desc : "");
}

}  // namespace qb
