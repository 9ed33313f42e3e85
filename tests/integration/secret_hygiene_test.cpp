// Secrets never leak: with debug logging on, a known client secret and the access tokens the
// emulator issues appear in none of the outputs of sync, run, status, check and the error paths,
// nor in the database.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "integration/harness.hpp"

namespace auditsync::testing {
namespace {

// Every token the emulator issues starts with this JWT header ({"alg":"none","typ":"JWT"}).
constexpr const char* kTokenPrefix = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0";

std::string ReadBytes(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

void ExpectClean(const std::string& where, const std::string& text, const std::string& secret) {
  EXPECT_EQ(text.find(secret), std::string::npos) << where << " shows the client secret";
  EXPECT_EQ(text.find(kTokenPrefix), std::string::npos) << where << " shows an access token";
  EXPECT_EQ(text.find("Bearer "), std::string::npos) << where << " shows an Authorization header";
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
  for (const char* suffix : {"", "-wal"}) {
    if (std::filesystem::exists(database + suffix)) {
      ExpectClean("the database", ReadBytes(database + suffix), secret);
    }
  }
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
