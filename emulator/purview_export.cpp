#include "purview_export.hpp"

#include <algorithm>
#include <chrono>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "content.hpp"
#include "core/time.hpp"
#include "render.hpp"

namespace emulator {
namespace {

constexpr std::int64_t FloorHour(std::int64_t seconds) {
  return seconds >= 0 ? seconds / 3600 : -((-seconds + 3599) / 3600);
}

constexpr std::string_view kNewHeader =
    "RecordId,CreationDate,RecordType,Operation,UserId,AuditData,AssociatedAdminUnits,"
    "AssociatedAdminUnitsNames";
constexpr std::string_view kOldHeader = "CreationDate,UserIds,Operations,AuditData";

// "2026-11-10T00:03:12.0000000Z" (new) or "11/10/2026 12:03:12 AM" (old).
std::string CreationDate(std::int64_t seconds, ExportFormat format) {
  const std::string iso =
      auditsync::FormatIso8601(auditsync::Instant{std::chrono::seconds{seconds}});
  if (format == ExportFormat::kNew) return iso.substr(0, iso.size() - 1) + ".0000000Z";
  const int hour = std::stoi(iso.substr(11, 2));
  return fmt::format("{}/{}/{} {}:{} {}", std::stoi(iso.substr(5, 2)), std::stoi(iso.substr(8, 2)),
                     iso.substr(0, 4), hour % 12 == 0 ? 12 : hour % 12, iso.substr(14, 5),
                     hour < 12 ? "AM" : "PM");
}

// The same JSON over several lines: a line break after each comma between values.
std::string OverLines(std::string_view json) {
  std::string out;
  bool in_string = false;
  for (std::size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    out += c;
    if (in_string) {
      if (c == '\\' && i + 1 < json.size()) {
        out += json[++i];
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == ',') {
      out += "\n  ";
    }
  }
  return out;
}

// Appends one CSV field: quoted (quotes doubled) when `quote` or when it needs it.
void AppendField(std::string& row, std::string_view value, bool quote) {
  if (!row.empty() && row.back() != '\n') row += ',';
  quote = quote || value.find_first_of(",\"\r\n") != std::string_view::npos;
  if (!quote) {
    row += value;
    return;
  }
  row += '"';
  for (const char c : value) {
    if (c == '"') row += '"';
    row += c;
  }
  row += '"';
}

// The fields of a record's row, AuditData included (`audit_data`).
std::vector<std::string> RowFields(const Tenant& tenant, const Slot& slot, ExportFormat format,
                                   std::string audit_data) {
  const std::string user = tenant.users()[slot.user].upn;
  const std::string date = CreationDate(slot.time, format);
  const std::string operation(tenant.Operation(slot));
  if (format == ExportFormat::kOld) return {date, user, operation, std::move(audit_data)};
  const std::string id = slot.malformed == Malformed::kNoId ? "" : tenant.RecordId(slot);
  return {id,        date, std::string(tenant.RecordTypeName(slot)),
          operation, user, std::move(audit_data),
          "",        ""};
}

std::string Row(const std::vector<std::string>& fields, ExportFormat format) {
  std::string row;
  for (const auto& field : fields) AppendField(row, field, format == ExportFormat::kNew);
  return row + "\r\n";
}

std::size_t AuditDataColumn(ExportFormat format) { return format == ExportFormat::kNew ? 5 : 3; }

// Broken row `kind` (0-3), made from `slot` of the same hour when there is one.
std::string BrokenRow(const Tenant& tenant, const Slot* slot, ExportFormat format, int kind,
                      std::int64_t hour) {
  if (slot == nullptr) kind = 2;
  std::string audit_data;
  if (slot != nullptr) AppendAuditRecord(tenant, *slot, audit_data);
  Slot stand_in;
  stand_in.time = hour * 3600;
  auto fields = RowFields(tenant, slot != nullptr ? *slot : stand_in, format, audit_data);
  const std::size_t column = AuditDataColumn(format);
  switch (kind) {
    case 0:  // a field missing
      fields.pop_back();
      return Row(fields, format);
    case 1:  // AuditData cut in half
      fields[column] = audit_data.substr(0, audit_data.size() / 2);
      return Row(fields, format);
    case 2:  // AuditData that is not JSON
      fields[column] = "Audit data not available";
      return Row(fields, format);
    default: {  // text after the closing quote of AuditData
      std::string row;
      for (std::size_t i = 0; i < fields.size(); ++i) {
        if (i != column) {
          AppendField(row, fields[i], format == ExportFormat::kNew);
        } else {
          row += row.empty() ? "\"{}\"x" : ",\"{}\"x";
        }
      }
      return row + "\r\n";
    }
  }
}

}  // namespace

PurviewExportStats WritePurviewExport(const Tenant& tenant, const PurviewExportOptions& options,
                                      std::ostream& out) {
  PurviewExportStats stats;
  const ContentModel content(tenant);
  const ExportFormat format = options.format;
  if (format == ExportFormat::kNew) out << "\xEF\xBB\xBF";
  out << (format == ExportFormat::kNew ? kNewHeader : kOldHeader) << "\r\n";
  std::uint64_t line = 2;
  const auto write = [&](const std::string& row) {
    out << row;
    const std::uint64_t start = line;
    line += static_cast<std::uint64_t>(std::count(row.begin(), row.end(), '\n'));
    ++stats.rows;
    return start;
  };
  const std::int64_t limit = std::min(options.to, options.now + 1);
  if (limit <= options.from) return stats;
  const std::int64_t first_hour = FloorHour(options.from);
  const std::int64_t last_hour = FloorHour(limit - 1);
  const std::int64_t hours = last_hour - first_hour + 1;
  int broken = 0;
  // Newest first, as Purview sorts its results.
  for (std::int64_t hour = last_hour; hour >= first_hour; --hour) {
    std::vector<Slot> slots;
    for (std::uint32_t blob = 0; blob < content.BlobCount(hour); ++blob) {
      content.ForEachRecord(BlobRef{hour, blob}, [&](const Slot& slot) {
        if (slot.time >= options.from && slot.time < limit) slots.push_back(slot);
      });
    }
    std::stable_sort(slots.begin(), slots.end(),
                     [](const Slot& a, const Slot& b) { return a.time > b.time; });
    // Broken rows go in the middle of the hours they fall on, evenly through the file.
    const std::int64_t position = last_hour - hour;
    int broken_here = 0;
    while (broken + broken_here < options.broken_rows &&
           (broken + broken_here) * hours / options.broken_rows <= position) {
      ++broken_here;
    }
    for (std::size_t i = 0; i <= slots.size(); ++i) {
      if (i == slots.size() / 2) {
        for (; broken_here > 0; --broken_here, ++broken) {
          const Slot* source = slots.empty() ? nullptr : &slots[i < slots.size() ? i : 0];
          const auto at = write(BrokenRow(tenant, source, format, broken % 4, hour));
          stats.broken_lines.push_back(at);
          stats.bad_lines.push_back(at);
        }
      }
      if (i == slots.size()) break;
      const Slot& slot = slots[i];
      std::string audit_data;
      AppendAuditRecord(tenant, slot, audit_data);
      if ((slot.detail >> 52) % 16 == 0) audit_data = OverLines(audit_data);
      const auto at = write(Row(RowFields(tenant, slot, format, std::move(audit_data)), format));
      if (!slot.IsPowerAppsOperation()) {
        ++stats.other_operations;
      } else if (slot.malformed != Malformed::kNone) {
        ++stats.malformed_rows;
        stats.bad_lines.push_back(at);
      } else {
        ++stats.power_apps_rows;
        if (slot.copy) ++stats.second_copies;
      }
    }
  }
  return stats;
}

nlohmann::json PurviewExportStatsToJson(const PurviewExportStats& stats) {
  return {{"rows", stats.rows},
          {"power_apps_rows", stats.power_apps_rows},
          {"second_copies", stats.second_copies},
          {"other_operations", stats.other_operations},
          {"malformed_rows", stats.malformed_rows},
          {"bad_lines", stats.bad_lines},
          {"broken_lines", stats.broken_lines}};
}

}  // namespace emulator
