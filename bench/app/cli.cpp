#include "cli.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>

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

void add_workload_options(CLI::App* sub, CliOptions& o) {
  sub->add_option("--device", o.device, "namespace block device (/dev/nvmeXnY), or a regular file for testing")
      ->required();
  sub->add_option("--ng-device", o.ng_device, "generic char device for the ng paths (default: derived via sysfs)");
  sub->add_option("--uq-device", o.uq_device,
                  "user queue char device /dev/nvmeXuqN for the uq paths (default: the controller's first "
                  "queue of the path's type, via sysfs)");
  sub->add_option("--rw", o.rw, "randread, randwrite, read, write or randrw")->capture_default_str();
  sub->add_option("--rwmixread", o.w.rwmixread, "percent reads for randrw")->check(whole(0, 100))->capture_default_str();
  sub->add_option("--bs", o.bs, "block size, a multiple of the LBA size (512, 4k, 128k)")->capture_default_str();
  sub->add_option("--iodepth", o.w.iodepth, "I/Os in flight per thread")->check(whole(1, 65535))->capture_default_str();
  sub->add_option("--submit-batch", o.w.submit_batch, "I/Os per submit call")->check(whole(1, 65535))->capture_default_str();
  sub->add_option("--complete-batch", o.w.complete_batch, "completions waited for per reap call")
      ->check(whole(1, 65535))->capture_default_str();
  sub->add_flag("--fixed-buffers", o.w.fixed_buffers, "register the I/O buffers with io_uring");
  sub->add_flag("--registered-files", o.w.registered_files, "register the device fd with io_uring");
  sub->add_flag("--register-ring", o.w.register_ring, "register the ring fd (IORING_REGISTER_RING_FDS)");
  sub->add_flag("--sqpoll", o.w.sqpoll, "let a kernel thread poll the submission queue");
  sub->add_option("--offset", o.offset, "start of the range, bytes (k/m/g suffixes)")->capture_default_str();
  sub->add_option("--size", o.size, "length of the range, bytes; 0: to the end")->capture_default_str();
  sub->add_option("--runtime", o.runtime_s, "measured seconds per run (default 10 when --ios is not given)");
  sub->add_option("--ios", o.w.ios, "total measured I/Os over all threads, instead of --runtime");
  sub->add_option("--ramp", o.w.ramp_s, "seconds run before measuring, excluded from results")->check(CLI::Range(0.0, 3600.0));
  sub->add_option("--threads", o.w.threads, "threads, one ring each")->check(whole(1, 1024))->capture_default_str();
  sub->add_option("--cpus", o.cpus, "pin thread i to the i-th CPU of this list (0,2,4-7)");
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
  sub->add_flag("--probes{auto}", o.probes,
                "count polls and block-layer calls and profile the kernel during the measured window (BPF); "
                "--probes=required fails (exit 2) when they cannot run");
  sub->add_flag("--probe-cost", o.probe_cost, "with --probes: also run each path without probes and report the cost");
  sub->add_flag("--probes-verbose", o.probes_verbose, "let libbpf's messages through");
}

}  // namespace

void build_cli(CLI::App& app, CliOptions& o) {
  app.description("nvme-qbench: one workload over every NVMe I/O path (psync, block, ng passthrough)");
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("nvme-qbench ") + QB_VERSION);
  auto* run = app.add_subcommand("run", "run the workload over one path");
  add_workload_options(run, o);
  run->add_option("--path", o.path, "path: " + path_names())->required();
  run->callback([&o] { o.command = "run"; });

  auto* cmp = app.add_subcommand("compare", "run the workload over several paths, interleaved for N rounds");
  add_workload_options(cmp, o);
  cmp->add_option("--paths", o.paths, "comma list of paths: " + path_names())->required();
  cmp->add_option("--baseline", o.baseline, "path the ratios are relative to (default: the first)");
  cmp->add_option("--rounds", o.rounds, "rounds of A B C ...")->check(whole(1, 1000))->capture_default_str();
  cmp->add_option("--ceiling", o.ceiling,
                  "comma list of paths run first in every round to measure the device's ceiling (reported "
                  "apart, not counted as paths; e.g. ng-poll)");
  cmp->add_option("--ceiling-iodepth", o.ceiling_iodepth, "iodepth of the ceiling runs (default: --iodepth)")
      ->check(whole(1, 65535));
  cmp->add_option("--ceiling-batch", o.ceiling_batch,
                  "submit and complete batch of the ceiling runs (default: the workload's)")
      ->check(whole(1, 65535));
  cmp->callback([&o] { o.command = "compare"; });

  auto* list = app.add_subcommand("list", "list NVMe controllers, namespaces, ng devices and what each path needs");
  list->add_option("--json", o.json, "also write the inventory as JSON to this file");
  list->callback([&o] { o.command = "list"; });
  add_report_commands(app, o.report, o.command);
}

Result<uint64_t> parse_size(std::string_view text, std::string_view option) {
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  std::string_view rest(p, static_cast<size_t>(text.data() + text.size() - p));
  uint64_t mul = 1;
  if (rest.size() == 1 || (rest.size() == 2 && (rest[1] == 'b' || rest[1] == 'B')) ||
      (rest.size() == 3 && (rest.substr(1) == "iB" || rest.substr(1) == "ib"))) {
    switch (std::tolower(static_cast<unsigned char>(rest[0]))) {
      case 'k': mul = 1ULL << 10; break;
      case 'm': mul = 1ULL << 20; break;
      case 'g': mul = 1ULL << 30; break;
      case 't': mul = 1ULL << 40; break;
      default: mul = 0;
    }
    rest = {};
  }
  if (ec != std::errc() || !rest.empty() || mul == 0 || (v && v * mul / mul != v))
    return usage_error(fmt::format("{} {}: not a size; use bytes or a k/m/g/t suffix (4k, 1g)", option, text));
  return v * mul;
}

Result<std::vector<int>> parse_cpu_list(std::string_view text) {
  std::vector<int> out;
  size_t pos = 0;
  while (pos <= text.size() && !text.empty()) {
    size_t comma = text.find(',', pos);
    std::string_view item = text.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
    int a = 0, b = 0;
    auto dash = item.find('-');
    std::string_view sa = item.substr(0, dash);
    std::string_view sb = dash == std::string_view::npos ? sa : item.substr(dash + 1);
    auto r1 = std::from_chars(sa.data(), sa.data() + sa.size(), a);
    auto r2 = std::from_chars(sb.data(), sb.data() + sb.size(), b);
    if (item.empty() || r1.ec != std::errc() || r2.ec != std::errc() || r1.ptr != sa.data() + sa.size() ||
        r2.ptr != sb.data() + sb.size() || a < 0 || b < a || b >= CPU_SETSIZE)
      return usage_error(fmt::format("--cpus {}: \"{}\" is not a CPU or range; use a list like 0,2,4-7", text, item));
    for (int c = a; c <= b; c++) out.push_back(c);
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return out;
}

namespace {

// The options given as text: --rw, the sizes, --cpus.
Result<void> parse_values(CliOptions& o) {
  auto rw = parse_rw(o.rw);
  if (!rw) return rw.error();
  o.w.rw = *rw;
  auto bs = parse_size(o.bs, "--bs");
  if (!bs) return bs.error();
  if (*bs == 0 || *bs > (1u << 30))
    return usage_error(fmt::format("--bs {}: must be between one LBA and 1g", o.bs));
  o.w.bs = static_cast<uint32_t>(*bs);
  auto off = parse_size(o.offset, "--offset");
  if (!off) return off.error();
  o.w.offset = *off;
  auto size = parse_size(o.size, "--size");
  if (!size) return size.error();
  o.w.size = *size;
  if (!o.cpus.empty()) {
    auto cpus = parse_cpu_list(o.cpus);
    if (!cpus) return cpus.error();
    o.w.cpus = *cpus;
  }
  return Ok{};
}

// The workload's options against each other.
Result<void> check_workload(CliOptions& o) {
  if (o.runtime_s >= 0 && o.w.ios > 0)
    return usage_error("--runtime and --ios both given; a run ends by time or by I/O count, give one");
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
  if (o.probe_cost && o.probes.empty()) return usage_error("--probe-cost needs --probes");
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
    auto c = parse_path_list(o.ceiling, "--ceiling");
    if (!c) return c.error();
  } else if (o.ceiling_iodepth || o.ceiling_batch) {
    return usage_error("--ceiling-iodepth and --ceiling-batch apply to the runs of --ceiling PATHS; give --ceiling");
  }
  if (o.command == "compare") {
    if (o.baseline.empty()) o.baseline = std::string((*paths)[0]->name);
    bool found = false;
    for (const auto* p : *paths) found |= p->name == o.baseline;
    if (!found)
      return usage_error(fmt::format("--baseline {} is not one of --paths {}", o.baseline, o.paths));
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

Result<std::vector<const PathInfo*>> parse_path_list(std::string_view list, std::string_view opt) {
  std::vector<const PathInfo*> out;
  size_t pos = 0;
  for (;;) {
    size_t comma = list.find(',', pos);
    std::string_view name = list.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
    const PathInfo* p = find_path(name);
    if (!p) {
      return usage_error(fmt::format("{} {}: unknown path; known paths: {}", opt, name, path_names()));
    }
    for (const auto* q : out)
      if (q == p) return usage_error(fmt::format("{}: {} is listed twice", opt, name));
    out.push_back(p);
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return out;
}

Result<std::vector<const PathInfo*>> selected_paths(const CliOptions& o) {
  auto out = parse_path_list(o.command == "run" ? o.path : o.paths, o.command == "run" ? "--path" : "--paths");
  if (out && o.command == "run" && out->size() != 1)
    return usage_error("--path takes one path; use compare --paths a,b,c for several");
  return out;
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
