// The measured window's edges, as an interface: the runner calls them, and
// whatever measures alongside the I/O (the probes, the user queue's
// counters, the lab's instruction marker) implements them. Kept here, below
// both, so that neither the probes nor the runner depend on the other.
#pragma once

namespace qb {

// Called by run_path at the edges of the measured window, from its control
// thread: window_start() once the ramp is over and before any worker
// measures (workers keep ramping while it runs), window_end() when the
// window closes (timed runs: at its end; counted runs: when every worker
// left its loop). The probes attach and detach here; the runner knows
// nothing else about them.
struct WindowHooks {
  virtual ~WindowHooks() = default;
  virtual void window_start() = 0;
  virtual void window_end() = 0;
};

}  // namespace qb
