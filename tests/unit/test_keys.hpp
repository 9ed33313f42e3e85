// Throwaway keys and certificates made with OpenSSL while the tests run (no private key is ever
// committed): an app registration's certificate in the forms admins have it (PEM, encrypted PEM,
// PKCS#12), and a token issuer's key for workload identity tokens.
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include <sys/stat.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>

#include "auth/jwt.hpp"

namespace auditsync::testing {

struct TestKeys {
  std::string key_pem;          // unencrypted PKCS #8
  std::string certificate_pem;  // self-signed
  std::string public_key_pem;
  std::string certificate_der;
  std::shared_ptr<EVP_PKEY> key;
};

namespace detail {

inline std::string ReadBio(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return {data, static_cast<size_t>(size)};
}

template <typename Write>
std::string Pem(Write write) {
  const std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  if (write(bio.get()) != 1) throw std::runtime_error("OpenSSL could not write the test key");
  return ReadBio(bio.get());
}

}  // namespace detail

// A new key (RSA 2048, or P-256 with `ec`) and a certificate for CN=`name`, valid from
// now + `from` to now + `to`.
inline TestKeys MakeTestKeys(const std::string& name = "auditsync-test",
                             std::chrono::seconds from = -std::chrono::hours(1),
                             std::chrono::seconds to = std::chrono::hours(48), bool ec = false) {
  TestKeys keys;
  keys.key.reset(ec ? EVP_EC_gen("P-256") : EVP_RSA_gen(2048), EVP_PKEY_free);
  const std::unique_ptr<X509, decltype(&X509_free)> certificate(X509_new(), X509_free);
  X509_set_version(certificate.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(certificate.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(certificate.get()), static_cast<long>(from.count()));
  X509_gmtime_adj(X509_getm_notAfter(certificate.get()), static_cast<long>(to.count()));
  X509_NAME* subject = X509_get_subject_name(certificate.get());
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(name.c_str()), -1, -1, 0);
  X509_set_issuer_name(certificate.get(), subject);
  X509_set_pubkey(certificate.get(), keys.key.get());
  X509_sign(certificate.get(), keys.key.get(), EVP_sha256());
  keys.key_pem = detail::Pem([&](BIO* bio) {
    return PEM_write_bio_PrivateKey(bio, keys.key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  });
  keys.certificate_pem =
      detail::Pem([&](BIO* bio) { return PEM_write_bio_X509(bio, certificate.get()); });
  keys.public_key_pem =
      detail::Pem([&](BIO* bio) { return PEM_write_bio_PUBKEY(bio, keys.key.get()); });
  unsigned char* der = nullptr;
  const int size = i2d_X509(certificate.get(), &der);
  keys.certificate_der.assign(reinterpret_cast<const char*>(der), static_cast<size_t>(size));
  OPENSSL_free(der);
  return keys;
}

// The private key encrypted (AES-256, PKCS #8) with `password`.
inline std::string EncryptedKeyPem(const TestKeys& keys, const std::string& password) {
  return detail::Pem([&](BIO* bio) {
    return PEM_write_bio_PKCS8PrivateKey(bio, keys.key.get(), EVP_aes_256_cbc(), password.data(),
                                         static_cast<int>(password.size()), nullptr, nullptr);
  });
}

// A PKCS#12 file (.pfx) of the key and certificate, protected by `password` (OpenSSL 3's
// defaults: AES-256 and PBKDF2).
inline std::string Pkcs12(const TestKeys& keys, const std::string& password) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(keys.certificate_der.data());
  const std::unique_ptr<X509, decltype(&X509_free)> certificate(
      d2i_X509(nullptr, &bytes, static_cast<long>(keys.certificate_der.size())), X509_free);
  const std::unique_ptr<PKCS12, decltype(&PKCS12_free)> p12(
      PKCS12_create(password.c_str(), "auditsync", keys.key.get(), certificate.get(), nullptr, 0, 0,
                    0, 0, 0),
      PKCS12_free);
  const std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  if (!p12 || i2d_PKCS12_bio(bio.get(), p12.get()) != 1) {
    throw std::runtime_error("OpenSSL could not write the test PKCS#12 file");
  }
  return detail::ReadBio(bio.get());
}

// A JWT signed RS256 by `issuer`: the kind of token a Kubernetes cluster projects into a pod.
inline std::string SignedRs256Jwt(const TestKeys& issuer, const nlohmann::json& claims) {
  const auto input = Base64UrlEncode(R"({"alg":"RS256","kid":"test","typ":"JWT"})") + "." +
                     Base64UrlEncode(claims.dump());
  const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                        EVP_MD_CTX_free);
  size_t size = 0;
  const auto* data = reinterpret_cast<const unsigned char*>(input.data());
  EVP_DigestSignInit(context.get(), nullptr, EVP_sha256(), nullptr, issuer.key.get());
  EVP_DigestSign(context.get(), nullptr, &size, data, input.size());
  std::string signature(size, '\0');
  EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(signature.data()), &size, data,
                 input.size());
  signature.resize(size);
  return input + "." + Base64UrlEncode(signature);
}

// Writes `content` to `path`, readable by its owner only.
inline std::string WritePrivateFile(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
  ::chmod(path.c_str(), 0600);
  return path;
}

}  // namespace auditsync::testing
