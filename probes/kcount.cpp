#include "kcount.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "kcount.skel.h"
#include "kfuncs.h"

namespace qb {

namespace {

struct ProgPair {
  const char* name;
  bool poll;
  struct bpf_program* fentry;  // fentry or fexit
  struct bpf_program* kprobe;  // kprobe or kretprobe
};

std::vector<ProgPair> prog_table(::kcount* s) {
  std::vector<ProgPair> t(QB_KFUNC_MAX);
#define QB_POLL_ROW(id, fn) t[id] = ProgPair{#fn, true, s->progs.fx_##fn, s->progs.kr_##fn};
#define QB_CALL_ROW(id, fn) t[id] = ProgPair{#fn, false, s->progs.fe_##fn, s->progs.kp_##fn};
  QB_KFUNCS(QB_POLL_ROW, QB_CALL_ROW)
#undef QB_POLL_ROW
#undef QB_CALL_ROW
  return t;
}

int quiet_print(enum libbpf_print_level, const char*, va_list) { return 0; }
int verbose_print(enum libbpf_print_level, const char* fmt, va_list ap) { return vfprintf(stderr, fmt, ap); }

}  // namespace

KCount::~KCount() {
  detach();
  if (skel_) kcount__destroy(skel_);
}

Result<std::unique_ptr<KCount>> KCount::load(uint32_t tgid, const KernelFacts& facts, bool verbose) {
  libbpf_set_print(verbose ? verbose_print : quiet_print);
  std::unique_ptr<KCount> kc(new KCount);
  std::vector<AttachDecision> dec;
  {
    ::kcount* probe = kcount__open();
    if (!probe) return runtime_error(fmt::format("failed to open the kcount BPF object: {}", strerror(errno)), errno);
    for (const auto& p : prog_table(probe)) dec.push_back(decide_attach(p.name, facts));
    kcount__destroy(probe);
  }
  // Two tries: as decided, then (if a fentry program failed to load, e.g. a
  // kernel before bpf_get_func_ret(), Linux 5.17) kprobes everywhere.
  for (int attempt = 0; attempt < 2; attempt++) {
    ::kcount* s = kcount__open();
    if (!s) return runtime_error(fmt::format("failed to open the kcount BPF object: {}", strerror(errno)), errno);
    s->rodata->targ_tgid = tgid;
    auto table = prog_table(s);
    bool any_fentry = false;
    for (size_t i = 0; i < table.size(); i++) {
      bpf_program__set_autoload(table[i].fentry, dec[i].kind == AttachKind::fentry);
      bpf_program__set_autoload(table[i].kprobe, dec[i].kind == AttachKind::kprobe);
      any_fentry |= dec[i].kind == AttachKind::fentry;
    }
    int err = kcount__load(s);
    if (err == 0) {
      kc->skel_ = s;
      for (size_t i = 0; i < table.size(); i++) {
        KFuncCount f;
        f.name = table[i].name;
        f.poll = table[i].poll;
        f.attach = dec[i].kind;
        f.note = dec[i].reason;
        kc->funcs_.push_back(std::move(f));
      }
      return kc;
    }
    kcount__destroy(s);
    if (err == -EPERM || err == -EACCES || !any_fentry || attempt == 1)
      return runtime_error(fmt::format("failed to load the kcount BPF programs: {}", strerror(-err)), -err);
    std::string why = fmt::format("fentry programs failed to load ({}); kprobe instead", strerror(-err));
    for (auto& d : dec)
      if (d.kind == AttachKind::fentry) d = AttachDecision{AttachKind::kprobe, why};
  }
  return runtime_error("failed to load the kcount BPF programs", EINVAL);
}

void KCount::attach() {
  detach();
  int fd = bpf_map__fd(skel_->maps.counts);
  int ncpu = libbpf_num_possible_cpus();
  std::vector<qb_kcount> zero(ncpu > 0 ? ncpu : 1);
  for (uint32_t i = 0; i < QB_KFUNC_MAX; i++) bpf_map_update_elem(fd, &i, zero.data(), BPF_ANY);
  auto table = prog_table(skel_);
  for (size_t i = 0; i < table.size(); i++) {
    KFuncCount& f = funcs_[i];
    if (f.attach == AttachKind::none) continue;
    bpf_program* p = f.attach == AttachKind::fentry ? table[i].fentry : table[i].kprobe;
    bpf_link* l = bpf_program__attach(p);
    if (!l) {
      int e = errno;
      f.note = fmt::format("{} attach failed: {}{}{}", attach_kind_name(f.attach), strerror(e),
                           f.note.empty() ? "" : "; fentry not used: ", f.note);
      f.attach = AttachKind::none;
      continue;
    }
    links_.push_back(l);
  }
}

void KCount::detach() {
  for (auto* l : links_) bpf_link__destroy(l);
  links_.clear();
}

std::vector<KFuncCount> KCount::read() const {
  std::vector<KFuncCount> out = funcs_;
  int fd = bpf_map__fd(skel_->maps.counts);
  int ncpu = libbpf_num_possible_cpus();
  std::vector<qb_kcount> v(ncpu > 0 ? ncpu : 1);
  for (uint32_t i = 0; i < QB_KFUNC_MAX; i++) {
    if (bpf_map_lookup_elem(fd, &i, v.data()) != 0) continue;
    for (const auto& c : v) {
      out[i].calls += c.calls;
      out[i].empty += c.empty;
      out[i].other_calls += c.other_calls;
      out[i].other_empty += c.other_empty;
    }
  }
  return out;
}

}  // namespace qb
