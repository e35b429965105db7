#include "progress.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace qb {
namespace {

TEST(Progress, ModesAndTheirErrors) {
  EXPECT_EQ(*parse_progress_mode("auto", true), ProgressMode::tty);
  EXPECT_EQ(*parse_progress_mode("auto", false), ProgressMode::run);
  EXPECT_EQ(*parse_progress_mode("second", true), ProgressMode::second);
  EXPECT_EQ(*parse_progress_mode("off", true), ProgressMode::off);
  auto bad = parse_progress_mode("always", true);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, ErrorKind::usage);
  EXPECT_NE(bad.error().message.find("auto, tty, run, second or off"), std::string::npos);
}

TEST(Progress, LineNamesRoundRunPathAndSecondsLeft) {
  ProgressState s{2, 3, 5, 16, "ng-poll", 73240.0, 72.4};
  EXPECT_EQ(format_progress_line(s), "[round 2/3, run 5/16] ng-poll: IOPS 73.2K, eta 1m13s");
  s.iops.reset();
  s.eta_s = 3725;
  EXPECT_EQ(format_progress_line(s), "[round 2/3, run 5/16] ng-poll: eta 1h02m05s");
  s.eta_s.reset();
  EXPECT_EQ(format_progress_line(s), "[round 2/3, run 5/16] ng-poll: eta unknown");
}

TEST(Progress, EtaFromThePlanThenFromRunsSoFar) {
  // Planned 6 s a run, 2 s into the first of 4: 4 s + 3 runs x 6 s.
  EXPECT_DOUBLE_EQ(*eta_seconds(6.0, 2.0, 3, 0, 0), 22.0);
  // Two runs took 7 s each: that is what the rest will take.
  EXPECT_DOUBLE_EQ(*eta_seconds(6.0, 1.0, 1, 2, 14.0), 13.0);
  // --ios: nothing planned, nothing known until a run has ended.
  EXPECT_FALSE(eta_seconds(std::nullopt, 1.0, 3, 0, 0).has_value());
  EXPECT_DOUBLE_EQ(*eta_seconds(std::nullopt, 1.0, 1, 1, 4.0), 7.0);
  EXPECT_DOUBLE_EQ(*eta_seconds(2.0, 5.0, 0, 0, 0), 0.0) << "never negative";
}

std::string shown(ProgressMode mode) {
  char* buf = nullptr;
  size_t len = 0;
  FILE* f = open_memstream(&buf, &len);
  {
    ProgressDisplay d(mode, 2.0, 2, f);
    d.run_started(1, 1, 1, "psync", 100.0);
    d.second(1000, 101.0);
    d.run_ended(102.0);
    d.note("hw counters: off: no PMU");
    d.run_started(1, 1, 2, "block-irq", 102.0);
    d.second(2000, 103.0);
    d.run_ended(104.0);
    d.finish();
  }
  fclose(f);
  std::string out(buf, len);
  free(buf);
  return out;
}

TEST(Progress, TtyRewritesOneLineRunPrintsOneLinePerRun) {
  std::string tty = shown(ProgressMode::tty);
  EXPECT_EQ(std::count(tty.begin(), tty.end(), '\n'), 3) << "the line, ended for the note, then the last one";
  EXPECT_NE(tty.find("IOPS 1.0K, eta 3s\033[K\nhw counters: off: no PMU\n\r[round"), std::string::npos) << tty;
  EXPECT_NE(tty.find("\r[round 1/1, run 2/2] block-irq: IOPS 2.0K, eta 1s\033[K"), std::string::npos) << tty;
  EXPECT_EQ(shown(ProgressMode::run), "[round 1/1, run 1/2] psync: eta 4s\nhw counters: off: no PMU\n"
                                      "[round 1/1, run 2/2] block-irq: eta 2s\n");
  std::string sec = shown(ProgressMode::second);
  EXPECT_EQ(std::count(sec.begin(), sec.end(), '\n'), 5) << sec;
  EXPECT_EQ(shown(ProgressMode::off), "hw counters: off: no PMU\n") << "notes are shown in every mode";
}

// stdout's lines (a run's start, each second's figures) share the terminal
// with the progress line on stderr: the in-place line is ended first.
TEST(Progress, LinesOnAnotherStreamEndTheInPlaceLineFirst) {
  char *term_buf = nullptr, *other_buf = nullptr;
  size_t term_len = 0, other_len = 0;
  FILE* term = open_memstream(&term_buf, &term_len);  // stderr and stdout on one terminal
  FILE* progress = open_memstream(&other_buf, &other_len);
  {
    ProgressDisplay shared(ProgressMode::tty, 2.0, 1, term), apart(ProgressMode::tty, 2.0, 1, progress);
    for (ProgressDisplay* d : {&shared, &apart}) {
      d->run_started(1, 1, 1, "psync", 100.0);
      d->print_line(term, "run psync: randread bs=4096 qd=1 on /dev/x");
      d->second(1000, 101.0);
      d->print_line(term, "psync 1s: 1000 IOPS");
      d->second(1000, 102.0);
      d->finish();
    }
  }
  fclose(term);
  fclose(progress);
  std::string both(term_buf, term_len), alone(other_buf, other_len);
  free(term_buf);
  free(other_buf);
  EXPECT_TRUE(both.starts_with("\r[round 1/1, run 1/1] psync: eta 2s\033[K\nrun psync: randread bs=4096 qd=1 on /dev/x\n"
                               "\r[round 1/1, run 1/1] psync: IOPS 1.0K, eta 1s\033[K\npsync 1s: 1000 IOPS\n\r"))
      << both;
  EXPECT_EQ(std::count(alone.begin(), alone.end(), '\n'), 3) << "each line ended before the other stream's: " << alone;
}

}  // namespace
}  // namespace qb
