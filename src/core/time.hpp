// UTC instants and the text forms auditsync reads and writes: ISO 8601 (Graph, CLI, reports),
// relative offsets for the CLI (-7d, -12h) and HTTP dates (Retry-After).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace auditsync {

// Every time in auditsync is a UTC instant with second resolution: Graph's createdDateTime has
// whole seconds, and reports print whole seconds.
using Instant = std::chrono::sys_seconds;

// Parses `2026-11-01`, `2026-11-01T05:00`, `2026-11-01T05:00:00`, with optional fraction
// (truncated) and optional zone `Z` or `+hh:mm`/`-hh:mm`. A time without a zone is UTC, as in
// the unified audit log's CreationTime. Returns nullopt for anything else.
std::optional<Instant> ParseIso8601(std::string_view text);

// `2026-11-01T05:00:00Z`.
std::string FormatIso8601(Instant instant);

// Parses an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the form of HTTP's Retry-After date.
std::optional<Instant> ParseHttpDate(std::string_view text);

// Formats an IMF-fixdate.
std::string FormatHttpDate(Instant instant);

// Parses a signed duration such as `-7d`, `12h`, `-30m`, `45s`, `1d12h`.
std::optional<std::chrono::seconds> ParseDuration(std::string_view text);

// The shortest text ParseDuration reads back: `1d`, `2h30m`, `45s`, `0s`; `-` before a negative.
std::string FormatDuration(std::chrono::seconds duration);

// The latest multiple of `unit` since the Unix epoch at or before `instant` (unit > 0), and the
// earliest at or after it.
constexpr Instant AlignDown(Instant instant, std::chrono::seconds unit) {
  auto count = instant.time_since_epoch() / unit;
  if (instant.time_since_epoch() % unit < std::chrono::seconds(0)) --count;
  return Instant(count * unit);
}
constexpr Instant AlignUp(Instant instant, std::chrono::seconds unit) {
  const Instant down = AlignDown(instant, unit);
  return down == instant ? down : down + unit;
}

// Parses a CLI time: an ISO 8601 instant, or a relative duration from `now` (`-7d`).
std::optional<Instant> ParseTimeArgument(std::string_view text, Instant now);

// The current UTC time, truncated to whole seconds.
Instant NowUtc();

}  // namespace auditsync
