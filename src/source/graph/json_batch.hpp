// Microsoft Graph JSON batching: up to 20 requests in one `POST {graph_url}/{version}/$batch`.
// The envelope succeeds (200) while each item has its own status, headers and body, so a
// throttled item (429 or 503 with its own Retry-After) is sent again in a later batch on its own;
// Graph answers items in any order, matched by id.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/http.hpp"
#include "source/graph/graph_session.hpp"

namespace auditsync {

inline constexpr size_t kMaxBatchItems = 20;  // Graph's limit per batch

struct BatchItem {
  std::string id;   // unique within the batch
  std::string url;  // relative to the version root, starting with '/', query string included
};

struct BatchItemResponse {
  std::string id;
  HttpResponse response;  // the item's status, headers and body (JSON text)
};

// {"requests":[{"id","method":"GET","url"}...]}: GET requests only, which can be sent again
// without harm.
std::string BatchRequestBody(const std::vector<BatchItem>& items);

// The item responses of a batch answer; nullopt when the body is not a batch answer (truncated,
// garbled), which is retried like a dropped connection.
std::optional<std::vector<BatchItemResponse>> ParseBatchResponse(std::string_view body);

// Sends `items` (at most kMaxBatchItems) and returns each item's final response, in the order of
// `items`. Items answered with a retryable status (429, 503, ...) or not answered at all are sent
// again, in one batch, after the longest Retry-After among them (or the client's backoff), for
// up to the HTTP client's attempts; then the last answer stands (status 0 when there was none).
// Throws ServiceError (AuthError for 401/403) when the batch itself is refused; `action` names
// the work in that message.
std::vector<HttpResponse> SendBatch(GraphSession& session, const std::vector<BatchItem>& items,
                                    const std::string& action);

}  // namespace auditsync
