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
// The body of a mail to a kernel list (email_document.cpp): a summary, the
// conditions, the ratios and targets, and the reproduction lines.
Document build_email_document(const std::vector<ReportData>& reports);

// The pieces both documents are built of.
Block text(std::vector<std::string> paragraphs);
Block code(std::vector<std::string> lines);
Block fields(std::vector<std::pair<std::string, std::string>> f);
Block table(Table t);
Section ratio_section(const ReportData& r, const PathAggregate& base);
Section targets_section(const ReportData& r);
std::string kernel_line(const ReportData& r);    // release, machine, version
std::string device_line(const ReportData& r);    // node, model, firmware, transport, LBA size
std::string workload_field(const ReportData& r);  // the workload and how long each run lasted
std::string rounds_line(const ReportData& r);
// The fio and t/io_uring lines per path (reproduction_blocks.cpp): every
// line for the report's setup; for a mail, the t/io_uring lines and the
// job files named.
std::vector<Block> reproduction_blocks(const ReportData& r);
std::vector<Block> reproduction_mail_blocks(const ReportData& r);

// A metric's value as tables show it (IOPS 95.20K, latency 12.3, ratio 0.57).
std::string format_metric(const MetricDef& m, double raw);
std::string format_si(double v);
std::string format_percent(double fraction);

}  // namespace qb

namespace qb {

// The document as plain ASCII, no line over width columns
// (render_text.cpp); diff prints its verdicts through it too, and the mail
// is laid out narrower, to leave room for quoting.
inline constexpr size_t text_width = 80;
inline constexpr size_t email_width = 72;
std::string layout_text(const Document& d, size_t width = text_width);

}  // namespace qb
