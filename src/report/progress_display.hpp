// Shows a sync's progress: on a terminal one line redrawn in place (windows done/total, records,
// rate, ETA); otherwise, for logs and journals, an info line every half minute.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "sync/sync_engine.hpp"

namespace auditsync {

// "12/31 windows, 123456 records, 8200 records/s, about 2m10s left". The estimate extrapolates
// the time per window so far; it is left out until a window is done.
std::string DescribeProgress(const SyncProgress& progress);

// Where the display writes: `draw` takes the bytes for the terminal, `log` one log line. Both
// default to stderr (through the logger for `log`); tests capture them.
struct ProgressOutput {
  std::function<void(std::string_view)> draw;
  std::function<void(const std::string&)> log;
};

// Shows the first update at once, then at most one every 250 ms on a terminal, every 30 s
// otherwise (by the progress' own elapsed time), and always the last one on a terminal.
class ProgressDisplay {
 public:
  explicit ProgressDisplay(bool terminal, ProgressOutput output = {});
  ~ProgressDisplay();  // ends the terminal line
  ProgressDisplay(const ProgressDisplay&) = delete;
  ProgressDisplay& operator=(const ProgressDisplay&) = delete;

  void Update(const SyncProgress& progress);

 private:
  bool terminal_;
  ProgressOutput output_;
  bool drawn_ = false;
  std::optional<std::chrono::steady_clock::duration> last_shown_;  // nothing shown yet
};

}  // namespace auditsync
