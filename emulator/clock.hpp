// The emulator's idea of "now": the real UTC time, or a simulated time set by `serve --now` or
// POST /_emulator/clock. Publication (late records) and the query budget follow this clock, so a
// test can move days ahead in a second. HTTP Date headers, token lifetimes and query progression
// stay on real time: they pace the client, not the tenant.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>

namespace emulator {

class Clock {
 public:
  // Real time unless `simulated_now` (Unix seconds) is given.
  explicit Clock(std::optional<std::int64_t> simulated_now = std::nullopt)
      : simulated_(simulated_now) {}

  struct Reading {
    std::int64_t now = 0;  // Unix seconds
    bool simulated = false;
  };
  // Both values at once, so a caller never mixes a real time with a simulated flag.
  Reading Read() const;
  std::int64_t Now() const { return Read().now; }

  // Freezes the clock at `now` (switching to simulated time if it was real).
  void Set(std::int64_t now);

 private:
  mutable std::mutex mutex_;
  std::optional<std::int64_t> simulated_;
};

}  // namespace emulator
