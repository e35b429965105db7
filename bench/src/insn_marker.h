// Marks the edges of the measured window for the lab's instruction counter
// (the TCG plugin built from scripts/tcg-plugin/): it executes
// "xchg %rbx,%rbx" at the window's start and end, an instruction compilers
// never emit and that changes nothing, so the plugin can count guest
// instructions, kernel and user apart, over exactly the measured window.
// Innermost of the window hooks: the counted window excludes attaching and
// detaching probes.
#pragma once

#include "runner.h"

namespace qb {

inline void execute_insn_marker() {
#if defined(__x86_64__)
  __asm__ volatile("xchg %%rbx, %%rbx" ::: "memory");
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
