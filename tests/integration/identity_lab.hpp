// An emulator with every way of signing in switched on (managed identity endpoints, Key Vault
// holding the client secret, a registered certificate, a federated credential), the keys and
// files a client needs for each, and the settings that select each one. Shared by the
// credential, check, proxy and secret hygiene tests.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "integration/harness.hpp"
#include "unit/test_keys.hpp"

namespace auditsync::testing {

class IdentityLab {
 public:
  static constexpr const char* kVaultSecretName = "graph-secret";
  static constexpr const char* kIssuer = "https://oidc.cluster.test/issuer";
  static constexpr const char* kSubject = "system:serviceaccount:audit:auditsync";

  // `serve` adds options of the emulator (faults, --vault-deny, ...).
  IdentityLab(const Workspace& workspace, std::vector<std::string> tenant,
              std::vector<std::string> serve = {});

  Emulator& Server() { return *emulator_; }
  // ClientEnvironment: a client secret from a file.
  std::vector<std::string> Environment() const;

  // The settings of each way to sign in, applied to an environment.
  void UseKeyVault(std::vector<std::string>& environment, const std::string& credential,
                   const std::string& secret = kVaultSecretName) const;
  void UseImds(std::vector<std::string>& environment) const;
  void UseAppService(std::vector<std::string>& environment) const;
  void UseCertificate(std::vector<std::string>& environment, const std::string& path) const;
  void UseWorkloadIdentity(std::vector<std::string>& environment) const;
  // Graph signs in without a client secret.
  static void DropSecret(std::vector<std::string>& environment);
  // Graph signs in as `credential` (managed_identity, workload_identity), without a secret.
  static void SignInAs(std::vector<std::string>& environment, const std::string& credential);

  // The registered certificate with its key: PEM, and PKCS#12 with PasswordFile()'s password.
  const std::string& PemPath() const { return pem_path_; }
  const std::string& Pkcs12Path() const { return pkcs12_path_; }
  const std::string& PasswordFile() const { return password_file_; }
  const TestKeys& AppKeys() const { return app_; }
  // (Re)writes the federated token file: a token of the registered issuer and subject, valid for
  // an hour, with `changes` merged into its claims. Returns the token.
  std::string WriteFederatedToken(const nlohmann::json& changes = nlohmann::json::object()) const;
  const std::string& FederatedTokenFile() const { return token_file_; }

  // Secrets a client must never show.
  static constexpr const char* kCertificatePassword = "pfx-Passw0rd-7d1c";
  static constexpr const char* kIdentityHeader = "identity-header-4e9a0b";

 private:
  const Workspace& workspace_;
  TestKeys app_;
  TestKeys issuer_;
  std::string pem_path_, pkcs12_path_, password_file_, token_file_, header_file_;
  std::unique_ptr<Emulator> emulator_;
};

}  // namespace auditsync::testing
