// The certificate of an app registration with its private key, which signs client assertions
// (reference §3.3). OpenSSL stays inside this module.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/config.hpp"
#include "core/secret.hpp"
#include "core/time.hpp"

namespace auditsync {

class ClientCertificate {
 public:
  // Reads a PEM file (private key and certificate in any order; a chain may follow, and an
  // encrypted key needs `password`) or a PKCS#12 file (.pfx, .p12; `password` may be empty).
  // The key must be RSA, the algorithm of Entra's RS256 and PS256 assertions. Throws ConfigError
  // naming the file, what is wrong and the fix.
  static std::shared_ptr<const ClientCertificate> Load(const std::string& path,
                                                       const Secret& password);

  ~ClientCertificate();
  ClientCertificate(const ClientCertificate&) = delete;
  ClientCertificate& operator=(const ClientCertificate&) = delete;

  // The SHA-256 RSA signature of `input`: RSASSA-PSS (MGF1-SHA-256, 32-byte salt) for PS256,
  // PKCS #1 v1.5 for RS256 (RFC 7518 §3.3, §3.5).
  std::string Sign(std::string_view input, AssertionAlgorithm algorithm) const;

  // base64url of the SHA-256 and SHA-1 digests of the certificate's DER: the x5t#S256 and x5t
  // headers of an assertion.
  const std::string& ThumbprintSha256() const { return x5t_s256_; }
  const std::string& ThumbprintSha1() const { return x5t_; }
  // The SHA-1 thumbprint in upper-case hex, as the Entra portal lists certificates.
  const std::string& PortalThumbprint() const { return portal_thumbprint_; }

  Instant NotBefore() const { return not_before_; }
  Instant NotAfter() const { return not_after_; }
  const std::string& Subject() const { return subject_; }
  int KeyBits() const { return key_bits_; }

 private:
  struct Keys;
  explicit ClientCertificate(std::unique_ptr<Keys> keys);

  std::unique_ptr<Keys> keys_;
  std::string x5t_s256_;
  std::string x5t_;
  std::string portal_thumbprint_;
  Instant not_before_{};
  Instant not_after_{};
  std::string subject_;
  int key_bits_ = 0;
};

}  // namespace auditsync
