#include <chrono>
#include <cstdlib>

#include "cli/commands.hpp"
#include "core/log.hpp"

namespace auditsync {

Instant CommandNow() {
  // Read once: every part of a command must agree on the time.
  static const Instant now = [] {
    const char* fake = std::getenv("AUDITSYNC_TEST_NOW");
    if (fake == nullptr || *fake == '\0') return NowUtc();
    const auto parsed = ParseIso8601(fake);
    if (!parsed) {
      throw ConfigError(std::string("AUDITSYNC_TEST_NOW `") + fake +
                        "` is not an ISO 8601 time. Unset it: it is for tests only.");
    }
    spdlog::warn("AUDITSYNC_TEST_NOW is set: running as if it were {} (for tests only)",
                 FormatIso8601(*parsed));
    return *parsed;
  }();
  return now;
}

Instant RunningNow() {
  static const auto first_asked = std::chrono::steady_clock::now();
  if (const char* fake = std::getenv("AUDITSYNC_TEST_NOW"); fake == nullptr || *fake == '\0') {
    return NowUtc();
  }
  return CommandNow() + std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::steady_clock::now() - first_asked);
}

Instant ParseTimeFlag(const std::string& flag, const std::string& value, Instant now) {
  const auto instant = ParseTimeArgument(value, now);
  // Years outside 1970..9999 are typos (or -100000000w), and would not print as ISO 8601.
  constexpr auto kFirst = std::chrono::sys_days(std::chrono::year(1970) / 1 / 1);
  constexpr auto kLast = std::chrono::sys_days(std::chrono::year(9999) / 12 / 31);
  if (instant && *instant >= kFirst && *instant <= kLast) return *instant;
  throw UsageError(flag + " `" + value +
                   "` is not a time. Use 2026-11-01, 2026-11-01T05:00:00Z, or a relative time "
                   "such as -7d or -12h.");
}

}  // namespace auditsync
