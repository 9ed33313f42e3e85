// The credentials of one configuration, built once: the app's, whose tokens call Graph and the
// Office 365 Management Activity API (a scope each), and, when the client secret lives in Key
// Vault, the one that reads it there.
//
//   credential = secret             Entra + client secret (a value, a file, stdin, or Key Vault)
//   credential = certificate        Entra + client assertion signed by certificate_path
//   credential = managed_identity   IMDS, or the App Service / Container Apps endpoint
//   credential = workload_identity  Entra + the federated token of AZURE_FEDERATED_TOKEN_FILE
//
// Every kind is a TokenSource behind the one CachedCredential.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "auth/keyvault.hpp"
#include "auth/token_credential.hpp"
#include "core/config.hpp"
#include "net/http_client.hpp"

namespace auditsync {

// Who signs in, who issues its tokens and with what proof: for `check` and for messages.
struct SignInDescription {
  std::string identity;  // "app {client id}", "the system-assigned managed identity", ...
  std::string issuer;    // "Entra ID at https://login.microsoftonline.com", "the managed ..."
  std::string proof;     // "client secret", "certificate, PS256", ...; empty for a managed one
};

class Credentials {
 public:
  // `http` reaches Entra and Key Vault. `machine_local_http` makes the client for the managed
  // identity endpoint (plain HTTP, no proxy); it is called only when one is used. Throws
  // ConfigError when the certificate cannot be loaded.
  Credentials(const Config& config, HttpClient& http,
              const std::function<std::unique_ptr<HttpClient>()>& machine_local_http);
  ~Credentials();
  Credentials(const Credentials&) = delete;
  Credentials& operator=(const Credentials&) = delete;

  // The app's credential: tokens for Graph and for the Management Activity API.
  TokenCredential& App() { return *app_; }
  // The reader of the client secret in Key Vault; null when the secret comes from elsewhere.
  KeyVaultSecretReader* KeyVault() { return key_vault_.get(); }
  // How the app's tokens are obtained.
  const SignInDescription& Description() const { return description_; }
  // How Key Vault tokens are obtained (meaningful only with KeyVault()).
  const SignInDescription& KeyVaultDescription() const { return vault_description_; }

 private:
  std::unique_ptr<TokenCredential> Build(CredentialKind kind, const Config& config,
                                         HttpClient& http,
                                         const std::function<std::unique_ptr<HttpClient>()>& local,
                                         SignInDescription& description);

  std::unique_ptr<HttpClient> machine_local_http_;
  std::unique_ptr<TokenCredential> vault_credential_;
  std::unique_ptr<KeyVaultSecretReader> key_vault_;
  std::unique_ptr<TokenCredential> app_;
  SignInDescription description_;
  SignInDescription vault_description_;
};

}  // namespace auditsync
