// InventoryApp: one app of an app list exported from the Power Platform admin center (or by
// PowerShell's Get-AdminPowerApp), as `auditsync import apps` reads it. Apps that no record ever
// launched come only from such a list, so reports can show them as unused.
#pragma once

#include <optional>
#include <string>

#include "core/time.hpp"

namespace auditsync {

struct InventoryApp {
  std::string app_id;  // normalised like a record's: lowercase GUID, last path segment
  std::optional<std::string> name;
  std::optional<std::string> environment_id;  // lowercase
  std::optional<std::string> environment_name;
  std::optional<std::string> owner;  // e-mail or UPN when the list has one, else a display name
  std::optional<Instant> created;

  bool operator==(const InventoryApp&) const = default;
};

}  // namespace auditsync
