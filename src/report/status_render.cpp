#include "report/status_render.hpp"

#include <nlohmann/json.hpp>

#include "sync/content_planner.hpp"

namespace auditsync {
namespace {

nlohmann::json OptionalTime(const std::optional<Instant>& instant) {
  return instant ? nlohmann::json(FormatIso8601(*instant)) : nlohmann::json(nullptr);
}

std::string Plural(int64_t count, const std::string& one, const std::string& many) {
  return std::to_string(count) + " " + (count == 1 ? one : many);
}

nlohmann::ordered_json GapJson(const ContentGap& gap) {
  return {{"start", FormatIso8601(gap.start)},
          {"end", FormatIso8601(gap.end)},
          {"found_at", FormatIso8601(gap.found_at)}};
}

nlohmann::ordered_json ContentJson(const ContentStatus& content, Instant now) {
  nlohmann::ordered_json gaps = nlohmann::ordered_json::array();
  for (const auto& gap : content.gaps) gaps.push_back(GapJson(gap));
  return {
      {"cursor", OptionalTime(content.cursor)},
      {"cursor_age_seconds", content.cursor
                                 ? nlohmann::ordered_json((now - *content.cursor).count())
                                 : nlohmann::ordered_json(nullptr)},
      {"readable_from", FormatIso8601(content.readable_from)},
      {"blobs",
       {{"stored", content.blobs.stored},
        {"expired", content.blobs.expired},
        {"records_read", content.blobs.records_read}}},
      {"gaps", gaps},
      {"unreadable",
       content.unreadable ? GapJson(*content.unreadable) : nlohmann::ordered_json(nullptr)},
  };
}

nlohmann::ordered_json StatusJson(const SyncStatus& status) {
  nlohmann::ordered_json workers = nlohmann::ordered_json::array();
  for (const auto& worker : status.workers) {
    workers.push_back({{"worker", worker.worker},
                       {"windows", worker.windows},
                       {"lease_until", FormatIso8601(worker.until)},
                       {"expired", worker.until <= status.now}});
  }
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
  nlohmann::ordered_json json = {
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
      {"workers", workers},
      {"source", status.content ? "management" : "graph"},
      {"management",
       status.content ? ContentJson(*status.content, status.now) : nlohmann::ordered_json(nullptr)},
  };
  return json;
}

void Line(std::ostream& out, std::string_view label, const std::string& text) {
  out << label << std::string(14 - label.size(), ' ') << text << '\n';
}

// The Management Activity API path: its checkpoint, blobs and gaps instead of query windows.
void RenderContentTable(const SyncStatus& status, std::ostream& out) {
  const auto& content = *status.content;
  Line(out, "Source", "Office 365 Management Activity API (use_graph_api = no)");
  if (content.cursor) {
    Line(out, "Checkpoint",
         "content published before " + FormatIso8601(*content.cursor) + " is stored (" +
             FormatDuration(status.now - *content.cursor) + " ago)");
  } else {
    Line(out, "Checkpoint", "nothing collected yet: run `auditsync sync`");
  }
  Line(out, "Blobs",
       Plural(content.blobs.stored, "blob", "blobs") + " stored (" +
           std::to_string(content.blobs.records_read) + " records of every workload read), " +
           std::to_string(content.blobs.expired) +
           " expired unread, in the last 8 days; the API lists content back to " +
           FormatIso8601(content.readable_from));
  Line(out, "Records",
       std::to_string(status.records) + " stored, " + std::to_string(status.quarantined) +
           " quarantined");
  if (content.unreadable) {
    out << "\nGAP AHEAD     the checkpoint is older than the API reaches: "
        << DescribeContentGap(*content.unreadable, content.graph_audit_queries) << ".\n";
  }
  if (content.gaps.empty()) return;
  out << "\nGAPS: content that could no longer be read (found by a sync)\n";
  for (const auto& gap : content.gaps) {
    out << "  " << FormatIso8601(gap.start) << ".." << FormatIso8601(gap.end) << " (found "
        << FormatIso8601(gap.found_at)
        << "): " << DescribeContentGap(gap, content.graph_audit_queries) << ".\n";
  }
}

void RenderTable(const SyncStatus& status, std::ostream& out) {
  const auto line = [&out](const char* label, const std::string& text) { Line(out, label, text); };
  out << "auditsync status at " << FormatIso8601(status.now) << "\n\n";
  if (status.content) return RenderContentTable(status, out);
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
  for (const auto& worker : status.workers) {
    line("Worker",
         worker.worker + " holds " + Plural(worker.windows, "window", "windows") +
             (worker.until > status.now ? ", lease until " + FormatIso8601(worker.until)
                                        : ", lease expired at " + FormatIso8601(worker.until) +
                                              " (the process stopped; the next sync takes " +
                                              (worker.windows == 1 ? "it" : "them") + " over)"));
  }
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
    out << StatusJson(status).dump(2) << '\n';
  } else {
    RenderTable(status, out);
  }
}

void RenderTenantStatuses(const std::vector<TenantStatus>& tenants, ReportFormat format,
                          std::ostream& out) {
  if (format == ReportFormat::kJson) {
    nlohmann::ordered_json all = nlohmann::ordered_json::array();
    for (const auto& tenant : tenants) {
      all.push_back({{"tenant", tenant.name},
                     {"error", tenant.status ? nlohmann::ordered_json(nullptr)
                                             : nlohmann::ordered_json(tenant.error)},
                     {"status", tenant.status ? StatusJson(*tenant.status)
                                              : nlohmann::ordered_json(nullptr)}});
    }
    out << nlohmann::ordered_json{{"tenants", all}}.dump(2) << '\n';
    return;
  }
  for (size_t at = 0; at < tenants.size(); ++at) {
    out << (at == 0 ? "" : "\n") << "== tenant " << tenants[at].name << " ==\n";
    if (tenants[at].status) {
      RenderTable(*tenants[at].status, out);
    } else {
      out << tenants[at].error << '\n';
    }
  }
}

}  // namespace auditsync
