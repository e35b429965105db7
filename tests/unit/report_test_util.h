// The golden lab report, read for the report, diff and dashboard tests.
#pragma once

#include <nlohmann/json.hpp>

#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <unistd.h>

#include "report_data.h"
#include "schema.h"
#include "test_util.h"

namespace qb::test {

inline nlohmann::json lab_report_json() {
  std::ifstream in(std::string(QB_DATA_DIR) + "/lab-compare.json");
  return nlohmann::json::parse(in);
}

// The same report in the version-2 layout (data/make_v2.py).
inline nlohmann::json lab_report_v2_json() {
  std::ifstream in(std::string(QB_DATA_DIR) + "/lab-compare-v2.json");
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

// Validates a report against the schema of its version (python3
// validator): 0 valid, 1 invalid.
inline int validate_report(const nlohmann::json& j) {
  std::string path = std::string(QB_TEST_DIR) + "/qb-report-" + std::to_string(getpid()) + ".json";
  EXPECT_TRUE(write_report(path, j).ok());
  const char* schema = j.value("schema_version", 1) == 2 ? QB_SCHEMA_V2 : QB_SCHEMA;
  int rc = run_status(std::string("python3 ") + QB_VALIDATOR + " " + schema + " " + path + " >/dev/null");
  unlink(path.c_str());
  return rc;
}

}  // namespace qb::test
