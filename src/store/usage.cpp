#include "store/usage.hpp"

namespace auditsync {
namespace {
using std::chrono::days;
using std::chrono::floor;
using std::chrono::sys_days;
using std::chrono::year_month_day;
}  // namespace

std::optional<UsagePeriod> ParseUsagePeriod(std::string_view name) {
  if (name == "day") return UsagePeriod::kDay;
  if (name == "week") return UsagePeriod::kWeek;
  if (name == "month") return UsagePeriod::kMonth;
  return std::nullopt;
}

std::string_view UsagePeriodName(UsagePeriod period) {
  switch (period) {
    case UsagePeriod::kDay:
      return "day";
    case UsagePeriod::kWeek:
      return "week";
    case UsagePeriod::kMonth:
      return "month";
  }
  return "day";
}

Instant PeriodStart(UsagePeriod period, Instant at) {
  const sys_days day = floor<days>(at);
  switch (period) {
    case UsagePeriod::kDay:
      return day;
    case UsagePeriod::kWeek:
      // ISO weeks start on Monday.
      return day - (std::chrono::weekday(day) - std::chrono::Monday);
    case UsagePeriod::kMonth: {
      const year_month_day date(day);
      return sys_days(date.year() / date.month() / 1);
    }
  }
  return day;
}

Instant NextPeriodStart(UsagePeriod period, Instant start) {
  switch (period) {
    case UsagePeriod::kDay:
      return start + days(1);
    case UsagePeriod::kWeek:
      return start + days(7);
    case UsagePeriod::kMonth: {
      const year_month_day date(floor<days>(start));
      return sys_days((date.year() / date.month() + std::chrono::months(1)) / 1);
    }
  }
  return start + days(1);
}

}  // namespace auditsync
