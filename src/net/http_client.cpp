#include "net/http_client.hpp"

#include <algorithm>
#include <random>
#include <thread>

#include "core/log.hpp"

namespace auditsync {

HttpClient::HttpClient(std::unique_ptr<HttpTransport> transport, RetryOptions options,
                       RetryEnvironment environment)
    : transport_(std::move(transport)), options_(options), environment_(std::move(environment)) {
  if (!environment_.sleep) {
    environment_.sleep = [](std::chrono::milliseconds delay) {
      std::this_thread::sleep_for(delay);
    };
  }
  if (!environment_.jitter) {
    auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
    environment_.jitter = [engine] {
      return std::uniform_real_distribution<double>(0.0, 1.0)(*engine);
    };
  }
  if (!environment_.now) environment_.now = NowUtc;
}

HttpResponse HttpClient::Send(const HttpRequest& request, const SendOptions& options) {
  const auto where = request.method + " " + RedactUrl(request.url);
  for (int attempt = 1;; ++attempt) {
    const bool last_attempt = attempt >= options_.max_attempts;
    std::optional<std::chrono::milliseconds> retry_after;
    std::string reason;
    try {
      if (options.stream != nullptr) options.stream->Restart();
      HttpResponse response = options.stream != nullptr
                                  ? transport_->SendStreaming(request, *options.stream)
                                  : transport_->Send(request);
      if (response.status >= 200 && response.status < 300) {
        if (!options.accept || options.accept(response)) return response;
        // A garbled answer to a request that must not be replayed still means it was acted on
        // (a query created): the caller finds out what happened instead of sending it again.
        if (last_attempt || !options.replayable) {
          throw ServiceError("the response to " + where + " was garbled (incomplete or invalid " +
                                 "JSON) in all " + std::to_string(attempt) + " attempts",
                             {response.status, "GarbledResponse",
                              std::string(response.Header("request-id")), RedactUrl(request.url)});
        }
        reason = "a garbled response";
      } else {
        // A throttling answer was refused, not acted on: even a request that must not be
        // replayed blindly may be sent again.
        const bool throttled = options.throttled && options.throttled(response);
        const bool passing =
            std::find(options.passing_statuses.begin(), options.passing_statuses.end(),
                      response.status) != options.passing_statuses.end();
        const bool retry =
            passing ? attempt < options.passing_attempts
                    : !last_attempt &&
                          (throttled || (options.replayable ? IsRetryableStatus(response.status)
                                                            : IsRefusalStatus(response.status)));
        if (!retry) return response;
        retry_after = ParseRetryAfter(response.Header("retry-after"), environment_.now());
        if (retry_after && options.longest_wait && *retry_after > *options.longest_wait) {
          return response;
        }
        reason = "HTTP " + std::to_string(response.status);
      }
    } catch (const TransportError& error) {
      if (!options.replayable || last_attempt || !error.Retryable()) throw;
      reason = error.what();
    }
    const auto delay = BackoffDelay(options_, attempt + 1, retry_after, environment_.jitter());
    spdlog::debug("{}: {}; attempt {} of {} in {} ms", where, reason, attempt + 1,
                  options_.max_attempts, delay.count());
    environment_.sleep(delay);
  }
}

std::optional<std::chrono::milliseconds> HttpClient::RetryAfter(std::string_view value) const {
  return ParseRetryAfter(value, environment_.now());
}

void HttpClient::Backoff(int next_attempt, std::optional<std::chrono::milliseconds> retry_after) {
  environment_.sleep(BackoffDelay(options_, next_attempt, retry_after, environment_.jitter()));
}

}  // namespace auditsync
