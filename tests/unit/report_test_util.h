// The golden lab report, read for the report, diff and dashboard tests.
#pragma once

#include <nlohmann/json.hpp>

#include <fstream>
#include <string>

#include "report_data.h"

namespace qb::test {

inline nlohmann::json lab_report_json() {
  std::ifstream in(std::string(QB_DATA_DIR) + "/lab-compare.json");
  return nlohmann::json::parse(in);
}

inline std::string data_file(const std::string& name) { return std::string(QB_DATA_DIR) + "/" + name; }

inline std::string read_text(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline size_t count_of(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) n++;
  return n;
}

// Multiplies every run's IOPS and bandwidth of one path by factor.
inline void scale_path_iops(nlohmann::json& doc, const std::string& path, double factor) {
  for (auto& r : doc["runs"])
    if (r["path"] == path) {
      r["iops"] = r["iops"].get<double>() * factor;
      r["bw_bytes_per_s"] = r["bw_bytes_per_s"].get<double>() * factor;
    }
}

}  // namespace qb::test
