#include "reporter.h"

namespace qb {

namespace {

struct Format {
  std::string_view name;
  std::unique_ptr<Reporter> (*make)();
};

const Format formats[] = {
    {"text", make_text_reporter},
    {"markdown", make_markdown_reporter},
    {"html", make_html_reporter},
    {"json", make_json_reporter},
    {"email", make_email_reporter},
};

}  // namespace

std::unique_ptr<Reporter> create_reporter(std::string_view format) {
  for (const auto& f : formats)
    if (f.name == format) return f.make();
  return nullptr;
}

std::string report_formats() {
  std::string s;
  for (const auto& f : formats) s += (s.empty() ? "" : ", ") + std::string(f.name);
  return s;
}

}  // namespace qb
