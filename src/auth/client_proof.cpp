#include "auth/client_proof.hpp"

#include "auth/client_assertion.hpp"
#include "core/error.hpp"

namespace auditsync {
namespace {

std::vector<ProofField> Assertion(Secret assertion) {
  std::vector<ProofField> fields;
  fields.push_back({"client_assertion_type", Secret(kJwtBearerAssertionType)});
  fields.push_back({"client_assertion", std::move(assertion)});
  return fields;
}

}  // namespace

ClientProof SecretProof(std::function<Secret()> secret, std::function<bool()> reread) {
  return {[secret = std::move(secret)](const std::string& /*token_url*/) {
            std::vector<ProofField> fields;
            fields.push_back({"client_secret", secret()});
            return fields;
          },
          std::move(reread)};
}

ClientProof CertificateProof(std::shared_ptr<const ClientCertificate> certificate,
                             std::string client_id, AssertionAlgorithm algorithm,
                             std::function<Instant()> now) {
  return {[certificate = std::move(certificate), client_id = std::move(client_id), algorithm,
           now = std::move(now)](const std::string& token_url) {
            return Assertion(
                Secret(MakeClientAssertion(*certificate, algorithm, client_id, token_url, now())));
          },
          {}};
}

ClientProof FederatedTokenProof(std::string token_file) {
  return {[token_file = std::move(token_file)](const std::string& /*token_url*/) {
            return Assertion(ReadFederatedToken(token_file));
          },
          {}};
}

Secret ReadFederatedToken(const std::string& path) {
  auto token = SecretFromFile(path);
  if (!token) {
    throw ConfigError("federated_token_file " + path +
                      " cannot be read. On AKS, check that the pod uses the workload identity "
                      "(label azure.workload.identity/use: \"true\" and a service account with "
                      "the azure.workload.identity/client-id annotation).");
  }
  if (token->Blank()) {
    throw ConfigError("federated_token_file " + path +
                      " is empty. It must hold the token the platform projects for the pod.");
  }
  return std::move(*token);
}

}  // namespace auditsync
