#include "integration/identity_lab.hpp"

namespace auditsync::testing {

IdentityLab::IdentityLab(const Workspace& workspace, std::vector<std::string> tenant,
                         std::vector<std::string> serve)
    : workspace_(workspace), app_(MakeTestKeys()), issuer_(MakeTestKeys("cluster-issuer")) {
  pem_path_ = WritePrivateFile(workspace.Path("app.pem"), app_.key_pem + app_.certificate_pem);
  password_file_ = WritePrivateFile(workspace.Path("app.pfx.password"), kCertificatePassword);
  pkcs12_path_ = WritePrivateFile(workspace.Path("app.pfx"), Pkcs12(app_, kCertificatePassword));
  token_file_ = workspace.Path("azure-identity-token");
  header_file_ = WritePrivateFile(workspace.Path("identity-header"), kIdentityHeader);
  const auto registered = WritePrivateFile(workspace.Path("registered.crt"), app_.certificate_pem);
  const auto issuer_key = WritePrivateFile(workspace.Path("issuer.pub"), issuer_.public_key_pem);
  // The vault holds the client secret, which the emulator writes to this file at start.
  std::vector<std::string> options = {
      "--managed-identity",
      "--identity-header-file",
      header_file_,
      "--client-certificate",
      registered,
      "--vault-secret",
      std::string(kVaultSecretName) + "=" + workspace.Path("client-secret"),
      "--federated-issuer",
      kIssuer,
      "--federated-subject",
      kSubject,
      "--federated-issuer-key",
      issuer_key};
  options.insert(options.end(), serve.begin(), serve.end());
  emulator_ = std::make_unique<Emulator>(workspace, std::move(tenant), std::move(options));
}

std::vector<std::string> IdentityLab::Environment() const {
  return ClientEnvironment(*emulator_, workspace_.Path("audit.db"));
}

void IdentityLab::DropSecret(std::vector<std::string>& environment) {
  Override(environment, "AUDITSYNC_CLIENT_SECRET_FILE=");
}

void IdentityLab::SignInAs(std::vector<std::string>& environment, const std::string& credential) {
  DropSecret(environment);
  Override(environment, "AUDITSYNC_CREDENTIAL=" + credential);
}

void IdentityLab::UseKeyVault(std::vector<std::string>& environment, const std::string& credential,
                              const std::string& secret) const {
  DropSecret(environment);
  // The Power Platform form: the vault's host is {vault}.{keyvault_suffix}, and the emulator
  // answers as *.vault.localhost.
  const auto port = emulator_->BaseUrl().substr(emulator_->BaseUrl().rfind(':') + 1);
  Override(environment, "AUDITSYNC_KEYVAULT_SUFFIX=vault.localhost:" + port);
  Override(environment,
           "AUDITSYNC_CLIENT_SECRET_KEYVAULT=/subscriptions/00000000-1111-2222-3333-444444444444/"
           "resourceGroups/rg-audit/providers/Microsoft.KeyVault/vaults/auditsync-kv/secrets/" +
               secret);
  Override(environment, "AUDITSYNC_KEYVAULT_CREDENTIAL=" + credential);
}

void IdentityLab::UseImds(std::vector<std::string>& environment) const {
  Override(environment, "AUDITSYNC_IMDS_ENDPOINT=" + emulator_->BaseUrl());
}

void IdentityLab::UseAppService(std::vector<std::string>& environment) const {
  Override(environment, "IDENTITY_ENDPOINT=" + emulator_->BaseUrl() + "/msi/token");
  Override(environment, std::string("IDENTITY_HEADER=") + kIdentityHeader);
}

void IdentityLab::UseCertificate(std::vector<std::string>& environment,
                                 const std::string& path) const {
  Override(environment, "AUDITSYNC_CERTIFICATE_PATH=" + path);
  if (path == pkcs12_path_) {
    Override(environment, "AUDITSYNC_CERTIFICATE_PASSWORD_FILE=" + password_file_);
  }
}

void IdentityLab::UseWorkloadIdentity(std::vector<std::string>& environment) const {
  WriteFederatedToken();
  // What the AKS webhook injects; the client and tenant are the emulator's app registration.
  Override(environment, "AZURE_FEDERATED_TOKEN_FILE=" + token_file_);
  Override(environment, "AZURE_CLIENT_ID=aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
  Override(environment, "AZURE_TENANT_ID=11111111-2222-3333-4444-555555555555");
}

std::string IdentityLab::WriteFederatedToken(const nlohmann::json& changes) const {
  const auto now = NowUtc().time_since_epoch().count();
  nlohmann::json claims = {
      {"iss", kIssuer}, {"sub", kSubject}, {"aud", {"api://AzureADTokenExchange"}},
      {"iat", now},     {"nbf", now},      {"exp", now + 3600}};
  claims.update(changes);
  const auto token = SignedRs256Jwt(issuer_, claims);
  WritePrivateFile(token_file_, token + "\n");
  return token;
}

}  // namespace auditsync::testing
