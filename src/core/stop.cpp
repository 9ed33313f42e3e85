#include "core/stop.hpp"

#include <atomic>
#include <csignal>
#include <thread>

namespace auditsync {
namespace {

std::atomic<bool> stop_requested{false};
static_assert(std::atomic<bool>::is_always_lock_free, "set from a signal handler");

void OnStopSignal(int signal_number) {
  stop_requested.store(true);
  std::signal(signal_number, SIG_DFL);  // the next one ends the process at once
}

}  // namespace

void InstallStopHandlers() {
  struct sigaction action {};
  action.sa_handler = OnStopSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

bool StopRequested() { return stop_requested.load(); }

void RequestStop() { stop_requested.store(true); }

bool SleepUnlessStopped(std::chrono::milliseconds duration) {
  constexpr std::chrono::milliseconds kSlice{100};
  const auto deadline = std::chrono::steady_clock::now() + duration;
  while (!StopRequested()) {
    const auto left = deadline - std::chrono::steady_clock::now();
    if (left <= std::chrono::milliseconds(0)) return true;
    std::this_thread::sleep_for(
        std::min(std::chrono::duration_cast<std::chrono::milliseconds>(left), kSlice));
  }
  return false;
}

}  // namespace auditsync
