#include "core/cloud.hpp"

#include <algorithm>
#include <array>

#include "core/text.hpp"

namespace auditsync {
namespace {

// From microsoft-apis.md §2. GCC (moderate) tenants use the worldwide Entra and Graph endpoints;
// only their Management Activity API host differs. The audit log query API is global-only
// (§1.2), so GCC High and DoD can use only the Management Activity API.
constexpr std::array<CloudEndpoints, 4> kClouds = {{
    {"commercial", "https://login.microsoftonline.com", "https://graph.microsoft.com",
     "https://manage.office.com", "vault.azure.net", true},
    {"gcc", "https://login.microsoftonline.com", "https://graph.microsoft.com",
     "https://manage-gcc.office.com", "vault.azure.net", true},
    {"gcchigh", "https://login.microsoftonline.us", "https://graph.microsoft.us",
     "https://manage.office365.us", "vault.usgovcloudapi.net", false},
    {"dod", "https://login.microsoftonline.us", "https://dod-graph.microsoft.us",
     "https://manage.protection.apps.mil", "vault.usgovcloudapi.net", false},
}};

// The legacy name of the global authority, still in the CoE kit and the v1 docs.
constexpr std::string_view kLegacyGlobalAuthority = "https://login.windows.net";

std::string_view WithoutTrailingSlashes(std::string_view url) {
  while (url.ends_with('/')) url.remove_suffix(1);
  return url;
}

template <typename Field>
std::optional<CloudEndpoints> FirstCloudWhere(Field field, std::string_view url) {
  for (const auto& cloud : kClouds) {
    if (EqualsIgnoreCase(WithoutTrailingSlashes(url), cloud.*field)) return cloud;
  }
  return std::nullopt;
}

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

std::string DefaultScope(std::string_view resource) {
  return std::string(WithoutTrailingSlashes(resource)) + "/.default";
}

std::string CanonicalAuthority(std::string_view authority) {
  if (EqualsIgnoreCase(WithoutTrailingSlashes(authority), kLegacyGlobalAuthority)) {
    return std::string(kClouds[0].authority);
  }
  return std::string(authority);
}

std::optional<CloudEndpoints> CloudOfAuthority(std::string_view authority) {
  return FirstCloudWhere(&CloudEndpoints::authority, CanonicalAuthority(authority));
}

std::optional<CloudEndpoints> CloudOfGraph(std::string_view graph_url) {
  return FirstCloudWhere(&CloudEndpoints::graph_url, graph_url);
}

std::optional<CloudEndpoints> CloudOfManagement(std::string_view management_url) {
  return FirstCloudWhere(&CloudEndpoints::management_url, management_url);
}

bool IsCloudKeyVaultSuffix(std::string_view suffix) {
  return std::any_of(kClouds.begin(), kClouds.end(), [suffix](const CloudEndpoints& cloud) {
    return EqualsIgnoreCase(suffix, cloud.keyvault_suffix);
  });
}

std::string KeyVaultResource(std::string_view suffix, const CloudEndpoints& cloud) {
  return "https://" +
         (IsCloudKeyVaultSuffix(suffix) ? Lowercase(suffix) : std::string(cloud.keyvault_suffix));
}

}  // namespace auditsync
