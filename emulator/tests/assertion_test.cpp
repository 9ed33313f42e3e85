// Client assertion validation against a throwaway RSA key and self-signed certificate made with
// OpenSSL here, so each test signs exactly the assertion it needs.
#include <gtest/gtest.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "assertion.hpp"
#include "ids.hpp"

namespace emulator {
namespace {

constexpr char kClient[] = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
constexpr char kAudience[] = "https://127.0.0.1:8443/tenant/oauth2/v2.0/token";
constexpr std::int64_t kNow = 1'800'000'000;

struct KeyPair {
  std::unique_ptr<EVP_PKEY, PkeyDeleter> key;
  std::string certificate_pem;
};

KeyPair MakeKeyPair() {
  KeyPair pair;
  pair.key.reset(EVP_RSA_gen(2048));
  std::unique_ptr<X509, X509Deleter> certificate(X509_new());
  X509_set_version(certificate.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(certificate.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(certificate.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(certificate.get()), 86400);
  X509_NAME* name = X509_get_subject_name(certificate.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("auditsync test"), -1, -1, 0);
  X509_set_issuer_name(certificate.get(), name);
  X509_set_pubkey(certificate.get(), pair.key.get());
  X509_sign(certificate.get(), pair.key.get(), EVP_sha256());
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_X509(bio.get(), certificate.get());
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  pair.certificate_pem.assign(data, static_cast<std::size_t>(size));
  return pair;
}

std::string Sign(EVP_PKEY* key, bool pss, const std::string& input) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                  EVP_MD_CTX_free);
  EVP_PKEY_CTX* key_context = nullptr;
  EVP_DigestSignInit(context.get(), &key_context, EVP_sha256(), nullptr, key);
  if (pss) {
    EVP_PKEY_CTX_set_rsa_padding(key_context, RSA_PKCS1_PSS_PADDING);
    EVP_PKEY_CTX_set_rsa_pss_saltlen(key_context, RSA_PSS_SALTLEN_DIGEST);
  }
  std::size_t size = 0;
  EVP_DigestSign(context.get(), nullptr, &size,
                 reinterpret_cast<const unsigned char*>(input.data()), input.size());
  std::string signature(size, '\0');
  EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(signature.data()), &size,
                 reinterpret_cast<const unsigned char*>(input.data()), input.size());
  signature.resize(size);
  return signature;
}

// header.claims.signature, signed PS256 or RS256 as the header's alg says.
std::string SignedJwt(const nlohmann::json& header, const nlohmann::json& claims, EVP_PKEY* key) {
  const std::string input = Base64UrlEncode(header.dump()) + "." + Base64UrlEncode(claims.dump());
  const bool pss = header.value("alg", "") == "PS256";
  return input + "." + Base64UrlEncode(Sign(key, pss, input));
}

class AssertionTest : public ::testing::Test {
 protected:
  // A valid PS256 assertion's parts, which each test bends.
  nlohmann::json Header() const {
    return {{"alg", "PS256"}, {"typ", "JWT"}, {"x5t#S256", verifier_.ThumbprintSha256()}};
  }
  static nlohmann::json Claims() {
    return {{"aud", kAudience}, {"iss", kClient},   {"sub", kClient},   {"jti", RandomGuid()},
            {"nbf", kNow - 10}, {"iat", kNow - 10}, {"exp", kNow + 590}};
  }
  std::string Jwt(const nlohmann::json& header, const nlohmann::json& claims,
                  EVP_PKEY* key = nullptr) const {
    return SignedJwt(header, claims, key ? key : pair_.key.get());
  }
  // The AADSTS code of the failure, or 0 when the assertion is accepted.
  int Code(const std::string& jwt, std::int64_t now = kNow) {
    const auto failure = verifier_.Verify(jwt, kClient, {kAudience}, now);
    return failure ? failure->code : 0;
  }

  KeyPair pair_ = MakeKeyPair();
  AssertionVerifier verifier_{pair_.certificate_pem};
};

TEST_F(AssertionTest, AcceptsPs256AndRs256WithEitherThumbprint) {
  EXPECT_EQ(Code(Jwt(Header(), Claims())), 0);
  auto rs256 = Header();
  rs256["alg"] = "RS256";
  EXPECT_EQ(Code(Jwt(rs256, Claims())), 0);
  rs256.erase("x5t#S256");
  rs256["x5t"] = verifier_.ThumbprintSha1();
  EXPECT_EQ(Code(Jwt(rs256, Claims())), 0);
}

TEST_F(AssertionTest, RefusesAReplayedJti) {
  const std::string jwt = Jwt(Header(), Claims());
  EXPECT_EQ(Code(jwt), 0);
  EXPECT_EQ(Code(jwt), 50013);
}

TEST_F(AssertionTest, RefusesOtherKeysAndCertificates) {
  const KeyPair other = MakeKeyPair();
  EXPECT_EQ(Code(Jwt(Header(), Claims(), other.key.get())), 700027);  // bad signature
  auto header = Header();
  header["x5t#S256"] = AssertionVerifier(other.certificate_pem).ThumbprintSha256();
  EXPECT_EQ(Code(Jwt(header, Claims())), 700027);  // unregistered certificate
  header.erase("x5t#S256");
  header["x5t"] = verifier_.ThumbprintSha1();
  EXPECT_EQ(Code(Jwt(header, Claims())), 700027);  // x5t (SHA-1) only with RS256
  header = Header();
  header["alg"] = "none";
  EXPECT_EQ(Code(Jwt(header, Claims())), 700027);  // only PS256 and RS256
  EXPECT_EQ(Code("not-a-jwt"), 50027);
  std::string tampered = Jwt(Header(), Claims());
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_NE(Code(tampered), 0);
}

TEST_F(AssertionTest, ChecksIssuerSubjectAndAudience) {
  auto claims = Claims();
  claims["sub"] = "someone-else";
  EXPECT_EQ(Code(Jwt(Header(), claims)), 700021);
  claims = Claims();
  claims["iss"] = "someone-else";
  EXPECT_EQ(Code(Jwt(Header(), claims)), 700021);
  claims = Claims();
  claims["aud"] = "https://login.microsoftonline.com/tenant/oauth2/v2.0/token";
  EXPECT_EQ(Code(Jwt(Header(), claims)), 50027);
}

TEST_F(AssertionTest, ChecksTheValidityWindow) {
  EXPECT_EQ(Code(Jwt(Header(), Claims()), kNow + 590 + 301), 700024);  // expired
  EXPECT_EQ(Code(Jwt(Header(), Claims()), kNow - 400), 700024);        // not yet valid
  auto claims = Claims();
  claims["exp"] = kNow + 7200;  // longer than an hour
  EXPECT_EQ(Code(Jwt(Header(), claims)), 700024);
  claims.erase("exp");
  EXPECT_EQ(Code(Jwt(Header(), claims)), 50027);
  claims = Claims();
  claims.erase("jti");
  EXPECT_EQ(Code(Jwt(Header(), claims)), 50027);
}

// Workload identity federation: a token of the cluster's issuer, signed with its key.
class FederatedTest : public ::testing::Test {
 protected:
  static constexpr char kIssuer[] = "https://oidc.cluster.test/issuer";
  static constexpr char kSubject[] = "system:serviceaccount:audit:auditsync";
  static nlohmann::json Header() { return {{"alg", "RS256"}, {"kid", "k1"}, {"typ", "JWT"}}; }
  static nlohmann::json Claims() {
    return {{"iss", kIssuer},   {"sub", kSubject},  {"aud", {kFederatedAudience}},
            {"nbf", kNow - 10}, {"iat", kNow - 10}, {"exp", kNow + 86400}};
  }
  std::string Jwt(const nlohmann::json& claims, EVP_PKEY* key = nullptr) const {
    return SignedJwt(Header(), claims, key ? key : issuer_.key.get());
  }
  int Code(const std::string& jwt, std::int64_t now = kNow) const {
    const auto failure = verifier_.Verify(jwt, now);
    return failure ? failure->code : 0;
  }

  KeyPair issuer_ = MakeKeyPair();
  FederatedVerifier verifier_{{kIssuer, kSubject, issuer_.certificate_pem}};
};

TEST_F(FederatedTest, AcceptsTheIssuersTokenForEverySignInOfItsLife) {
  const auto token = Jwt(Claims());
  EXPECT_EQ(Code(token), 0);
  EXPECT_EQ(Code(token), 0);  // no jti replay check: the platform reuses the token
  auto claims = Claims();
  claims["aud"] = kFederatedAudience;  // a string works as well as an array
  EXPECT_EQ(Code(Jwt(claims)), 0);
  EXPECT_TRUE(IsFederatedToken(token));
  EXPECT_FALSE(IsFederatedToken(
      SignedJwt({{"alg", "PS256"}, {"x5t#S256", "x"}}, Claims(), issuer_.key.get())));
  EXPECT_FALSE(IsFederatedToken("not-a-jwt"));
}

TEST_F(FederatedTest, RefusesOtherIssuersKeysAudiencesAndSubjects) {
  auto claims = Claims();
  claims["iss"] = "https://token.actions.githubusercontent.com";
  EXPECT_EQ(Code(Jwt(claims)), 700211);
  const KeyPair other = MakeKeyPair();
  EXPECT_EQ(Code(Jwt(Claims(), other.key.get())), 700027);
  claims = Claims();
  claims["aud"] = "api://other";
  EXPECT_EQ(Code(Jwt(claims)), 700212);
  claims = Claims();
  claims["sub"] = "system:serviceaccount:default:default";
  EXPECT_EQ(Code(Jwt(claims)), 700213);
  EXPECT_EQ(Code(Jwt(Claims()), kNow + 86400 + 301), 700024);  // expired
  EXPECT_EQ(Code(SignedJwt({{"alg", "PS256"}}, Claims(), issuer_.key.get())), 50027);
}

TEST(FederatedVerifierTest, RejectsWhatIsNotAKey) {
  EXPECT_THROW(FederatedVerifier({"i", "s", "not a key"}), std::runtime_error);
}

TEST(AssertionVerifierTest, RejectsWhatIsNotACertificate) {
  EXPECT_THROW(AssertionVerifier("not a certificate"), std::runtime_error);
}

}  // namespace
}  // namespace emulator
