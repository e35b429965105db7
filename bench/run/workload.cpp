#include "workload.h"

#include <fmt/format.h>

namespace qb {

namespace {
struct RwEntry {
  RwMode mode;
  std::string_view name;
};
constexpr RwEntry rw_table[] = {
    {RwMode::randread, "randread"}, {RwMode::randwrite, "randwrite"},
    {RwMode::read, "read"},         {RwMode::write, "write"},
    {RwMode::randrw, "randrw"},
};
}  // namespace

std::string_view rw_name(RwMode rw) {
  for (const auto& e : rw_table)
    if (e.mode == rw) return e.name;
  return "?";
}

Result<RwMode> parse_rw(std::string_view name) {
  for (const auto& e : rw_table)
    if (e.name == name) return e.mode;
  return usage_error(fmt::format(
      "--rw {}: unknown mode; use randread, randwrite, read, write or randrw", name));
}

bool rw_has_writes(const WorkloadOptions& w) {
  return w.rw == RwMode::write || w.rw == RwMode::randwrite ||
         (w.rw == RwMode::randrw && w.rwmixread < 100);
}

bool rw_has_reads(const WorkloadOptions& w) {
  return w.rw == RwMode::read || w.rw == RwMode::randread ||
         (w.rw == RwMode::randrw && w.rwmixread > 0);
}

Result<std::vector<ThreadRange>> split_range(const WorkloadOptions& w) {
  uint64_t total_blocks = w.size / w.bs;
  uint64_t per_thread = w.threads ? total_blocks / w.threads : 0;
  if (per_thread == 0)
    return usage_error(fmt::format(
        "--size {} holds {} block(s) of --bs {}, fewer than --threads {}; "
        "use a larger --size or fewer threads",
        w.size, total_blocks, w.bs, w.threads));
  std::vector<ThreadRange> out;
  out.reserve(w.threads);
  for (unsigned t = 0; t < w.threads; t++)
    out.push_back(ThreadRange{w.offset + t * per_thread * w.bs, per_thread});
  return out;
}

IoSequence::IoSequence(const WorkloadOptions& w, unsigned thread, ThreadRange range)
    : key_(mix64(w.seed ^ mix64(0x51be0c4000ULL + thread))),
      start_(range.start),
      blocks_(range.blocks ? range.blocks : 1),
      bs_(w.bs),
      rwmixread_(w.rwmixread),
      random_(w.rw == RwMode::randread || w.rw == RwMode::randwrite || w.rw == RwMode::randrw),
      mixed_(w.rw == RwMode::randrw),
      all_writes_(w.rw == RwMode::write || w.rw == RwMode::randwrite) {}

}  // namespace qb
