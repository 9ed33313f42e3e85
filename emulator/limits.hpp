// The tenant allocation for audit log queries (reference §1.11): a budget of query submissions
// per rolling 24 hours, and a cap on queries that are notStarted or running at once. Times are
// the emulator clock's (Unix seconds), so a simulated clock can move a test past the window.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace emulator {

// Why a submission was refused and when to try again.
struct Refusal {
  std::string limit;  // "budget" or "unfinished", the key of its counter in /_emulator/stats
  std::string message;
  std::int64_t retry_after_seconds = 0;
};

// Not thread-safe: the caller serialises Admit and Finished with its own record of queries.
class QueryLimits {
 public:
  static constexpr std::int64_t kWindowSeconds = std::int64_t{24} * 3600;
  // Seconds to wait when too many queries are unfinished: they may finish at any moment.
  static constexpr std::int64_t kUnfinishedRetryAfter = 5;

  QueryLimits(int budget, int max_unfinished) : budget_(budget), max_unfinished_(max_unfinished) {}

  // Admits one submission at `now` (it then counts against both limits) or refuses it (it then
  // counts against neither). The budget is checked first: its wait is the longer one.
  std::optional<Refusal> Admit(std::int64_t now);
  // A query reached a terminal status (succeeded or failed).
  void Finished() { --unfinished_; }

  int unfinished() const { return unfinished_; }

 private:
  int budget_;
  int max_unfinished_;
  int unfinished_ = 0;
  // Admitted submissions younger than the window (never more than `budget_` of them). One
  // leaves for good once it is 24 hours old, even if the clock is later set back.
  std::vector<std::int64_t> submissions_;
};

}  // namespace emulator
