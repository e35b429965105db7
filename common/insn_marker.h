// Marks for the lab's instruction counter (the TCG plugin built from
// scripts/tcg-plugin/). Each mark is an instruction compilers never emit and
// that changes nothing, so it is a no-op on real hardware:
//  - "xchg %rbx,%rbx" at the measured window's start and end, so the plugin
//    counts guest instructions, kernel and user apart, over exactly that
//    window;
//  - "xchg %rcx,%rcx" just before a path enters the kernel only to poll, and
//    "xchg %rdx,%rdx" just after, when that poll found nothing, so the
//    instructions of empty polls are counted apart from the useful work.
// InsnMarker is the innermost of the window hooks: the counted window
// excludes attaching and detaching probes.
#pragma once

#include "window_hooks.h"

namespace qb {

inline void execute_insn_marker() {
#if defined(__x86_64__)
  __asm__ volatile("xchg %%rbx, %%rbx" ::: "memory");
#endif
}

inline void mark_poll_start() {
#if defined(__x86_64__)
  __asm__ volatile("xchg %%rcx, %%rcx" ::: "memory");
#endif
}

inline void mark_poll_empty() {
#if defined(__x86_64__)
  __asm__ volatile("xchg %%rdx, %%rdx" ::: "memory");
#endif
}

class InsnMarker final : public WindowHooks {
 public:
  explicit InsnMarker(WindowHooks* outer) : outer_(outer) {}
  void window_start() override {
    if (outer_) outer_->window_start();
    execute_insn_marker();
  }
  void window_end() override {
    execute_insn_marker();
    if (outer_) outer_->window_end();
  }

 private:
  WindowHooks* outer_;
};

}  // namespace qb
