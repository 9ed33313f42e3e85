#include "source/inventory/app_inventory.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <fstream>
#include <optional>
#include <sstream>

#include "core/csv.hpp"
#include "core/error.hpp"
#include "core/guid.hpp"
#include "core/text.hpp"
#include "record/record_parser.hpp"

namespace auditsync {
namespace {

enum class Column : size_t { kId, kName, kEnvironmentId, kEnvironmentName, kOwner, kCreated };
constexpr size_t kColumns = 6;

// Header names (normalised: lowercase letters and digits only) of each column, most specific
// first. Columns are assigned in this order, and a header serves one column only: with
// "Environment ID" and "Environment name" both present the second is the display name, while a
// lone "EnvironmentName" (PowerShell's) holds the id.
constexpr std::array<std::pair<Column, std::array<std::string_view, 7>>, kColumns> kSynonyms = {{
    {Column::kId, {"appid", "id", "applicationid", "powerappid", "powerappsid"}},
    {Column::kEnvironmentId, {"environmentid", "environment", "environmentname", "envid"}},
    {Column::kEnvironmentName, {"environmentdisplayname", "envdisplayname", "environmentname"}},
    {Column::kOwner,
     {"owneremail", "ownerupn", "owneruserprincipalname", "owner", "ownerdisplayname", "ownername",
      "createdby"}},
    {Column::kCreated,
     {"createdtime", "createdon", "created", "createddate", "createdat", "creationtime"}},
    {Column::kName, {"displayname", "appdisplayname", "appname", "name", "title"}},
}};
// Without an id column, these hold the id when their values are GUIDs (the admin center's
// "Name", PowerShell's "AppName"); otherwise they are the display name.
constexpr std::array<std::string_view, 2> kIdWhenGuids = {"appname", "name"};

constexpr std::string_view kExpectedColumns =
    "an app id column (App ID, AppId or id; or Name or AppName holding the apps' GUIDs), and "
    "optionally Display name (or App name), Environment (Environment ID, EnvironmentName), "
    "Environment display name, Owner (Owner email) and Created (Created on, CreatedTime)";

std::optional<std::string> NonEmpty(std::string_view value) {
  value = Trim(value);
  return value.empty() ? std::nullopt : std::optional<std::string>(value);
}

// An app id as records carry it (NormalizeAppId), if `value` is one: Power Apps ids are GUIDs,
// and anything else in an id column is a stray row (a total line, a note).
std::optional<std::string> AppIdOf(std::string_view value) {
  auto id = NormalizeAppId(value);
  if (!ParseGuid(id)) return std::nullopt;
  return id;
}

// ISO 8601 (the admin center, the Power Apps API), or the "/Date(1548273584707)/" that Windows
// PowerShell 5's ConvertTo-Json writes for a DateTime.
std::optional<Instant> ParseCreated(std::string_view text) {
  if (auto instant = ParseIso8601(text)) return instant;
  constexpr std::string_view kOpen = "/Date(";
  constexpr std::string_view kClose = ")/";
  if (text.starts_with(kOpen) && text.ends_with(kClose)) {
    auto digits = text.substr(kOpen.size(), text.size() - kOpen.size() - kClose.size());
    // A zone offset may follow the milliseconds ("/Date(1548273584707+0100)/"); they are UTC.
    digits = digits.substr(0, digits.find_first_of("+-", 1));
    long long milliseconds = 0;
    const auto [end, ec] =
        std::from_chars(digits.data(), digits.data() + digits.size(), milliseconds);
    if (ec == std::errc() && end == digits.data() + digits.size()) {
      return Instant(std::chrono::duration_cast<std::chrono::seconds>(
          std::chrono::milliseconds(milliseconds)));
    }
  }
  return std::nullopt;
}

// The values of one app as text, before checking: shared by the CSV and JSON readers.
struct RawApp {
  std::optional<std::string> id;
  std::optional<std::string> name;
  std::optional<std::string> environment_id;
  std::optional<std::string> environment_name;
  std::optional<std::string> owner;
  std::optional<std::string> created;
};

// The app of `raw`, or the reason it cannot be read.
std::optional<InventoryApp> CheckApp(const RawApp& raw, std::string& reason) {
  if (!raw.id) {
    reason = "it has no app id";
    return std::nullopt;
  }
  InventoryApp app;
  if (auto id = AppIdOf(*raw.id)) {
    app.app_id = std::move(*id);
  } else {
    reason = "its app id `" + *raw.id + "` is not a Power Apps app id (a GUID)";
    return std::nullopt;
  }
  if (raw.created) {
    app.created = ParseCreated(*raw.created);
    if (!app.created) {
      reason = "its creation time `" + *raw.created +
               "` is not a date and time; give ISO 8601, e.g. 2026-11-05T15:04:00Z";
      return std::nullopt;
    }
  }
  app.name = raw.name;
  if (raw.environment_id) app.environment_id = Lowercase(*raw.environment_id);
  app.environment_name = raw.environment_name;
  app.owner = raw.owner;
  return app;
}

// A Power Platform environment id: a GUID, or for a tenant's default environment
// `Default-<tenant GUID>`.
bool IsEnvironmentId(std::string_view value) {
  constexpr std::string_view kDefault = "default-";
  if (value.size() > kDefault.size() &&
      EqualsIgnoreCase(value.substr(0, kDefault.size()), kDefault))
    value.remove_prefix(kDefault.size());
  return ParseGuid(value).has_value();
}

// An environment column that holds something else than an id ("Contoso (Default)": some exports
// and hand-made lists name the environment there) must not become an id that no record carries:
// the value is the environment's display name where the row gives none, and the id is unknown.
// Returns whether the row had such a value.
bool MoveEnvironmentNameOutOfId(RawApp& raw) {
  if (!raw.environment_id || IsEnvironmentId(*raw.environment_id)) return false;
  if (!raw.environment_name) raw.environment_name = std::move(raw.environment_id);
  raw.environment_id.reset();
  return true;
}

// Said once per file, not per row.
std::string EnvironmentNamesWarning(const std::string& name, std::string_view column) {
  return name + ": column `" + std::string(column) +
         "` holds values that are not environment ids (a GUID, or Default-<GUID> for the "
         "default environment); they were read as the environments' display names";
}

// Adds the app of `raw`; sets `environment_names` when its environment id was a name.
void Add(AppInventory& inventory, RawApp raw, std::string where, bool& environment_names) {
  environment_names = MoveEnvironmentNameOutOfId(raw) || environment_names;
  ++inventory.rows;
  std::string reason;
  if (auto app = CheckApp(raw, reason)) {
    inventory.apps.push_back(std::move(*app));
  } else {
    inventory.problems.push_back({std::move(where), std::move(reason)});
  }
}

// ---- CSV ----------------------------------------------------------------------------------------

// Which field holds each column, from the header and (for a Name column that may hold ids) the
// first data row that has a value there.
std::array<std::optional<size_t>, kColumns> MapColumns(const std::vector<std::string>& header,
                                                       const std::vector<CsvRecord>& rows) {
  std::vector<std::string> names(header.size());
  std::transform(header.begin(), header.end(), names.begin(), NormaliseCsvHeader);
  std::vector<bool> used(names.size(), false);
  std::array<std::optional<size_t>, kColumns> columns{};
  auto find = [&](std::string_view synonym) -> std::optional<size_t> {
    for (size_t i = 0; i < names.size(); ++i) {
      if (!used[i] && names[i] == synonym) return i;
    }
    return std::nullopt;
  };
  auto assign = [&](Column column, size_t index) {
    columns[static_cast<size_t>(column)] = index;
    used[index] = true;
  };
  for (const auto& [column, synonyms] : kSynonyms) {
    if (column == Column::kName && !columns[static_cast<size_t>(Column::kId)]) {
      for (const auto synonym : kIdWhenGuids) {
        const auto index = find(synonym);
        if (!index) continue;
        for (const auto& row : rows) {
          if (*index >= row.fields.size() || Trim(row.fields[*index]).empty()) continue;
          if (AppIdOf(row.fields[*index])) assign(Column::kId, *index);
          break;
        }
        if (columns[static_cast<size_t>(Column::kId)]) break;
      }
    }
    for (const auto synonym : synonyms) {
      if (synonym.empty()) break;
      if (const auto index = find(synonym)) {
        assign(column, *index);
        break;
      }
    }
  }
  return columns;
}

std::string DescribeHeader(const std::vector<std::string>& header) {
  std::string text;
  for (const auto& field : header) text += (text.empty() ? "" : ", ") + field;
  return text.size() > 300 ? text.substr(0, 300) + "..." : text;
}

void ReadCsv(std::string_view text, const std::string& name, AppInventory& inventory) {
  const char delimiter = DetectCsvDelimiter(text);
  CsvReader reader(text, delimiter);
  std::optional<CsvRecord> header;
  std::vector<CsvRecord> rows;
  while (auto record = reader.Next()) {
    if (IsBlankCsvRecord(*record)) continue;
    if (!header) {
      if (!record->error.empty()) {
        throw ConfigError(name + " is not a CSV file whose first line is a header: " +
                          record->error + ". Export the app list as CSV (or JSON) again.");
      }
      header = std::move(*record);
    } else {
      rows.push_back(std::move(*record));
    }
  }
  if (!header) throw ConfigError(name + " is empty. Export the app list again.");
  const auto columns = MapColumns(header->fields, rows);
  if (!columns[static_cast<size_t>(Column::kId)]) {
    throw ConfigError(
        name + " has no app id column (its first line reads: " + DescribeHeader(header->fields) +
        "). A CSV app list needs " + std::string(kExpectedColumns) + ".");
  }
  bool environment_names = false;
  inventory.format = delimiter == ','   ? "CSV"
                     : delimiter == ';' ? "CSV (';'-separated)"
                                        : "CSV (tab-separated)";
  for (const auto& row : rows) {
    const std::string where = "line " + std::to_string(row.line);
    if (!row.error.empty() || row.fields.size() != header->fields.size()) {
      ++inventory.rows;
      inventory.problems.push_back({where, !row.error.empty()
                                               ? row.error
                                               : "it has " + std::to_string(row.fields.size()) +
                                                     " fields, the header " +
                                                     std::to_string(header->fields.size()) +
                                                     " (an unquoted delimiter inside a value?)"});
      continue;
    }
    auto value = [&](Column column) -> std::optional<std::string> {
      const auto index = columns[static_cast<size_t>(column)];
      return index ? NonEmpty(row.fields[*index]) : std::nullopt;
    };
    Add(inventory,
        RawApp{value(Column::kId), value(Column::kName), value(Column::kEnvironmentId),
               value(Column::kEnvironmentName), value(Column::kOwner), value(Column::kCreated)},
        where, environment_names);
  }
  if (environment_names) {
    inventory.warnings.push_back(EnvironmentNamesWarning(
        name, header->fields[*columns[static_cast<size_t>(Column::kEnvironmentId)]]));
  }
}

// ---- JSON ---------------------------------------------------------------------------------------

// The value of `key` (matched case-insensitively: PowerShell's names are PascalCase) when it is
// a non-empty string; a number is read as its text.
std::optional<std::string> JsonText(const nlohmann::json& object, std::string_view key) {
  for (const auto& [field, value] : object.items()) {
    if (!EqualsIgnoreCase(field, key)) continue;
    if (value.is_string()) return NonEmpty(value.get_ref<const std::string&>());
    if (value.is_number()) return value.dump();
    return std::nullopt;
  }
  return std::nullopt;
}

const nlohmann::json* JsonField(const nlohmann::json& object, std::string_view key) {
  for (const auto& [field, value] : object.items()) {
    if (EqualsIgnoreCase(field, key)) return &value;
  }
  return nullptr;
}

// Get-AdminPowerApp's Owner is an object (email, userPrincipalName, displayName); a plain list
// may give a string.
std::optional<std::string> OwnerOf(const nlohmann::json& item) {
  const auto* owner = JsonField(item, "owner");
  if (owner == nullptr) return std::nullopt;
  if (owner->is_string()) return NonEmpty(owner->get_ref<const std::string&>());
  if (!owner->is_object()) return std::nullopt;
  for (const auto key : {"email", "userPrincipalName", "displayName"}) {
    if (auto text = JsonText(*owner, key)) return text;
  }
  return std::nullopt;
}

RawApp JsonApp(const nlohmann::json& item) {
  if (JsonField(item, "AppName") != nullptr) {
    // Get-AdminPowerApp: AppName is the id and EnvironmentName the environment's id.
    return RawApp{JsonText(item, "AppName"),
                  JsonText(item, "DisplayName"),
                  JsonText(item, "EnvironmentName"),
                  JsonText(item, "EnvironmentDisplayName"),
                  OwnerOf(item),
                  JsonText(item, "CreatedTime")};
  }
  return RawApp{JsonText(item, "id"),
                JsonText(item, "name"),
                JsonText(item, "environment_id"),
                JsonText(item, "environment_name"),
                OwnerOf(item),
                JsonText(item, "created")};
}

void ReadJson(std::string_view text, const std::string& name, AppInventory& inventory) {
  const auto document = nlohmann::json::parse(text, nullptr, false);
  if (document.is_discarded()) {
    throw ConfigError(name +
                      " starts like JSON but is not valid JSON. Export it again with "
                      "`Get-AdminPowerApp | ConvertTo-Json -Depth 3 | Out-File apps.json`.");
  }
  // ConvertTo-Json writes a lone app as an object, and the Power Apps API wraps lists in "value".
  const nlohmann::json* items = &document;
  nlohmann::json single;
  if (document.is_object()) {
    if (const auto* value = JsonField(document, "value"); value != nullptr && value->is_array()) {
      items = value;
    } else {
      single = nlohmann::json::array({document});
      items = &single;
    }
  }
  if (!items->is_array()) {
    throw ConfigError(name + " is JSON but not a list of apps. Give an array of objects with " +
                      "id (or AppName), name, environment_id, environment_name, owner, created.");
  }
  inventory.format = "JSON";
  bool environment_names = false;
  std::string_view column;
  size_t index = 0;
  for (const auto& item : *items) {
    const std::string where = "app " + std::to_string(++index);
    if (!item.is_object()) {
      ++inventory.rows;
      inventory.problems.push_back({where, "it is not a JSON object"});
      continue;
    }
    Add(inventory, JsonApp(item), where, environment_names);
    // The key that held the first name (JsonApp's two shapes).
    if (environment_names && column.empty()) {
      column = JsonField(item, "AppName") != nullptr ? "EnvironmentName" : "environment_id";
    }
  }
  if (environment_names) inventory.warnings.push_back(EnvironmentNamesWarning(name, column));
}

}  // namespace

AppInventory ReadAppInventory(std::string_view text, const std::string& name) {
  text = StripUtf8Bom(text);
  if (text.starts_with("PK\x03\x04")) {
    throw ConfigError(name + " is an Excel workbook (or another zip file), not CSV. In Excel, " +
                      "save it as \"CSV UTF-8\"; or export the list as CSV.");
  }
  if (text.find('\0') != std::string_view::npos) {
    throw ConfigError(name + " is not a text file. Give the app list as CSV or JSON.");
  }
  AppInventory inventory;
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && (text[first] == '[' || text[first] == '{')) {
    ReadJson(text, name, inventory);
  } else {
    ReadCsv(text, name, inventory);
  }
  return inventory;
}

AppInventory ReadAppInventoryFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    throw ConfigError("cannot read " + path + ". Check the path and that this user may read it.");
  }
  std::ostringstream content;
  content << file.rdbuf();
  return ReadAppInventory(content.str(), path);
}

}  // namespace auditsync
