// `auditsync report` on the real binary: the golden reports through the command line, the
// --app/--environment filters, and the usage errors (exit code 2, a message naming the flag).
#include <gtest/gtest.h>

#include "fixture/report_fixture.hpp"
#include "integration/harness.hpp"

namespace auditsync::testing {
namespace {

std::string Golden(const std::string& name) {
  return ReadFile(std::string(AUDITSYNC_SOURCE_DIR) + "/tests/golden/reports/" + name);
}

class ReportCommand : public ::testing::Test {
 protected:
  void SetUp() override { WriteReportFixture(database_); }

  RunResult Report(std::vector<std::string> args) {
    args.insert(args.begin(), "report");
    return RunAuditsync(workspace_, args, environment_);
  }

  Workspace workspace_;
  std::string database_ = workspace_.Path("audit.db");
  std::vector<std::string> environment_ = {"AUDITSYNC_DATABASE=" + database_,
                                           std::string("AUDITSYNC_TEST_NOW=") + kFixtureNow};
};

// The unit tests render the same requests in-process; the binary must print the same bytes.
TEST_F(ReportCommand, PrintsTheGoldenReports) {
  const std::vector<std::string> window = {"--from", kFixtureFrom, "--to", kFixtureTo};
  const struct {
    std::vector<std::string> args;
    std::string golden;
  } cases[] = {
      {{"apps", "--format", "json"}, "apps.json"},
      {{"apps"}, "apps.table"},
      {{"usage", "--by", "day", "--format", "html"}, "usage-day.html"},
      {{"usage", "--by", "week", "--format", "json"}, "usage-week.json"},
      {{"users", "--format", "csv"}, "users.csv"},
      {{"summary", "--format", "json"}, "summary.json"},
  };
  for (const auto& c : cases) {
    auto args = c.args;
    args.insert(args.end(), window.begin(), window.end());
    const auto result = Report(args);
    EXPECT_EQ(result.exit_code, 0) << c.golden << ": " << result.err;
    EXPECT_EQ(result.out, Golden(c.golden)) << c.golden;
  }
  // `unused` looks back from now, without a window.
  const auto unused = Report({"unused", "--days", "30", "--format", "html"});
  EXPECT_EQ(unused.exit_code, 0) << unused.err;
  EXPECT_EQ(unused.out, Golden("unused.html"));
}

TEST_F(ReportCommand, FiltersByAppAndEnvironmentIdsInAnyCaseOrAsAPath) {
  auto result =
      Report({"apps", "--format", "json", "--app",
              "/providers/Microsoft.PowerApps/apps/6C39E97C-6DDD-4A37-AFD4-494A605925CF"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto json = nlohmann::json::parse(result.out);
  ASSERT_EQ(json.size(), 1u) << json;
  EXPECT_EQ(json[0]["app_id"], "6c39e97c-6ddd-4a37-afd4-494a605925cf");
  EXPECT_EQ(json[0]["launches"], 75);

  result = Report({"usage", "--by", "month", "--format", "json", "--app",
                   "6C39E97C-6DDD-4A37-AFD4-494A605925CF"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  json = nlohmann::json::parse(result.out);
  ASSERT_EQ(json.size(), 2u) << json;
  EXPECT_EQ(json[0]["launches"], 55);  // October
  EXPECT_EQ(json[1]["launches"], 20);  // November

  result = Report({"apps", "--format", "json", "--environment", "SALES-7A1E"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  json = nlohmann::json::parse(result.out);
  ASSERT_EQ(json.size(), 2u) << json;
  for (const auto& app : json) EXPECT_EQ(app["environment_id"], "sales-7a1e");

  result = Report({"unused", "--format", "json", "--environment", "apac-42"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(nlohmann::json::parse(result.out), nlohmann::json::array());
}

TEST_F(ReportCommand, RefusesBadCommandLinesWithTheUsageExitCode) {
  const struct {
    std::vector<std::string> args;
    std::string message;
  } cases[] = {
      {{"frobnicate"}, "it must be one of apps, usage, users, summary, production, unused"},
      {{"usage", "--by", "fortnight"}, "--by is not valid; it must be one of day, week, month"},
      {{"unused", "--days", "0"}, "--days"},
      {{"unused", "--days", "-3"}, "--days"},
      {{"unused", "--days", "ten"}, "--days"},
      {{"unused", "--days", "1.5"}, "--days"},
      {{"apps", "--from", "2026-11-10", "--to", "2026-11-01"}, "--from 2026-11-10 is not before"},
      {{"apps", "--from", "-1d", "--to", "-1d"}, "is not before"},
      {{"apps", "--from", "last tuesday"}, "is not a time"},
      {{"unused", "--from", "-7d"}, "do not apply to `report unused`"},
      {{"apps", "--days", "7"}, "--days applies to `report unused` only"},
      {{"users", "--by", "week"}, "--by applies to `report usage` only"},
      {{"apps", "--format", "pdf"}, "it must be one of table, csv, json, html"},
  };
  for (const auto& c : cases) {
    const auto result = Report(c.args);
    EXPECT_EQ(result.exit_code, 2) << c.args[0] << " " << c.message << ": " << result.err;
    EXPECT_NE(result.err.find(c.message), std::string::npos) << result.err;
    EXPECT_EQ(result.out, "") << c.message;
  }
}

}  // namespace
}  // namespace auditsync::testing
