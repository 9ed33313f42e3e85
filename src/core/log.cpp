#include "core/log.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <unistd.h>

namespace auditsync {

void InitLogging(std::string_view level) {
  if (spdlog::get("auditsync") == nullptr) {
    auto logger = spdlog::stderr_color_mt("auditsync");
    // On a terminal each line first erases a progress line drawn in place (cli/progress_display).
    const std::string erase_line = ::isatty(STDERR_FILENO) ? "\r\033[K" : "";
    logger->set_pattern(erase_line + "%Y-%m-%dT%H:%M:%S.%eZ %^%-5l%$ %v",
                        spdlog::pattern_time_type::utc);
    spdlog::set_default_logger(logger);
  }
  const auto parsed = spdlog::level::from_str(std::string(level));
  // from_str answers `off` for unknown names; an unknown name should not silence the tool.
  spdlog::set_level(parsed == spdlog::level::off && level != "off" ? spdlog::level::info : parsed);
}

}  // namespace auditsync
