#include "clock.hpp"

#include "core/time.hpp"

namespace emulator {

Clock::Reading Clock::Read() const {
  std::lock_guard lock(mutex_);
  if (simulated_) return {*simulated_, true};
  return {auditsync::NowUtc().time_since_epoch().count(), false};
}

void Clock::Set(std::int64_t now) {
  std::lock_guard lock(mutex_);
  simulated_ = now;
}

}  // namespace emulator
