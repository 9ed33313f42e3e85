#include "source/graph/graph_audit_client.hpp"

#include <nlohmann/json.hpp>

#include "core/json_fields.hpp"
#include "core/log.hpp"

namespace auditsync {
namespace {

// Longer waits for a query submission are not worth a sleeping process: the windows wait for the
// next scheduled sync instead.
constexpr std::chrono::milliseconds kLongestCreateWait = std::chrono::minutes(2);

// A 429 to a query submission whose Retry-After is longer than a sync waits (see HttpClient's
// longest_wait) says the tenant's allocation is spent, not that requests come too fast.
bool IsAllocationSpent(const HttpResponse& response) {
  const auto retry_after = ParseRetryAfter(response.Header("retry-after"), NowUtc());
  return retry_after && *retry_after > kLongestCreateWait;
}

}  // namespace

GraphAuditClient::GraphAuditClient(HttpClient& http, TokenCredential& credential,
                                   GraphOptions options)
    : session_(http, credential, options.graph_url, options.api_version),
      options_(std::move(options)) {}

std::string GraphAuditClient::QueriesUrl() const {
  return session_.VersionRoot() + "/security/auditLog/queries";
}

std::string GraphAuditClient::FirstPageUrl(const std::string& query_id) const {
  return QueriesUrl() + "/" + query_id + "/records?$top=" + std::to_string(options_.page_size);
}

HttpResponse GraphAuditClient::Call(HttpRequest request, SendOptions send) {
  return session_.Call(std::move(request), send);
}

void GraphAuditClient::ThrowFor(const HttpRequest& request, const HttpResponse& response,
                                const std::string& action) {
  ServiceError::Details details;
  std::string message = session_.Describe(request, response, action, details);
  if (response.status == 401) {
    throw AuthError(message + ". Graph rejected a fresh token: check that graph_url names the " +
                        "Microsoft Graph of the tenant's cloud.",
                    details);
  }
  if (response.status == 403) {
    throw AuthError(message + ". The app registration needs the Microsoft Graph application " +
                        "permission AuditLogsQuery.Read.All with admin consent, and unified " +
                        "audit logging must be on in the tenant.",
                    details);
  }
  if (response.status == 404 && request.url.find("/security/auditLog") != std::string::npos &&
      details.service_code.empty()) {
    message += ". The audit log query API was not found at " + QueriesUrl() +
               ": check graph_url and graph_api_version (v1.0 or beta)";
  }
  throw ServiceError(message + ".", details);
}

nlohmann::json GraphAuditClient::ListQueriesPage(const std::string& url) {
  HttpRequest request;
  request.url = url;
  nlohmann::json json;
  SendOptions send;
  send.accept = [&json](const HttpResponse& response) {
    json = nlohmann::json::parse(response.body, nullptr, false);
    return json.is_object() && json.contains("value") && json["value"].is_array();
  };
  const auto response = Call(request, send);
  if (response.status != 200) ThrowFor(request, response, "listing audit log queries");
  return json;
}

size_t GraphAuditClient::CountListedQueries() {
  return ListQueriesPage(QueriesUrl())["value"].size();
}

std::optional<std::string> GraphAuditClient::FindQuery(const std::string& display_name,
                                                       Instant start, Instant end) {
  // The listing may be paged like any Graph collection.
  for (std::string url = QueriesUrl(); !url.empty();) {
    const auto json = ListQueriesPage(url);
    for (const auto& query : json["value"]) {
      // The name must match, and so must the window: a query of another tool (or another
      // auditsync database) that happens to carry the name is not adopted.
      if (StringField(query, "displayName") == display_name &&
          ParseIso8601(StringField(query, "filterStartDateTime")) == start &&
          ParseIso8601(StringField(query, "filterEndDateTime")) == end &&
          !StringField(query, "id").empty()) {
        return StringField(query, "id");
      }
    }
    const auto next = StringField(json, "@odata.nextLink");
    if (next == url) break;  // a server repeating its own link would loop forever
    url = next;
  }
  return std::nullopt;
}

std::string GraphAuditClient::CreateQuery(const std::string& display_name, Instant start,
                                          Instant end) {
  nlohmann::json body = {{"displayName", display_name},
                         {"filterStartDateTime", FormatIso8601(start)},
                         {"filterEndDateTime", FormatIso8601(end)},
                         {"operationFilters", options_.operations}};
  if (!options_.service_filters.empty()) body["serviceFilters"] = options_.service_filters;
  HttpRequest request;
  request.method = "POST";
  request.url = QueriesUrl();
  request.headers = {{"Content-Type", "application/json"}};
  request.body = body.dump();

  constexpr int kAttempts = 4;
  for (int attempt = 1;; ++attempt) {
    std::string query_id;
    SendOptions send;
    send.replayable = false;
    send.longest_wait = kLongestCreateWait;
    send.accept = [&query_id](const HttpResponse& response) {
      query_id = StringField(nlohmann::json::parse(response.body, nullptr, false), "id");
      return !query_id.empty();
    };
    try {
      const auto response = Call(request, send);
      if (response.status == 201 || response.status == 200) return query_id;
      // A 429 comes back here either at once, because Graph asks to wait longer than a sync
      // should sleep (the allocation frees up in hours), or after every attempt's short wait was
      // refused again (a throttling storm). Only the first means the allocation is spent; the
      // second fails this window like any refusal that outlasts the retries, and the next sync
      // retries it.
      if (response.status == 429) {
        if (!IsAllocationSpent(response))
          ThrowFor(request, response, "creating an audit log query");
        const auto error = ParseGraphError(response);
        const auto retry_after = response.Header("retry-after");
        throw QueryAllocationSpent(
            "Graph refused to create query " + display_name + " with HTTP 429" +
                (error.message.empty() ? "" : " (" + error.message + ")") +
                (retry_after.empty() ? "" : ", retry after " + std::string(retry_after) + " s") +
                ": the tenant's audit log query allocation is spent (other tools of the tenant "
                "share it). The windows wait for a later sync",
            {429, error.code, error.request_id, RedactUrl(request.url)});
      }
      if (!IsRetryableStatus(response.status) || attempt == kAttempts) {
        ThrowFor(request, response, "creating an audit log query");
      }
      spdlog::warn("creating query {} answered HTTP {}; the query may exist: looking for it",
                   display_name, response.status);
    } catch (const TransportError& error) {
      if (attempt == kAttempts) throw;
      spdlog::warn("creating query {}: {}; the query may exist: looking for it", display_name,
                   error.what());
    } catch (const ServiceError& error) {
      // A garbled 201 body: the query exists but its id was lost.
      if (error.GetDetails().service_code != "GarbledResponse" || attempt == kAttempts) throw;
    }
    if (auto existing = FindQuery(display_name, start, end)) {
      spdlog::info("found query {} by its name after an uncertain reply", display_name);
      return *existing;
    }
  }
}

QueryStatus GraphAuditClient::GetQuery(const std::string& query_id) {
  HttpRequest request;
  request.url = QueriesUrl() + "/" + query_id;
  nlohmann::json json;
  SendOptions send;
  send.accept = [&json](const HttpResponse& response) {
    json = nlohmann::json::parse(response.body, nullptr, false);
    return json.is_object() && json.contains("status") && json["status"].is_string();
  };
  const auto response = Call(request, send);
  if (response.status != 200) ThrowFor(request, response, "reading audit log query " + query_id);
  QueryStatus status;
  status.id = query_id;
  status.status = json["status"].get<std::string>();
  if (const auto it = json.find("isRecordCountLimitExceeded");
      it != json.end() && it->is_boolean()) {
    status.record_limit_exceeded = it->get<bool>();
  }
  if (const auto it = json.find("approximateReturnedRecordCount");
      it != json.end() && it->is_number_integer()) {
    status.approximate_records = it->get<long long>();
  }
  return status;
}

RecordPage GraphAuditClient::FetchPage(const std::string& url) {
  HttpRequest request;
  request.url = url;
  std::optional<RecordPage> page;
  SendOptions send;
  send.accept = [this, &page](const HttpResponse& response) {
    page = parser_.ParseGraphPage(response.body);
    return page.has_value();
  };
  const auto response = Call(request, send);
  if (response.status != 200) ThrowFor(request, response, "reading audit records");
  return std::move(*page);
}

}  // namespace auditsync
