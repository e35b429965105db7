#include "bound.h"

#include <fmt/format.h>

namespace qb {

const char* bound_name(Bound b) {
  switch (b) {
    case Bound::cpu: return "CPU-bound";
    case Bound::device: return "device-bound";
    case Bound::undecided: return "cannot tell";
  }
  return "?";
}

BoundVerdict classify_bound(const BoundInput& in, const BoundLimits& lim) {
  const bool have_ceiling = in.ceiling > 0;
  const double share = have_ceiling ? in.iops / in.ceiling : 0;
  const bool near = have_ceiling && share >= lim.near_ceiling;
  const bool empty_polls = in.poll && in.empty_poll_share >= lim.empty_device;
  const std::string of_ceiling = have_ceiling ? fmt::format("IOPS {:.0f}% of the ceiling", share * 100) : "";
  const std::string empty = fmt::format("{:.0f}% of kernel polls found nothing", in.empty_poll_share * 100);
  if (in.busy <= lim.busy_device)
    return {Bound::device, fmt::format("busy {:.2f} <= {:.2f}: the thread waited on the device{}", in.busy,
                                       lim.busy_device, have_ceiling ? "; " + of_ceiling : "")};
  if (near && (in.ceiling_confirmed || empty_polls))
    return {Bound::device, fmt::format("{}, at least {:.0f}%{}", of_ceiling, lim.near_ceiling * 100,
                                       empty_polls ? "; " + empty : "")};
  if (near)
    return {Bound::undecided, fmt::format("{}, busy {:.2f}, but the ceiling is only a lower bound", of_ceiling,
                                          in.busy)};
  if (empty_polls)
    return {Bound::undecided,
            fmt::format("{}, yet {}: it waited, but on something slower than the device (e.g. completion work)",
                        empty, have_ceiling ? of_ceiling : "no ceiling measured")};
  if (in.busy >= lim.busy_cpu && in.spins_in_user_space)
    return {Bound::undecided,
            fmt::format("busy {:.2f}, but it includes spinning in user space on the mapped CQ while waiting{}",
                        in.busy, have_ceiling ? "; " + of_ceiling : "")};
  // A polled path is busy whether it works or waits: only its empty polls
  // tell the two apart.
  if (in.busy >= lim.busy_cpu && in.poll && in.empty_poll_share < 0)
    return {Bound::undecided,
            fmt::format("polled, busy {:.2f} either way: no empty-poll data (user queue counters or --probes){}",
                        in.busy, have_ceiling ? "; " + of_ceiling : "")};
  if (in.busy >= lim.busy_cpu) {
    if (have_ceiling)
      return {Bound::cpu, fmt::format("busy {:.2f} >= {:.2f}, {}, under {:.0f}%", in.busy, lim.busy_cpu, of_ceiling,
                                      lim.near_ceiling * 100)};
    if (!in.poll) return {Bound::cpu, fmt::format("busy {:.2f} >= {:.2f}", in.busy, lim.busy_cpu)};
    return {Bound::undecided, fmt::format("polled, busy {:.2f} either way; no ceiling measured", in.busy)};
  }
  return {Bound::undecided, fmt::format("busy {:.2f}, between {:.2f} and {:.2f}{}", in.busy, lim.busy_device,
                                        lim.busy_cpu, have_ceiling ? "; " + of_ceiling : "")};
}

std::string bound_rule(const BoundLimits& lim) {
  return fmt::format(
      "busy is the I/O thread's CPU seconds (usr+sys, getrusage) over the elapsed seconds. In order: "
      "device-bound when busy <= {:.2f} (the thread slept on the device), or when IOPS >= {:.0f}% of the "
      "device's ceiling and either the ceiling is confirmed or the path's kernel polls found nothing >= {:.0f}% of "
      "the time (user queue counters or --probes); the data cannot tell when IOPS is that near a ceiling that is "
      "only a lower bound, nor when a polled path's polls were that empty below the ceiling (it waited on "
      "something other than the device); CPU-bound when busy >= {:.2f} and IOPS < {:.0f}% of the ceiling "
      "(without a ceiling: interrupt-driven paths only; a polled path only when its empty-poll share is known, "
      "since its busy time includes the wait; never for a path that waits by spinning in user space, whose busy "
      "time includes the wait whatever its kernel polls found); otherwise the data cannot tell. The ceiling is the "
      "highest IOPS of any run in this report, measured path or ceiling run; it is confirmed when the run that set it "
      "slept on the device or found its kernel polls empty >= {:.0f}% of the time, else it is a lower bound.",
      lim.busy_device, lim.near_ceiling * 100, lim.empty_device * 100, lim.busy_cpu, lim.near_ceiling * 100,
      lim.empty_device * 100);
}

}  // namespace qb
