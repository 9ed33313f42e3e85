// Reads the client secret from Azure Key Vault (reference §4): GET {vault}/secrets/{name}
// [/{version}]?api-version=7.4 with a token for the vault's resource from a credential of its own
// (managed identity, workload identity or certificate). The secret is kept in memory only.
#pragma once

#include <mutex>
#include <optional>
#include <string>

#include "auth/token_credential.hpp"
#include "core/keyvault_reference.hpp"
#include "core/secret.hpp"
#include "net/http_client.hpp"

namespace auditsync {

class KeyVaultSecretReader {
 public:
  // `resource` is the vault's token resource (https://vault.azure.net); `signs_in_with` says
  // which identity `credential` is, for the messages of a refusal.
  KeyVaultSecretReader(HttpClient& http, TokenCredential& credential, KeyVaultReference reference,
                       const std::string& resource, std::string signs_in_with);

  // The secret, read on first use and then kept. Throws AuthError when the vault refuses (a 403,
  // asked again twice in case a new role assignment is still propagating, names the missing role
  // and the firewall), ConfigError when the secret does not exist, and SignInUnavailable when
  // the vault cannot be reached.
  Secret Get();

  // Wipes the secret kept, so that the next Get() reads the vault again: Entra refused it, and
  // it may have been rotated there.
  void Forget();

  const KeyVaultReference& Reference() const { return reference_; }
  const std::string& SignsInWith() const { return signs_in_with_; }

 private:
  Secret Read();

  HttpClient& http_;
  TokenCredential& credential_;
  KeyVaultReference reference_;
  std::string scope_;
  std::string signs_in_with_;
  std::mutex mutex_;
  std::optional<Secret> secret_;
};

}  // namespace auditsync
