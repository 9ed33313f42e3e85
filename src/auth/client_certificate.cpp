#include "auth/client_certificate.hpp"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <algorithm>
#include <ctime>
#include <fstream>

#include "auth/jwt.hpp"
#include "core/error.hpp"

namespace auditsync {

struct ClientCertificate::Keys {
  Keys() = default;
  ~Keys() {
    EVP_PKEY_free(key);
    X509_free(certificate);
  }
  Keys(const Keys&) = delete;
  Keys& operator=(const Keys&) = delete;
  EVP_PKEY* key = nullptr;
  X509* certificate = nullptr;
};

namespace {

using Bio = std::unique_ptr<BIO, decltype(&BIO_free)>;

[[noreturn]] void Refuse(const std::string& path, const std::string& problem,
                         const std::string& fix) {
  throw ConfigError("certificate_path " + path + " " + problem + ". " + fix);
}

// The file's bytes, overwritten when done with (they hold the private key).
class KeyFile {
 public:
  explicit KeyFile(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    if (!file) {
      Refuse(path, "cannot be read", "Check the path and that this user may read the file.");
    }
    bytes_.assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
  }
  ~KeyFile() { OPENSSL_cleanse(bytes_.data(), bytes_.size()); }
  KeyFile(const KeyFile&) = delete;
  KeyFile& operator=(const KeyFile&) = delete;

  const std::string& Bytes() const { return bytes_; }
  Bio Open() const {
    return {BIO_new_mem_buf(bytes_.data(), static_cast<int>(bytes_.size())), BIO_free};
  }

 private:
  std::string bytes_;
};

int PemPassword(char* buffer, int size, int /*writing*/, void* user) {
  const auto& password = static_cast<const Secret*>(user)->Reveal();
  if (password.size() > static_cast<size_t>(size)) return -1;
  std::copy_n(password.data(), password.size(), buffer);  // OpenSSL wants no terminator
  return static_cast<int>(password.size());
}

void LoadPem(const std::string& path, const KeyFile& file, const Secret& password, EVP_PKEY*& key,
             X509*& certificate) {
  key = PEM_read_bio_PrivateKey(file.Open().get(), nullptr, PemPassword,
                                const_cast<Secret*>(&password));
  if (key == nullptr) {
    if (file.Bytes().find("ENCRYPTED") != std::string::npos) {
      Refuse(path,
             password.Empty() ? "holds an encrypted private key, and no password is set"
                              : "holds an encrypted private key that the password does not open",
             "Set certificate_password_file to the file holding its password.");
    }
    Refuse(path, "holds no private key",
           "Put the private key and the certificate in one PEM file, e.g. cat auditsync.key "
           "auditsync.crt > auditsync.pem.");
  }
  // A chain may follow the certificate: the one that goes with the key is the application's.
  const auto bio = file.Open();
  int seen = 0;
  while (X509* candidate = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    ++seen;
    if (certificate == nullptr && X509_check_private_key(candidate, key) == 1) {
      certificate = candidate;
    } else {
      X509_free(candidate);
    }
  }
  if (certificate == nullptr) {
    Refuse(path,
           seen == 0 ? "holds a private key but no certificate"
                     : "holds no certificate that belongs to its private key",
           "Put the certificate uploaded to the app registration after its private key in the "
           "file.");
  }
}

void LoadPkcs12(const std::string& path, const KeyFile& file, const Secret& password,
                EVP_PKEY*& key, X509*& certificate) {
  std::unique_ptr<PKCS12, decltype(&PKCS12_free)> p12(d2i_PKCS12_bio(file.Open().get(), nullptr),
                                                      PKCS12_free);
  if (!p12) {
    Refuse(path, "is neither PEM nor PKCS#12",
           "Give a PEM file with the private key and the certificate, or a .pfx/.p12 file.");
  }
  const char* pass = password.Empty() ? nullptr : password.Reveal().c_str();
  // An empty password may be encoded as none or as "": either opens an unprotected file.
  const bool opens = PKCS12_mac_present(p12.get()) == 0 ||
                     (pass != nullptr ? PKCS12_verify_mac(p12.get(), pass, -1) == 1
                                      : PKCS12_verify_mac(p12.get(), nullptr, 0) == 1 ||
                                            PKCS12_verify_mac(p12.get(), "", 0) == 1);
  if (!opens) {
    Refuse(path,
           pass == nullptr ? "is a PKCS#12 file protected by a password, and none is set"
                           : "is a PKCS#12 file that the password does not open",
           "Set certificate_password_file (or AUDITSYNC_CERTIFICATE_PASSWORD) to its password.");
  }
  STACK_OF(X509)* chain = nullptr;
  if (PKCS12_parse(p12.get(), pass, &key, &certificate, &chain) != 1) {
    Refuse(path,
           "is a PKCS#12 file that OpenSSL cannot decrypt (older Windows exports use RC2, which "
           "OpenSSL 3 keeps in its legacy provider)",
           "Convert it: openssl pkcs12 -legacy -in old.pfx -nodes -out auditsync.pem, and use the "
           "PEM file.");
  }
  sk_X509_pop_free(chain, X509_free);
  if (key == nullptr || certificate == nullptr) {
    Refuse(path, "does not hold both a private key and its certificate",
           "Export the certificate together with its private key.");
  }
}

std::string Digest(X509* certificate, const EVP_MD* digest) {
  unsigned char bytes[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (X509_digest(certificate, digest, bytes, &size) != 1) {
    throw Error(ExitCode::kInternal, "cannot hash the client certificate");
  }
  return {reinterpret_cast<const char*>(bytes), size};
}

Instant ToInstant(const ASN1_TIME* time) {
  std::tm parts{};
  if (ASN1_TIME_to_tm(time, &parts) != 1) return Instant{};
  return Instant(std::chrono::seconds(timegm(&parts)));
}

std::string SubjectOf(X509* certificate) {
  const Bio bio(BIO_new(BIO_s_mem()), BIO_free);
  X509_NAME_print_ex(bio.get(), X509_get_subject_name(certificate), 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return {data, static_cast<size_t>(size)};
}

std::string OpenSslError() {
  char text[256] = {0};
  ERR_error_string_n(ERR_get_error(), text, sizeof text);
  return text;
}

}  // namespace

ClientCertificate::ClientCertificate(std::unique_ptr<Keys> keys) : keys_(std::move(keys)) {
  x5t_s256_ = Base64UrlEncode(Digest(keys_->certificate, EVP_sha256()));
  const auto sha1 = Digest(keys_->certificate, EVP_sha1());
  x5t_ = Base64UrlEncode(sha1);
  for (const unsigned char byte : sha1) {
    constexpr char kHex[] = "0123456789ABCDEF";
    portal_thumbprint_ += kHex[byte >> 4];
    portal_thumbprint_ += kHex[byte & 0xf];
  }
  not_before_ = ToInstant(X509_get0_notBefore(keys_->certificate));
  not_after_ = ToInstant(X509_get0_notAfter(keys_->certificate));
  subject_ = SubjectOf(keys_->certificate);
  key_bits_ = EVP_PKEY_get_bits(keys_->key);
}

ClientCertificate::~ClientCertificate() = default;

std::shared_ptr<const ClientCertificate> ClientCertificate::Load(const std::string& path,
                                                                 const Secret& password) {
  const KeyFile file(path);
  auto keys = std::make_unique<Keys>();
  if (file.Bytes().find("-----BEGIN") != std::string::npos) {
    LoadPem(path, file, password, keys->key, keys->certificate);
  } else {
    LoadPkcs12(path, file, password, keys->key, keys->certificate);
  }
  ERR_clear_error();
  if (EVP_PKEY_get_base_id(keys->key) != EVP_PKEY_RSA) {
    Refuse(path, "holds a key that is not RSA",
           "Create an RSA certificate (2048 bits or more): Entra's client assertions are signed "
           "PS256 or RS256.");
  }
  return std::shared_ptr<const ClientCertificate>(new ClientCertificate(std::move(keys)));
}

std::string ClientCertificate::Sign(std::string_view input, AssertionAlgorithm algorithm) const {
  const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                        EVP_MD_CTX_free);
  EVP_PKEY_CTX* key_context = nullptr;
  const auto* data = reinterpret_cast<const unsigned char*>(input.data());
  size_t size = 0;
  bool signed_ok = context && EVP_DigestSignInit(context.get(), &key_context, EVP_sha256(), nullptr,
                                                 keys_->key) == 1;
  if (signed_ok && algorithm == AssertionAlgorithm::kPs256) {
    // RFC 7518 §3.5: the salt is as long as the digest; MGF1 uses the signing digest.
    signed_ok = EVP_PKEY_CTX_set_rsa_padding(key_context, RSA_PKCS1_PSS_PADDING) == 1 &&
                EVP_PKEY_CTX_set_rsa_pss_saltlen(key_context, RSA_PSS_SALTLEN_DIGEST) == 1;
  }
  signed_ok = signed_ok && EVP_DigestSign(context.get(), nullptr, &size, data, input.size()) == 1;
  std::string signature(size, '\0');
  signed_ok =
      signed_ok && EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(signature.data()),
                                  &size, data, input.size()) == 1;
  if (!signed_ok) {
    throw Error(ExitCode::kInternal, "signing the client assertion failed: " + OpenSslError());
  }
  signature.resize(size);
  return signature;
}

}  // namespace auditsync
