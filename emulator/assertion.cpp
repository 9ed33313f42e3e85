#include "assertion.hpp"

#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/time.hpp"
#include "ids.hpp"

namespace emulator {
namespace {

constexpr std::int64_t kClockSkew = 300;     // what Entra tolerates either way
constexpr std::int64_t kMaxLifetime = 3600;  // the emulator's bound on exp - nbf
constexpr char kCertificateDocs[] =
    "Review the documentation at "
    "https://learn.microsoft.com/entra/identity-platform/certificate-credentials .";

std::string Thumbprint(X509* certificate, const EVP_MD* digest) {
  unsigned char bytes[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (X509_digest(certificate, digest, bytes, &size) != 1) {
    throw std::runtime_error("cannot hash the client certificate");
  }
  return Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(bytes), size));
}

bool VerifySignature(EVP_PKEY* key, bool pss, std::string_view signed_part,
                     std::string_view signature) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                  EVP_MD_CTX_free);
  EVP_PKEY_CTX* key_context = nullptr;
  if (!context ||
      EVP_DigestVerifyInit(context.get(), &key_context, EVP_sha256(), nullptr, key) != 1) {
    return false;
  }
  // JWA (RFC 7518 §3.5): PS256 is RSASSA-PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt.
  if (pss && (EVP_PKEY_CTX_set_rsa_padding(key_context, RSA_PKCS1_PSS_PADDING) != 1 ||
              EVP_PKEY_CTX_set_rsa_pss_saltlen(key_context, RSA_PSS_SALTLEN_DIGEST) != 1)) {
    return false;
  }
  return EVP_DigestVerify(context.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(),
                          reinterpret_cast<const unsigned char*>(signed_part.data()),
                          signed_part.size()) == 1;
}

// Entra's time form in AADSTS700024: "2026-11-25 06:00:00Z".
std::string EntraTime(std::int64_t seconds) {
  std::string text = auditsync::FormatIso8601(auditsync::Instant{std::chrono::seconds{seconds}});
  text[10] = ' ';
  return text;
}

AssertionFailure Malformed(const std::string& why) {
  return AssertionFailure{400, "invalid_request", 50027,
                          "JWT token is invalid or malformed: " + why + "."};
}

// A JWT taken apart, not yet verified.
struct Jwt {
  nlohmann::json header;
  nlohmann::json claims;
  std::string signature;
  std::string_view signed_part;  // header.claims, what the signature covers
};

std::optional<AssertionFailure> ParseJwt(std::string_view text, Jwt& jwt) {
  const auto first_dot = text.find('.');
  const auto second_dot =
      first_dot == std::string_view::npos ? first_dot : text.find('.', first_dot + 1);
  if (second_dot == std::string_view::npos ||
      text.find('.', second_dot + 1) != std::string_view::npos) {
    return Malformed("the client assertion is not a signed JWT");
  }
  const auto header_text = Base64UrlDecode(text.substr(0, first_dot));
  const auto claims_text = Base64UrlDecode(text.substr(first_dot + 1, second_dot - first_dot - 1));
  const auto signature = Base64UrlDecode(text.substr(second_dot + 1));
  if (!header_text || !claims_text || !signature) return Malformed("bad base64url");
  jwt.header = nlohmann::json::parse(*header_text, nullptr, false);
  jwt.claims = nlohmann::json::parse(*claims_text, nullptr, false);
  if (!jwt.header.is_object() || !jwt.claims.is_object()) return Malformed("bad JSON");
  jwt.signature = *signature;
  jwt.signed_part = text.substr(0, second_dot);
  return std::nullopt;
}

std::string TextClaim(const nlohmann::json& claims, const char* name) {
  return claims.contains(name) && claims[name].is_string() ? claims[name].get<std::string>()
                                                           : std::string();
}

// exp present; nbf (else iat) and exp bracket `now` with Entra's clock skew; with
// `bounded_lifetime` (an assertion the client made itself), at most an hour apart.
std::optional<AssertionFailure> CheckValidity(const nlohmann::json& claims, std::int64_t now,
                                              const std::string& docs, bool bounded_lifetime) {
  if (!claims.contains("exp") || !claims["exp"].is_number_integer()) {
    return Malformed("the client assertion has no exp claim");
  }
  const std::int64_t exp = claims["exp"].get<std::int64_t>();
  std::int64_t nbf = exp - kMaxLifetime;
  for (const char* name : {"nbf", "iat"}) {
    if (claims.contains(name) && claims[name].is_number_integer()) {
      nbf = claims[name].get<std::int64_t>();
      break;
    }
  }
  if (now >= exp + kClockSkew || now + kClockSkew < nbf ||
      (bounded_lifetime && exp - nbf > kMaxLifetime)) {
    return AssertionFailure{
        401, "invalid_client", 700024,
        fmt::format("Client assertion is not within its valid time range. Current time: {}, "
                    "assertion valid from {}, expiry time of assertion {}. {}",
                    EntraTime(now), EntraTime(nbf), EntraTime(exp), docs)};
  }
  return std::nullopt;
}

std::unique_ptr<X509, X509Deleter> ReadCertificate(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  std::unique_ptr<X509, X509Deleter> certificate;
  if (bio) certificate.reset(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  return certificate;
}

}  // namespace

AssertionVerifier::AssertionVerifier(const std::string& certificate_pem) {
  certificate_ = ReadCertificate(certificate_pem);
  if (!certificate_) throw std::runtime_error("not a PEM certificate");
  key_ = X509_get0_pubkey(certificate_.get());
  if (key_ == nullptr || EVP_PKEY_base_id(key_) != EVP_PKEY_RSA) {
    throw std::runtime_error("the certificate's key is not RSA");
  }
  x5t_s256_ = Thumbprint(certificate_.get(), EVP_sha256());
  x5t_ = Thumbprint(certificate_.get(), EVP_sha1());
}

std::optional<AssertionFailure> AssertionVerifier::Verify(std::string_view assertion,
                                                          std::string_view client_id,
                                                          const std::vector<std::string>& audiences,
                                                          std::int64_t now) {
  Jwt jwt;
  if (auto failure = ParseJwt(assertion, jwt)) return failure;
  const auto& header = jwt.header;
  const auto& claims = jwt.claims;

  const std::string alg = header.value("alg", "");
  const bool pss = alg == "PS256";
  if (alg != "RS256" && !pss) {
    return AssertionFailure{401, "invalid_client", 700027,
                            "Client assertion contains an invalid signature. [Reason - The "
                            "algorithm '" +
                                alg + "' is not supported; use PS256 or RS256.]"};
  }

  // Entra finds the key by the thumbprint in the header; the SHA-1 form only goes with RS256.
  const std::string s256 = header.value("x5t#S256", "");
  const std::string sha1 = header.value("x5t", "");
  const bool known = !s256.empty() ? s256 == x5t_s256_ : (!pss && !sha1.empty() && sha1 == x5t_);
  if (!known) {
    const std::string used = !s256.empty() ? s256 : sha1;
    return AssertionFailure{
        401, "invalid_client", 700027,
        "The certificate with identifier used to sign the client assertion is not registered on "
        "application. [Reason - The key was not found., Thumbprint of key used by client: '" +
            used + "'.] " + kCertificateDocs};
  }
  if (!VerifySignature(key_, pss, jwt.signed_part, jwt.signature)) {
    return AssertionFailure{
        401, "invalid_client", 700027,
        "Client assertion failed signature validation. " + std::string(kCertificateDocs)};
  }

  const std::string iss = TextClaim(claims, "iss");
  const std::string sub = TextClaim(claims, "sub");
  if (!EqualsIgnoreCase(iss, client_id) || !EqualsIgnoreCase(sub, client_id)) {
    return AssertionFailure{401, "invalid_client", 700021,
                            "Client assertion application identifier doesn't match "
                            "'client_id' parameter. " +
                                std::string(kCertificateDocs)};
  }
  const std::string aud = TextClaim(claims, "aud");
  bool audience_ok = false;
  for (const std::string& audience : audiences) audience_ok |= EqualsIgnoreCase(aud, audience);
  if (!audience_ok) {
    return Malformed("unexpected audience '" + aud + "'; use the token endpoint's URL");
  }

  if (auto failure = CheckValidity(claims, now, kCertificateDocs, true)) return failure;
  const std::int64_t exp = claims["exp"].get<std::int64_t>();

  const std::string jti = TextClaim(claims, "jti");
  if (jti.empty()) return Malformed("the client assertion has no jti claim");
  std::lock_guard lock(mutex_);
  std::erase_if(seen_jti_, [&](const auto& item) { return item.second < now; });
  if (!seen_jti_.emplace(jti, exp + kClockSkew).second) {
    return AssertionFailure{401, "invalid_client", 50013,
                            "Assertion is invalid: the client assertion with jti '" + jti +
                                "' was already used. Send a new jti with every assertion."};
  }
  return std::nullopt;
}

bool IsFederatedToken(std::string_view assertion) {
  Jwt jwt;
  return !ParseJwt(assertion, jwt) && !jwt.header.contains("x5t#S256") &&
         !jwt.header.contains("x5t");
}

FederatedVerifier::FederatedVerifier(FederatedCredential credential)
    : credential_(std::move(credential)) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(credential_.issuer_key_pem.data(),
                      static_cast<int>(credential_.issuer_key_pem.size())),
      BIO_free);
  if (bio) key_.reset(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (!key_) {
    if (const auto certificate = ReadCertificate(credential_.issuer_key_pem)) {
      key_.reset(X509_get_pubkey(certificate.get()));
    }
  }
  if (!key_ || EVP_PKEY_base_id(key_.get()) != EVP_PKEY_RSA) {
    throw std::runtime_error("the federated issuer key is not an RSA public key or certificate");
  }
}

std::optional<AssertionFailure> FederatedVerifier::Verify(std::string_view token,
                                                          std::int64_t now) const {
  constexpr char kDocs[] =
      "Review the documentation at "
      "https://learn.microsoft.com/entra/workload-id/workload-identity-federation .";
  Jwt jwt;
  if (auto failure = ParseJwt(token, jwt)) return failure;
  const std::string issuer = TextClaim(jwt.claims, "iss");
  const std::string subject = TextClaim(jwt.claims, "sub");
  if (jwt.header.value("alg", "") != "RS256") {
    return Malformed("the federated token is not signed RS256");
  }
  if (issuer != credential_.issuer) {
    return AssertionFailure{400, "invalid_request", 700211,
                            "No matching federated identity record found for presented "
                            "assertion issuer '" +
                                issuer + "'. " + kDocs};
  }
  if (!VerifySignature(key_.get(), false, jwt.signed_part, jwt.signature)) {
    return AssertionFailure{401, "invalid_client", 700027,
                            "Client assertion failed signature validation: the federated token "
                            "is not signed by its issuer's key. " +
                                std::string(kDocs)};
  }
  // aud is a string or an array of strings.
  const auto& aud = jwt.claims.contains("aud") ? jwt.claims["aud"] : nlohmann::json();
  const bool audience_ok =
      (aud.is_string() && aud == kFederatedAudience) ||
      (aud.is_array() && std::find(aud.begin(), aud.end(), kFederatedAudience) != aud.end());
  if (!audience_ok) {
    return AssertionFailure{400, "invalid_request", 700212,
                            "No matching federated identity record found for presented "
                            "assertion audience '" +
                                aud.dump() + "'. " + kDocs};
  }
  if (subject != credential_.subject) {
    return AssertionFailure{400, "invalid_request", 700213,
                            "No matching federated identity record found for presented "
                            "assertion subject '" +
                                subject +
                                "'. Please check your federated identity credential "
                                "Subject, Audience and Issuer against the presented "
                                "assertion. " +
                                kDocs};
  }
  return CheckValidity(jwt.claims, now, kDocs, false);
}

}  // namespace emulator
