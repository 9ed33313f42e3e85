#include "core/cloud.hpp"

#include <array>

#include "core/text.hpp"

namespace auditsync {
namespace {

// From microsoft-apis.md §2. GCC (moderate) tenants use the worldwide Entra and Graph endpoints.
constexpr std::array<CloudEndpoints, 4> kClouds = {{
    {"commercial", "https://login.microsoftonline.com", "https://graph.microsoft.com"},
    {"gcc", "https://login.microsoftonline.com", "https://graph.microsoft.com"},
    {"gcchigh", "https://login.microsoftonline.us", "https://graph.microsoft.us"},
    {"dod", "https://login.microsoftonline.us", "https://dod-graph.microsoft.us"},
}};

}  // namespace

std::optional<CloudEndpoints> FindCloud(std::string_view name) {
  for (const auto& cloud : kClouds) {
    if (EqualsIgnoreCase(name, cloud.name)) return cloud;
  }
  return std::nullopt;
}

std::string CloudNames() {
  std::string names;
  for (const auto& cloud : kClouds) {
    if (!names.empty()) names += ", ";
    names += cloud.name;
  }
  return names;
}

}  // namespace auditsync
