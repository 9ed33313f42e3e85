// Renders a report as one self-contained HTML page: inline CSS, charts as inline SVG, no script
// and no external resource, so that it opens anywhere, offline, and can be mailed as a file.
#pragma once

#include <ostream>

#include "report/report_model.hpp"

namespace auditsync {

// Header (title, description, facts), the document's charts, then its tables (the totals of a
// kObject document as figures). Every text from the document is escaped (html_escape.hpp).
void RenderHtmlPage(const ReportDocument& document, std::ostream& out);

}  // namespace auditsync
