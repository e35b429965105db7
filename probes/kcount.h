// Loader of kcount.bpf.c: calls of the poll and block-layer functions of
// kfuncs.h made by one process, and the polls that found nothing.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "result.h"
#include "trace_helpers.h"

struct kcount;  // the bpftool skeleton
struct bpf_link;

namespace qb {

struct KFuncCount {
  std::string name;
  bool poll = false;            // its return value says whether it found work
  AttachKind attach = AttachKind::none;
  std::string note;             // unavailable: why; kprobe: why not fentry
  uint64_t calls = 0;           // by the measured process
  uint64_t empty = 0;           // poll functions: calls that returned 0
  uint64_t other_calls = 0;     // by anything else in the same window
  uint64_t other_empty = 0;
};

class KCount {
 public:
  ~KCount();
  KCount(const KCount&) = delete;
  KCount& operator=(const KCount&) = delete;

  // Decides fentry or kprobe per function from facts, loads the programs
  // (without attaching them). An error is errno-carrying: EPERM means no
  // privilege, others no usable BPF.
  static Result<std::unique_ptr<KCount>> load(uint32_t tgid, const KernelFacts& facts, bool verbose);

  // Zeroes the counters and attaches every available program; a function
  // whose attach fails becomes unavailable with the error.
  void attach();
  void detach();
  // The counts since attach(), one entry per function of kfuncs.h.
  std::vector<KFuncCount> read() const;

 private:
  KCount() = default;
  ::kcount* skel_ = nullptr;
  std::vector<KFuncCount> funcs_;
  std::vector<::bpf_link*> links_;
};

}  // namespace qb
