// Renders `auditsync status` as text for a terminal or as JSON for monitoring.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "report/render.hpp"
#include "sync/status.hpp"

namespace auditsync {

// kTable and kJson; JSON is an object whose keys are documented in docs/cli.md.
void RenderStatus(const SyncStatus& status, ReportFormat format, std::ostream& out);

// One tenant's status, or why it could not be read (its database does not exist yet, say).
struct TenantStatus {
  std::string name;
  std::optional<SyncStatus> status;
  std::string error;
};

// The statuses of every tenant of a configuration: each table under a `== tenant NAME ==`
// heading, or one JSON object {"tenants": [{"tenant", "error", "status"}]}.
void RenderTenantStatuses(const std::vector<TenantStatus>& tenants, ReportFormat format,
                          std::ostream& out);

}  // namespace auditsync
