#include "report/progress_display.hpp"

#include <cstdio>

#include "core/log.hpp"

namespace auditsync {
namespace {
constexpr std::chrono::milliseconds kTerminalInterval{250};
constexpr std::chrono::seconds kLogInterval{30};
}  // namespace

std::string DescribeProgress(const SyncProgress& progress) {
  const double seconds = std::chrono::duration<double>(progress.elapsed).count();
  std::string text = std::to_string(progress.windows_done) + "/" +
                     std::to_string(progress.windows_total) + " " + std::string(progress.unit) +
                     ", " + std::to_string(progress.records) + " records";
  if (seconds >= 1) {
    text += ", " +
            std::to_string(static_cast<int64_t>(static_cast<double>(progress.records) / seconds)) +
            " records/s";
  }
  const int left = progress.windows_total - progress.windows_done;
  if (progress.windows_done > 0 && left > 0) {
    const auto remaining =
        std::chrono::seconds(static_cast<int64_t>(seconds / progress.windows_done * left + 0.5));
    text += ", about " + FormatDuration(remaining) + " left";
  }
  return text;
}

ProgressDisplay::ProgressDisplay(bool terminal, ProgressOutput output)
    : terminal_(terminal), output_(std::move(output)) {
  if (!output_.draw) {
    output_.draw = [](std::string_view text) {
      std::fwrite(text.data(), 1, text.size(), stderr);
      std::fflush(stderr);
    };
  }
  if (!output_.log) output_.log = [](const std::string& line) { spdlog::info("{}", line); };
}

ProgressDisplay::~ProgressDisplay() {
  if (drawn_) output_.draw("\n");
}

void ProgressDisplay::Update(const SyncProgress& progress) {
  const bool last = progress.windows_done == progress.windows_total;
  const auto interval = terminal_ ? std::chrono::steady_clock::duration(kTerminalInterval)
                                  : std::chrono::steady_clock::duration(kLogInterval);
  if (!last && last_shown_ && progress.elapsed - *last_shown_ < interval) return;
  last_shown_ = progress.elapsed;
  if (terminal_) {
    // Carriage return and erase-line redraw the line in place; log lines erase it first (log.cpp).
    output_.draw("\r\033[K" + DescribeProgress(progress));
    drawn_ = true;
  } else if (!last) {
    output_.log("progress: " + DescribeProgress(progress));
  }
}

}  // namespace auditsync
