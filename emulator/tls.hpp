// In-memory TLS material for the emulator: a throwaway self-signed CA and a server certificate
// it signs for localhost, 127.0.0.1 and ::1. Clients trust the CA file the emulator writes, so
// they verify TLS exactly as they would against Microsoft's endpoints.
#pragma once

#include <memory>
#include <string>

#include <openssl/evp.h>
#include <openssl/x509.h>

namespace emulator {

struct X509Deleter {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};

struct TlsMaterial {
  std::unique_ptr<X509, X509Deleter> ca_cert;
  std::unique_ptr<EVP_PKEY, PkeyDeleter> ca_key;
  std::unique_ptr<X509, X509Deleter> server_cert;
  std::unique_ptr<EVP_PKEY, PkeyDeleter> server_key;
  std::string ca_pem;  // what --ca-file receives
};

// Generates fresh P-256 keys and certificates valid from one day ago to seven days ahead.
// Throws std::runtime_error with OpenSSL's message on failure.
TlsMaterial GenerateTlsMaterial();

}  // namespace emulator
