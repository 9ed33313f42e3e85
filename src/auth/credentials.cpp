#include "auth/credentials.hpp"

#include "auth/client_proof.hpp"
#include "auth/managed_identity.hpp"
#include "auth/token_cache.hpp"

namespace auditsync {

Credentials::Credentials(const Config& config, HttpClient& http,
                         const std::function<std::unique_ptr<HttpClient>()>& machine_local_http) {
  if (config.credential == CredentialKind::kSecret &&
      config.client_secret_origin == SecretOrigin::kKeyVault) {
    vault_credential_ =
        Build(config.keyvault_credential, config, http, machine_local_http, vault_description_);
    key_vault_ = std::make_unique<KeyVaultSecretReader>(
        http, *vault_credential_, *config.client_secret_keyvault, config.keyvault_resource,
        vault_description_.identity);
  }
  app_ = Build(config.credential, config, http, machine_local_http, description_);
}

Credentials::~Credentials() = default;

std::unique_ptr<TokenCredential> Credentials::Build(
    CredentialKind kind, const Config& config, HttpClient& http,
    const std::function<std::unique_ptr<HttpClient>()>& local, SignInDescription& description) {
  std::unique_ptr<TokenSource> source;
  description.identity = "app " + config.client_id;
  description.issuer = "Entra ID at " + config.authority;
  switch (kind) {
    case CredentialKind::kSecret: {
      const EntraOptions entra{config.authority, config.tenant_id, config.client_id};
      if (key_vault_) {
        description.proof = "client secret from Key Vault";
        auto* reader = key_vault_.get();
        source = std::make_unique<EntraTokenSource>(http, entra,
                                                    SecretProof([reader] { return reader->Get(); },
                                                                [reader] {
                                                                  reader->Forget();
                                                                  return true;
                                                                }));
      } else {
        description.proof = "client secret";
        source = std::make_unique<EntraTokenSource>(
            http, entra, SecretProof([secret = config.client_secret] { return secret; }));
      }
      break;
    }
    case CredentialKind::kCertificate: {
      const auto& certificate = config.certificate;
      description.proof = std::string("certificate, ") +
                          (certificate.algorithm == AssertionAlgorithm::kPs256 ? "PS256" : "RS256");
      source = std::make_unique<EntraTokenSource>(
          http, EntraOptions{config.authority, config.tenant_id, config.client_id},
          CertificateProof(ClientCertificate::Load(certificate.path, certificate.password),
                           config.client_id, certificate.algorithm));
      break;
    }
    case CredentialKind::kManagedIdentity:
      if (!machine_local_http_) machine_local_http_ = local();
      description = {config.managed_identity.client_id.empty()
                         ? "the system-assigned managed identity"
                         : "the managed identity " + config.managed_identity.client_id,
                     DescribeManagedIdentity(config.managed_identity), ""};
      source =
          std::make_unique<ManagedIdentitySource>(*machine_local_http_, config.managed_identity);
      break;
    case CredentialKind::kWorkloadIdentity: {
      const auto& workload = config.workload_identity;
      description.identity = "the workload identity " + workload.client_id;
      description.proof = "federated token";
      source = std::make_unique<EntraTokenSource>(
          http, EntraOptions{config.authority, workload.tenant_id, workload.client_id},
          FederatedTokenProof(workload.token_file));
      break;
    }
  }
  return std::make_unique<CachedCredential>(std::move(source));
}

}  // namespace auditsync
