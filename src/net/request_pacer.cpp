#include "net/request_pacer.hpp"

#include <thread>

namespace auditsync {

constexpr std::chrono::minutes kPeriod{1};

RequestPacer::RequestPacer(int per_minute, Environment environment)
    : per_minute_(per_minute), environment_(std::move(environment)) {
  if (!environment_.now) environment_.now = Clock::now;
  if (!environment_.sleep) {
    environment_.sleep = [](std::chrono::milliseconds delay) {
      std::this_thread::sleep_for(delay);
    };
  }
}

void RequestPacer::Acquire(const std::function<void(std::chrono::milliseconds)>& sleep) {
  for (;;) {
    std::chrono::milliseconds wait{};
    {
      std::lock_guard lock(mutex_);
      const auto now = environment_.now();
      while (!sent_.empty() && sent_.front() + kPeriod <= now) sent_.pop_front();
      if (static_cast<int>(sent_.size()) < per_minute_) {
        sent_.push_back(now);
        return;
      }
      // The oldest request of the minute frees its place when it is a minute old.
      wait = std::chrono::ceil<std::chrono::milliseconds>(sent_.front() + kPeriod - now);
    }
    // Outside the lock: the other threads may count their requests meanwhile, and whoever comes
    // first after the wait takes the place.
    (sleep ? sleep : environment_.sleep)(std::max(wait, std::chrono::milliseconds(1)));
  }
}

HttpResponse PacedTransport::Send(const HttpRequest& request) {
  pacer_.Acquire(sleep_);
  return inner_->Send(request);
}

HttpResponse PacedTransport::SendStreaming(const HttpRequest& request, BodyStream& stream) {
  pacer_.Acquire(sleep_);
  return inner_->SendStreaming(request, stream);
}

}  // namespace auditsync
