// Plain ASCII for mailing-list posts: no line over the width asked for.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "report_document.h"
#include "reporter.h"

namespace qb {

namespace {

// Breaks text at spaces into lines of at most `width` columns; a word longer
// than a line is cut. cont goes before every line but the first.
std::vector<std::string> wrap(size_t width, const std::string& text, const std::string& first,
                              const std::string& cont, const std::string& line_end = "") {
  std::vector<std::string> out;
  std::string line = first;
  bool empty = true;
  size_t room_end = line_end.size();
  size_t pos = 0;
  while (pos < text.size()) {
    size_t sp = text.find(' ', pos);
    std::string word = text.substr(pos, sp == std::string::npos ? std::string::npos : sp - pos);
    pos = sp == std::string::npos ? text.size() : sp + 1;
    if (word.empty()) continue;
    while (!word.empty()) {
      size_t need = (empty ? 0 : 1) + word.size();
      if (line.size() + need + room_end <= width) {
        line += (empty ? "" : " ") + word;
        empty = false;
        word.clear();
      } else if (empty) {  // the word alone is too long: cut it
        size_t take = width - room_end - line.size();
        line += word.substr(0, take);
        word = word.substr(take);
        out.push_back(line + line_end);
        line = cont;
      } else {
        out.push_back(line + line_end);
        line = cont;
        empty = true;
      }
    }
  }
  out.push_back(line);
  return out;
}

void add(std::string& s, const std::vector<std::string>& lines) {
  for (const auto& l : lines) {
    std::string t = l;
    while (!t.empty() && t.back() == ' ') t.pop_back();
    s += t + "\n";
  }
}

std::string layout_table(const Table& t, size_t width) {
  std::vector<size_t> w(t.header.size(), 0);
  for (size_t c = 0; c < t.header.size(); c++) w[c] = t.header[c].size();
  for (const auto& row : t.rows)
    for (size_t c = 0; c < row.size() && c < w.size(); c++) w[c] = std::max(w[c], row[c].size());
  size_t total = 0;
  for (size_t x : w) total += x + 2;
  std::string s;
  if (total - 2 > width) {  // too wide for a table: one "column: value" line per cell
    for (const auto& row : t.rows) {
      add(s, wrap(width, row[0], "", "  "));
      for (size_t c = 1; c < row.size(); c++) add(s, wrap(width, t.header[c] + ": " + row[c], "  ", "    "));
    }
    return s;
  }
  // Numbers line up on the right; a column holding words reads from the left.
  std::vector<bool> right(w.size(), false);
  for (size_t c = 1; c < w.size(); c++) {
    right[c] = true;
    for (const auto& row : t.rows)
      if (c < row.size() && !row[c].empty() && !std::isdigit(static_cast<unsigned char>(row[c][0])) &&
          row[c][0] != '+' && row[c][0] != '-')
        right[c] = false;
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string l;
    for (size_t c = 0; c < w.size(); c++) {
      std::string cell = c < cells.size() ? cells[c] : "";
      l += (c ? "  " : "") + (right[c] ? fmt::format("{:>{}}", cell, w[c]) : fmt::format("{:<{}}", cell, w[c]));
    }
    add(s, {l});
  };
  line(t.header);
  std::vector<std::string> rule;
  for (size_t x : w) rule.push_back(std::string(x, '-'));
  line(rule);
  for (const auto& row : t.rows) line(row);
  return s;
}

std::string layout_block(const Block& b, size_t width) {
  std::string s;
  switch (b.kind) {
    case Block::Kind::text:
      for (size_t i = 0; i < b.lines.size(); i++) {
        if (i) s += "\n";
        add(s, wrap(width, b.lines[i], "", ""));
      }
      break;
    case Block::Kind::code:
      for (const auto& l : b.lines) add(s, wrap(width, l, "", "    ", " \\"));
      break;
    case Block::Kind::fields: {
      size_t nw = 0;
      for (const auto& f : b.fields) nw = std::max(nw, f.first.size() + 1);
      for (const auto& [name, value] : b.fields)
        add(s, wrap(width, value, fmt::format("{:<{}} ", name + ":", nw), std::string(nw + 1, ' ')));
      break;
    }
    case Block::Kind::table:
      s += layout_table(b.table, width);
      break;
  }
  return s;
}

class TextReporter : public Reporter {
 public:
  Result<std::string> render(const std::vector<ReportData>& reports, const RenderOptions&) const override {
    return layout_text(build_document(reports));
  }
};

}  // namespace

std::string layout_text(const Document& d, size_t width) {
  std::string s;
  for (const auto& sec : d.sections) {
    if (!s.empty()) s += "\n";
    std::string title = sec.title.substr(0, width);
    s += title + "\n" + std::string(title.size(), sec.level == 1 ? '=' : '-') + "\n";
    for (const auto& b : sec.blocks) s += "\n" + layout_block(b, width);
  }
  return s;
}

std::unique_ptr<Reporter> make_text_reporter() { return std::make_unique<TextReporter>(); }

}  // namespace qb
