// Where a secret lives in Azure Key Vault (microsoft-apis.md §4.3): the Power Platform reference
// /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.KeyVault/vaults/{vault}/secrets/
// {name}[/{version}], or the secret URL https://{vault}.{suffix}/secrets/{name}[/{version}].
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace auditsync {

struct KeyVaultReference {
  std::string vault;    // vault name, lower case
  std::string suffix;   // host suffix, e.g. vault.azure.net (a port for tests)
  std::string name;     // secret name
  std::string version;  // empty: the current version

  // https://{vault}.{suffix}: the vault's data-plane root.
  std::string VaultUrl() const;
  // {VaultUrl}/secrets/{name}[/{version}], without the api-version.
  std::string SecretUrl() const;
  // "secret NAME of vault VAULT" (with "version V" when pinned): for messages.
  std::string Describe() const;
};

// Parses either form, matching the literal segments without case. `suffix` is the configured
// vault host suffix: it completes the Power Platform form, and a secret URL must use it or the
// suffix of an Azure cloud. Returns nullopt with `problem` set to what is wrong.
std::optional<KeyVaultReference> ParseKeyVaultReference(std::string_view text,
                                                        std::string_view suffix,
                                                        std::string& problem);

}  // namespace auditsync
