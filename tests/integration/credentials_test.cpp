// Every way of signing in, end to end: the real auditsync binary syncs a day from the real
// emulator with each credential kind and secret source, and its report equals the ground truth.
// The emulator's request counters show which identity endpoints were really used.
#include <gtest/gtest.h>

#include <functional>

#include "integration/identity_lab.hpp"

namespace auditsync::testing {
namespace {

constexpr const char* kFrom = "2026-11-10T00:00:00Z";
constexpr const char* kTo = "2026-11-11T00:00:00Z";
constexpr const char* kImdsRoute = "GET /metadata/identity/oauth2/token";
constexpr const char* kAppServiceRoute = "GET /msi/token";
constexpr const char* kVaultRoute = "GET /secrets/{name}[/{version}]";
constexpr const char* kTokenRoute = "POST /{tenant}/oauth2/v2.0/token";

class CredentialsTest : public ::testing::Test {
 protected:
  CredentialsTest()
      : lab_(workspace_, {"--seed", "3", "--launches-per-hour", "2"}),
        environment_(lab_.Environment()) {}

  // Syncs the day and compares the report with the truth; returns the requests per route.
  nlohmann::json ExpectSyncMatchesTruth() {
    const auto result =
        RunAuditsync(workspace_, {"sync", "--from", kFrom, "--to", kTo}, environment_);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(ReportApps(workspace_, environment_, kFrom, kTo), lab_.Server().Truth(kFrom, kTo));
    return lab_.Server().Stats()["requests"];
  }

  // Graph signs in as `credential`, set up by `use`; then as ExpectSyncMatchesTruth.
  nlohmann::json SyncSignedInAs(const std::string& credential, const std::function<void()>& use) {
    IdentityLab::SignInAs(environment_, credential);
    use();
    return ExpectSyncMatchesTruth();
  }

  // `check --format json`'s detail of a step.
  std::string CheckDetail(const std::string& step) {
    const auto result = RunAuditsync(workspace_, {"check", "--format", "json"}, environment_);
    EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
    const auto report = nlohmann::json::parse(result.out);
    for (const auto& item : report["steps"]) {
      if (item["step"] == step) return item["detail"];
    }
    ADD_FAILURE() << "no step " << step << " in " << result.out;
    return "";
  }

  static long long Count(const nlohmann::json& requests, const char* route) {
    return requests.contains(route) ? requests[route].get<long long>() : 0;
  }

  Workspace workspace_;
  IdentityLab lab_;
  std::vector<std::string> environment_;
};

TEST_F(CredentialsTest, SecretFromAFile) {
  const auto requests = ExpectSyncMatchesTruth();
  EXPECT_EQ(Count(requests, kTokenRoute), 1);
  EXPECT_EQ(Count(requests, kVaultRoute), 0);
}

TEST_F(CredentialsTest, SecretFromStandardInput) {
  IdentityLab::DropSecret(environment_);
  const auto result = RunAuditsyncWithInput(
      workspace_, {"--client-secret-stdin", "sync", "--from", kFrom, "--to", kTo}, environment_,
      lab_.Server().SecretFile());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(ReportApps(workspace_, environment_, kFrom, kTo), lab_.Server().Truth(kFrom, kTo));
  const auto check = RunAuditsyncWithInput(workspace_, {"check", "--client-secret-stdin"},
                                           environment_, lab_.Server().SecretFile());
  EXPECT_EQ(check.exit_code, 0) << check.out;
  EXPECT_NE(check.out.find("client secret        read from standard input"), std::string::npos)
      << check.out;
}

TEST_F(CredentialsTest, KeyVaultThroughImds) {
  lab_.UseKeyVault(environment_, "managed_identity");
  lab_.UseImds(environment_);
  const auto requests = ExpectSyncMatchesTruth();
  EXPECT_EQ(Count(requests, kVaultRoute), 1);  // read once, then kept in memory
  EXPECT_EQ(Count(requests, kImdsRoute), 1);   // a vault token
  EXPECT_EQ(Count(requests, kTokenRoute), 1);  // the Graph token, with the vault's secret
}

TEST_F(CredentialsTest, KeyVaultThroughTheAppServiceIdentity) {
  lab_.UseKeyVault(environment_, "managed_identity");
  lab_.UseAppService(environment_);
  const auto requests = ExpectSyncMatchesTruth();
  EXPECT_EQ(Count(requests, kVaultRoute), 1);
  EXPECT_EQ(Count(requests, kAppServiceRoute), 1);
  EXPECT_EQ(Count(requests, kImdsRoute), 0);
}

TEST_F(CredentialsTest, KeyVaultThroughWorkloadIdentity) {
  lab_.UseKeyVault(environment_, "workload_identity");
  lab_.UseWorkloadIdentity(environment_);
  const auto requests = ExpectSyncMatchesTruth();
  EXPECT_EQ(Count(requests, kVaultRoute), 1);
  EXPECT_EQ(Count(requests, kTokenRoute), 2);  // the vault token, then the Graph token
}

TEST_F(CredentialsTest, KeyVaultThroughACertificate) {
  lab_.UseKeyVault(environment_, "certificate");
  lab_.UseCertificate(environment_, lab_.PemPath());
  const auto requests = ExpectSyncMatchesTruth();
  EXPECT_EQ(Count(requests, kVaultRoute), 1);
  EXPECT_EQ(Count(requests, kTokenRoute), 2);
}

TEST_F(CredentialsTest, CertificatePemSignsPs256ByDefault) {
  IdentityLab::DropSecret(environment_);  // auto then chooses the certificate
  lab_.UseCertificate(environment_, lab_.PemPath());
  ExpectSyncMatchesTruth();
  EXPECT_NE(CheckDetail("sign-in").find("(certificate, PS256)"), std::string::npos);
}

TEST_F(CredentialsTest, CertificatePkcs12SignsRs256WhenAsked) {
  IdentityLab::DropSecret(environment_);
  lab_.UseCertificate(environment_, lab_.Pkcs12Path());
  Override(environment_, "AUDITSYNC_ASSERTION_ALGORITHM=RS256");
  ExpectSyncMatchesTruth();
  EXPECT_NE(CheckDetail("sign-in").find("(certificate, RS256)"), std::string::npos);
}

TEST_F(CredentialsTest, ManagedIdentityForGraphOnAVm) {
  // No tenant, client id or secret: the platform vouches for the machine.
  for (const char* unset : {"AUDITSYNC_TENANT_ID=", "AUDITSYNC_CLIENT_ID="}) {
    Override(environment_, unset);
  }
  const auto requests = SyncSignedInAs("managed_identity", [&] { lab_.UseImds(environment_); });
  EXPECT_EQ(Count(requests, kImdsRoute), 1);
  EXPECT_EQ(Count(requests, kTokenRoute), 0);
}

TEST_F(CredentialsTest, ManagedIdentityForGraphOnAppService) {
  const auto requests =
      SyncSignedInAs("managed_identity", [&] { lab_.UseAppService(environment_); });
  EXPECT_EQ(Count(requests, kAppServiceRoute), 1);
  EXPECT_EQ(Count(requests, kTokenRoute), 0);
}

TEST_F(CredentialsTest, WorkloadIdentityForGraph) {
  const auto requests =
      SyncSignedInAs("workload_identity", [&] { lab_.UseWorkloadIdentity(environment_); });
  EXPECT_EQ(Count(requests, kTokenRoute), 1);
}

}  // namespace
}  // namespace auditsync::testing
