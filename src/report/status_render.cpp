#include "report/status_render.hpp"

#include <nlohmann/json.hpp>

namespace auditsync {
namespace {

nlohmann::json OptionalTime(const std::optional<Instant>& instant) {
  return instant ? nlohmann::json(FormatIso8601(*instant)) : nlohmann::json(nullptr);
}

std::string Plural(int64_t count, const std::string& one, const std::string& many) {
  return std::to_string(count) + " " + (count == 1 ? one : many);
}

void RenderJson(const SyncStatus& status, std::ostream& out) {
  nlohmann::ordered_json failing = nlohmann::ordered_json::array();
  for (const auto& window : status.failing) {
    failing.push_back({{"start", FormatIso8601(window.start)},
                       {"end", FormatIso8601(window.end)},
                       {"kind", ScanKindName(window.kind)},
                       {"attempts", window.attempts},
                       {"failures", window.failures},
                       {"next_attempt", OptionalTime(window.retry_at)},
                       {"last_error", window.last_error},
                       {"request_id", window.last_request_id}});
  }
  const nlohmann::ordered_json json = {
      {"now", FormatIso8601(status.now)},
      {"coverage",
       {{"from", OptionalTime(status.covered_from)},
        {"until", OptionalTime(status.covered_until)},
        {"hours", status.covered_hours},
        {"missing_hours", status.missing_hours}}},
      {"freshness_seconds",
       status.covered_until ? nlohmann::ordered_json((status.now - *status.covered_until).count())
                            : nlohmann::ordered_json(nullptr)},
      {"rescans",
       {{"hours_awaiting", status.hours_awaiting_rescan}, {"scans_due", status.settle_scans_due}}},
      {"windows",
       {{"complete", status.windows_complete},
        {"pending", status.windows_pending},
        {"running", status.windows_running},
        {"failing", status.windows_failing}}},
      {"backlog",
       {{"queries", status.backlog_queries}, {"done_by", OptionalTime(status.backlog_done_by)}}},
      {"query_budget",
       {{"used_last_24h", status.queries_last_24h}, {"per_24h", status.query_budget}}},
      {"records", {{"stored", status.records}, {"quarantined", status.quarantined}}},
      {"failing", failing},
  };
  out << json.dump(2) << '\n';
}

void RenderTable(const SyncStatus& status, std::ostream& out) {
  const auto line = [&out](const char* label, const std::string& text) {
    out << label << std::string(14 - std::string_view(label).size(), ' ') << text << '\n';
  };
  out << "auditsync status at " << FormatIso8601(status.now) << "\n\n";
  if (status.covered_from) {
    line("Coverage", FormatIso8601(*status.covered_from) + " .. " +
                         FormatIso8601(*status.covered_until) + " (" +
                         Plural(status.covered_hours, "hour", "hours") + ", " +
                         std::to_string(status.missing_hours) + " missing)");
    line("Freshness", "newest complete hour ended " +
                          FormatDuration(status.now - *status.covered_until) + " ago");
  } else {
    line("Coverage", "nothing collected yet: run `auditsync sync`");
  }
  line("Re-scans", Plural(status.hours_awaiting_rescan, "hour awaits", "hours await") +
                       " a settle scan; " + Plural(status.settle_scans_due, "scan", "scans") +
                       " due now");
  line("Windows", std::to_string(status.windows_complete) + " complete, " +
                      std::to_string(status.windows_pending) + " pending, " +
                      std::to_string(status.windows_running) + " running, " +
                      std::to_string(status.windows_failing) + " failing");
  line("Backlog",
       Plural(status.backlog_queries, "query", "queries") + " to submit; " +
           (status.backlog_done_by ? "the query allocation lets the last go out by " +
                                         FormatIso8601(*status.backlog_done_by)
                                   : std::string("the query allocation allows them now")));
  line("Queries", std::to_string(status.queries_last_24h) + " of " +
                      std::to_string(status.query_budget) +
                      " submissions used in the last 24 hours");
  line("Records", std::to_string(status.records) + " stored, " +
                      std::to_string(status.quarantined) + " quarantined");
  if (status.failing.empty()) return;
  out << "\nFailing windows (retried by the next sync, or after the time given)\n";
  for (const auto& window : status.failing) {
    out << "  " << FormatIso8601(window.start) << ".." << FormatIso8601(window.end) << " "
        << ScanKindName(window.kind) << ", " << Plural(window.attempts, "attempt", "attempts")
        << ", " << Plural(window.failures, "failure", "failures") << " in a row";
    if (window.retry_at) out << ", next attempt after " << FormatIso8601(*window.retry_at);
    out << ": " << window.last_error;
    if (!window.last_request_id.empty()) out << " [request id " << window.last_request_id << "]";
    out << '\n';
  }
}

}  // namespace

void RenderStatus(const SyncStatus& status, ReportFormat format, std::ostream& out) {
  if (format == ReportFormat::kJson) {
    RenderJson(status, out);
  } else {
    RenderTable(status, out);
  }
}

}  // namespace auditsync
