#include "profile.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fmt/format.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "profile.skel.h"

namespace qb {

namespace {

constexpr unsigned stack_depth = 127;  // profile.bpf.c's QB_STACK_DEPTH

void clear_map(int fd, size_t key_size) {
  std::vector<char> key(key_size), next(key_size);
  while (bpf_map_get_next_key(fd, nullptr, next.data()) == 0) bpf_map_delete_elem(fd, next.data());
}

}  // namespace

Profile::~Profile() {
  stop();
  if (skel_) profile__destroy(skel_);
}

Result<std::unique_ptr<Profile>> Profile::load(uint32_t tgid, unsigned frequency_hz) {
  std::unique_ptr<Profile> p(new Profile);
  p->freq_ = frequency_hz;
  p->skel_ = profile__open();
  if (!p->skel_) return runtime_error(fmt::format("failed to open the profile BPF object: {}", strerror(errno)), errno);
  p->skel_->rodata->targ_tgid = tgid;
  int err = profile__load(p->skel_);
  if (err) return runtime_error(fmt::format("failed to load the profile BPF program: {}", strerror(-err)), -err);
  return p;
}

Result<void> Profile::start() {
  stop();
  clear_map(bpf_map__fd(skel_->maps.kstack_samples), sizeof(uint32_t));
  clear_map(bpf_map__fd(skel_->maps.stacks), sizeof(uint32_t));
  int tfd = bpf_map__fd(skel_->maps.tallies);
  int ncpu = libbpf_num_possible_cpus();
  std::vector<uint64_t> zero(ncpu > 0 ? ncpu : 1);
  for (uint32_t i = 0; i < 4; i++) bpf_map_update_elem(tfd, &i, zero.data(), BPF_ANY);
  long online = sysconf(_SC_NPROCESSORS_ONLN);
  for (int cpu = 0; cpu < ncpu; cpu++) {
    perf_event_attr attr{};
    attr.size = sizeof attr;
    attr.type = PERF_TYPE_SOFTWARE;
    attr.config = PERF_COUNT_SW_CPU_CLOCK;
    attr.freq = 1;
    attr.sample_freq = freq_;
    int fd = static_cast<int>(syscall(__NR_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC));
    if (fd < 0) {
      if (errno == ENODEV || (errno == EINVAL && cpu >= online)) continue;  // offline or absent CPU
      int e = errno;
      stop();
      return runtime_error(fmt::format("failed to open the cpu-clock event on CPU {}: {}", cpu, strerror(e)), e);
    }
    fds_.push_back(fd);
    bpf_link* l = bpf_program__attach_perf_event(skel_->progs.do_sample, fd);
    if (!l) {
      int e = errno;
      stop();
      return runtime_error(fmt::format("failed to attach the profile program on CPU {}: {}", cpu, strerror(e)), e);
    }
    links_.push_back(l);
  }
  if (links_.empty()) return runtime_error("no CPU could be sampled", ENODEV);
  return Ok{};
}

void Profile::stop() {
  for (auto* l : links_) bpf_link__destroy(l);
  links_.clear();
  for (int fd : fds_) close(fd);
  fds_.clear();
}

ProfileSamples Profile::read() const {
  ProfileSamples out;
  out.frequency_hz = freq_;
  int tfd = bpf_map__fd(skel_->maps.tallies);
  int ncpu = libbpf_num_possible_cpus();
  std::vector<uint64_t> v(ncpu > 0 ? ncpu : 1);
  uint64_t t[4] = {};
  for (uint32_t i = 0; i < 4; i++)
    if (bpf_map_lookup_elem(tfd, &i, v.data()) == 0)
      for (auto x : v) t[i] += x;
  out.user_samples = t[0];
  out.lost_samples = t[1];
  out.samples = t[3];
  int cfd = bpf_map__fd(skel_->maps.kstack_samples);
  int sfd = bpf_map__fd(skel_->maps.stacks);
  uint32_t key = 0, next = 0;
  uint32_t* prev = nullptr;
  std::vector<uint64_t> ips(stack_depth);
  while (bpf_map_get_next_key(cfd, prev, &next) == 0) {
    key = next;
    prev = &key;
    uint64_t count = 0;
    if (bpf_map_lookup_elem(cfd, &key, &count) != 0) continue;
    StackSample s;
    s.count = count;
    if (bpf_map_lookup_elem(sfd, &key, ips.data()) == 0) {
      for (uint64_t ip : ips) {
        if (!ip) break;
        s.ips.push_back(ip);
      }
    }
    if (s.ips.empty()) {
      out.lost_samples += count;
      continue;
    }
    out.stacks.push_back(std::move(s));
  }
  return out;
}

}  // namespace qb
