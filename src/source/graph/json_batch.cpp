#include "source/graph/json_batch.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <unordered_map>

#include "core/json_fields.hpp"
#include "core/log.hpp"

namespace auditsync {

std::string BatchRequestBody(const std::vector<BatchItem>& items) {
  nlohmann::json requests = nlohmann::json::array();
  for (const auto& item : items) {
    requests.push_back({{"id", item.id}, {"method", "GET"}, {"url", item.url}});
  }
  return nlohmann::json{{"requests", std::move(requests)}}.dump();
}

std::optional<std::vector<BatchItemResponse>> ParseBatchResponse(std::string_view body) {
  const auto json = nlohmann::json::parse(body, nullptr, false);
  if (!json.is_object() || !json.contains("responses") || !json["responses"].is_array()) {
    return std::nullopt;
  }
  std::vector<BatchItemResponse> items;
  for (const auto& entry : json["responses"]) {
    const auto id = StringField(entry, "id");
    if (id.empty() || !entry.contains("status") || !entry["status"].is_number_integer()) {
      return std::nullopt;
    }
    BatchItemResponse item{id, {}};
    item.response.status = entry["status"].get<long>();
    if (const auto headers = entry.find("headers"); headers != entry.end()) {
      if (!headers->is_object()) return std::nullopt;
      for (const auto& [name, value] : headers->items()) {
        if (value.is_string()) item.response.headers.emplace_back(name, value.get<std::string>());
      }
    }
    // A JSON body comes as JSON; anything else (not asked for here) as a base64 string.
    if (const auto content = entry.find("body"); content != entry.end() && !content->is_null()) {
      item.response.body = content->dump();
    }
    items.push_back(std::move(item));
  }
  return items;
}

std::vector<HttpResponse> SendBatch(GraphSession& session, const std::vector<BatchItem>& items,
                                    const std::string& action) {
  auto& http = session.Http();
  std::vector<HttpResponse> answers(items.size());  // status 0 until an item is answered
  std::vector<size_t> pending(items.size());
  for (size_t i = 0; i < pending.size(); ++i) pending[i] = i;
  for (int attempt = 1;; ++attempt) {
    std::vector<BatchItem> batch;
    std::unordered_map<std::string_view, size_t> by_id;
    for (const size_t i : pending) {
      batch.push_back(items[i]);
      by_id.emplace(items[i].id, i);
    }
    HttpRequest request{"POST",
                        session.VersionRoot() + "/$batch",
                        {{"Content-Type", "application/json"}},
                        BatchRequestBody(batch)};
    std::optional<std::vector<BatchItemResponse>> parsed;
    SendOptions send;
    send.accept = [&parsed](const HttpResponse& response) {
      parsed = ParseBatchResponse(response.body);
      return parsed.has_value();
    };
    const auto response = session.Call(request, send);
    if (response.status / 100 != 2) {
      ServiceError::Details details;
      const auto message = session.Describe(request, response, action, details);
      if (response.status == 401 || response.status == 403) throw AuthError(message + ".", details);
      throw ServiceError(message + ".", details);
    }
    for (auto& item : *parsed) {
      if (const auto it = by_id.find(item.id); it != by_id.end()) {
        answers[it->second] = std::move(item.response);
      }
    }
    // Retry what was throttled or lost, all after the longest wait any of them was asked for.
    std::vector<size_t> again;
    std::optional<std::chrono::milliseconds> wait;
    for (const size_t i : pending) {
      if (answers[i].status != 0 && !IsRetryableStatus(answers[i].status)) continue;
      again.push_back(i);
      if (const auto asked = http.RetryAfter(answers[i].Header("retry-after"))) {
        wait = std::max(wait.value_or(std::chrono::milliseconds(0)), *asked);
      }
    }
    if (again.empty() || attempt >= http.MaxAttempts()) return answers;
    spdlog::debug("{}: {} of {} item(s) throttled or unanswered; attempt {} of {}", action,
                  again.size(), pending.size(), attempt + 1, http.MaxAttempts());
    http.Backoff(attempt + 1, wait);
    pending = std::move(again);
  }
}

}  // namespace auditsync
