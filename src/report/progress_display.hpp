// Shows a sync's progress: on a terminal one line redrawn in place (windows done/total, records,
// rate, ETA); otherwise, for logs and journals, an info line every half minute.
#pragma once

#include <chrono>
#include <string>

#include "sync/sync_engine.hpp"

namespace auditsync {

// "12/31 windows, 123456 records, 8200 records/s, about 2m10s left". The estimate extrapolates
// the time per window so far; it is left out until a window is done.
std::string DescribeProgress(const SyncProgress& progress);

class ProgressDisplay {
 public:
  explicit ProgressDisplay(bool terminal) : terminal_(terminal) {}
  ~ProgressDisplay();  // ends the terminal line
  ProgressDisplay(const ProgressDisplay&) = delete;
  ProgressDisplay& operator=(const ProgressDisplay&) = delete;

  void Update(const SyncProgress& progress);

 private:
  bool terminal_;
  bool drawn_ = false;
  std::chrono::steady_clock::duration last_shown_ = std::chrono::steady_clock::duration::min();
};

}  // namespace auditsync
