#include "bound.h"

#include <fmt/format.h>

namespace qb {

const char* bound_name(Bound b) {
  switch (b) {
    case Bound::cpu: return "CPU-bound";
    case Bound::device: return "device-bound";
    case Bound::latency: return "latency-bound";
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
  // Little's law: a path that kept its whole depth in flight gets IOPS =
  // depth / latency. Below the device's ceiling, with the thread not busy,
  // that latency, not the device's capacity, set its pace (psync at depth 1).
  const bool full = in.in_flight >= 0 && in.depth > 0 && in.in_flight >= lim.queue_full * in.depth;
  const std::string little =
      full ? fmt::format("{:.1f} of {:.0f} I/Os in flight (IOPS x mean latency)", in.in_flight, in.depth) : "";
  if (full && have_ceiling && share < lim.near_ceiling && in.busy < lim.busy_cpu)
    return {Bound::latency, fmt::format("{}, busy {:.2f}, {}: IOPS is depth / latency and the device had room",
                                        little, in.busy, of_ceiling)};
  if (full && !have_ceiling && in.busy <= lim.busy_device)
    return {Bound::undecided, fmt::format("{}, busy {:.2f}: latency-bound or device-bound, no ceiling measured",
                                          little, in.busy)};
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
      "busy is the I/O thread's CPU seconds (its thread CPU clock; getrusage usr+sys in version-1 reports) over "
      "the elapsed seconds, and the I/Os in flight are IOPS x mean latency (Little's law). In order: "
      "latency-bound when the I/Os in flight are >= {:.0f}% of the depth (iodepth x threads), IOPS < {:.0f}% of "
      "the ceiling and busy < {:.2f}: the path kept its queue full, so its latency, not the device's capacity, "
      "set its IOPS (with that full a queue, no ceiling and busy <= {:.2f} the data cannot tell latency from "
      "device); device-bound when busy <= {:.2f} (the thread slept on the device), or when IOPS >= {:.0f}% of "
      "the device's ceiling and either the ceiling is confirmed or the path's kernel polls found nothing >= "
      "{:.0f}% of the time (user queue counters or --probes); the data cannot tell when IOPS is that near a "
      "ceiling that is only a lower bound, nor when a polled path's polls were that empty below the ceiling (it "
      "waited on something other than the device); CPU-bound when busy >= {:.2f} and IOPS < {:.0f}% of the "
      "ceiling (without a ceiling: interrupt-driven paths only; a polled path only when its empty-poll share is "
      "known, since its busy time includes the wait; never for a path that waits by spinning in user space, "
      "whose busy time includes the wait whatever its kernel polls found); otherwise the data cannot tell. The "
      "ceiling is the median IOPS of the ceiling runs (compare --ceiling) of the ceiling path with the highest "
      "median, shown with their spread; it is confirmed when those runs slept on the device (median busy <= "
      "{:.2f}) or found their kernel polls empty >= {:.0f}% of the time and no path's median exceeds it, else "
      "it is a lower bound; without ceiling runs there is no ceiling.",
      lim.queue_full * 100, lim.near_ceiling * 100, lim.busy_cpu, lim.busy_device, lim.busy_device,
      lim.near_ceiling * 100, lim.empty_device * 100, lim.busy_cpu, lim.near_ceiling * 100, lim.busy_device,
      lim.empty_device * 100);
}

}  // namespace qb
