// Whether a result was limited by the guest CPU or by the device, and the
// device's ceiling it is judged against. Pure: figures in, verdict out.
#pragma once

#include <string>

namespace qb {

enum class Bound { cpu, device, latency, undecided };
const char* bound_name(Bound b);

// The limits of the rule; bound_rule() states them in words.
struct BoundLimits {
  double busy_cpu = 0.90;      // at or above: the thread never waited
  double busy_device = 0.60;   // at or below: it waited 40% of the time
  double near_ceiling = 0.90;  // IOPS at or above this share of the ceiling: at the device's limit
  double empty_device = 0.50;  // a polled path whose kernel polls were this empty waited on the device
  double queue_full = 0.90;    // I/Os in flight (Little's law) at least this share of the depth: the queue was kept full
};

struct BoundInput {
  bool poll = false;
  double busy = 0;              // CPU seconds (usr+sys) / elapsed seconds, per thread
  double iops = 0;
  double ceiling = 0;           // the device's ceiling; 0: not measured
  bool ceiling_confirmed = false;  // the run that set it was itself shown device-bound
  double empty_poll_share = -1;  // kernel polls that found nothing / polls; -1 unknown
  // The path waits for completions by spinning in user space (the pending
  // check on the mapped CQ): its busy time includes waiting.
  bool spins_in_user_space = false;
  // Little's law: IOPS x mean latency, the I/Os in flight on average (-1
  // unknown), against the depth the path was given (iodepth x threads).
  double in_flight = -1;
  double depth = 0;
};

struct BoundVerdict {
  Bound bound = Bound::undecided;
  std::string reason;
};

BoundVerdict classify_bound(const BoundInput& in, const BoundLimits& lim = {});

// The rule in words, with the limits, for every report that shows a verdict.
std::string bound_rule(const BoundLimits& lim = {});

}  // namespace qb
