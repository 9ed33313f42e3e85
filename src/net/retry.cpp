#include "net/retry.hpp"

#include "core/text.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace auditsync {

bool IsRetryableStatus(long status) {
  return status == 408 || status == 429 || status == 500 || status == 502 || status == 503 ||
         status == 504;
}

bool IsRefusalStatus(long status) { return status == 429 || status == 503; }

std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value, Instant now) {
  value = Trim(value);
  if (value.empty()) return std::nullopt;
  if (std::isdigit(static_cast<unsigned char>(value.front()))) {
    double seconds = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec != std::errc() || end != value.data() + value.size() || !std::isfinite(seconds)) {
      return std::nullopt;
    }
    // A day is more than any server means; clamp so that the conversion cannot overflow.
    seconds = std::min(seconds, 86400.0);
    return std::chrono::milliseconds(static_cast<long long>(std::ceil(seconds * 1000.0)));
  }
  if (const auto date = ParseHttpDate(value)) {
    return std::max(std::chrono::milliseconds(0),
                    std::chrono::duration_cast<std::chrono::milliseconds>(*date - now));
  }
  return std::nullopt;
}

std::chrono::milliseconds BackoffDelay(const RetryOptions& options, int next_attempt,
                                       std::optional<std::chrono::milliseconds> retry_after,
                                       double jitter) {
  if (retry_after) return std::min(*retry_after, kRetryAfterCeiling);
  const int exponent = std::clamp(next_attempt - 2, 0, 30);
  const double full =
      std::min(static_cast<double>(options.base_delay.count()) * std::pow(2.0, exponent),
               static_cast<double>(options.max_delay.count()));
  const double scaled = full * (0.5 + 0.5 * std::clamp(jitter, 0.0, 1.0));
  return std::chrono::milliseconds(static_cast<long long>(scaled));
}

}  // namespace auditsync
