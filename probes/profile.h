// Loader of profile.bpf.c: samples the measured process on the cpu-clock
// software event of every online CPU and keeps its kernel stacks.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "result.h"

struct profile;  // the bpftool skeleton
struct bpf_link;

namespace qb {

struct StackSample {
  std::vector<uint64_t> ips;  // leaf first
  uint64_t count = 0;
};

struct ProfileSamples {
  unsigned frequency_hz = 0;
  uint64_t samples = 0;       // samples of the measured process
  uint64_t user_samples = 0;  // taken in user mode: no kernel stack
  uint64_t lost_samples = 0;  // stack map full or collided
  std::vector<StackSample> stacks;
};

class Profile {
 public:
  ~Profile();
  Profile(const Profile&) = delete;
  Profile& operator=(const Profile&) = delete;

  static Result<std::unique_ptr<Profile>> load(uint32_t tgid, unsigned frequency_hz);
  // Opens the cpu-clock event on every online CPU and attaches; an error
  // says why (no perf events, no privilege).
  Result<void> start();
  void stop();
  ProfileSamples read() const;

 private:
  Profile() = default;
  ::profile* skel_ = nullptr;
  unsigned freq_ = 0;
  std::vector<int> fds_;
  std::vector<::bpf_link*> links_;
};

}  // namespace qb
