// National cloud presets (microsoft-apis.md §2): the endpoints that
// `cloud = commercial | gcc | gcchigh | dod` implies. Each value stays overridable by its own
// setting (authority, graph_url, management_url, keyvault_suffix).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace auditsync {

struct CloudEndpoints {
  std::string_view name;
  std::string_view authority;        // Entra authority root
  std::string_view graph_url;        // Microsoft Graph root
  std::string_view management_url;   // Office 365 Management Activity API root
  std::string_view keyvault_suffix;  // vault host is {vault}.{keyvault_suffix}
  // Whether Microsoft Graph serves the audit log query API there (it is global-only).
  bool graph_audit_queries = true;
};

// Returns the preset for a cloud name (case-insensitive), or nullopt for an unknown one.
std::optional<CloudEndpoints> FindCloud(std::string_view name);

// "commercial, gcc, gcchigh, dod": for help texts and error messages.
std::string CloudNames();

// `{resource}/.default`, the scope of an app-only token for a resource root such as
// https://graph.microsoft.com.
std::string DefaultScope(std::string_view resource);

// The one authority an alias stands for: https://login.windows.net (the CoE Starter Kit's value)
// is https://login.microsoftonline.com. Other values come back unchanged.
std::string CanonicalAuthority(std::string_view authority);

// The first preset that uses this authority (or Graph root), compared without case and trailing
// slash; nullopt for endpoints of no preset (a gateway, the emulator). GCC shares the commercial
// endpoints, and DoD the GCC High authority, so only the endpoints themselves are meaningful.
std::optional<CloudEndpoints> CloudOfAuthority(std::string_view authority);
std::optional<CloudEndpoints> CloudOfGraph(std::string_view graph_url);
std::optional<CloudEndpoints> CloudOfManagement(std::string_view management_url);

// Whether `suffix` is the Key Vault host suffix of an Azure cloud (vault.azure.net,
// vault.usgovcloudapi.net), compared without case.
bool IsCloudKeyVaultSuffix(std::string_view suffix);

// The token resource of Key Vault for vaults under `suffix`: `https://{suffix}` for the suffix of
// an Azure cloud (a GCC tenant's vault may live in Azure commercial or Azure Government), else
// that of `cloud` (a vault reached through a test or private name).
std::string KeyVaultResource(std::string_view suffix, const CloudEndpoints& cloud);

}  // namespace auditsync
