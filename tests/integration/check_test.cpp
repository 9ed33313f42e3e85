// `auditsync check` against the emulator: the passing case and each failure, as golden files
// (tests/golden/check-*.{table,json}) with the emulator's address, the workspace and random ids
// replaced by placeholders.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <regex>

#include "integration/harness.hpp"
#include "unit/golden.hpp"

namespace auditsync::testing {
namespace {

class CheckTest : public ::testing::Test {
 protected:
  CheckTest() : emulator_(workspace_, {"--seed", "1", "--launches-per-hour", "1"}) {
    environment_ = ClientEnvironment(emulator_, workspace_.Path("audit.db"));
  }

  // Runs check and compares its output, made stable, with tests/golden/NAME.
  void ExpectCheck(const std::string& golden, int exit_code, const std::string& format = "table") {
    const auto result = RunAuditsync(workspace_, {"check", "--format", format}, environment_);
    EXPECT_EQ(result.exit_code, exit_code) << result.out << result.err;
    std::string out = result.out;
    const auto replace_all = [&out](const std::string& what, const std::string& with) {
      for (auto at = out.find(what); at != std::string::npos; at = out.find(what, at)) {
        out.replace(at, what.size(), with);
        at += with.size();
      }
    };
    replace_all(emulator_.BaseUrl(), "https://EMULATOR");
    replace_all(workspace_.Path(""), "WORKSPACE/");
    out = std::regex_replace(out, std::regex("(correlation|request) id [0-9a-f-]+"), "$1 id ID");
    ExpectMatchesGolden(out, golden);
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

}  // namespace
}  // namespace auditsync::testing
