// Markdown for issue trackers and CI summaries: the same document as text,
// with pipe tables.
#include <fmt/format.h>

#include "report_document.h"
#include "reporter.h"

namespace qb {

namespace {

std::string cell(const std::string& c) {
  std::string s;
  for (char ch : c) s += ch == '|' ? std::string("\\|") : std::string(1, ch);
  return s;
}

std::string row(const std::vector<std::string>& cells) {
  std::string s = "|";
  for (const auto& c : cells) s += " " + cell(c) + " |";
  return s + "\n";
}

std::string layout_block(const Block& b) {
  std::string s;
  switch (b.kind) {
    case Block::Kind::text:
      for (const auto& p : b.lines) s += p + "\n\n";
      break;
    case Block::Kind::code:
      s += "```sh\n";
      for (const auto& l : b.lines) s += l + "\n";
      s += "```\n\n";
      break;
    case Block::Kind::fields:
      for (const auto& [name, value] : b.fields) s += fmt::format("- **{}**: `{}`\n", name, value);
      s += "\n";
      break;
    case Block::Kind::table: {
      s += row(b.table.header);
      std::vector<std::string> align;
      for (size_t c = 0; c < b.table.header.size(); c++) align.push_back(c == 0 ? ":---" : "---:");
      s += row(align);
      for (const auto& r : b.table.rows) s += row(r);
      s += "\n";
      break;
    }
  }
  return s;
}

class MarkdownReporter : public Reporter {
 public:
  Result<std::string> render(const std::vector<ReportData>& reports, const RenderOptions&) const override {
    std::string s;
    for (const auto& sec : build_document(reports).sections) {
      s += std::string(static_cast<size_t>(sec.level), '#') + " " + sec.title + "\n\n";
      for (const auto& b : sec.blocks) s += layout_block(b);
    }
    while (s.size() > 1 && s[s.size() - 2] == '\n') s.pop_back();
    return s;
  }
};

}  // namespace

std::unique_ptr<Reporter> make_markdown_reporter() { return std::make_unique<MarkdownReporter>(); }

}  // namespace qb
