#include "tls.hpp"

#include <stdexcept>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

namespace emulator {
namespace {

[[noreturn]] void Fail(const char* what) {
  char buffer[256] = "unknown error";
  const unsigned long code = ERR_get_error();
  if (code != 0) ERR_error_string_n(code, buffer, sizeof buffer);
  throw std::runtime_error(std::string("TLS set-up failed: ") + what + ": " + buffer);
}

void Check(int ok, const char* what) {
  if (ok <= 0) Fail(what);
}

std::unique_ptr<EVP_PKEY, PkeyDeleter> NewKey() {
  // P-256 rather than RSA: generation takes microseconds, and every client stack accepts it.
  EVP_PKEY* key = EVP_EC_gen("P-256");
  if (key == nullptr) Fail("EVP_EC_gen");
  return std::unique_ptr<EVP_PKEY, PkeyDeleter>(key);
}

void SetName(X509_NAME* name, const char* common_name) {
  Check(X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>("auditsync emulator"), -1,
                                   -1, 0),
        "X509_NAME O");
  Check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>(common_name), -1, -1, 0),
        "X509_NAME CN");
}

void AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (extension == nullptr) Fail("X509V3_EXT_conf_nid");
  const int ok = X509_add_ext(cert, extension, -1);
  X509_EXTENSION_free(extension);
  Check(ok, "X509_add_ext");
}

// A certificate with a random 127-bit serial, valid one day back (clock skew) to a week ahead.
std::unique_ptr<X509, X509Deleter> NewCertificate(EVP_PKEY* key, const char* common_name) {
  std::unique_ptr<X509, X509Deleter> cert(X509_new());
  if (!cert) Fail("X509_new");
  Check(X509_set_version(cert.get(), 2), "X509_set_version");

  unsigned char serial_bytes[16];
  Check(RAND_bytes(serial_bytes, sizeof serial_bytes), "RAND_bytes");
  serial_bytes[0] &= 0x7f;  // positive, as RFC 5280 requires
  BIGNUM* serial = BN_bin2bn(serial_bytes, sizeof serial_bytes, nullptr);
  if (serial == nullptr) Fail("BN_bin2bn");
  const bool serial_ok = BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert.get())) != nullptr;
  BN_free(serial);
  if (!serial_ok) Fail("BN_to_ASN1_INTEGER");

  if (X509_gmtime_adj(X509_getm_notBefore(cert.get()), -24L * 3600) == nullptr) Fail("notBefore");
  if (X509_gmtime_adj(X509_getm_notAfter(cert.get()), 7L * 24 * 3600) == nullptr) Fail("notAfter");
  Check(X509_set_pubkey(cert.get(), key), "X509_set_pubkey");
  SetName(X509_get_subject_name(cert.get()), common_name);
  return cert;
}

}  // namespace

TlsMaterial GenerateTlsMaterial() {
  TlsMaterial tls;
  tls.ca_key = NewKey();
  tls.server_key = NewKey();

  tls.ca_cert = NewCertificate(tls.ca_key.get(), "auditsync emulator test CA");
  X509* ca = tls.ca_cert.get();
  Check(X509_set_issuer_name(ca, X509_get_subject_name(ca)), "X509_set_issuer_name");
  AddExtension(ca, ca, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
  AddExtension(ca, ca, NID_key_usage, "critical,keyCertSign,cRLSign");
  AddExtension(ca, ca, NID_subject_key_identifier, "hash");
  AddExtension(ca, ca, NID_authority_key_identifier, "keyid:always");
  Check(X509_sign(ca, tls.ca_key.get(), EVP_sha256()), "X509_sign CA");

  tls.server_cert = NewCertificate(tls.server_key.get(), "localhost");
  X509* server = tls.server_cert.get();
  Check(X509_set_issuer_name(server, X509_get_subject_name(ca)), "X509_set_issuer_name");
  AddExtension(server, ca, NID_basic_constraints, "critical,CA:FALSE");
  AddExtension(server, ca, NID_key_usage, "critical,digitalSignature");
  AddExtension(server, ca, NID_ext_key_usage, "serverAuth");
  // *.vault.localhost: a client addresses the vault as https://{vault}.vault.localhost:PORT, the
  // way it builds https://{vault}.vault.azure.net (curl resolves *.localhost to the loopback);
  // manage.localhost is the Management Activity API's host.
  AddExtension(server, ca, NID_subject_alt_name,
               "DNS:localhost,DNS:*.vault.localhost,DNS:manage.localhost,IP:127.0.0.1,IP:::1");
  AddExtension(server, ca, NID_subject_key_identifier, "hash");
  AddExtension(server, ca, NID_authority_key_identifier, "keyid:always");
  Check(X509_sign(server, tls.ca_key.get(), EVP_sha256()), "X509_sign server");

  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr) Fail("BIO_new");
  if (PEM_write_bio_X509(bio, ca) != 1) {
    BIO_free(bio);
    Fail("PEM_write_bio_X509");
  }
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio, &data);
  tls.ca_pem.assign(data, static_cast<std::size_t>(length));
  BIO_free(bio);
  return tls;
}

}  // namespace emulator
