#include "query.hpp"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "ids.hpp"
#include "render.hpp"

namespace emulator {
namespace {

constexpr std::int64_t FloorHour(std::int64_t seconds) {
  return seconds >= 0 ? seconds / 3600 : -((-seconds + 3599) / 3600);
}

bool InList(const std::vector<std::string>& list, std::string_view value) {
  if (list.empty()) return true;
  return std::any_of(list.begin(), list.end(),
                     [&](const std::string& item) { return EqualsIgnoreCase(item, value); });
}

// Last hour that can hold a served record: the window ends at `end` (exclusive) and nothing
// created after the snapshot exists yet.
std::int64_t LastHour(const QueryFilters& filters, const Snapshot& snapshot) {
  return FloorHour(std::min(filters.end, snapshot.created_by + 1) - 1);
}

template <typename T>
bool ParseNumber(std::string_view text, T& value) {
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && ptr == text.data() + text.size();
}

}  // namespace

bool QueryFilters::Matches(const Tenant& tenant, const Slot& slot) const {
  if (slot.time < start || slot.time >= end) return false;
  if (!InList(operations, tenant.Operation(slot))) return false;
  if (!InList(services, tenant.Service(slot))) return false;
  if (!InList(record_types, tenant.RecordTypeName(slot))) return false;
  if (!user_principal_names.empty() &&
      !InList(user_principal_names, tenant.users()[slot.user].upn_lower)) {
    return false;
  }
  return true;
}

Cursor StartCursor(const QueryFilters& filters) { return Cursor{FloorHour(filters.start), 0, 0}; }

std::uint64_t CountMatches(const Tenant& tenant, const QueryFilters& filters,
                           const Snapshot& snapshot) {
  std::uint64_t count = 0;
  const std::int64_t last = LastHour(filters, snapshot);
  for (std::int64_t hour = FloorHour(filters.start); hour <= last; ++hour) {
    const std::uint32_t n = tenant.BaseCount(hour);
    for (std::uint32_t i = 0; i < n; ++i) {
      Slot slot = tenant.DecodeBase(hour, i);
      if (slot.time > snapshot.created_by || !filters.Matches(tenant, slot)) continue;
      if (snapshot.Sees(tenant, slot)) ++count;
      // A duplicate is the same record again, so it matches exactly when the original does; but
      // it is published on its own.
      if (slot.duplicated) {
        slot.copy = true;
        if (snapshot.Sees(tenant, slot)) ++count;
      }
    }
    for (const Slot& slot : tenant.AppDeletions(hour)) {
      if (snapshot.Sees(tenant, slot) && filters.Matches(tenant, slot)) ++count;
    }
  }
  return count;
}

Page ReadPage(const Tenant& tenant, const QueryFilters& filters, const Snapshot& snapshot,
              Cursor from, std::size_t page_size, std::uint64_t total) {
  Page page;
  page.values.reserve(page_size * 2400);
  page.values += '[';
  const std::int64_t last = LastHour(filters, snapshot);
  Cursor at = from;
  std::uint32_t base = tenant.BaseCount(at.hour);
  std::optional<Tenant::HourExtras> extras;
  bool exhausted = false;

  while (at.served < total && page.count < page_size) {
    if (at.hour > last) {
      exhausted = true;
      break;
    }
    Slot slot;
    if (at.position < base) {
      slot = tenant.DecodeBase(at.hour, at.position);
    } else {
      if (!extras) extras = tenant.Extras(at.hour);
      const std::size_t extra = at.position - base;
      if (extra < extras->deletions.size()) {
        slot = extras->deletions[extra];
      } else if (extra - extras->deletions.size() < extras->duplicates.size()) {
        slot = tenant.DecodeBase(at.hour, extras->duplicates[extra - extras->deletions.size()]);
        slot.copy = true;
      } else {
        ++at.hour;
        at.position = 0;
        base = tenant.BaseCount(at.hour);
        extras.reset();
        continue;
      }
    }
    ++at.position;
    if (!snapshot.Sees(tenant, slot) || !filters.Matches(tenant, slot)) continue;
    if (page.count > 0) page.values += ',';
    AppendRecord(tenant, slot, page.values);
    ++page.count;
    ++at.served;
  }
  page.values += ']';
  if (!exhausted && at.served < total) page.next = at;
  return page;
}

std::string EncodeSkipToken(std::string_view query_id, const Cursor& cursor) {
  return Base64UrlEncode(
      fmt::format("1|{}|{}|{}|{}", query_id, cursor.hour, cursor.position, cursor.served));
}

std::optional<DecodedSkipToken> DecodeSkipToken(std::string_view token) {
  const auto raw = Base64UrlDecode(token);
  if (!raw) return std::nullopt;
  std::vector<std::string_view> parts;
  std::string_view rest = *raw;
  while (true) {
    const auto bar = rest.find('|');
    parts.push_back(rest.substr(0, bar));
    if (bar == std::string_view::npos) break;
    rest.remove_prefix(bar + 1);
  }
  if (parts.size() != 5 || parts[0] != "1" || parts[1].empty()) return std::nullopt;
  DecodedSkipToken decoded;
  decoded.query_id = std::string(parts[1]);
  if (!ParseNumber(parts[2], decoded.cursor.hour) ||
      !ParseNumber(parts[3], decoded.cursor.position) ||
      !ParseNumber(parts[4], decoded.cursor.served)) {
    return std::nullopt;
  }
  return decoded;
}

}  // namespace emulator
