// A process-wide request to stop, set by SIGINT or SIGTERM: long-running work polls it at safe
// points (between pages, while waiting) and ends cleanly instead of being cut anywhere.
#pragma once

#include <chrono>

#include "core/error.hpp"

namespace auditsync {

// From then on SIGINT and SIGTERM request a stop instead of killing the process; a second one
// kills it as usual, for a user who really means it.
void InstallStopHandlers();
bool StopRequested();
void RequestStop();

// Sleeps `duration`, or less when a stop is requested meanwhile. Returns false when stopped.
bool SleepUnlessStopped(std::chrono::milliseconds duration);

// Thrown where work notices a stop request; what was committed before it is kept.
class Interrupted : public Error {
 public:
  Interrupted()
      : Error(ExitCode::kInterrupted,
              "interrupted; everything stored so far is kept, and the next sync resumes where "
              "this one stopped") {}
  // For work that resumes otherwise than a sync: the message says how.
  explicit Interrupted(const std::string& message) : Error(ExitCode::kInterrupted, message) {}
};

}  // namespace auditsync
