// When and how long to wait before trying a request again (STYLE.md habit 3). Pure functions of
// their inputs: the clock and the randomness are parameters, so tests never sleep.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "core/time.hpp"

namespace auditsync {

struct RetryOptions {
  int max_attempts = 8;
  std::chrono::milliseconds base_delay{1000};
  std::chrono::milliseconds max_delay{60000};
};

// 408, 429, 500, 502, 503 and 504: the statuses worth another attempt.
bool IsRetryableStatus(long status);

// 429 and 503 say the server refused the request without acting on it, so even a request that
// must not be replayed blindly (the POST that creates a query) can be sent again.
bool IsRefusalStatus(long status);

// Parses Retry-After: delta seconds, fractional too ("2.128"), or an HTTP date relative to `now`.
// Negative or unparsable values give nullopt; a date in the past gives zero.
std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value, Instant now);

// The longest Retry-After honoured as given; a longer one (a misconfigured server) is cut to it.
inline constexpr std::chrono::milliseconds kRetryAfterCeiling = std::chrono::minutes(15);

// The wait before attempt `next_attempt` (2 for the first retry): the server's Retry-After when
// given (up to kRetryAfterCeiling: a throttled client must wait as long as it is told), else
// exponential backoff base*2^(n-2) capped by max_delay, scaled
// by `jitter` in [0,1) to a value between half and all of it, so that many clients that failed
// together do not retry together.
std::chrono::milliseconds BackoffDelay(const RetryOptions& options, int next_attempt,
                                       std::optional<std::chrono::milliseconds> retry_after,
                                       double jitter);

}  // namespace auditsync
