#include "core/time.hpp"

#include <gtest/gtest.h>

namespace auditsync {
namespace {

using namespace std::chrono_literals;

Instant At(const char* text) { return *ParseIso8601(text); }

TEST(Time, ParsesTheFormsTheCliAndTheServicesUse) {
  EXPECT_EQ(FormatIso8601(At("2026-11-01")), "2026-11-01T00:00:00Z");
  EXPECT_EQ(FormatIso8601(At("2026-11-01T05:00:00Z")), "2026-11-01T05:00:00Z");
  EXPECT_EQ(FormatIso8601(At("2026-11-01T05:07")), "2026-11-01T05:07:00Z");
  // The unified audit log's CreationTime has no zone: it is UTC.
  EXPECT_EQ(FormatIso8601(At("2025-06-01T13:17:34")), "2025-06-01T13:17:34Z");
  // Fractions are truncated to whole seconds; offsets are applied.
  EXPECT_EQ(FormatIso8601(At("2025-06-01T13:17:34.9876543Z")), "2025-06-01T13:17:34Z");
  EXPECT_EQ(FormatIso8601(At("2025-06-01T13:17:34+02:00")), "2025-06-01T11:17:34Z");
  EXPECT_EQ(FormatIso8601(At("2025-06-01T00:30:00-01:00")), "2025-06-01T01:30:00Z");
}

TEST(Time, RejectsWhatIsNotADate) {
  for (const char* text : {"", "2026", "2026-13-01", "2026-02-30", "2026-11-01T25:00:00Z",
                           "2026-11-01T05:00:00Q", "yesterday", "2026-11-01T05:00:00.Z"}) {
    EXPECT_FALSE(ParseIso8601(text).has_value()) << text;
  }
}

TEST(Time, HttpDatesRoundTrip) {
  const auto instant = At("1994-11-06T08:49:37Z");
  EXPECT_EQ(FormatHttpDate(instant), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(ParseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT"), instant);
  EXPECT_FALSE(ParseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT").has_value());
}

TEST(Time, RelativeArgumentsCountFromNow) {
  const auto now = At("2026-11-25T12:00:00Z");
  EXPECT_EQ(ParseTimeArgument("-7d", now), At("2026-11-18T12:00:00Z"));
  EXPECT_EQ(ParseTimeArgument("-12h", now), At("2026-11-25T00:00:00Z"));
  EXPECT_EQ(ParseTimeArgument("-1d12h", now), At("2026-11-24T00:00:00Z"));
  EXPECT_EQ(ParseTimeArgument("2026-11-01", now), At("2026-11-01T00:00:00Z"));
  EXPECT_FALSE(ParseTimeArgument("-7x", now).has_value());
  EXPECT_FALSE(ParseTimeArgument("-", now).has_value());
  EXPECT_EQ(ParseDuration("90s"), 90s);
}

}  // namespace
}  // namespace auditsync
