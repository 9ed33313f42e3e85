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
constexpr std::array<std::pair<ScanKind, std::string_view>, 2> kKindNames = {{
    {ScanKind::kInitial, "initial"},
    {ScanKind::kSettle, "settle"},
}};

template <typename Value, size_t N>
std::string_view NameOf(const std::array<std::pair<Value, std::string_view>, N>& names,
                        Value value) {
  for (const auto& [candidate, name] : names) {
    if (candidate == value) return name;
  }
  return "unknown";
}

template <typename Value, size_t N>
std::optional<Value> ValueOf(const std::array<std::pair<Value, std::string_view>, N>& names,
                             std::string_view name) {
  for (const auto& [value, text] : names) {
    if (text == name) return value;
  }
  return std::nullopt;
}
}  // namespace

std::string_view WindowStateName(WindowState state) { return NameOf(kNames, state); }

std::optional<WindowState> ParseWindowState(std::string_view name) { return ValueOf(kNames, name); }

std::string_view ScanKindName(ScanKind kind) { return NameOf(kKindNames, kind); }

std::optional<ScanKind> ParseScanKind(std::string_view name) { return ValueOf(kKindNames, name); }

void BeginNewScan(SyncWindow& window, Instant planned_at) {
  window.state = WindowState::kPending;
  window.planned_at = planned_at;
  window.query_id.clear();
  window.query_name.clear();
  window.next_link.clear();
  window.last_error.clear();
  window.last_request_id.clear();
  window.failures = 0;
  window.retry_at.reset();
}

}  // namespace auditsync
