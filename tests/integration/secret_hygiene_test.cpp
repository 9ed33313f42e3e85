// Secrets never leak: with trace logging on, a known client secret, the secrets of every other
// way of signing in (certificate password and private key, Key Vault secret, federated token,
// App Service identity header) and the access tokens the emulator issues appear in none of the
// outputs of sync, status, report, check and the error paths, nor in the database.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "integration/identity_lab.hpp"

namespace auditsync::testing {
namespace {

// Every token the emulator issues starts with this JWT header ({"alg":"none","typ":"JWT"}).
constexpr const char* kTokenPrefix = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0";

std::string ReadBytes(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

void ExpectClean(const std::string& where, const std::string& text,
                 const std::vector<std::string>& secrets) {
  for (const auto& secret : secrets) {
    EXPECT_EQ(text.find(secret), std::string::npos) << where << " shows a secret";
  }
  EXPECT_EQ(text.find(kTokenPrefix), std::string::npos) << where << " shows an access token";
  EXPECT_EQ(text.find("Bearer "), std::string::npos) << where << " shows an Authorization header";
}

void ExpectClean(const std::string& where, const std::string& text, const std::string& secret) {
  ExpectClean(where, text, std::vector<std::string>{secret});
}

void ExpectDatabaseClean(const std::string& database, const std::vector<std::string>& secrets) {
  for (const char* suffix : {"", "-wal"}) {
    if (std::filesystem::exists(database + suffix)) {
      ExpectClean("the database", ReadBytes(database + suffix), secrets);
    }
  }
}

TEST(SecretHygiene, NoSecretOrTokenInAnyOutputOrTheDatabase) {
  Workspace workspace;
  Emulator emulator(workspace, {"--seed", "2", "--launches-per-hour", "20"},
                    {"--faults", "429=0.05,503=0.05,token-expiry=0.05", "--token-lifetime", "5"});
  const std::string secret = ReadBytes(emulator.SecretFile()).substr(0, 20);
  ASSERT_GE(secret.size(), 16u);
  const auto database = workspace.Path("audit.db");
  auto environment = ClientEnvironment(emulator, database);
  Override(environment, "AUDITSYNC_LOG_LEVEL=trace");
  // User enrichment sends the same token to Graph's $batch: its requests and logs are covered.
  Override(environment, "AUDITSYNC_ENRICH_USERS=yes");

  const std::vector<std::vector<std::string>> commands = {
      {"sync", "--from", "2026-11-10", "--to", "2026-11-11"},
      {"check"},
      {"check", "--format", "json"},
      {"status", "--format", "json"},
      {"report", "apps", "--format", "csv"},
  };
  for (const auto& command : commands) {
    const auto result = RunAuditsync(workspace, command, environment);
    ExpectClean(command[0] + " stdout", result.out, secret);
    ExpectClean(command[0] + " stderr", result.err, secret);
    if (command[0] == "sync") {
      EXPECT_NE(result.err.find("user profiles: "), std::string::npos);
    }
  }
  // Error paths: a wrong secret, a refused certificate, a bad setting.
  const auto wrong = workspace.Path("wrong-secret");
  std::ofstream(wrong) << secret << "-but-wrong\n";
  std::filesystem::permissions(wrong, std::filesystem::perms::owner_read);
  auto wrong_environment = environment;
  Override(wrong_environment, "AUDITSYNC_CLIENT_SECRET_FILE=" + wrong);
  auto untrusted = environment;
  Override(untrusted, "AUDITSYNC_CA_BUNDLE=");
  auto bad_setting = environment;
  Override(bad_setting, "AUDITSYNC_PAGE_SIZE=lots");
  for (const auto* failing : {&wrong_environment, &untrusted, &bad_setting}) {
    for (const char* command : {"sync", "check"}) {
      const auto result = RunAuditsync(workspace, {command}, *failing);
      EXPECT_NE(result.exit_code, 0);
      ExpectClean(std::string(command) + " error stderr", result.err, secret);
      ExpectClean(std::string(command) + " error stdout", result.out, secret);
    }
  }
  // The database (and its WAL) holds records, never credentials.
  ExpectDatabaseClean(database, {secret});
}

// The same through the Office 365 Management Activity API (use_graph_api = no): its own token
// scope, subscription calls, listings and blob downloads on many threads, under faults.
TEST(SecretHygiene, NoSecretOrTokenOnTheManagementPath) {
  Workspace workspace;
  constexpr const char* kNow = "2026-11-12T06:00:00Z";
  Emulator emulator(workspace, {"--seed", "2", "--launches-per-hour", "20"},
                    // No token-expiry: with concurrent downloads a token can be revoked twice
                    // in a row, which no retry survives (see Management.SurvivesEveryKindOfFault).
                    {"--now", kNow, "--faults", "429=0.05,503=0.05", "--token-lifetime", "5",
                     "--content-page-size", "5"});
  const std::string secret = ReadBytes(emulator.SecretFile()).substr(0, 20);
  ASSERT_GE(secret.size(), 16u);
  const auto database = workspace.Path("audit.db");
  auto environment = ManagementEnvironment(emulator, database, kNow);
  Override(environment, "AUDITSYNC_LOG_LEVEL=trace");
  const std::vector<std::vector<std::string>> commands = {
      {"subscription", "list"},
      {"subscription", "start", "--format", "json"},
      {"sync", "--from", "2026-11-11T00:00:00Z", "--to", "2026-11-12T00:00:00Z"},
      {"check"},
      {"status", "--format", "json"},
  };
  for (const auto& command : commands) {
    const auto result = RunAuditsync(workspace, command, environment);
    EXPECT_EQ(result.exit_code, 0) << command[0] << "\n" << result.err;
    ExpectClean(command[0] + " stdout", result.out, secret);
    ExpectClean(command[0] + " stderr", result.err, secret);
  }
  // Error paths: a secret Entra refuses.
  const auto wrong = workspace.Path("wrong-secret");
  std::ofstream(wrong) << secret << "-but-wrong\n";
  std::filesystem::permissions(wrong, std::filesystem::perms::owner_read);
  auto wrong_environment = environment;
  Override(wrong_environment, "AUDITSYNC_CLIENT_SECRET_FILE=" + wrong);
  for (const char* command : {"sync", "check", "subscription"}) {
    std::vector<std::string> args = {command};
    if (args[0] == "subscription") args.emplace_back("list");
    const auto result = RunAuditsync(workspace, args, wrong_environment);
    EXPECT_NE(result.exit_code, 0);
    ExpectClean(std::string(command) + " error stderr", result.err, secret);
    ExpectClean(std::string(command) + " error stdout", result.out, secret);
  }
  ExpectDatabaseClean(database, {secret});
}

TEST(SecretHygiene, NoSecretOfAnyCredentialKindInAnyOutputOrTheDatabase) {
  Workspace workspace;
  // Retries and renewals, but no revoked tokens: every run must succeed, proving that each secret
  // was really used (the test above covers revocation).
  IdentityLab lab(workspace, {"--seed", "2", "--launches-per-hour", "5"},
                  {"--faults", "429=0.05,503=0.05", "--token-lifetime", "5"});
  const auto federated_token = lab.WriteFederatedToken();
  const auto& key_pem = lab.AppKeys().key_pem;
  const std::vector<std::string> secrets = {
      ReadBytes(lab.Server().SecretFile()).substr(0, 20),  // also the Key Vault secret
      IdentityLab::kCertificatePassword,
      IdentityLab::kIdentityHeader,
      federated_token.substr(federated_token.rfind('.') + 1),  // its signature
      key_pem.substr(key_pem.find('\n') + 1, 64),              // a line of the private key
  };
  auto base = lab.Environment();
  Override(base, "AUDITSYNC_LOG_LEVEL=trace");
  auto vault_imds = base, vault_app_service = base, vault_workload = base, pkcs12 = base,
       workload = base;
  lab.UseKeyVault(vault_imds, "managed_identity");
  lab.UseImds(vault_imds);
  lab.UseKeyVault(vault_app_service, "managed_identity");
  lab.UseAppService(vault_app_service);
  lab.UseKeyVault(vault_workload, "workload_identity");
  lab.UseWorkloadIdentity(vault_workload);
  IdentityLab::DropSecret(pkcs12);
  lab.UseCertificate(pkcs12, lab.Pkcs12Path());
  IdentityLab::SignInAs(workload, "workload_identity");
  lab.UseWorkloadIdentity(workload);
  // Each way of signing in syncs into a database of its own, so that each really collects.
  int scenario = 0;
  for (auto* environment :
       {&base, &vault_imds, &vault_app_service, &vault_workload, &pkcs12, &workload}) {
    Override(*environment,
             "AUDITSYNC_DATABASE=" + workspace.Path("audit-" + std::to_string(++scenario) + ".db"));
    for (const auto& command : std::vector<std::vector<std::string>>{
             {"sync", "--from", "2026-11-10", "--to", "2026-11-11"}, {"check"}}) {
      const auto result = RunAuditsync(workspace, command, *environment);
      EXPECT_EQ(result.exit_code, 0) << result.out << result.err;  // the secrets were used
      ExpectClean(command[0] + " stdout", result.out, secrets);
      ExpectClean(command[0] + " stderr", result.err, secrets);
    }
  }
  // Error paths: a password close to the right one, a stale identity header, a vault without the
  // secret, a federated token of another subject.
  auto wrong_password = pkcs12;
  Override(wrong_password,
           "AUDITSYNC_CERTIFICATE_PASSWORD_FILE=" +
               WritePrivateFile(workspace.Path("wrong-password"),
                                std::string(IdentityLab::kCertificatePassword) + "-old"));
  auto stale_header = vault_app_service;
  Override(stale_header, std::string("IDENTITY_HEADER=") + IdentityLab::kIdentityHeader + "-old");
  auto missing_secret = vault_imds;
  lab.UseKeyVault(missing_secret, "managed_identity", "no-such-secret");
  for (const auto* failing : {&wrong_password, &stale_header, &missing_secret}) {
    const auto result = RunAuditsync(workspace, {"check"}, *failing);
    EXPECT_NE(result.exit_code, 0) << result.out;
    ExpectClean("check error stdout", result.out, secrets);
    ExpectClean("check error stderr", result.err, secrets);
  }
  lab.WriteFederatedToken({{"sub", "system:serviceaccount:other:other"}});
  const auto refused = RunAuditsync(workspace, {"sync"}, workload);
  EXPECT_EQ(refused.exit_code, 4) << refused.err;
  ExpectClean("sync error stderr", refused.err, secrets);
  for (int i = 1; i <= scenario; ++i) {
    ExpectDatabaseClean(workspace.Path("audit-" + std::to_string(i) + ".db"), secrets);
  }
}

// A secret typed after a mistyped flag, or given to a flag that does not exist because secrets
// have none, is never echoed: the message names the flags only, and says how secrets are given.
TEST(SecretHygiene, AMistypedOrSecretFlagNeverEchoesItsValue) {
  Workspace workspace;
  const std::string secret = "hunter2-Zq8x";
  const std::vector<std::string> environment = {"AUDITSYNC_DATABASE=" + workspace.Path("audit.db")};
  constexpr const char* kNotRepeated =
      ". The values on the command line are not repeated here. Run with --help for more "
      "information.\n";
  const std::string certificate_password =
      "auditsync: unknown option --certificate-password; secrets are never taken as flags (they "
      "would show in `ps` and in shell history): use certificate_password_file or "
      "AUDITSYNC_CERTIFICATE_PASSWORD" +
      std::string(kNotRepeated);
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"check", "--certificate-password", secret}, certificate_password},
      {{"--certificate-password=" + secret, "check"}, certificate_password},
      {{"check", "--identity-header", secret},
       "auditsync: unknown option --identity-header; secrets are never taken as flags (they "
       "would show in `ps` and in shell history): use IDENTITY_HEADER" +
           std::string(kNotRepeated)},
      {{"sync", "--api-key=" + secret, "--tenant-idd", secret},
       "auditsync: unknown options --api-key, --tenant-idd; secrets are never taken as flags "
       "(they would show in `ps` and in shell history): put them in a file (client_secret_file, "
       "certificate_password_file) or an AUDITSYNC_... environment variable" +
           std::string(kNotRepeated)},
      {{"sync", "--tenant-idd", secret},
       "auditsync: unknown option --tenant-idd" + std::string(kNotRepeated)},
      {{"check", secret},
       "auditsync: the command line has arguments that were not expected (not repeated here: one "
       "might be a secret). A command's own options go after its name, settings flags before or "
       "after it. Run with --help for more information.\n"},
      {{"check", "--format", secret},
       "auditsync: the value of --format is not valid; it must be one of table, json (the value "
       "given is not repeated here: it might be a secret). Run with --help for more "
       "information.\n"},
  };
  for (const auto& [args, message] : cases) {
    const auto result = RunAuditsync(workspace, args, environment);
    EXPECT_EQ(result.exit_code, 2) << args[1];
    EXPECT_EQ(result.out, "") << args[1];
    EXPECT_EQ(result.err, message) << args[1];
    EXPECT_EQ(result.err.find(secret), std::string::npos) << args[1];
  }
  // --help still prints the usage.
  const auto help = RunAuditsync(workspace, {"check", "--help"}, environment);
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--format"), std::string::npos) << help.out;
}

TEST(SecretHygiene, TheDatabaseIsPrivateAndAReadableSecretFileIsWarnedAbout) {
  Workspace workspace;
  Emulator emulator(workspace, {"--seed", "2", "--launches-per-hour", "5"});
  const auto database = workspace.Path("audit.db");
  auto environment = ClientEnvironment(emulator, database);
  std::filesystem::permissions(
      emulator.SecretFile(),
      std::filesystem::perms::group_read | std::filesystem::perms::others_read,
      std::filesystem::perm_options::add);
  const auto result =
      RunAuditsync(workspace, {"sync", "--from", "2026-11-10", "--to", "2026-11-11"}, environment);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("can be read by other users of this machine; run chmod 600"),
            std::string::npos)
      << result.err;
  const auto mode = std::filesystem::status(database).permissions();
  EXPECT_EQ(mode & (std::filesystem::perms::group_all | std::filesystem::perms::others_all),
            std::filesystem::perms::none);
}

}  // namespace
}  // namespace auditsync::testing
