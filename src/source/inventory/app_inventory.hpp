// Reads an app list exported from the Power Platform admin center (CSV) or by PowerShell
// (`Get-AdminPowerApp | ConvertTo-Json`), or a plain JSON array of
// {id, name, environment_id, environment_name, owner, created}, into InventoryApps. A row that
// cannot be read is a problem with its place and reason; the others are still read.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "record/inventory_app.hpp"

namespace auditsync {

struct InventoryProblem {
  std::string where;  // "line 12" (CSV) or "app 3" (JSON, 1-based)
  std::string reason;
};

struct AppInventory {
  std::string format;  // what was read, for the log: "CSV (';'-separated)", "JSON", ...
  size_t rows = 0;     // data rows (or JSON items) read, good and bad
  std::vector<InventoryApp> apps;
  std::vector<InventoryProblem> problems;
  std::vector<std::string> warnings;  // about the file as a whole, to log once each
};

// Reads `text`, the content of the file `name` (which errors name). CSV headers are matched
// case-insensitively, ignoring spaces and punctuation, with the synonyms admins meet (App ID,
// AppId, id, or Name/AppName holding GUIDs; Display name, App name; Environment, Environment ID,
// EnvironmentName; Environment display name; Owner, Owner email; Created, Created on,
// CreatedTime). Throws ConfigError when the text is neither CSV nor JSON or names no app id.
AppInventory ReadAppInventory(std::string_view text, const std::string& name);

// ReadAppInventory of a file. Throws ConfigError when it cannot be read.
AppInventory ReadAppInventoryFile(const std::string& path);

}  // namespace auditsync
