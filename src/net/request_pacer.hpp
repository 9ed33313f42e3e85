// Keeps the requests to one service under a budget per rolling minute, shared by every thread
// that sends them: the Office 365 Management Activity API allows a tenant 2,000 requests a
// minute, for all its tools together, and answers AF429 beyond. Waiting here costs less than
// being throttled, since throttled calls count too. The clock and the sleeper are injected so
// that tests never wait.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>

#include "net/http.hpp"

namespace auditsync {

struct PacerEnvironment {
  std::function<std::chrono::steady_clock::time_point()> now = std::chrono::steady_clock::now;
  // Default: std::this_thread::sleep_for. A sleeper that throws (a stop request) ends the wait.
  std::function<void(std::chrono::milliseconds)> sleep;
};

class RequestPacer {
 public:
  using Clock = std::chrono::steady_clock;
  using Environment = PacerEnvironment;

  // `per_minute` >= 1.
  explicit RequestPacer(int per_minute, Environment environment = {});

  // Waits until one more request fits in the rolling minute, then counts it as sent. `sleep`,
  // when given, waits instead of the environment's: a thread's own, which may throw to end the
  // wait (its work was cancelled).
  void Acquire(const std::function<void(std::chrono::milliseconds)>& sleep = nullptr);

  int PerMinute() const { return per_minute_; }

 private:
  const int per_minute_;
  Environment environment_;
  std::mutex mutex_;
  std::deque<Clock::time_point> sent_;  // the requests of the last minute, oldest first
};

// A transport that acquires a place from the pacer before each request it sends (retries
// included: each is a request the service counts).
class PacedTransport : public HttpTransport {
 public:
  // `sleep`: the waits for a place (RequestPacer::Acquire); default the pacer's.
  PacedTransport(std::unique_ptr<HttpTransport> inner, RequestPacer& pacer,
                 std::function<void(std::chrono::milliseconds)> sleep = nullptr)
      : inner_(std::move(inner)), pacer_(pacer), sleep_(std::move(sleep)) {}

  HttpResponse Send(const HttpRequest& request) override;
  HttpResponse SendStreaming(const HttpRequest& request, BodyStream& stream) override;

 private:
  std::unique_ptr<HttpTransport> inner_;
  RequestPacer& pacer_;
  std::function<void(std::chrono::milliseconds)> sleep_;
};

}  // namespace auditsync
