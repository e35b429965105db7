#include "cli.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <optional>
#include <utility>

#include "progress.h"
#include "schema.h"

namespace qb {

namespace {

// A whole number from lo to hi. CLI11's Range says "Value x not in range"
// even of text that is no number; this names the value and the bounds.
CLI::Validator whole(long long lo, long long hi) {
  return CLI::Validator(
      [lo, hi](std::string& text) -> std::string {
        long long v = 0;
        auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (ec == std::errc() && p == text.data() + text.size() && v >= lo && v <= hi) return {};
        bool number = ec == std::errc::result_out_of_range || (ec == std::errc() && p == text.data() + text.size());
        return fmt::format("{} is {}; use {} to {}", text, number ? "out of range" : "not a whole number", lo, hi);
      },
      fmt::format("INT in [{} - {}]", lo, hi));
}

// A size in bytes, rewritten to its number: CLI11's AsSizeValue(false), so
// k, m, g and t are powers of 1024 in any case, with or without b or ib
// (4k, 4K, 4kb, 4KiB). Only decimal digits may come before the unit:
// AsSizeValue reads the number with strtoull, which would take "-1" (as
// 2^64-1), "0x10" and "010" (as 8), and map more than 20 digits to
// 2^64-1 without a word. Its own messages list its unit table; these name
// the value and what works, like whole()'s.
CLI::Validator size_value(uint64_t lo, uint64_t hi, std::string range) {
  CLI::AsSizeValue as_size(false);
  return CLI::Validator(
      [as_size, lo, hi, range](std::string& text) -> std::string {
        std::string bad = fmt::format("{} is not a size; use bytes or a k/m/g/t suffix (4k, 1g)", text);
        size_t digits = 0;
        while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) digits++;
        bool unit = std::all_of(text.begin() + static_cast<long>(digits), text.end(),
                                [](unsigned char c) { return std::isalpha(c); });
        size_t zeros = 0;
        while (zeros + 1 < digits && text[zeros] == '0') zeros++;
        if (digits == 0 || !unit || digits - zeros > 19) return bad;
        std::string bytes = text.substr(zeros);
        try {
          if (!as_size(bytes).empty()) return bad;
        } catch (const CLI::ValidationError&) {  // unknown unit, or past 2^64
          return bad;
        }
        uint64_t v = std::stoull(bytes);
        if (v < lo || v > hi) return fmt::format("{} is out of range; use {}", text, range);
        text = bytes;
        return {};
      },
      "");
}

// One item of --cpus (CLI11 splits the list at its commas): a CPU, or a
// range a-b of them.
std::optional<std::pair<int, int>> cpu_range(std::string_view item) {
  auto dash = item.find('-');
  std::string_view sa = item.substr(0, dash);
  std::string_view sb = dash == std::string_view::npos ? sa : item.substr(dash + 1);
  int a = 0, b = 0;
  auto r1 = std::from_chars(sa.data(), sa.data() + sa.size(), a);
  auto r2 = std::from_chars(sb.data(), sb.data() + sb.size(), b);
  if (item.empty() || r1.ec != std::errc() || r2.ec != std::errc() || r1.ptr != sa.data() + sa.size() ||
      r2.ptr != sb.data() + sb.size() || a < 0 || b < a || b >= CPU_SETSIZE)
    return std::nullopt;
  return std::pair{a, b};
}

std::string not_a_cpu(std::string_view item) {
  return fmt::format("{} is not a CPU or range; use a list like 0,2,4-7", item);
}

CLI::Validator cpu_item() {
  return CLI::Validator(
      [](std::string& item) -> std::string { return cpu_range(item) ? std::string() : not_a_cpu(item); }, "");
}

std::string unknown_path(std::string_view name) {
  return fmt::format("{} is not a path; known paths: {}", name, path_names());
}

std::vector<std::string> path_name_list() {
  std::vector<std::string> names;
  for (const auto* p : all_paths()) names.emplace_back(p->name);
  return names;
}

// CLI11's excludes() and needs() enforce the rule and show it in --help,
// but say only "--a excludes --b" or "--a requires --b". These sentences,
// keyed by CLI11's, say why and what to give instead (usage_message).
std::map<std::string, std::string>& explained() {
  static std::map<std::string, std::string> m;
  return m;
}

void excludes(CLI::Option* a, CLI::Option* b, const std::string& why) {
  a->excludes(b);
  explained()[a->get_name() + " excludes " + b->get_name()] = why;
  explained()[b->get_name() + " excludes " + a->get_name()] = why;
}

void needs(CLI::Option* a, CLI::Option* b, const std::string& why) {
  a->needs(b);
  explained()[a->get_name() + " requires " + b->get_name()] = why;
}

}  // namespace

// One of names, matched by CLI::IsMember. Its message ("x not in {a,b}")
// becomes one in the words of the others: the value, what it should be,
// and every accepted one.
CLI::Validator one_of(std::vector<std::string> names, std::string kind) {
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
  CLI::Validator member = CLI::IsMember(std::move(names));  // a plain copy: its func does the matching
  return CLI::Validator(
      [member, kind, list](std::string& value) -> std::string {
        std::string v = value;
        if (member(v).empty()) return {};
        return fmt::format("{} is not a {}; known {}s: {}", value, kind, kind, list);
      },
      "");
}

namespace {

void add_workload_options(CLI::App* sub, CliOptions& o) {
  sub->add_option("--device", o.device, "namespace block device (/dev/nvmeXnY), or a regular file for testing")
      ->required();
  sub->add_option("--ng-device", o.ng_device, "generic char device for the ng paths (default: derived via sysfs)");
  sub->add_option("--uq-device", o.uq_device,
                  "user queue char device /dev/nvmeXuqN for the uq paths (default: the controller's first "
                  "queue of the path's type, via sysfs)");
  sub->add_option("--rw", o.rw, "randread, randwrite, read, write or randrw")->capture_default_str();
  sub->add_option("--rwmixread", o.w.rwmixread, "percent reads for randrw")->check(whole(0, 100))->capture_default_str();
  sub->add_option("--bs", o.w.bs, "block size, a multiple of the LBA size (512, 4k, 128k; 1k = 1024)")
      ->transform(size_value(1, 1ULL << 30, "one LBA to 1g"), "")
      ->type_name("SIZE")
      ->default_str("4k");
  sub->add_option("--iodepth", o.w.iodepth, "I/Os in flight per thread")->check(whole(1, 65535))->capture_default_str();
  sub->add_option("--submit-batch", o.w.submit_batch, "I/Os per submit call")->check(whole(1, 65535))->capture_default_str();
  sub->add_option("--complete-batch", o.w.complete_batch, "completions waited for per reap call")
      ->check(whole(1, 65535))->capture_default_str();
  sub->add_flag("--fixed-buffers", o.w.fixed_buffers, "register the I/O buffers with io_uring");
  sub->add_flag("--registered-files", o.w.registered_files, "register the device fd with io_uring");
  sub->add_flag("--register-ring", o.w.register_ring, "register the ring fd (IORING_REGISTER_RING_FDS)");
  sub->add_flag("--sqpoll", o.w.sqpoll, "let a kernel thread poll the submission queue");
  sub->add_option("--offset", o.w.offset, "start of the range, bytes (k/m/g/t suffixes, 1k = 1024)")
      ->transform(size_value(0, UINT64_MAX, ""), "")
      ->type_name("SIZE")
      ->capture_default_str();
  sub->add_option("--size", o.w.size, "length of the range, bytes (k/m/g/t suffixes); 0: to the end")
      ->transform(size_value(0, UINT64_MAX, ""), "")
      ->type_name("SIZE")
      ->capture_default_str();
  auto* runtime = sub->add_option("--runtime", o.runtime_s, "measured seconds per run (default 10 when --ios is not given)");
  auto* ios = sub->add_option("--ios", o.w.ios, "total measured I/Os over all threads, instead of --runtime");
  excludes(runtime, ios, "--runtime and --ios both given; a run ends by time or by I/O count, give one");
  sub->add_option("--ramp", o.w.ramp_s, "seconds run before measuring, excluded from results")->check(CLI::Range(0.0, 3600.0));
  sub->add_option("--threads", o.w.threads, "threads, one ring each")->check(whole(1, 1024))->capture_default_str();
  sub->add_option("--cpus", o.cpus, "pin thread i to the i-th CPU of this list (0,2,4-7)")
      ->delimiter(',')
      ->check(cpu_item())
      ->type_name("CPUS");
  sub->add_option("--seed", o.w.seed, "seed of the LBA sequence; same seed, same sequence on every path")
      ->capture_default_str();
  sub->add_flag("--verify", o.w.verify, "stamp written blocks with LBA and seed and check them on read");
  sub->add_option("--json", o.json,
                  fmt::format("write the report to this file (schema reports/schema/nvme-qbench-report.v{})",
                              report_schema_version));
  sub->add_flag("--allow-destructive", o.allow_destructive,
                "write even to a device holding a file system, partition table or mount");
  sub->add_flag("--quiet", o.quiet, "no line per second");
  sub->add_option("--progress", o.progress,
                  "progress on stderr, like fio's ETA line (round, run, path, IOPS, seconds left): auto (tty on "
                  "a terminal, else run), tty (one line updated in place), run (a line per run), second (a line "
                  "per second) or off")
      ->capture_default_str();
  auto* probes = sub->add_flag("--probes{auto}", o.probes,
                "count polls and block-layer calls and profile the kernel during the measured window (BPF); "
                "--probes=required fails (exit 2) when they cannot run");
  needs(sub->add_flag("--probe-cost", o.probe_cost, "with --probes: also run each path without probes and report the cost"),
        probes, "--probe-cost needs --probes");
  sub->add_flag("--probes-verbose", o.probes_verbose, "let libbpf's messages through");
}

}  // namespace

void build_cli(CLI::App& app, CliOptions& o) {
  app.description("nvme-qbench: one workload over every NVMe I/O path (psync, block, ng passthrough)");
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("nvme-qbench ") + QB_VERSION);
  auto* run = app.add_subcommand("run", "run the workload over one path");
  add_workload_options(run, o);
  auto path = one_of(path_name_list(), "path");
  run->add_option("--path", o.path, "path: " + path_names())
      ->required()
      ->type_name("PATH")
      ->check(CLI::Validator(
          [path](std::string& name) -> std::string {
            if (name.find(',') != std::string::npos)
              return fmt::format("{} is several paths; run takes one, use compare --paths a,b,c for several", name);
            return path(name);
          },
          ""));
  run->callback([&o] { o.command = "run"; });

  auto* cmp = app.add_subcommand("compare", "run the workload over several paths, interleaved for N rounds");
  add_workload_options(cmp, o);
  cmp->add_option("--paths", o.paths, "comma list of paths: " + path_names())->required()->delimiter(',')->check(path)->type_name("PATHS");
  cmp->add_option("--baseline", o.baseline, "path the ratios are relative to (default: the first)");
  cmp->add_option("--rounds", o.rounds, "rounds of A B C ...")->check(whole(1, 1000))->capture_default_str();
  auto* ceiling = cmp->add_option("--ceiling", o.ceiling,
                                  "comma list of paths run first in every round to measure the device's ceiling "
                                  "(reported apart, not counted as paths; e.g. ng-poll)")
                      ->delimiter(',')
                      ->check(path)
                      ->type_name("PATHS");
  needs(cmp->add_option("--ceiling-iodepth", o.ceiling_iodepth, "iodepth of the ceiling runs (default: --iodepth)")
            ->check(whole(1, 65535)),
        ceiling, "--ceiling-iodepth applies to the runs of --ceiling PATHS; give --ceiling");
  needs(cmp->add_option("--ceiling-batch", o.ceiling_batch,
                        "submit and complete batch of the ceiling runs (default: the workload's)")
            ->check(whole(1, 65535)),
        ceiling, "--ceiling-batch applies to the runs of --ceiling PATHS; give --ceiling");
  cmp->callback([&o] { o.command = "compare"; });

  auto* list = app.add_subcommand("list", "list NVMe controllers, namespaces, ng devices and what each path needs");
  list->add_option("--json", o.json, "also write the inventory as JSON to this file");
  list->callback([&o] { o.command = "list"; });
  add_report_commands(app, o.report, o.command);
}

namespace {

// The options given as text: --rw, and the items of --cpus (checked by
// CLI11, expanded here).
Result<void> parse_values(CliOptions& o) {
  auto rw = parse_rw(o.rw);
  if (!rw) return rw.error();
  o.w.rw = *rw;
  o.w.cpus.clear();
  for (const auto& item : o.cpus) {
    auto r = cpu_range(item);
    if (!r) return usage_error("--cpus: " + not_a_cpu(item));
    for (int c = r->first; c <= r->second; c++) o.w.cpus.push_back(c);
  }
  return Ok{};
}

// The workload's options against each other.
Result<void> check_workload(CliOptions& o) {
  if (o.runtime_s == 0 || (o.runtime_s > 0 && o.runtime_s < 0.001))
    return usage_error("--runtime must be positive; give seconds, e.g. --runtime 10");
  o.w.runtime_s = o.w.ios > 0 ? 0 : (o.runtime_s > 0 ? o.runtime_s : 10.0);
  if (o.w.ios > 0 && o.w.ios < o.w.threads)
    return usage_error(fmt::format("--ios {} is fewer than --threads {}; every thread needs at least one I/O",
                                   o.w.ios, o.w.threads));
  if (o.w.submit_batch > o.w.iodepth)
    return usage_error(fmt::format("--submit-batch {} exceeds --iodepth {}; use at most {}", o.w.submit_batch,
                                   o.w.iodepth, o.w.iodepth));
  if (o.w.complete_batch > o.w.iodepth)
    return usage_error(fmt::format("--complete-batch {} exceeds --iodepth {}; use at most {}", o.w.complete_batch,
                                   o.w.iodepth, o.w.iodepth));
  if (o.w.verify && o.w.rw == RwMode::randrw)
    return usage_error("--verify with --rw randrw: reads could meet blocks not yet written; verify with write or "
                       "randwrite (read back after), or read/randread of blocks written with the same --seed");
  if (!o.probes.empty() && o.probes != "auto" && o.probes != "required")
    return usage_error(fmt::format("--probes={}: use --probes (on when possible) or --probes=required", o.probes));
  if (auto m = parse_progress_mode(o.progress, false); !m) return m.error();
  if (o.w.rw != RwMode::randrw && o.w.rwmixread != 50)
    return usage_error(fmt::format("--rwmixread applies only to --rw randrw (got --rw {})", o.rw));
  return Ok{};
}

// The paths, and the options that apply to some paths only.
Result<void> check_paths(CliOptions& o) {
  auto paths = selected_paths(o);
  if (!paths) return paths.error();
  if (o.command == "run" && !(*paths)[0]->io_uring &&
      (o.w.fixed_buffers || o.w.registered_files || o.w.register_ring || o.w.sqpoll))
    return usage_error("psync does not use io_uring: --fixed-buffers, --registered-files, --register-ring and "
                       "--sqpoll apply to the block and ng paths");
  // In the lab an SQPOLL ring's commands on a user queue never completed
  // and the run hung (tests/lab/tool-matrix.sh); refuse before any I/O.
  for (const auto* p : *paths)
    if (o.w.sqpoll && p->user_queue)
      return usage_error(fmt::format("{}: --sqpoll is not supported on the user queues: with an SQPOLL ring their "
                                     "commands do not complete on this kernel series and the run hangs; drop "
                                     "--sqpoll, or use it with ng-irq or ng-poll", p->name));
  if (!o.uq_device.empty()) {
    bool uq = false;
    for (const auto* p : *paths) uq |= p->user_queue;
    if (!uq) return usage_error("--uq-device applies only to the uq paths (uq-irq, uq-poll, uq-poll-check)");
    bool irq = false, poll = false;
    for (const auto* p : *paths)
      if (p->user_queue) (p->poll ? poll : irq) = true;
    if (irq && poll)
      return usage_error("--uq-device names one queue, of one type, but --paths has uq paths of both types "
                         "(irq and poll); leave it out to use the first queue of each type, or compare one type");
  }
  if (!o.ceiling.empty()) {
    auto c = find_paths(o.ceiling, "--ceiling");
    if (!c) return c.error();
  }
  if (o.command == "compare") {
    if (o.baseline.empty()) o.baseline = std::string((*paths)[0]->name);
    bool found = false;
    for (const auto* p : *paths) found |= p->name == o.baseline;
    if (!found)
      return usage_error(fmt::format("--baseline {} is not one of --paths {}", o.baseline, fmt::join(o.paths, ",")));
  }
  return Ok{};
}

}  // namespace

Result<void> validate_options(CliOptions& o) {
  auto r = parse_values(o);
  if (r) r = check_workload(o);
  if (r) r = check_paths(o);
  return r;
}

// CLI11 has checked each name (one_of) but not that none comes twice: a
// validator sees one item of a list at a time.
Result<std::vector<const PathInfo*>> find_paths(const std::vector<std::string>& names, std::string_view opt) {
  // "--paths ," leaves CLI11 no item at all.
  if (names.empty()) return usage_error(fmt::format("{}: no path given; known paths: {}", opt, path_names()));
  std::vector<const PathInfo*> out;
  for (const auto& name : names) {
    const PathInfo* p = find_path(name);
    if (!p) return usage_error(fmt::format("{}: {}", opt, unknown_path(name)));
    if (std::find(out.begin(), out.end(), p) != out.end())
      return usage_error(fmt::format("{}: {} is listed twice", opt, name));
    out.push_back(p);
  }
  return out;
}

Result<std::vector<const PathInfo*>> selected_paths(const CliOptions& o) {
  if (o.command == "run") return find_paths({o.path}, "--path");
  return find_paths(o.paths, "--paths");
}

std::string usage_message(const CLI::App& app, const CLI::ParseError& e) {
  // The subcommand's callback has not run yet: name the one CLI11 saw.
  auto subs = app.get_subcommands();
  std::string help = subs.empty() ? "--help" : subs.back()->get_name() + " --help";
  auto why = explained().find(e.what());
  return fmt::format("{}; see nvme-qbench {}", why == explained().end() ? e.what() : why->second, help);
}

WorkloadOptions ceiling_workload(const CliOptions& o) {
  WorkloadOptions w = o.w;
  if (o.ceiling_iodepth) w.iodepth = o.ceiling_iodepth;
  if (o.ceiling_batch) w.submit_batch = w.complete_batch = o.ceiling_batch;
  w.submit_batch = std::min(w.submit_batch, w.iodepth);
  w.complete_batch = std::min(w.complete_batch, w.iodepth);
  return w;
}

Result<void> validate_for_device(CliOptions& o, const DeviceInfo& dev) {
  WorkloadOptions& w = o.w;
  uint32_t lba = dev.lba_size;
  if (w.bs % lba)
    return usage_error(fmt::format("--bs {}: not a multiple of {}'s LBA size {}; use {} or a multiple", w.bs,
                                   dev.path, lba, lba));
  if (w.offset % lba)
    return usage_error(fmt::format("--offset {}: not a multiple of the LBA size {}", w.offset, lba));
  if (w.offset >= dev.size_bytes)
    return usage_error(fmt::format("--offset {} is beyond the end of {} ({} bytes)", w.offset, dev.path,
                                   dev.size_bytes));
  uint64_t avail = dev.size_bytes - w.offset;
  if (w.size == 0) w.size = avail;
  if (w.size > avail)
    return usage_error(fmt::format("--offset {} + --size {} exceeds {} ({} bytes); use --size {} or less", w.offset,
                                   w.size, dev.path, dev.size_bytes, avail));
  if (w.size < w.bs)
    return usage_error(fmt::format("--size {} is smaller than --bs {}", w.size, w.bs));
  return Ok{};
}

}  // namespace qb
