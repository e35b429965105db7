// The report document (reports/schema/nvme-qbench-report.v2.schema.json,
// documented in reports/schema/README.md) as types: the version written
// and the versions read, the objects both the writer (bench/app) and the
// readers here map through nlohmann's to_json/from_json, and writing a
// document to a file.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "result.h"
#include "stats.h"

// std::optional as a value or null, as the schema writes an unmeasured
// figure (nlohmann 3.11 has no mapping of its own).
namespace nlohmann {
template <class T>
struct adl_serializer<std::optional<T>> {
  static void to_json(json& j, const std::optional<T>& v) { j = v ? json(*v) : json(nullptr); }
  static void from_json(const json& j, std::optional<T>& v) {
    if (j.is_null()) v.reset();
    else v = j.get<T>();
  }
};
}  // namespace nlohmann

namespace qb {

// The schema version this build writes. Version 2 adds, per run, the
// latency histogram's bins and the stamps' error bound, CPU time from the
// thread CPU clock with the pinned CPUs' irq and softirq time, io_uring
// kernel entries, hardware counters and the run's place in its round; the
// environment's clocksource, governor, mitigations and NVMe interrupt
// affinity; and status.partial with the runs that did not run
// (reports/schema/README.md).
inline constexpr int report_schema_version = 2;
// Versions this build reads; any other is rejected with a message naming it.
inline constexpr int readable_schema_versions[] = {1, 2};

// A summary over rounds: {median, min, max, spread, n}.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Summary, median, min, max, spread, n)

inline nlohmann::json summary_json(const Summary& s) { return s; }

// "tool": what wrote the document.
struct ToolInfo {
  std::string name = "nvme-qbench";
  std::string version, git_revision;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ToolInfo, name, version, git_revision)

// runs[].user_queue: the user queue a uq run used and the kernel's
// counters over its measured window (null when they could not be read,
// with counters_error saying why).
struct UserQueueCountersRecord {
  uint64_t submitted = 0, completed = 0, polls = 0, empty_polls = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(UserQueueCountersRecord, submitted, completed, polls, empty_polls)

struct UserQueueRecord {
  std::string node;  // /dev/nvme0uq1
  std::string name;  // nvme0uq1
  int qid = -1;
  std::string type;  // irq or poll
  int depth = -1;
  std::optional<UserQueueCountersRecord> counters;
  std::optional<double> empty_poll_share;  // empty_polls / polls; null without polls
  std::optional<std::string> counters_error;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(UserQueueRecord, node, name, qid, type, depth, counters,
                                                empty_poll_share, counters_error)

// runs[].instructions: the lab's instruction counts over one run's window,
// as attach-windows writes them. Per-I/O figures are null for a run without
// I/O; the empty-poll figures are null unless the run marked its polls.
struct RunInstructions {
  unsigned window = 0;  // the window's number in the plugin's file, from 1
  std::optional<uint64_t> kernel, user;  // always written; a reader without them has no counts
  std::optional<double> kernel_per_io, user_per_io;
  std::optional<uint64_t> marked_polls, empty_polls, empty_poll_kernel, empty_poll_user;
  std::optional<double> useful_kernel_per_io;  // kernel minus the empty polls' kernel work
  bool empty_polls_separated = false;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RunInstructions, window, kernel, user, kernel_per_io, user_per_io,
                                                marked_polls, empty_polls, empty_poll_kernel, empty_poll_user,
                                                useful_kernel_per_io, empty_polls_separated)

// The top-level "instructions": whether windows were attached, and the
// medians per path when they were.
struct PathInstructions {
  std::string path;
  Summary kernel_per_io, user_per_io, useful_kernel_per_io;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PathInstructions, path, kernel_per_io, user_per_io,
                                                useful_kernel_per_io)

struct Instructions {
  std::string source;   // the windows file
  std::string counter;  // what counted them
  std::string status;   // attached, not_attached
  std::string message;
  uint64_t windows = 0, runs = 0;
  std::vector<PathInstructions> paths;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Instructions, source, counter, status, message, windows, runs, paths)

// Reads a typed object leniently, as the loader reads the optional parts
// of a report: a value of the wrong shape reads as absent. nlohmann says
// "wrong shape" by exception; this is where it becomes a value.
template <class T>
std::optional<T> read_typed(const nlohmann::json& j) {
  if (!j.is_object()) return std::nullopt;
  try {
    return j.get<T>();
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

// Writes to a temporary file next to path and renames it, so a failed run
// never leaves a partial report.
Result<void> write_report(const std::string& path, const nlohmann::json& report);

}  // namespace qb
