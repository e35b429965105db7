#include "trace_helpers.h"

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <fstream>
#include <mutex>
#include <sstream>

namespace qb {

namespace {

std::optional<std::string> slurp(const char* path) {
  std::ifstream f(path);
  if (!f) return std::nullopt;
  std::ostringstream s;
  s << f.rdbuf();
  if (f.bad()) return std::nullopt;
  return s.str();
}

template <class F>
void for_each_line(std::string_view text, F&& f) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    f(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
}

// Splits "a b\tc" into at most n fields.
std::vector<std::string_view> fields(std::string_view line, size_t n) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (out.size() < n) {
    pos = line.find_first_not_of(" \t", pos);
    if (pos == std::string_view::npos) break;
    size_t end = line.find_first_of(" \t", pos);
    if (end == std::string_view::npos) end = line.size();
    out.push_back(line.substr(pos, end - pos));
    pos = end;
  }
  return out;
}

// Functions known to be absent on some kernels, with the reason and the
// kernel version or source behind it.
struct KnownAbsence {
  std::string_view fn;
  std::string_view why;
};
constexpr KnownAbsence known_absences[] = {
    {"__rcu_read_lock", "exists only with CONFIG_PREEMPT_RCU (kernel/rcu/tree_plugin.h); otherwise rcu_read_lock() "
                        "is an inline preempt_disable()"},
    {"__rcu_read_unlock", "exists only with CONFIG_PREEMPT_RCU (kernel/rcu/tree_plugin.h); otherwise "
                          "rcu_read_unlock() is an inline preempt_enable()"},
    {"blkg_lookup_create", "static in block/blk-cgroup.c with one caller, bio_associate_blkg_from_css(), into which "
                           "it is inlined on 6.12; its cost shows there"},
    {"blk_mq_poll_classic", "gone from block/blk-mq.c by 6.12: blk_mq_poll() and blk_rq_poll() call "
                            "blk_hctx_poll()"},
    {"nvme_uq_iopoll", "the user-queue poll function of kernel-patch/0003; the running kernel does not carry the "
                       "user-queue series"},
    {"nvme_poll_cq", "static inline in drivers/nvme/host/pci.c; the compiler may inline every call"},
};

// fentry is refused for these by the verifier's btf_id_deny list
// (kernel/bpf/verifier.c, Linux 5.19): the trampoline itself calls them.
constexpr std::string_view fentry_denied[] = {"__rcu_read_lock", "__rcu_read_unlock", "migrate_disable",
                                              "migrate_enable", "rcu_read_unlock_strict",
                                              "preempt_count_add", "preempt_count_sub"};

KernelFacts read_kernel_facts() {
  KernelFacts f;
  if (auto t = slurp("/proc/kallsyms")) parse_kallsyms(*t, f);
  for (const char* p : {"/sys/kernel/tracing/available_filter_functions",
                        "/sys/kernel/debug/tracing/available_filter_functions"})
    if (auto t = slurp(p); t && !t->empty()) {
      f.ftrace_functions = parse_function_list(*t);
      break;
    }
  if (auto t = slurp("/sys/kernel/debug/kprobes/blacklist")) f.kprobe_blacklist = parse_function_list(*t);
  // libbpf's own lookup: /sys/kernel/btf/vmlinux, then vmlinux files.
  struct btf* btf = btf__load_vmlinux_btf();
  if (!btf) {
    f.btf_error = "no kernel BTF (/sys/kernel/btf/vmlinux; CONFIG_DEBUG_INFO_BTF)";
  } else {
    NameSet names;
    uint32_t n = btf__type_cnt(btf);
    for (uint32_t id = 1; id < n; id++) {
      const struct btf_type* t = btf__type_by_id(btf, id);
      if (btf_kind(t) == BTF_KIND_FUNC) names.insert(btf__name_by_offset(btf, t->name_off));
    }
    btf__free(btf);
    f.btf_functions = std::move(names);
  }
  return f;
}

}  // namespace

void parse_kallsyms(std::string_view text, KernelFacts& out) {
  for_each_line(text, [&](std::string_view line) {
    auto fs = fields(line, 3);
    if (fs.size() < 3 || fs[1].size() != 1) return;
    char type = fs[1][0];
    if (type != 't' && type != 'T' && type != 'w' && type != 'W') return;
    std::string_view name = fs[2];
    auto dot = name.find('.');
    if (dot != std::string_view::npos && dot > 0) {
      out.clones.emplace(std::string(name.substr(0, dot)), std::string(name));
      return;
    }
    out.text_symbols.emplace(name);
  });
}

NameSet parse_function_list(std::string_view text) {
  NameSet out;
  for_each_line(text, [&](std::string_view line) {
    auto fs = fields(line, 2);
    if (fs.empty()) return;
    std::string_view name = fs[0];
    // kprobes/blacklist lines are "0xstart-0xend\tname".
    if (name.rfind("0x", 0) == 0 && fs.size() > 1) name = fs[1];
    out.emplace(name);
  });
  return out;
}

const KernelFacts& kernel_facts() {
  static std::once_flag once;
  static KernelFacts facts;
  std::call_once(once, [] {
    libbpf_print_fn_t old = libbpf_set_print(nullptr);  // BTF lookup failures are reported by us
    facts = read_kernel_facts();
    libbpf_set_print(old);
  });
  return facts;
}

const char* attach_kind_name(AttachKind k) {
  switch (k) {
    case AttachKind::fentry: return "fentry";
    case AttachKind::kprobe: return "kprobe";
    case AttachKind::none: break;
  }
  return "none";
}

AttachDecision decide_attach(std::string_view fn, const KernelFacts& facts) {
  std::string name(fn);
  if (!facts.text_symbols.count(name)) {
    std::string why = "not in /proc/kallsyms: inlined, renamed or not built on this kernel";
    for (const auto& k : known_absences)
      if (k.fn == fn) why = "not in /proc/kallsyms: " + std::string(k.why);
    if (auto c = facts.clones.find(name); c != facts.clones.end())
      why = "only the compiler's clone " + c->second + " exists; callers of the original name are inlined copies";
    return {AttachKind::none, why};
  }
  if (facts.kprobe_blacklist && facts.kprobe_blacklist->count(name))
    return {AttachKind::none, "in /sys/kernel/debug/kprobes/blacklist and not traceable by fentry"};
  // fentry needs BTF for the function and an ftrace site for the BPF
  // trampoline (Linux 5.5, commit fec56f5890d9); otherwise a kprobe.
  for (auto d : fentry_denied)
    if (d == fn) return {AttachKind::kprobe, "fentry refused for it (verifier btf_id_deny, Linux 5.19)"};
  if (!facts.btf_functions)
    return {AttachKind::kprobe, facts.btf_error.empty() ? "no kernel BTF" : facts.btf_error};
  if (!facts.btf_functions->count(name)) return {AttachKind::kprobe, "no BTF for this function"};
  if (facts.ftrace_functions && !facts.ftrace_functions->count(name))
    return {AttachKind::kprobe, "not in available_filter_functions (no ftrace site for a trampoline)"};
  return {AttachKind::fentry, ""};
}

KsymIndex::KsymIndex(std::vector<KsymEntry> syms) : syms_(std::move(syms)) {
  std::sort(syms_.begin(), syms_.end(), [](const KsymEntry& a, const KsymEntry& b) { return a.addr < b.addr; });
}

KsymIndex KsymIndex::from_kallsyms(std::string_view text) {
  std::vector<KsymEntry> syms;
  for_each_line(text, [&](std::string_view line) {
    auto fs = fields(line, 3);
    if (fs.size() < 3 || fs[1].size() != 1) return;
    char type = fs[1][0];
    if (type != 't' && type != 'T' && type != 'w' && type != 'W') return;
    uint64_t addr = 0;
    auto r = std::from_chars(fs[0].data(), fs[0].data() + fs[0].size(), addr, 16);
    if (r.ec != std::errc() || addr == 0) return;  // zero: addresses hidden (kptr_restrict)
    syms.push_back(KsymEntry{addr, std::string(fs[2])});
  });
  return KsymIndex(std::move(syms));
}

const KsymEntry* KsymIndex::find(uint64_t addr) const {
  auto it = std::upper_bound(syms_.begin(), syms_.end(), addr,
                             [](uint64_t a, const KsymEntry& s) { return a < s.addr; });
  if (it == syms_.begin()) return nullptr;
  // kallsyms has no sizes: an address far past the last symbol below it
  // (beyond the kernel text, a JIT image not listed) is unknown.
  if (addr - (it - 1)->addr > (1u << 20)) return nullptr;
  return &*(it - 1);
}

const KsymIndex& kernel_ksyms() {
  static std::once_flag once;
  static std::optional<KsymIndex> idx;
  std::call_once(once, [] { idx.emplace(KsymIndex::from_kallsyms(slurp("/proc/kallsyms").value_or(""))); });
  return *idx;
}

}  // namespace qb
