#include "reproduction.h"

#include <fmt/format.h>

#include <cmath>

namespace qb {

namespace {

// fio reads a time as a whole number with a unit (its parser takes no
// fraction): whole seconds as they are, else milliseconds.
std::string fio_time(double seconds) {
  return seconds == std::floor(seconds) ? fmt::format("{:.0f}", seconds)
                                        : fmt::format("{:.0f}ms", std::round(seconds * 1000));
}

std::string cpu_list(const std::vector<int>& cpus) {
  std::string s;
  for (int c : cpus) s += (s.empty() ? "" : ",") + std::to_string(c);
  return s;
}

// fio's engine for the path: psync without io_uring, io_uring_cmd for NVMe
// passthrough (ng and the user queues), io_uring on the block device.
void add_engine(const PathSetup& s, Options& o) {
  if (!s.io_uring) {
    o.emplace_back("ioengine", "psync");
  } else if (s.passthrough) {
    o.emplace_back("ioengine", "io_uring_cmd");
    o.emplace_back("cmd_type", "nvme");
  } else {
    o.emplace_back("ioengine", "io_uring");
  }
  // The block paths open the device O_DIRECT; passthrough has no page cache.
  if (!s.passthrough) o.emplace_back("direct", "1");
}

void add_ring_options(const ReportData& r, const PathSetup& s, const PathAggregate& p, Options& o) {
  if (!s.io_uring) return;
  o.emplace_back("iodepth_batch_submit", std::to_string(s.submit_batch));
  // nvme-qbench waits for complete_batch completions, then takes all the CQ
  // holds: fio's nearest is at least that many, at most the depth.
  o.emplace_back("iodepth_batch_complete_min", std::to_string(s.complete_batch));
  o.emplace_back("iodepth_batch_complete_max", std::to_string(s.iodepth));
  if (r.fixed_buffers) o.emplace_back("fixedbufs", "1");
  if (r.registered_files) o.emplace_back("registerfiles", "1");
  if (p.poll) o.emplace_back("hipri", "1");
  if (r.sqpoll) o.emplace_back("sqthread_poll", "1");
}

void add_duration(const ReportData& r, Options& o) {
  if (r.runtime_s > 0) {
    o.emplace_back("time_based", "1");
    o.emplace_back("runtime", fio_time(r.runtime_s));
  } else if (r.ios > 0) {
    // fio counts I/Os per job, and stops at size unless io_size says how
    // much to do; the report's count is the run's.
    auto threads = static_cast<uint64_t>(std::max(r.threads, 1));
    uint64_t per_job = (r.ios + threads - 1) / threads;
    o.emplace_back("io_size", std::to_string(per_job * r.bs));
    o.emplace_back("number_ios", std::to_string(per_job));
  }
  if (r.ramp_s > 0) o.emplace_back("ramp_time", fio_time(r.ramp_s));
}

bool random_offsets(const ReportData& r) { return r.rw == "randread" || r.rw == "randwrite" || r.rw == "randrw"; }

// Each thread of nvme-qbench works in its own slice of [offset, offset +
// size), whole blocks, as split_range cuts them; fio's jobs each cover
// what their size and offset say.
uint64_t thread_slice_bytes(const ReportData& r) {
  auto threads = static_cast<uint64_t>(std::max(r.threads, 1));
  return r.bs ? r.size / r.bs / threads * r.bs : 0;
}

Options global_options(const ReportData& r, const PathAggregate& p) {
  const PathSetup& s = p.setup;
  Options o;
  add_engine(s, o);
  o.emplace_back("rw", r.rw);
  if (r.rw == "randrw" || r.rw == "rw") o.emplace_back("rwmixread", std::to_string(r.rwmixread));
  o.emplace_back("bs", std::to_string(r.bs));
  o.emplace_back("iodepth", std::to_string(s.iodepth));
  add_ring_options(r, s, p, o);
  if (r.offset) o.emplace_back("offset", std::to_string(r.offset));
  if (r.size) o.emplace_back("size", std::to_string(r.threads > 1 ? thread_slice_bytes(r) : r.size));
  // nvme-qbench draws random blocks with replacement; fio's random map would
  // read each once a pass, and costs CPU on every I/O.
  if (random_offsets(r)) o.emplace_back("norandommap", "1");
  add_duration(r, o);
  // One thread per ring, as nvme-qbench runs them, reported as one.
  o.emplace_back("thread", "1");
  o.emplace_back("group_reporting", "1");
  return o;
}

// One job for every thread where each opened its own node (a user queue
// has one owner), pinned as that thread was; else one job of numjobs.
std::vector<FioJob> fio_jobs(const ReportData& r, const PathAggregate& p) {
  const PathSetup& s = p.setup;
  std::vector<FioJob> jobs;
  uint64_t slice = thread_slice_bytes(r);
  if (s.thread_nodes.size() > 1) {
    for (size_t t = 0; t < s.thread_nodes.size(); t++) {
      FioJob j{fmt::format("{}-thread{}", p.path, t), {{"filename", s.thread_nodes[t]}}};
      if (r.size) j.options.emplace_back("offset", std::to_string(r.offset + t * slice));
      if (!r.cpus.empty()) j.options.emplace_back("cpus_allowed", std::to_string(r.cpus[t % r.cpus.size()]));
      jobs.push_back(std::move(j));
    }
    return jobs;
  }
  FioJob j{p.path, {{"filename", s.node}, {"numjobs", std::to_string(std::max(r.threads, 1))}}};
  // Job t from offset + t slices on, as nvme-qbench's thread t.
  if (r.threads > 1 && r.size) j.options.emplace_back("offset_increment", std::to_string(slice));
  if (!r.cpus.empty()) {
    // Thread t on cpus[t mod n], as --cpus pins them: one thread on the first.
    j.options.emplace_back("cpus_allowed", r.threads > 1 ? cpu_list(r.cpus) : std::to_string(r.cpus.front()));
    if (r.threads > 1) j.options.emplace_back("cpus_allowed_policy", "split");
  }
  jobs.push_back(std::move(j));
  return jobs;
}

std::vector<std::string> queue_nodes(const PathSetup& s) {
  return s.thread_nodes.empty() ? std::vector<std::string>{s.node} : s.thread_nodes;
}

// User queues: fio cannot bind a queue to its namespace; the preloaded
// library does, from UQDEV=NGDEV pairs.
Options bind_environment(const PathSetup& s, const ReproductionOptions& opts, std::vector<std::string>& notes) {
  std::string ns = s.namespace_node;
  if (ns.empty()) {
    ns = "/dev/ngXnY";
    notes.push_back("The report does not name the namespace the queue was bound to: replace /dev/ngXnY.");
  }
  std::string pairs;
  for (const auto& q : queue_nodes(s)) pairs += (pairs.empty() ? "" : ",") + q + "=" + ns;
  return {{uq_bind_variable, pairs}, {"LD_PRELOAD", opts.preload}};
}

// t/io_uring: reads only, stops by time only, has no SQPOLL; pinned with
// taskset since it has no CPU option.
std::vector<std::string> io_uring_argv(const ReportData& r, const PathAggregate& p, std::vector<std::string>& notes) {
  const PathSetup& s = p.setup;
  if (r.rw != "randread" && r.rw != "read") {
    notes.push_back(fmt::format("t/io_uring reads only: no t/io_uring line for {}.", r.rw));
    return {};
  }
  if (r.runtime_s <= 0) {
    notes.push_back("t/io_uring stops by time only: no t/io_uring line for runs that end by I/O count.");
    return {};
  }
  std::vector<std::string> a;
  if (!r.cpus.empty()) a.insert(a.end(), {"taskset", "-c", r.threads > 1 ? cpu_list(r.cpus) : std::to_string(r.cpus.front())});
  if (r.threads > 1) notes.push_back("t/io_uring pins no thread to a CPU and gives each the whole device.");
  notes.push_back("t/io_uring reads the whole device (no offset or size; with -u1 the whole namespace from fio "
                  "3.35 on), has no ramp time, and sets up its ring as fio does (DEFER_TASKRUN), not as "
                  "nvme-qbench (COOP_TASKRUN).");
  a.push_back("t/io_uring");
  auto flag = [&a](char f, auto v) { a.push_back(fmt::format("-{}{}", f, v)); };
  flag('b', r.bs);
  if (s.io_uring) {
    flag('d', s.iodepth);
    flag('s', s.submit_batch);
    flag('c', s.complete_batch);
    flag('p', p.poll ? 1 : 0);
    flag('B', r.fixed_buffers ? 1 : 0);
    flag('F', r.registered_files ? 1 : 0);
    flag('X', r.register_ring ? 1 : 0);
    flag('u', s.passthrough ? 1 : 0);
  } else {
    flag('S', 1);  // preadv2, one I/O at a time, as psync
  }
  flag('O', s.passthrough ? 0 : 1);
  flag('n', std::max(r.threads, 1));
  flag('R', r.rw == "randread" ? 1 : 0);
  flag('r', static_cast<long>(std::ceil(r.runtime_s)));
  if (r.sqpoll) notes.push_back("t/io_uring has no SQPOLL option: its line runs without.");
  for (const auto& n : queue_nodes(s)) a.push_back(n);
  return a;
}

Reproduction reproduction(const ReportData& r, const PathAggregate& p, const ReproductionOptions& opts) {
  Reproduction rep;
  rep.path = p.path;
  if (p.setup.user_space_wait)
    rep.notes.push_back(fmt::format("fio has no equivalent of {}, which checks the mapped CQ before it polls: its "
                                    "lines run the same queue polled as fio polls.",
                                    p.path));
  if (p.setup.io_uring)
    rep.notes.push_back("fio reaps completions when its queue fills, nvme-qbench after every submit: their I/Os "
                        "per system call differ.");
  if (p.user_queue) rep.environment = bind_environment(p.setup, opts, rep.notes);
  rep.global = global_options(r, p);
  rep.jobs = fio_jobs(r, p);
  rep.io_uring_argv = io_uring_argv(r, p, rep.notes);
  return rep;
}

std::string joined(const std::vector<std::string>& words) {
  std::string s;
  for (const auto& w : words) s += (s.empty() ? "" : " ") + shell_quote(w);
  return s;
}

void add_fio_options(std::string& s, const Options& options) {
  for (const auto& [name, value] : options) s += " " + shell_quote("--" + name + "=" + value);
}

}  // namespace

std::vector<Reproduction> reproductions(const ReportData& r, const ReproductionOptions& opts) {
  std::vector<Reproduction> out;
  for (const auto& p : r.paths) out.push_back(reproduction(r, p, opts));
  return out;
}

std::string shell_quote(const std::string& word) {
  if (!word.empty() && word.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                                              "_-+=/.,:@%") == std::string::npos)
    return word;
  std::string q = "'";
  for (char c : word) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string environment_prefix(const Reproduction& rep) {
  std::string s;
  for (const auto& [name, value] : rep.environment) s += name + "=" + shell_quote(value) + " ";
  return s;
}

std::string fio_job_file_name(const Reproduction& rep) { return rep.path + ".fio"; }

std::string fio_job_file(const Reproduction& rep) {
  std::string s = fmt::format("; nvme-qbench path {}\n", rep.path);
  for (const auto& n : rep.notes) s += "; " + n + "\n";
  if (!rep.environment.empty()) s += "; run with: " + environment_prefix(rep) + "fio " + fio_job_file_name(rep) + "\n";
  s += "[global]\n";
  for (const auto& [name, value] : rep.global) s += name + "=" + value + "\n";
  for (const auto& job : rep.jobs) {
    s += "\n[" + job.name + "]\n";
    for (const auto& [name, value] : job.options) s += name + "=" + value + "\n";
  }
  return s;
}

std::string fio_command(const Reproduction& rep) {
  std::string s = environment_prefix(rep) + "fio";
  add_fio_options(s, rep.global);
  for (const auto& job : rep.jobs) {
    s += " " + shell_quote("--name=" + job.name);
    add_fio_options(s, job.options);
  }
  return s;
}

std::string io_uring_command(const Reproduction& rep) {
  return rep.io_uring_argv.empty() ? "" : environment_prefix(rep) + joined(rep.io_uring_argv);
}

}  // namespace qb
