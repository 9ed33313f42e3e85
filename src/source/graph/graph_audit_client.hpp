// The Microsoft Graph audit log query API (microsoft-apis.md §1): create a query for a time
// window, read its status, and page its records by following @odata.nextLink verbatim.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "auth/token_credential.hpp"
#include "core/time.hpp"
#include "net/http_client.hpp"
#include "record/record_parser.hpp"
#include "source/graph/graph_session.hpp"

namespace auditsync {

struct GraphOptions {
  std::string graph_url;    // e.g. https://graph.microsoft.com, no trailing slash
  std::string api_version;  // v1.0 or beta
  int page_size = 1000;
  std::vector<std::string> operations;
  std::vector<std::string> service_filters;
};

struct QueryStatus {
  std::string id;
  std::string status;  // notStarted, running, succeeded, failed, cancelled, ...
  bool record_limit_exceeded = false;
  std::optional<long long> approximate_records;
};

// Graph refused to create a query with 429: the tenant's query allocation (submissions per 24
// hours, or unfinished queries) is spent, by auditsync or by other tools. Nothing was created.
class QueryAllocationSpent : public ServiceError {
 public:
  using ServiceError::ServiceError;
};

class GraphAuditClient {
 public:
  GraphAuditClient(HttpClient& http, TokenCredential& credential, GraphOptions options);

  // Creates a query named `display_name` for [start, end) and returns its id. The POST is never
  // replayed blindly: when its outcome is unknown (lost reply, 5xx), the query is looked for by
  // its display name, and created again only if it is not there. Throws QueryAllocationSpent
  // when Graph refuses with 429 and asks to wait minutes or more; a 429 that short waits do not
  // get past within the retries is throttling, a ServiceError like any other.
  std::string CreateQuery(const std::string& display_name, Instant start, Instant end);

  // The id of an existing query with this display name and window, if any.
  std::optional<std::string> FindQuery(const std::string& display_name, Instant start, Instant end);

  // How many queries the first page of the tenant's query list holds: proves the API answers
  // without spending a query submission.
  size_t CountListedQueries();

  // Throws ServiceError with http_status 404 when the query no longer exists.
  QueryStatus GetQuery(const std::string& query_id);

  // The scope of the tokens it uses: `{graph_url}/.default`.
  const std::string& Scope() const { return session_.Scope(); }

  // Where paging of a succeeded query starts.
  std::string FirstPageUrl(const std::string& query_id) const;

  // Fetches and parses one page. A garbled body is retried like a dropped connection.
  RecordPage FetchPage(const std::string& url);

 private:
  HttpResponse Call(HttpRequest request, SendOptions send);
  nlohmann::json ListQueriesPage(const std::string& url);
  [[noreturn]] void ThrowFor(const HttpRequest& request, const HttpResponse& response,
                             const std::string& action);
  std::string QueriesUrl() const;

  GraphSession session_;
  GraphOptions options_;
  RecordParser parser_;
};

}  // namespace auditsync
