// Logging goes to stderr through spdlog; stdout is reserved for command output (reports), so that
// `auditsync report apps --format json > file` stays clean.
#pragma once

#include <spdlog/spdlog.h>

#include <string_view>

namespace auditsync {

// Sets the level from a name (trace, debug, info, warn, error, off). Unknown names keep `info`.
void InitLogging(std::string_view level);

}  // namespace auditsync
