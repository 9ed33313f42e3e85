// Client assertions for the token routes (reference §3.3): a JWT signed RS256 or PS256 with the
// private key of the certificate registered for the application (`serve --client-certificate`).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tls.hpp"

namespace emulator {

inline constexpr char kJwtBearerAssertionType[] =
    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

// Why an assertion was refused, as Entra would answer it.
struct AssertionFailure {
  int status;
  std::string error;  // OAuth error: invalid_client or invalid_request
  int code;           // AADSTS code
  std::string message;
};

class AssertionVerifier {
 public:
  // From the certificate's PEM; throws std::runtime_error when it is not one.
  explicit AssertionVerifier(const std::string& certificate_pem);

  // Checks, in order: JWT syntax; the header's x5t#S256 (or, for RS256, x5t) names the
  // registered certificate; the RS256/PS256 signature; iss = sub = client_id; aud is one of
  // `audiences`; nbf/exp bracket `now` (5 minutes of clock skew allowed) and span at most an hour;
  // jti is new. A valid assertion's jti is remembered until it expires, so a replay fails.
  std::optional<AssertionFailure> Verify(std::string_view assertion, std::string_view client_id,
                                         const std::vector<std::string>& audiences,
                                         std::int64_t now);

  // base64url SHA-256 and SHA-1 thumbprints of the certificate's DER.
  const std::string& ThumbprintSha256() const { return x5t_s256_; }
  const std::string& ThumbprintSha1() const { return x5t_; }

 private:
  std::unique_ptr<X509, X509Deleter> certificate_;
  EVP_PKEY* key_ = nullptr;  // owned by certificate_
  std::string x5t_s256_;
  std::string x5t_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::int64_t> seen_jti_;  // jti -> forget after
};

// The audience a federated token must carry (Entra's default for federated credentials).
inline constexpr char kFederatedAudience[] = "api://AzureADTokenExchange";

// A federated identity credential of the application (workload identity federation): a token of
// an external issuer (a Kubernetes cluster's OIDC issuer, say) for one subject replaces the
// client's own proof. The emulator holds the issuer's public key instead of fetching its JWKS.
struct FederatedCredential {
  std::string issuer;
  std::string subject;
  std::string issuer_key_pem;  // PEM public key or certificate of the issuer's RS256 key
};

// Whether a client assertion is a federated token rather than a certificate's assertion: the
// latter always names its certificate (x5t#S256 or x5t) in the header.
bool IsFederatedToken(std::string_view assertion);

class FederatedVerifier {
 public:
  // Throws std::runtime_error when the key is neither a PEM public key nor a certificate.
  explicit FederatedVerifier(FederatedCredential credential);

  // Checks, in order: JWT syntax and alg RS256; iss is the credential's (700211); the signature
  // with the issuer's key (700027, a best guess); aud holds api://AzureADTokenExchange (700212);
  // sub is the credential's (700213); nbf/exp bracket `now` (700024). No jti check: the platform
  // hands out one token for many sign-ins until it renews it.
  std::optional<AssertionFailure> Verify(std::string_view token, std::int64_t now) const;

 private:
  FederatedCredential credential_;
  std::unique_ptr<EVP_PKEY, PkeyDeleter> key_;
};

}  // namespace emulator
