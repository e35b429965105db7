#include "probe_session.h"

#include <unistd.h>

#include "clock.h"

namespace qb {

ProbeSession::~ProbeSession() = default;

Result<std::unique_ptr<ProbeSession>> ProbeSession::open(bool verbose) {
  std::unique_ptr<ProbeSession> s(new ProbeSession);
  auto tgid = static_cast<uint32_t>(getpid());
  auto kc = KCount::load(tgid, kernel_facts(), verbose);
  if (!kc) return kc.error();
  s->kcount_ = std::move(*kc);
  auto pr = Profile::load(tgid, probe_profile_hz);
  if (pr)
    s->profile_ = std::move(*pr);
  else
    s->profile_note_ = pr.error().message;
  kernel_ksyms();  // read /proc/kallsyms now, not inside a window
  return s;
}

void ProbeSession::window_start() {
  last_.reset();
  kcount_->attach();
  profiling_ = false;
  if (profile_) {
    auto r = profile_->start();
    if (r)
      profiling_ = true;
    else
      profile_note_ = r.error().message;
  }
  t0_ = now_ns();
}

void ProbeSession::window_end() {
  uint64_t t1 = now_ns();
  if (profiling_) profile_->stop();
  kcount_->detach();
  ProbeWindow w;
  w.window_s = static_cast<double>(t1 - t0_) / 1e9;
  w.functions = kcount_->read();
  if (profiling_) {
    w.profile = summarize_profile(profile_->read(), kernel_ksyms());
  } else {
    w.profile.available = false;
    w.profile.note = profile_note_.empty() ? "profile not loaded" : profile_note_;
  }
  last_ = std::move(w);
}

std::optional<ProbeWindow> ProbeSession::take() {
  auto w = std::move(last_);
  last_.reset();
  return w;
}

}  // namespace qb
