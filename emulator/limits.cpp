#include "limits.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace emulator {

std::optional<Refusal> QueryLimits::Admit(std::int64_t now) {
  const auto expired = [now](std::int64_t submitted) { return submitted + kWindowSeconds <= now; };
  submissions_.erase(std::remove_if(submissions_.begin(), submissions_.end(), expired),
                     submissions_.end());

  if (submissions_.size() >= static_cast<std::size_t>(budget_)) {
    const std::int64_t oldest = *std::min_element(submissions_.begin(), submissions_.end());
    const std::int64_t wait = oldest + kWindowSeconds - now;
    return Refusal{"budget",
                   fmt::format("The tenant's audit log query budget of {} submissions per rolling "
                               "24 hours is used up. Retry after {} seconds.",
                               budget_, wait),
                   wait};
  }
  if (unfinished_ >= max_unfinished_) {
    return Refusal{"unfinished",
                   fmt::format("The tenant already has {} unfinished (notStarted or running) audit "
                               "log queries, the most it may have at once.",
                               unfinished_),
                   kUnfinishedRetryAfter};
  }
  submissions_.push_back(now);
  ++unfinished_;
  return std::nullopt;
}

}  // namespace emulator
