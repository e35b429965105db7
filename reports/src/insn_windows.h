// The lab's instruction counts (the TCG plugin of scripts/tcg-plugin/, one
// line per measured window, in run order) read back and attached to the
// runs of a report. Pure: text in, JSON out; no I/O here.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "result.h"

namespace qb {

struct InsnWindow {
  unsigned index = 0;  // window=N, from 1
  uint64_t kernel = 0, user = 0;
  // Marked polls (older plugin builds write none: unset).
  std::optional<uint64_t> polls, empty_polls, empty_kernel, empty_user;
  // MMIO stores (the plugin's mmio=on; unset without it).
  std::optional<uint64_t> mmio_doorbell, mmio_other;
};

struct InsnWindowFile {
  std::vector<InsnWindow> windows;
  bool unclosed = false;  // the guest stopped inside a window
};

// Parses "window=N kernel=K user=U [polls=P empty_polls=E empty_kernel=EK
// empty_user=EU] [mmio_doorbell=D mmio_other=O]" lines and an
// "unclosed-window ..." line; anything else, or one MMIO field without the
// other, is an error naming the line.
Result<InsnWindowFile> parse_insn_windows(std::string_view text);

struct AttachOutcome {
  bool attached = false;
  std::string message;  // why not, or what was attached
};

// Attaches window i to runs[i] of a report (runs[].instructions) when the
// windows are exactly as many as the runs and numbered 1..N; otherwise
// attaches nothing and says why. Either way the report gets a top-level
// "instructions" object with the outcome and, when attached, medians per
// path. source names the windows file in the report.
// When every window carries MMIO counts, the runs get them too and the
// report a top-level "mmio" of boot "same" (its instruction counts ran
// under the memory callback); otherwise any earlier "mmio" of boot "same"
// is dropped and one of boot "separate" kept.
AttachOutcome attach_insn_windows(nlohmann::json& report, const InsnWindowFile& file, const std::string& source);

// Attaches to report the MMIO figures per path that mmio_report's own runs
// counted (its "mmio" of boot "same", as attach-windows wrote it), as
// boot "separate" with source naming mmio_report; the paths report runs
// and mmio_report lacks are left out, and nothing is attached, with the
// reason, when mmio_report has no MMIO counts or shares no path.
AttachOutcome attach_separate_mmio(nlohmann::json& report, const nlohmann::json& mmio_report,
                                   const std::string& source);

}  // namespace qb
