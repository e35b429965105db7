// `report --format email`: the mail's document laid out as plain ASCII,
// narrow enough to survive quoting in replies.
#include "report_document.h"
#include "reporter.h"

namespace qb {

namespace {

class EmailReporter : public Reporter {
 public:
  Result<std::string> render(const std::vector<ReportData>& reports, const RenderOptions&) const override {
    return layout_text(build_email_document(reports), email_width);
  }
};

}  // namespace

std::unique_ptr<Reporter> make_email_reporter() { return std::make_unique<EmailReporter>(); }

}  // namespace qb
