#include "schema.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace qb {

namespace {

// The value of key, if present and not null.
const nlohmann::json* field(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it == j.end() || it->is_null() ? nullptr : &*it;
}

template <class T>
void read_field(const nlohmann::json& j, const char* key, T& out) {
  if (const auto* v = field(j, key)) out = v->get<T>();
}

}  // namespace

void to_json(nlohmann::json& j, const RunInstructions& r) {
  j = nlohmann::json{{"window", r.window},
                     {"kernel", r.kernel},
                     {"user", r.user},
                     {"kernel_per_io", r.kernel_per_io},
                     {"user_per_io", r.user_per_io},
                     {"marked_polls", r.marked_polls},
                     {"empty_polls", r.empty_polls},
                     {"empty_poll_kernel", r.empty_poll_kernel},
                     {"empty_poll_user", r.empty_poll_user},
                     {"useful_kernel_per_io", r.useful_kernel_per_io},
                     {"empty_polls_separated", r.empty_polls_separated}};
  if (r.mmio) j["mmio"] = *r.mmio;
}

void from_json(const nlohmann::json& j, RunInstructions& r) {
  read_field(j, "window", r.window);
  read_field(j, "kernel", r.kernel);
  read_field(j, "user", r.user);
  read_field(j, "kernel_per_io", r.kernel_per_io);
  read_field(j, "user_per_io", r.user_per_io);
  read_field(j, "marked_polls", r.marked_polls);
  read_field(j, "empty_polls", r.empty_polls);
  read_field(j, "empty_poll_kernel", r.empty_poll_kernel);
  read_field(j, "empty_poll_user", r.empty_poll_user);
  read_field(j, "useful_kernel_per_io", r.useful_kernel_per_io);
  read_field(j, "empty_polls_separated", r.empty_polls_separated);
  r.mmio = j.contains("mmio") ? read_typed<RunMmioWrites>(j["mmio"]) : std::nullopt;
}

void to_json(nlohmann::json& j, const DeviceRecord& d) {
  j = nlohmann::json{{"path", d.path},
                     {"kind", d.kind},
                     {"is_nvme", d.is_nvme},
                     {"emulated_controller", d.emulated_controller},
                     {"lba_size", d.lba_size},
                     {"size_bytes", d.size_bytes},
                     {"io_poll", d.io_poll},
                     {"controller", d.controller},
                     {"namespace", d.namespace_},
                     {"note", d.note},
                     {"queues", d.queues},
                     {"lba_format", d.lba_format}};
}

void from_json(const nlohmann::json& j, DeviceRecord& d) {
  read_field(j, "path", d.path);
  read_field(j, "kind", d.kind);
  read_field(j, "is_nvme", d.is_nvme);
  read_field(j, "emulated_controller", d.emulated_controller);
  read_field(j, "lba_size", d.lba_size);
  read_field(j, "size_bytes", d.size_bytes);
  read_field(j, "io_poll", d.io_poll);
  d.controller = j.contains("controller") ? read_typed<ControllerRecord>(j["controller"]) : std::nullopt;
  d.namespace_ = j.contains("namespace") ? read_typed<NamespaceRecord>(j["namespace"]) : std::nullopt;
  if (const auto* v = field(j, "note"); v && v->is_string()) d.note = v->get<std::string>();
  read_field(j, "queues", d.queues);
  read_field(j, "lba_format", d.lba_format);
}

void to_json(nlohmann::json& j, const RunRecord& r) {
  j = nlohmann::json{{"path", r.path},
                     {"engine", r.engine},
                     {"poll", r.poll},
                     {"node", r.node},
                     {"round", r.round},
                     {"order_in_round", r.order_in_round},
                     {"iodepth", r.iodepth},
                     {"submit_batch", r.submit_batch},
                     {"complete_batch", r.complete_batch},
                     {"elapsed_s", r.elapsed_s},
                     {"ios", r.ios},
                     {"bytes", r.bytes},
                     {"iops", r.iops},
                     {"bw_bytes_per_s", r.bw_bytes_per_s},
                     {"latency_ns", r.latency_ns},
                     {"iops_series", r.iops_series},
                     {"submit", r.submit},
                     {"reap", r.reap},
                     {"threads", r.threads},
                     {"errors", r.errors},
                     {"error_count", r.error_count},
                     {"verify", r.verify},
                     {"interrupted", r.interrupted},
                     {"cpu", r.cpu},
                     {"kernel_entries", r.kernel_entries},
                     {"hw_counters", r.hw_counters}};
  if (r.user_space_wait) j["user_space_wait"] = *r.user_space_wait;
  if (r.on_user_queue) j["on_user_queue"] = *r.on_user_queue;
  if (r.passthrough) j["passthrough"] = *r.passthrough;
  if (r.io_uring) j["io_uring"] = *r.io_uring;
  if (r.namespace_node) j["namespace_node"] = *r.namespace_node;
  if (r.thread_nodes) j["thread_nodes"] = *r.thread_nodes;
  if (r.probes) j["probes"] = *r.probes;
  if (r.user_queue) j["user_queue"] = *r.user_queue;
  if (r.instructions) j["instructions"] = *r.instructions;
  if (r.interrupts) j["interrupts"] = *r.interrupts;
}

nlohmann::json run_json(const RunRecord& r, int schema_version) {
  nlohmann::json j = r;
  if (schema_version >= 2) return j;
  for (const char* k : {"order_in_round", "cpu", "kernel_entries", "hw_counters", "interrupts"}) j.erase(k);
  for (const char* k : {"histogram", "stamp_error_ns", "stamp_error_p50_ns", "stamp_error_p99_ns"})
    j["latency_ns"].erase(k);
  for (auto& t : j["threads"]) t.erase("cpu_ns");
  return j;
}

void from_json(const nlohmann::json& j, RunRecord& r) {
  read_field(j, "path", r.path);
  read_field(j, "engine", r.engine);
  read_field(j, "poll", r.poll);
  if (const auto* v = field(j, "user_space_wait"); v && v->is_boolean()) r.user_space_wait = v->get<bool>();
  if (const auto* v = field(j, "on_user_queue"); v && v->is_boolean()) r.on_user_queue = v->get<bool>();
  if (const auto* v = field(j, "passthrough"); v && v->is_boolean()) r.passthrough = v->get<bool>();
  if (const auto* v = field(j, "io_uring"); v && v->is_boolean()) r.io_uring = v->get<bool>();
  if (const auto* v = field(j, "namespace_node"); v && v->is_string()) r.namespace_node = v->get<std::string>();
  r.thread_nodes.reset();
  if (const auto* v = field(j, "thread_nodes"); v && v->is_array()) {
    std::vector<std::string> nodes;
    for (const auto& n : *v)
      if (n.is_string()) nodes.push_back(n.get<std::string>());
    if (nodes.size() == v->size()) r.thread_nodes = std::move(nodes);
  }
  read_field(j, "node", r.node);
  read_field(j, "round", r.round);
  read_field(j, "order_in_round", r.order_in_round);
  read_field(j, "iodepth", r.iodepth);
  read_field(j, "submit_batch", r.submit_batch);
  read_field(j, "complete_batch", r.complete_batch);
  read_field(j, "elapsed_s", r.elapsed_s);
  read_field(j, "ios", r.ios);
  read_field(j, "bytes", r.bytes);
  read_field(j, "iops", r.iops);
  read_field(j, "bw_bytes_per_s", r.bw_bytes_per_s);
  read_field(j, "latency_ns", r.latency_ns);
  read_field(j, "iops_series", r.iops_series);
  read_field(j, "submit", r.submit);
  read_field(j, "reap", r.reap);
  read_field(j, "threads", r.threads);
  read_field(j, "errors", r.errors);
  read_field(j, "error_count", r.error_count);
  read_field(j, "verify", r.verify);
  read_field(j, "interrupted", r.interrupted);
  read_field(j, "cpu", r.cpu);
  read_field(j, "kernel_entries", r.kernel_entries);
  r.hw_counters.reset();
  read_field(j, "hw_counters", r.hw_counters);
  r.probes.reset();
  if (const auto* v = field(j, "probes"); v && v->is_object()) r.probes = *v;
  r.user_queue = j.contains("user_queue") ? read_typed<UserQueueRecord>(j["user_queue"]) : std::nullopt;
  r.instructions = j.contains("instructions") ? read_typed<RunInstructions>(j["instructions"]) : std::nullopt;
  r.interrupts = j.contains("interrupts") ? read_typed<InterruptsRecord>(j["interrupts"]) : std::nullopt;
}

std::optional<ReportRuns> read_report_runs(const nlohmann::json& report) {
  ReportRuns out;
  if (!report.is_object()) return std::nullopt;
  read_field(report, "schema_version", out.schema_version);
  try {
    read_field(report, "runs", out.runs);
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
  out.instructions = report.contains("instructions") ? read_typed<Instructions>(report["instructions"]) : std::nullopt;
  out.mmio = report.contains("mmio") ? read_typed<MmioRecord>(report["mmio"]) : std::nullopt;
  return out;
}

void write_report_runs(nlohmann::json& report, const ReportRuns& runs) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& r : runs.runs) list.push_back(run_json(r, runs.schema_version));
  report["runs"] = list;
  if (runs.instructions) report["instructions"] = *runs.instructions;
  else report.erase("instructions");
  if (runs.mmio) report["mmio"] = *runs.mmio;
  else report.erase("mmio");
}

Result<void> write_report(const std::string& path, const nlohmann::json& report) {
  std::string tmp = path + ".tmp." + std::to_string(getpid());
  FILE* f = fopen(tmp.c_str(), "w");
  if (!f) return usage_error(fmt::format("--json {}: cannot create {}: {}", path, tmp, strerror(errno)), errno);
  std::string text = report.dump(2) + "\n";
  bool ok = fwrite(text.data(), 1, text.size(), f) == text.size();
  ok = (fflush(f) == 0) && ok;
  ok = (fsync(fileno(f)) == 0) && ok;
  ok = (fclose(f) == 0) && ok;
  if (!ok || rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    unlink(tmp.c_str());
    return runtime_error(fmt::format("--json {}: writing the report failed: {}", path, strerror(e)), e);
  }
  return Ok{};
}

}  // namespace qb
