#include "sync/window_planner.hpp"

#include <algorithm>
#include <optional>

namespace auditsync {
namespace {

constexpr std::chrono::seconds kHour = std::chrono::hours(1);
constexpr std::chrono::seconds kDay = std::chrono::days(1);

void Append(std::vector<TimeRange>& windows, std::vector<TimeRange> more) {
  windows.insert(windows.end(), more.begin(), more.end());
}

}  // namespace

std::vector<TimeRange> PlanWindows(Instant from, Instant to, std::chrono::seconds width) {
  std::vector<TimeRange> windows;
  if (from >= to || width <= std::chrono::seconds(0)) return windows;
  Instant start = from;
  while (start < to) {
    const Instant end = std::min(AlignDown(start, width) + width, to);
    windows.emplace_back(start, end);
    start = end;
  }
  return windows;
}

std::vector<TimeRange> PlanInitialWindows(Instant from, Instant to, std::chrono::seconds width) {
  const Instant first_day = AlignUp(from, kDay);
  const Instant last_day = AlignDown(to, kDay);
  if (width >= kDay || first_day >= last_day) return PlanWindows(from, to, width);
  std::vector<TimeRange> windows = PlanWindows(from, first_day, width);
  Append(windows, PlanWindows(first_day, last_day, kDay));
  Append(windows, PlanWindows(last_day, to, width));
  return windows;
}

std::vector<TimeRange> PlanSettleScans(const std::vector<CoveredHour>& hours,
                                       const std::vector<std::chrono::seconds>& settle_after,
                                       Instant now) {
  std::vector<TimeRange> scans;
  for (auto day_begin = hours.begin(); day_begin != hours.end();) {
    const Instant day = AlignDown(day_begin->start, kDay);
    const auto day_end = std::find_if(day_begin, hours.end(), [day](const CoveredHour& hour) {
      return AlignDown(hour.start, kDay) != day;
    });
    std::optional<TimeRange> scan;
    for (const auto offset : settle_after) {
      // Offsets of a day or more wait for the whole day, so that one query serves it; shorter
      // ones (fresher reports, at a query per hour) are due hour by hour.
      const bool whole_day = offset >= kDay;
      if (whole_day && day + kDay + offset > now) break;  // ascending: later ones neither
      for (auto hour = day_begin; hour != day_end; ++hour) {
        const Instant due_at = hour->start + kHour + offset;
        if ((!whole_day && due_at > now) || hour->scanned_at >= due_at) continue;
        const TimeRange range{hour->start, hour->start + kHour};
        scan = scan ? TimeRange{std::min(scan->first, range.first),
                                std::max(scan->second, range.second)}
                    : range;
      }
    }
    if (scan) scans.push_back(*scan);
    day_begin = day_end;
  }
  return scans;
}

std::vector<TimeRange> SplitWindow(Instant start, Instant end) {
  if (end - start < std::chrono::seconds(2)) return {};
  Instant middle = start + (end - start) / 2;
  if (end - start > kHour) {
    const Instant hour = AlignDown(middle, kHour);
    middle = hour > start ? hour : AlignUp(middle, kHour);
  }
  return {{start, middle}, {middle, end}};
}

}  // namespace auditsync
