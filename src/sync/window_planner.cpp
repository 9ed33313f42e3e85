#include "sync/window_planner.hpp"

namespace auditsync {

std::vector<TimeRange> PlanWindows(Instant from, Instant to, std::chrono::seconds width) {
  std::vector<TimeRange> windows;
  if (from >= to || width <= std::chrono::seconds(0)) return windows;
  Instant start = from;
  while (start < to) {
    const auto since_epoch = start.time_since_epoch();
    const Instant boundary = Instant((since_epoch / width + 1) * width);
    const Instant end = std::min(boundary, to);
    windows.emplace_back(start, end);
    start = end;
  }
  return windows;
}

std::vector<TimeRange> SplitWindow(Instant start, Instant end) {
  if (end - start < std::chrono::seconds(2)) return {};
  const Instant middle = start + (end - start) / 2;
  return {{start, middle}, {middle, end}};
}

}  // namespace auditsync
