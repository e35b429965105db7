// What the running kernel offers a probe, read once and cached (as bcc's
// libbpf-tools/trace_helpers.c does): which functions exist
// (/proc/kallsyms), which ftrace can hook (available_filter_functions, the
// condition for an fentry trampoline), which have BTF (fentry's other
// condition) and which kprobes refuse (the kprobe blacklist). The decision
// fentry / kprobe / unavailable is a pure function of these facts, so the
// unit tests feed it fake ones.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace qb {

using NameSet = std::unordered_set<std::string>;

struct KernelFacts {
  NameSet text_symbols;                               // t/T/w/W in kallsyms, module suffix stripped
  std::unordered_map<std::string, std::string> clones;  // base name -> first "name.isra.0"-style clone
  std::optional<NameSet> ftrace_functions;  // nullopt: tracefs not readable (not checked)
  std::optional<NameSet> btf_functions;     // nullopt: no kernel BTF
  std::optional<NameSet> kprobe_blacklist;  // nullopt: debugfs not readable (not checked)
  std::string btf_error;                    // why btf_functions is missing
};

// Parses /proc/kallsyms text into text_symbols and clones.
void parse_kallsyms(std::string_view text, KernelFacts& out);
// Parses available_filter_functions or kprobes/blacklist text: one function
// per line, its name the first field that is not an address.
NameSet parse_function_list(std::string_view text);

// The facts of the running kernel, read on first use and cached.
const KernelFacts& kernel_facts();

enum class AttachKind { fentry, kprobe, none };
const char* attach_kind_name(AttachKind k);

struct AttachDecision {
  AttachKind kind = AttachKind::none;
  std::string reason;  // none: why unavailable; kprobe: why not fentry; fentry: empty
};

AttachDecision decide_attach(std::string_view fn, const KernelFacts& facts);

// A symbol table for addresses (profile samples), from /proc/kallsyms.
struct KsymEntry {
  uint64_t addr;
  std::string name;
};
class KsymIndex {
 public:
  explicit KsymIndex(std::vector<KsymEntry> syms);
  static KsymIndex from_kallsyms(std::string_view text);
  // The symbol containing addr, or nullptr.
  const KsymEntry* find(uint64_t addr) const;
  bool empty() const { return syms_.empty(); }

 private:
  std::vector<KsymEntry> syms_;  // sorted by addr
};
const KsymIndex& kernel_ksyms();

}  // namespace qb
