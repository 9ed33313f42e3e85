// The three ways an application proves who it is to Entra's token endpoint: a client secret, a
// client assertion signed by its certificate, or a federated token (workload identity) sent as
// the assertion.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "auth/client_certificate.hpp"
#include "auth/entra_credential.hpp"

namespace auditsync {

// client_assertion_type of both assertion kinds.
inline constexpr char kJwtBearerAssertionType[] =
    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

// client_secret = `secret()`, asked for each request (a Key Vault secret is read on first use).
// `reread` forgets a secret kept from Key Vault (see ClientProof::reread).
ClientProof SecretProof(std::function<Secret()> secret, std::function<bool()> reread = {});

// A client assertion signed by `certificate`, made afresh for each request.
ClientProof CertificateProof(std::shared_ptr<const ClientCertificate> certificate,
                             std::string client_id, AssertionAlgorithm algorithm,
                             std::function<Instant()> now = NowUtc);

// The federated token of `token_file` as the assertion, read for each request: the platform
// (AKS) rotates the file's token.
ClientProof FederatedTokenProof(std::string token_file);

// The token in the file of AZURE_FEDERATED_TOKEN_FILE (read by the rule of SecretFromText).
// Throws ConfigError when it cannot be read or is empty.
Secret ReadFederatedToken(const std::string& path);

}  // namespace auditsync
