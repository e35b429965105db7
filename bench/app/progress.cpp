#include "progress.h"

#include <fmt/format.h>

#include <cmath>

namespace qb {

Result<ProgressMode> parse_progress_mode(std::string_view text, bool stderr_is_tty) {
  if (text == "off") return ProgressMode::off;
  if (text == "tty") return ProgressMode::tty;
  if (text == "run") return ProgressMode::run;
  if (text == "second") return ProgressMode::second;
  if (text == "auto") return stderr_is_tty ? ProgressMode::tty : ProgressMode::run;
  return usage_error(fmt::format("--progress {}: unknown mode; use auto, tty, run, second or off", text));
}

namespace {

std::string eta_text(double s) {
  auto total = static_cast<long>(std::ceil(s));
  if (total < 60) return fmt::format("{}s", total);
  if (total < 3600) return fmt::format("{}m{:02}s", total / 60, total % 60);
  return fmt::format("{}h{:02}m{:02}s", total / 3600, total / 60 % 60, total % 60);
}

std::string si_iops(double v) {
  if (v >= 1e6) return fmt::format("{:.2f}M", v / 1e6);
  if (v >= 1e3) return fmt::format("{:.1f}K", v / 1e3);
  return fmt::format("{:.0f}", v);
}

}  // namespace

std::string format_progress_line(const ProgressState& s) {
  std::string line = fmt::format("[round {}/{}, run {}/{}] {}", s.round, s.rounds, s.run, s.runs, s.label);
  std::string sep = ": ";
  if (s.iops) {
    line += sep + "IOPS " + si_iops(*s.iops);
    sep = ", ";
  }
  line += sep + "eta " + (s.eta_s ? eta_text(*s.eta_s) : std::string("unknown"));
  return line;
}

std::optional<double> eta_seconds(std::optional<double> planned_run_s, double elapsed_in_run_s,
                                  size_t runs_after, size_t runs_done, double done_runs_s) {
  std::optional<double> per_run = runs_done ? std::optional<double>(done_runs_s / static_cast<double>(runs_done))
                                            : planned_run_s;
  if (!per_run) return std::nullopt;
  double rest = std::max(0.0, *per_run - elapsed_in_run_s);
  return rest + *per_run * static_cast<double>(runs_after);
}

void ProgressDisplay::run_started(unsigned round, unsigned rounds, size_t run, std::string label, double now_s) {
  st_ = ProgressState{round, rounds, run, runs_, std::move(label), std::nullopt, std::nullopt};
  run_start_s_ = now_s;
  if (mode_ != ProgressMode::off) show(now_s, mode_ != ProgressMode::tty);
}

void ProgressDisplay::second(double iops, double now_s) {
  st_.iops = iops;
  if (mode_ == ProgressMode::tty || mode_ == ProgressMode::second) show(now_s, mode_ == ProgressMode::second);
}

void ProgressDisplay::run_ended(double now_s) {
  done_++;
  done_s_ += now_s - run_start_s_;
}

void ProgressDisplay::finish() {
  if (line_open_) fmt::print(out_, "\n");
  line_open_ = false;
  std::fflush(out_);
}

void ProgressDisplay::print_line(FILE* to, const std::string& line) {
  finish();
  fmt::print(to, "{}\n", line);
  std::fflush(to);
}

void ProgressDisplay::show(double now_s, bool newline) {
  st_.eta_s = eta_seconds(planned_, now_s - run_start_s_, runs_ - st_.run, done_, done_s_);
  std::string line = format_progress_line(st_);
  if (newline) {
    fmt::print(out_, "{}\n", line);
  } else {
    fmt::print(out_, "\r{}\033[K", line);
    line_open_ = true;
  }
  std::fflush(out_);
}

}  // namespace qb
