#include "store/model.hpp"

#include <array>
#include <utility>

namespace auditsync {
namespace {
constexpr std::array<std::pair<WindowState, std::string_view>, 6> kNames = {{
    {WindowState::kPending, "pending"},
    {WindowState::kQueued, "queued"},
    {WindowState::kPaging, "paging"},
    {WindowState::kComplete, "complete"},
    {WindowState::kFailed, "failed"},
    {WindowState::kSplit, "split"},
}};
}  // namespace

std::string_view WindowStateName(WindowState state) {
  for (const auto& [value, name] : kNames) {
    if (value == state) return name;
  }
  return "unknown";
}

std::optional<WindowState> ParseWindowState(std::string_view name) {
  for (const auto& [value, text] : kNames) {
    if (text == name) return value;
  }
  return std::nullopt;
}

}  // namespace auditsync
