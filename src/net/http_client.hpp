// Sends requests through a transport with the retry policy of retry.hpp. The clock, the sleeper
// and the randomness are injected so that tests run instantly and deterministically.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "net/http.hpp"
#include "net/retry.hpp"

namespace auditsync {

struct RetryEnvironment {
  std::function<Instant()> now = NowUtc;
  std::function<void(std::chrono::milliseconds)> sleep;  // default: std::this_thread::sleep_for
  std::function<double()> jitter;                        // default: uniform [0,1)
};

struct SendOptions {
  // False for a request whose replay could act twice (creating a query): only explicit refusals
  // (429, 503) are retried; a lost response or a 5xx that may have been processed is returned or
  // thrown to the caller, who must find out what happened before sending again.
  bool replayable = true;
  // Checks a 2xx response's body. A false answer marks the response garbled (truncated JSON,
  // say), retried like a dropped connection.
  std::function<bool(const HttpResponse&)> accept;
  // Recognises a response that means "too many requests" whatever its status, as the Management
  // Activity API's AF429 comes with HTTP 403: such a response is retried like a 429.
  std::function<bool(const HttpResponse&)> throttled;
  // When set, the bodies of 2xx responses go here as they arrive (see BodyStream), restarted for
  // each attempt; `accept` then judges the response once the whole body has been streamed.
  BodyStream* stream = nullptr;
  // A Retry-After longer than this is not waited for: the response goes back to the caller, who
  // has better things to do than sleep (a query allocation that frees up in hours).
  std::optional<std::chrono::milliseconds> longest_wait;
  // Statuses that this service documents as passing, retried with the same backoff as the
  // transient ones until `passing_attempts` attempts in all (more, or fewer, than the client's
  // max_attempts): IMDS answers 404 and 410 while it updates, Key Vault 403 while a new role
  // assignment propagates.
  std::vector<long> passing_statuses;
  int passing_attempts = 3;
};

class HttpClient {
 public:
  HttpClient(std::unique_ptr<HttpTransport> transport, RetryOptions options,
             RetryEnvironment environment = {});

  // Returns the final response, which may be an error status (after retries for retryable ones).
  // Throws TransportError when no response came after all attempts, and ServiceError when every
  // 2xx response was garbled.
  HttpResponse Send(const HttpRequest& request, const SendOptions& options = {});

  // For parts of a response that the caller retries itself (the throttled items of a JSON
  // batch), with the same policy, clock, jitter and sleeper as Send: how many attempts it allows,
  // a Retry-After value read against its clock, and the wait before attempt `next_attempt`.
  int MaxAttempts() const { return options_.max_attempts; }
  std::optional<std::chrono::milliseconds> RetryAfter(std::string_view value) const;
  void Backoff(int next_attempt, std::optional<std::chrono::milliseconds> retry_after);

 private:
  std::unique_ptr<HttpTransport> transport_;
  RetryOptions options_;
  RetryEnvironment environment_;
};

}  // namespace auditsync
