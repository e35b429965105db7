// What a report says, independent of how it is laid out: sections of
// paragraphs, command lines, fields and tables. Text, Markdown and HTML lay
// out the same document, so they never disagree on content.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "report_data.h"

namespace qb {

struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;  // column 0 reads left-aligned, the rest right-aligned
};

struct Block {
  enum class Kind { text, code, fields, table };
  Kind kind = Kind::text;
  std::vector<std::string> lines;                            // text: paragraphs; code: lines
  std::vector<std::pair<std::string, std::string>> fields;   // fields: name, value
  Table table;
};

struct Section {
  int level = 2;  // 1: one report, 2: a part of it
  std::string title;
  std::vector<Block> blocks;
};

struct Document {
  std::vector<Section> sections;
};

Document build_document(const std::vector<ReportData>& reports);

// A metric's value as tables show it (IOPS 95.20K, latency 12.3, ratio 0.57).
std::string format_metric(const MetricDef& m, double raw);
std::string format_si(double v);
std::string format_percent(double fraction);

}  // namespace qb

namespace qb {

// The document as plain ASCII, no line over 80 columns (render_text.cpp);
// diff prints its verdicts through it too.
std::string layout_text(const Document& d);

}  // namespace qb
