// Certificates as admins have them (PEM, encrypted PEM, PKCS#12) and the client assertions they
// sign: header, claims and a signature that OpenSSL verifies with the certificate's public key.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <regex>
#include <set>

#include "auth/client_assertion.hpp"
#include "auth/client_certificate.hpp"
#include "auth/jwt.hpp"
#include "core/error.hpp"
#include "unit/test_keys.hpp"

namespace auditsync {
namespace {

using testing::MakeTestKeys;
using testing::TestKeys;
using testing::WritePrivateFile;

class ClientCertificateTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { keys_ = new TestKeys(MakeTestKeys()); }
  static void TearDownTestSuite() { delete keys_; }

  void SetUp() override {
    directory_ = std::filesystem::temp_directory_path() /
                 ("auditsync-certificate-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(directory_);
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }

  std::string Write(const std::string& name, const std::string& content) {
    return WritePrivateFile((directory_ / name).string(), content);
  }
  // The ConfigError message of loading `path`, or "" when it loads.
  static std::string LoadError(const std::string& path, const Secret& password = Secret()) {
    try {
      ClientCertificate::Load(path, password);
      return "";
    } catch (const ConfigError& error) {
      return error.what();
    }
  }

  static TestKeys* keys_;
  std::filesystem::path directory_;
};

TestKeys* ClientCertificateTest::keys_ = nullptr;

// base64url of a digest of the certificate's DER, computed here independently of the client.
std::string Thumbprint(const TestKeys& keys, const EVP_MD* digest) {
  unsigned char bytes[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(keys.certificate_der.data(), keys.certificate_der.size(), bytes, &size, digest,
             nullptr);
  return Base64UrlEncode(std::string(reinterpret_cast<const char*>(bytes), size));
}

TEST_F(ClientCertificateTest, LoadsEveryFormAdminsHave) {
  const Secret password("pfx p@ssword");
  const std::vector<std::pair<std::string, Secret>> forms = {
      {Write("key-then-cert.pem", keys_->key_pem + keys_->certificate_pem), Secret()},
      {Write("cert-then-key.pem", keys_->certificate_pem + keys_->key_pem), Secret()},
      {Write("encrypted.pem",
             testing::EncryptedKeyPem(*keys_, password.Reveal()) + keys_->certificate_pem),
       password},
      {Write("app.pfx", testing::Pkcs12(*keys_, password.Reveal())), password},
      {Write("open.pfx", testing::Pkcs12(*keys_, "")), Secret()},
  };
  for (const auto& [path, secret] : forms) {
    SCOPED_TRACE(path);
    const auto certificate = ClientCertificate::Load(path, secret);
    EXPECT_EQ(certificate->ThumbprintSha256(), Thumbprint(*keys_, EVP_sha256()));
    EXPECT_EQ(certificate->ThumbprintSha1(), Thumbprint(*keys_, EVP_sha1()));
    EXPECT_TRUE(std::regex_match(certificate->PortalThumbprint(), std::regex("[0-9A-F]{40}")));
    EXPECT_EQ(certificate->Subject(), "CN=auditsync-test");
    EXPECT_EQ(certificate->KeyBits(), 2048);
    EXPECT_LT(certificate->NotBefore(), NowUtc());
    EXPECT_GT(certificate->NotAfter(), NowUtc() + std::chrono::hours(47));
  }
}

TEST_F(ClientCertificateTest, TheCertificateOfTheKeyIsFoundInAChain) {
  const auto other = MakeTestKeys("some-ca");
  const auto path =
      Write("chain.pem", keys_->key_pem + other.certificate_pem + keys_->certificate_pem);
  EXPECT_EQ(ClientCertificate::Load(path, Secret())->ThumbprintSha256(),
            Thumbprint(*keys_, EVP_sha256()));
}

TEST_F(ClientCertificateTest, MistakesAreNamedWithTheFix) {
  const auto other = MakeTestKeys("other");
  const auto pfx = Write("app.pfx", testing::Pkcs12(*keys_, "right"));
  const auto encrypted =
      Write("enc.pem", testing::EncryptedKeyPem(*keys_, "right") + keys_->certificate_pem);
  const std::vector<std::tuple<std::string, Secret, std::string>> cases = {
      {(directory_ / "missing.pem").string(), Secret(), "cannot be read"},
      {Write("cert-only.pem", keys_->certificate_pem), Secret(), "holds no private key"},
      {Write("key-only.pem", keys_->key_pem), Secret(), "holds a private key but no certificate"},
      {Write("mismatch.pem", keys_->key_pem + other.certificate_pem), Secret(),
       "no certificate that belongs to its private key"},
      {Write("garbage.bin", "not a certificate at all"), Secret(), "neither PEM nor PKCS#12"},
      {pfx, Secret("wrong"), "the password does not open"},
      {pfx, Secret(), "protected by a password, and none is set"},
      {encrypted, Secret(), "encrypted private key, and no password is set"},
      {encrypted, Secret("wrong"), "encrypted private key that the password does not open"},
  };
  for (const auto& [path, password, fragment] : cases) {
    const auto message = LoadError(path, password);
    EXPECT_NE(message.find(fragment), std::string::npos) << path << ": " << message;
    EXPECT_NE(message.find("certificate_path " + path), std::string::npos) << message;
    EXPECT_EQ(message.find("right"), std::string::npos) << "the password leaked: " << message;
  }
  const auto ec = MakeTestKeys("ec", -std::chrono::hours(1), std::chrono::hours(1), true);
  EXPECT_NE(LoadError(Write("ec.pem", ec.key_pem + ec.certificate_pem)).find("not RSA"),
            std::string::npos);
}

// The parts of a JWT: header and claims as JSON, the signed input and the signature bytes.
struct JwtParts {
  nlohmann::json header;
  nlohmann::json claims;
  std::string signed_part;
  std::string signature;
};

JwtParts Split(const std::string& jwt) {
  const auto first = jwt.find('.');
  const auto second = jwt.find('.', first + 1);
  EXPECT_NE(second, std::string::npos);
  EXPECT_EQ(jwt.find('.', second + 1), std::string::npos);
  return {nlohmann::json::parse(*Base64UrlDecode(jwt.substr(0, first))),
          nlohmann::json::parse(*Base64UrlDecode(jwt.substr(first + 1, second - first - 1))),
          jwt.substr(0, second), *Base64UrlDecode(jwt.substr(second + 1))};
}

bool VerifiesWith(const TestKeys& keys, const JwtParts& jwt, bool pss) {
  const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                        EVP_MD_CTX_free);
  EVP_PKEY_CTX* key_context = nullptr;
  EVP_DigestVerifyInit(context.get(), &key_context, EVP_sha256(), nullptr, keys.key.get());
  if (pss) {
    EVP_PKEY_CTX_set_rsa_padding(key_context, RSA_PKCS1_PSS_PADDING);
    EVP_PKEY_CTX_set_rsa_pss_saltlen(key_context, 32);  // RFC 7518 §3.5: the digest's length
    EVP_PKEY_CTX_set_rsa_mgf1_md(key_context, EVP_sha256());
  }
  return EVP_DigestVerify(
             context.get(), reinterpret_cast<const unsigned char*>(jwt.signature.data()),
             jwt.signature.size(), reinterpret_cast<const unsigned char*>(jwt.signed_part.data()),
             jwt.signed_part.size()) == 1;
}

constexpr const char* kClient = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
constexpr const char* kTokenUrl =
    "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token";

TEST_F(ClientCertificateTest, Ps256AssertionWithTheSha256Thumbprint) {
  const auto certificate =
      ClientCertificate::Load(Write("app.pem", keys_->key_pem + keys_->certificate_pem), Secret());
  const auto now = *ParseIso8601("2026-11-25T12:00:00Z");
  const auto jwt =
      Split(MakeClientAssertion(*certificate, AssertionAlgorithm::kPs256, kClient, kTokenUrl, now));
  EXPECT_EQ(jwt.header,
            (nlohmann::json{
                {"alg", "PS256"}, {"typ", "JWT"}, {"x5t#S256", Thumbprint(*keys_, EVP_sha256())}}));
  EXPECT_EQ(jwt.claims["aud"], kTokenUrl);
  EXPECT_EQ(jwt.claims["iss"], kClient);
  EXPECT_EQ(jwt.claims["sub"], kClient);
  EXPECT_TRUE(std::regex_match(
      jwt.claims["jti"].get<std::string>(),
      std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")));
  const auto issued = now.time_since_epoch().count();
  EXPECT_EQ(jwt.claims["nbf"], issued);
  EXPECT_EQ(jwt.claims["iat"], issued);
  EXPECT_EQ(jwt.claims["exp"], issued + 600);  // short: ten minutes
  EXPECT_EQ(jwt.claims.size(), 7u);
  EXPECT_TRUE(VerifiesWith(*keys_, jwt, /*pss=*/true));
  EXPECT_FALSE(VerifiesWith(*keys_, jwt, /*pss=*/false));
  EXPECT_FALSE(VerifiesWith(MakeTestKeys("other"), jwt, true));
}

TEST_F(ClientCertificateTest, Rs256AssertionWithTheSha1Thumbprint) {
  const auto certificate =
      ClientCertificate::Load(Write("app.pfx", testing::Pkcs12(*keys_, "pw")), Secret("pw"));
  const auto jwt = Split(
      MakeClientAssertion(*certificate, AssertionAlgorithm::kRs256, kClient, kTokenUrl, NowUtc()));
  EXPECT_EQ(
      jwt.header,
      (nlohmann::json{{"alg", "RS256"}, {"typ", "JWT"}, {"x5t", Thumbprint(*keys_, EVP_sha1())}}));
  EXPECT_TRUE(VerifiesWith(*keys_, jwt, /*pss=*/false));
  EXPECT_FALSE(VerifiesWith(*keys_, jwt, /*pss=*/true));
}

TEST_F(ClientCertificateTest, EveryAssertionHasItsOwnJti) {
  const auto certificate =
      ClientCertificate::Load(Write("app.pem", keys_->key_pem + keys_->certificate_pem), Secret());
  std::set<std::string> seen;
  for (int i = 0; i < 20; ++i) {
    const auto jwt = Split(MakeClientAssertion(*certificate, AssertionAlgorithm::kPs256, kClient,
                                               kTokenUrl, NowUtc()));
    EXPECT_TRUE(seen.insert(jwt.claims["jti"].get<std::string>()).second);
  }
}

TEST(Jwt, Base64UrlAndUnverifiedClaims) {
  for (const std::string bytes : {"", "f", "fo", "foo", "foob", "fooba", "foobar", "\xff\xfe?>"}) {
    EXPECT_EQ(Base64UrlDecode(Base64UrlEncode(bytes)), bytes);
  }
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
  EXPECT_EQ(Base64UrlDecode("Zm9vYg=="), "foob");  // padding is accepted
  EXPECT_FALSE(Base64UrlDecode("a+b/").has_value());
  EXPECT_FALSE(Base64UrlDecode("abcde").has_value());
  auto claims = UnverifiedJwtClaims("x." + Base64UrlEncode(R"({"iss":"i","exp":5})") + ".sig");
  ASSERT_TRUE(claims);
  EXPECT_EQ(claims->issuer, "i");
  EXPECT_EQ(claims->subject, "");
  EXPECT_EQ(claims->expires, Instant(std::chrono::seconds(5)));
  EXPECT_TRUE(claims->roles.empty());
  claims = UnverifiedJwtClaims(
      "x." + Base64UrlEncode(R"({"sub":"s","exp":"5","roles":["AuditLogsQuery.Read.All",7,"B"]})") +
      ".");
  ASSERT_TRUE(claims);
  EXPECT_EQ(claims->subject, "s");
  EXPECT_FALSE(claims->expires);  // not a number
  EXPECT_EQ(claims->roles, (std::vector<std::string>{"AuditLogsQuery.Read.All", "B"}));
  EXPECT_FALSE(UnverifiedJwtClaims("opaque"));
  EXPECT_FALSE(UnverifiedJwtClaims("x." + Base64UrlEncode("[1]") + ".s"));
}

}  // namespace
}  // namespace auditsync
