// `auditsync check` against the emulator: the passing case and each failure, as golden files
// (tests/golden/check-*.{table,json}) with the emulator's address, the workspace and random ids
// replaced by placeholders.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <regex>

#include "integration/identity_lab.hpp"
#include "unit/golden.hpp"

namespace auditsync::testing {
namespace {

// Runs check and compares its output, made stable, with tests/golden/NAME: the emulator's
// address, the workspace, ids, thumbprints and dates become placeholders.
void ExpectCheck(const Workspace& workspace, const Emulator& emulator,
                 const std::vector<std::string>& environment, const std::string& golden,
                 int exit_code, const std::string& format = "table",
                 const std::vector<std::string>& more_args = {}) {
  std::vector<std::string> args = {"check", "--format", format};
  args.insert(args.end(), more_args.begin(), more_args.end());
  const auto result = RunAuditsync(workspace, args, environment);
  EXPECT_EQ(result.exit_code, exit_code) << result.out << result.err;
  std::string out = result.out;
  const auto replace_all = [&out](const std::string& what, const std::string& with) {
    for (auto at = out.find(what); at != std::string::npos; at = out.find(what, at)) {
      out.replace(at, what.size(), with);
      at += with.size();
    }
  };
  replace_all(emulator.BaseUrl(), "https://EMULATOR");
  replace_all(emulator.BaseUrl().substr(emulator.BaseUrl().rfind(':')), ":PORT");
  replace_all(workspace.Path(""), "WORKSPACE/");
  out = std::regex_replace(out, std::regex("(correlation|request) id [0-9a-f-]+"), "$1 id ID");
  out = std::regex_replace(out, std::regex("thumbprint [0-9A-F]{40}"), "thumbprint THUMBPRINT");
  out =
      std::regex_replace(out, std::regex("\\d{4}-\\d\\d-\\d\\d(T\\d\\d:\\d\\d:\\d\\dZ)?"), "DATE");
  ExpectMatchesGolden(out, golden);
}

class CheckTest : public ::testing::Test {
 protected:
  CheckTest() : emulator_(workspace_, {"--seed", "1", "--launches-per-hour", "1"}) {
    environment_ = ClientEnvironment(emulator_, workspace_.Path("audit.db"));
  }

  void ExpectCheck(const std::string& golden, int exit_code, const std::string& format = "table") {
    testing::ExpectCheck(workspace_, emulator_, environment_, golden, exit_code, format);
  }

  Workspace workspace_;
  Emulator emulator_;
  std::vector<std::string> environment_;
};

TEST_F(CheckTest, EverythingPasses) {
  ExpectCheck("check-pass.table", 0);
  ExpectCheck("check-pass.json", 0, "json");
  // It submitted no query.
  EXPECT_EQ(emulator_.Stats()["queries_created"], 0);
}

TEST_F(CheckTest, AMissingSettingStopsAtTheConfiguration) {
  Override(environment_, "AUDITSYNC_TENANT_ID=");
  ExpectCheck("check-missing-tenant.table", 3);
}

TEST_F(CheckTest, ASecretFileOthersCanReadIsRefused) {
  chmod(emulator_.SecretFile().c_str(), 0644);
  ExpectCheck("check-secret-readable.table", 3);
}

// A configuration file is often shared or checked in: a secret written in it fails the secret
// step when others can read the file, with the fix.
TEST_F(CheckTest, ASecretWrittenInAConfigurationFileOthersCanReadFails) {
  const auto config = workspace_.Path("auditsync.toml");
  auto secret = ReadFile(emulator_.SecretFile());
  secret.pop_back();  // its newline
  std::ofstream(config) << "client_secret = \"" << secret << "\"\n";
  chmod(config.c_str(), 0644);
  Override(environment_, "AUDITSYNC_CLIENT_SECRET_FILE=");
  testing::ExpectCheck(workspace_, emulator_, environment_, "check-secret-in-config-readable.table",
                       3, "table", {"--config", config});
  chmod(config.c_str(), 0600);
  testing::ExpectCheck(workspace_, emulator_, environment_, "check-secret-in-config.table", 0,
                       "table", {"--config", config});
}

TEST_F(CheckTest, AnUnknownAppIsExplained) {
  Override(environment_, "AUDITSYNC_CLIENT_ID=99999999-bbbb-cccc-dddd-eeeeeeeeeeee");
  ExpectCheck("check-unknown-app.table", 4);
}

TEST_F(CheckTest, AnUnknownTenantPointsAtTheCloud) {
  Override(environment_, "AUDITSYNC_TENANT_ID=99999999-2222-3333-4444-555555555555");
  ExpectCheck("check-unknown-tenant.table", 4);
}

TEST_F(CheckTest, AScopeEntraRefusesIsExplained) {
  // The scope is graph_url's: a Graph root the identity platform does not know.
  Override(environment_, "AUDITSYNC_GRAPH_URL=https://localhost" +
                             emulator_.BaseUrl().substr(emulator_.BaseUrl().rfind(':')));
  ExpectCheck("check-invalid-scope.table", 4);
}

TEST_F(CheckTest, AWrongSecretIsExplained) {
  const auto wrong = workspace_.Path("wrong-secret");
  std::ofstream(wrong) << "not-the-secret\n";
  chmod(wrong.c_str(), 0600);
  Override(environment_, "AUDITSYNC_CLIENT_SECRET_FILE=" + wrong);
  ExpectCheck("check-wrong-secret.table", 4);
}

TEST_F(CheckTest, AnUntrustedCertificatePointsAtTheCaBundle) {
  Override(environment_, "AUDITSYNC_CA_BUNDLE=");
  ExpectCheck("check-untrusted.table", 6);
}

TEST_F(CheckTest, ADatabaseThatCannotBeWrittenIsNamed) {
  Override(environment_, "AUDITSYNC_DATABASE=" + workspace_.Path("missing/audit.db"));
  ExpectCheck("check-database.table", 7);
}

TEST_F(CheckTest, GraphIsRefusedInCloudsWithoutTheQueryApi) {
  Override(environment_, "AUDITSYNC_CLOUD=gcchigh");
  ExpectCheck("check-gcchigh.table", 3);
}

// With use_graph_api = no, check signs in for the Management Activity API, wants ActivityFeed.Read
// and lists the subscriptions (changing nothing).
TEST(CheckManagement, TheManagementPathIsCheckedWithItsOwnPermissionAndApi) {
  Workspace workspace;
  Emulator emulator(workspace, {"--seed", "1", "--launches-per-hour", "1"},
                    {"--subscription", "none"});
  auto environment =
      ManagementEnvironment(emulator, workspace.Path("audit.db"), FormatIso8601(NowUtc()));
  Override(environment, "AUDITSYNC_CLOUD=gcchigh");  // where only this API exists
  ExpectCheck(workspace, emulator, environment, "check-management.table", 0);
  EXPECT_EQ(emulator.Stats()["management"].value("subscriptions_started", 0), 0);
}

TEST(CheckManagement, ATokenWithoutActivityFeedReadIsExplained) {
  Workspace workspace;
  Emulator emulator(workspace, {"--seed", "1", "--launches-per-hour", "1"},
                    {"--without-activity-feed-read"});
  const auto environment =
      ManagementEnvironment(emulator, workspace.Path("audit.db"), FormatIso8601(NowUtc()));
  ExpectCheck(workspace, emulator, environment, "check-management-permission.table", 4);
}

TEST(CheckManagement, AConfigurationItRefusesSkipsTheManagementStepByItsName) {
  Workspace workspace;
  Emulator emulator(workspace, {"--seed", "1", "--launches-per-hour", "1"});
  auto environment =
      ManagementEnvironment(emulator, workspace.Path("audit.db"), FormatIso8601(NowUtc()));
  Override(environment, "AUDITSYNC_TENANT_ID=contoso.onmicrosoft.com");  // not a GUID
  ExpectCheck(workspace, emulator, environment, "check-management-configuration.table", 3);
}

TEST(CheckEnrichment, UserReadAllIsCheckedOnlyWhenEnrichUsersIsOn) {
  Workspace workspace;
  Emulator emulator(workspace, {"--seed", "1", "--launches-per-hour", "1"},
                    {"--graph-roles", "AuditLogsQuery.Read.All"});
  auto environment = ClientEnvironment(emulator, workspace.Path("audit.db"));
  ExpectCheck(workspace, emulator, environment, "check-pass.table", 0);
  Override(environment, "AUDITSYNC_ENRICH_USERS=yes");
  ExpectCheck(workspace, emulator, environment, "check-user-permission.table", 4);
}

// An app registration whose AuditLogsQuery.Read.All was never granted admin consent: its token
// carries no role (the emulator still answers the listing, so the permission step alone fails).
TEST(CheckPermission, ATokenWithoutAuditLogsQueryReadAllIsExplained) {
  Workspace workspace;
  Emulator emulator(workspace, {"--seed", "1", "--launches-per-hour", "1"}, {"--graph-roles", ""});
  auto environment = ClientEnvironment(emulator, workspace.Path("audit.db"));
  ExpectCheck(workspace, emulator, environment, "check-query-permission.table", 4);
}

TEST_F(CheckTest, AMachineWithoutAManagedIdentityIsNamed) {
  IdentityLab::SignInAs(environment_, "managed_identity");
  Override(environment_, "AUDITSYNC_IMDS_ENDPOINT=" + emulator_.BaseUrl());
  ExpectCheck("check-managed-identity-missing.table", 4);
}

// Graph refuses the query listing (403): the application permission has no admin consent.
TEST(CheckGraphTest, AForbiddenQueryListingNamesThePermission) {
  Workspace workspace;
  Emulator emulator(workspace, {"--seed", "1", "--launches-per-hour", "1"}, {"--graph-forbidden"});
  ExpectCheck(workspace, emulator, ClientEnvironment(emulator, workspace.Path("audit.db")),
              "check-graph-forbidden.table", 4);
  EXPECT_EQ(emulator.Stats()["queries_created"], 0);
}

// The secret the client sends has expired (AADSTS7000222).
TEST(CheckExpiredSecretTest, AnExpiredSecretIsExplained) {
  Workspace workspace;
  const auto expired = WritePrivateFile(workspace.Path("expired-secret"), "an-expired-secret\n");
  Emulator emulator(workspace, {"--seed", "1", "--launches-per-hour", "1"},
                    {"--expired-secret-file", expired});
  auto environment = ClientEnvironment(emulator, workspace.Path("audit.db"));
  Override(environment, "AUDITSYNC_CLIENT_SECRET_FILE=" + expired);
  ExpectCheck(workspace, emulator, environment, "check-expired-secret.table", 4);
}

// The steps of each credential kind, against an emulator that knows them all.
class CheckCredentialsTest : public ::testing::Test {
 protected:
  CheckCredentialsTest()
      : lab_(workspace_, {"--seed", "1", "--launches-per-hour", "1"}),
        environment_(lab_.Environment()) {}

  void ExpectCheck(const std::string& golden, int exit_code) {
    testing::ExpectCheck(workspace_, lab_.Server(), environment_, golden, exit_code);
  }
  void UseCertificate(const std::string& path) {
    IdentityLab::DropSecret(environment_);
    lab_.UseCertificate(environment_, path);
  }
  void UseWorkloadIdentity() {
    IdentityLab::SignInAs(environment_, "workload_identity");
    lab_.UseWorkloadIdentity(environment_);
  }

  Workspace workspace_;
  IdentityLab lab_;
  std::vector<std::string> environment_;
};

TEST_F(CheckCredentialsTest, CertificatePasses) {
  UseCertificate(lab_.PemPath());
  ExpectCheck("check-certificate.table", 0);
}

TEST_F(CheckCredentialsTest, ACertificatePasswordThatDoesNotOpenItIsNamed) {
  UseCertificate(lab_.Pkcs12Path());
  Override(environment_, "AUDITSYNC_CERTIFICATE_PASSWORD_FILE=" +
                             WritePrivateFile(workspace_.Path("wrong-password"), "wrong"));
  ExpectCheck("check-certificate-password.table", 3);
}

TEST_F(CheckCredentialsTest, AnUnregisteredCertificateIsExplained) {
  const auto other = MakeTestKeys("not-registered");
  UseCertificate(
      WritePrivateFile(workspace_.Path("other.pem"), other.key_pem + other.certificate_pem));
  ExpectCheck("check-certificate-unregistered.table", 4);
}

TEST_F(CheckCredentialsTest, AnExpiredCertificateIsNamed) {
  const auto expired = MakeTestKeys("expired", -std::chrono::hours(48), -std::chrono::hours(24));
  UseCertificate(
      WritePrivateFile(workspace_.Path("expired.pem"), expired.key_pem + expired.certificate_pem));
  ExpectCheck("check-certificate-expired.table", 3);
}

TEST_F(CheckCredentialsTest, KeyVaultThroughImdsPasses) {
  lab_.UseKeyVault(environment_, "managed_identity");
  lab_.UseImds(environment_);
  ExpectCheck("check-keyvault.table", 0);
}

TEST_F(CheckCredentialsTest, KeyVaultThroughACertificatePasses) {
  lab_.UseKeyVault(environment_, "certificate");
  lab_.UseCertificate(environment_, lab_.PemPath());
  ExpectCheck("check-keyvault-certificate.table", 0);
}

TEST_F(CheckCredentialsTest, AMissingVaultSecretIsNamed) {
  lab_.UseKeyVault(environment_, "managed_identity", "no-such-secret");
  lab_.UseImds(environment_);
  ExpectCheck("check-keyvault-missing-secret.table", 3);
}

TEST_F(CheckCredentialsTest, AVaultThatRefusesNamesTheRoleAndTheFirewall) {
  Workspace workspace;
  IdentityLab denying(workspace, {"--seed", "1", "--launches-per-hour", "1"}, {"--vault-deny"});
  auto environment = denying.Environment();
  denying.UseKeyVault(environment, "managed_identity");
  denying.UseImds(environment);
  testing::ExpectCheck(workspace, denying.Server(), environment, "check-keyvault-denied.table", 4);
}

TEST_F(CheckCredentialsTest, ManagedIdentityOnAppServicePasses) {
  IdentityLab::SignInAs(environment_, "managed_identity");
  lab_.UseAppService(environment_);
  ExpectCheck("check-managed-identity.table", 0);
}

TEST_F(CheckCredentialsTest, AStaleIdentityHeaderIsExplained) {
  IdentityLab::SignInAs(environment_, "managed_identity");
  lab_.UseAppService(environment_);
  Override(environment_, "IDENTITY_HEADER=stale");
  ExpectCheck("check-identity-header.table", 4);
}

TEST_F(CheckCredentialsTest, WorkloadIdentityPasses) {
  UseWorkloadIdentity();
  ExpectCheck("check-workload-identity.table", 0);
}

TEST_F(CheckCredentialsTest, AFederatedTokenOfAnotherSubjectIsExplained) {
  UseWorkloadIdentity();
  lab_.WriteFederatedToken({{"sub", "system:serviceaccount:default:default"}});
  ExpectCheck("check-federated-subject.table", 4);
}

TEST_F(CheckCredentialsTest, AnExpiredFederatedTokenIsNamed) {
  UseWorkloadIdentity();
  const auto long_ago = (NowUtc() - std::chrono::hours(3)).time_since_epoch().count();
  lab_.WriteFederatedToken({{"iat", long_ago}, {"nbf", long_ago}, {"exp", long_ago + 3600}});
  ExpectCheck("check-federated-expired.table", 3);
}

}  // namespace
}  // namespace auditsync::testing
