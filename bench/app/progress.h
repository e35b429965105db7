// Progress of a run or compare on stderr, as fio shows its ETA line: which
// run of which round, the path, its IOPS this second and the seconds left
// of the whole invocation. Modes (--progress): tty rewrites one line in
// place every second (a terminal), run prints one line as each run starts
// (logs, CI), second prints one line every second (for a wrapper that
// draws the line itself, as scripts/bench.sh does), auto is tty on a
// terminal and run otherwise, off prints nothing.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "result.h"

namespace qb {

enum class ProgressMode { off, tty, run, second };

// --progress's value; auto resolves against whether stderr is a terminal.
Result<ProgressMode> parse_progress_mode(std::string_view text, bool stderr_is_tty);

// One progress line: "[round 2/3, run 5/16] ng-poll: IOPS 73.2K, eta 1m12s".
struct ProgressState {
  unsigned round = 1, rounds = 1;
  size_t run = 1, runs = 1;  // this run's number in the invocation, from 1
  std::string label;         // the path, with " (ceiling)" or " (probes on)"
  std::optional<double> iops;  // this second's, once there is one
  std::optional<double> eta_s;  // unknown until a run of --ios has ended
};
std::string format_progress_line(const ProgressState& s);

// Seconds left: the current run's planned rest plus the runs not yet
// started, each taking what the runs so far took on average (planned
// seconds until one has ended); unset when nothing is known.
std::optional<double> eta_seconds(std::optional<double> planned_run_s, double elapsed_in_run_s,
                                  size_t runs_after, size_t runs_done, double done_runs_s);

class ProgressDisplay {
 public:
  ProgressDisplay(ProgressMode mode, std::optional<double> planned_run_s, size_t runs, FILE* out = stderr)
      : mode_(mode), planned_(planned_run_s), runs_(runs), out_(out) {}
  void run_started(unsigned round, unsigned rounds, size_t run, std::string label, double now_s);
  void second(double iops, double now_s);
  void run_ended(double now_s);
  // Ends the in-place line (tty) so that what follows starts on a new one.
  void finish();
  // A line of its own on the same stream (a note), not torn by the
  // progress line; the next update starts a new one.
  void note(const std::string& line) { print_line(out_, line); }
  // A line on another stream (stdout's per-run and per-second lines): the
  // in-place line is ended first, as both streams may share one terminal.
  void print_line(FILE* to, const std::string& line);

 private:
  void show(double now_s, bool newline);
  ProgressMode mode_;
  std::optional<double> planned_;
  size_t runs_;
  FILE* out_;
  ProgressState st_;
  double run_start_s_ = 0, done_s_ = 0;
  size_t done_ = 0;
  bool line_open_ = false;
};

}  // namespace qb
