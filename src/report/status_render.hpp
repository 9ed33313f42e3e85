// Renders `auditsync status` as text for a terminal or as JSON for monitoring.
#pragma once

#include <ostream>

#include "report/render.hpp"
#include "sync/status.hpp"

namespace auditsync {

// kTable and kJson; JSON is an object whose keys are documented in docs/cli.md.
void RenderStatus(const SyncStatus& status, ReportFormat format, std::ostream& out);

}  // namespace auditsync
