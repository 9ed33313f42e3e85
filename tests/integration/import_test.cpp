// `auditsync import apps` on the real binary: an admin center CSV and a Get-AdminPowerApp JSON
// export make never-launched apps appear in `report apps` with zero launches and in
// `report unused`, without touching
// what the records said about launched apps; a second import changes nothing but the inventory
// time; bad rows are reported and counted (exit 5); a file that is no app list is a
// configuration error (exit 3); an import never runs beside a collector (exit 8).
#include <gtest/gtest.h>

#include <fstream>

#include "core/file_lock.hpp"
#include "integration/harness.hpp"

namespace auditsync::testing {
namespace {

constexpr char kFrom[] = "2026-11-10T00:00:00Z";
constexpr char kTo[] = "2026-11-10T03:00:00Z";
// Apps of the inventory that no record launches.
constexpr char kNeverA[] = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
constexpr char kNeverB[] = "1a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
constexpr char kNeverC[] = "2a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";

std::string Write(const Workspace& workspace, const std::string& name, const std::string& content) {
  const auto path = workspace.Path(name);
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

nlohmann::json NeverLaunched(const char* id, const char* name, const char* environment) {
  return {{"app_id", id},
          {"app_name", name},
          {"environment_id", environment},
          {"environment_name", nullptr},
          {"launches", 0},
          {"unique_users", 0},
          {"last_launched_on", nullptr},
          {"last_launched_by", nullptr}};
}

// Everything the apps table holds but the inventory time.
std::vector<std::vector<std::string>> AppFacts(const std::string& database) {
  return QueryRows(database,
                   "SELECT app_id, display_name, name_seen_at, environment_id, environment_name, "
                   "first_seen, last_launched_on, last_launched_by, deleted_on, owner, "
                   "created_on FROM apps ORDER BY app_id");
}

TEST(ImportApps, NeverLaunchedAppsOfAnInventoryAppearWithZeroLaunches) {
  Workspace workspace;
  Emulator emulator(workspace, {"--seed", "9", "--launches-per-hour", "30"});
  const auto database = workspace.Path("audit.db");
  const auto environment = ClientEnvironment(emulator, database);
  const auto sync = RunAuditsync(workspace, {"sync", "--from", kFrom, "--to", kTo}, environment);
  ASSERT_EQ(sync.exit_code, 0) << sync.err;
  const auto truth = emulator.Truth(kFrom, kTo);
  ASSERT_GE(truth.size(), 2u);
  const std::string launched0 = truth[0]["app_id"];
  const std::string launched1 = truth[1]["app_id"];

  // The admin center's CSV as Excel saves it in Europe: BOM, semicolons, CRLF, a quoted newline.
  const auto csv = Write(
      workspace, "apps.csv",
      "\xEF\xBB\xBF"
      "App ID;Display name;Environment;Owner;Created on\r\n" +
          launched0 +
          ";Listed name;EE0A0000-0000-4000-8000-000000000001;amy@contoso.com;2026-01-01\r\n" +
          kNeverA + ";\"Never\r\nlaunched\";ee0a0000-0000-4000-8000-000000000001;bob@contoso.com;" +
          "2026-02-01T10:00:00Z\r\n" + kNeverB +
          ";Ideas <beta>;ee0b0000-0000-4000-8000-000000000002;;\r\n");
  // PowerShell: Get-AdminPowerApp | ConvertTo-Json
  const auto json = Write(
      workspace, "apps.json",
      std::string(R"([{"AppName": ")") + kNeverC +
          R"(", "DisplayName": "日本語 受付アプリ", "EnvironmentName": "EE0C0000-0000-4000-8000-000000000003",
                "Owner": {"displayName": "Cat", "email": "cat@contoso.com"},
                "CreatedTime": "2026-03-01T00:00:00.1234567Z"},
               {"AppName": ")" +
          launched1 + R"(", "DisplayName": "Listed too"}])");
  auto result = RunAuditsync(workspace, {"import", "apps", csv}, environment);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("imported 3 app(s)"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("2 new, 1 already known; 0 of 3 row(s)"), std::string::npos);
  result = RunAuditsync(workspace, {"import", "apps", json}, environment);
  ASSERT_EQ(result.exit_code, 0) << result.err;

  // Launched apps exactly as their records say; the inventory's others at the end, zero launches.
  auto expected = truth;
  expected.push_back(
      NeverLaunched(kNeverA, "Never\r\nlaunched", "ee0a0000-0000-4000-8000-000000000001"));
  expected.push_back(
      NeverLaunched(kNeverB, "Ideas <beta>", "ee0b0000-0000-4000-8000-000000000002"));
  expected.push_back(
      NeverLaunched(kNeverC, "日本語 受付アプリ", "ee0c0000-0000-4000-8000-000000000003"));
  EXPECT_EQ(ReportApps(workspace, environment, kFrom, kTo), expected);
  EXPECT_EQ(QueryRows(database, "SELECT owner FROM apps WHERE app_id = '" + launched0 + "'"),
            (std::vector<std::vector<std::string>>{{"amy@contoso.com"}}));

  // Unused for 30 days, ten days after the synced launches: the never-launched apps, none other.
  auto unused_environment = environment;
  Override(unused_environment, "AUDITSYNC_TEST_NOW=2026-11-20T00:00:00Z");
  const auto unused = RunAuditsync(
      workspace, {"report", "unused", "--days", "30", "--format", "json"}, unused_environment);
  ASSERT_EQ(unused.exit_code, 0) << unused.err;
  std::vector<std::string> unused_ids;
  for (const auto& app : nlohmann::json::parse(unused.out)) {
    unused_ids.push_back(app["app_id"]);
    EXPECT_TRUE(app["last_launched_on"].is_null()) << app;
  }
  EXPECT_EQ(unused_ids, (std::vector<std::string>{kNeverA, kNeverB, kNeverC}));

  // The same file again: nothing changes but the inventory time.
  const auto before = AppFacts(database);
  result = RunAuditsync(workspace, {"import", "apps", csv}, environment);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("0 new, 3 already known"), std::string::npos) << result.err;
  EXPECT_EQ(AppFacts(database), before);
}

TEST(ImportApps, BadRowsAreReportedAndCountedAndTheGoodOnesLoaded) {
  Workspace workspace;
  const auto database = workspace.Path("audit.db");
  const std::vector<std::string> environment = {"AUDITSYNC_DATABASE=" + database};
  const auto csv = Write(workspace, "apps.csv",
                         std::string("AppId,Name,Created\n") + kNeverA + ",Good,2026-01-01\n" +
                             "not-an-app,Bad,\n" + kNeverB + ",Bad date,yesterday\n");
  const auto result = RunAuditsync(workspace, {"import", "apps", csv}, environment);
  EXPECT_EQ(result.exit_code, 5) << result.err;
  EXPECT_NE(result.err.find(csv + " line 3: not imported, its app id `not-an-app`"),
            std::string::npos)
      << result.err;
  EXPECT_NE(result.err.find(csv + " line 4: not imported, its creation time `yesterday`"),
            std::string::npos);
  EXPECT_NE(result.err.find("2 of 3 row(s) could not be read"), std::string::npos);
  EXPECT_EQ(QueryCount(database, "SELECT count(*) FROM apps"), 1);
}

TEST(ImportApps, AFileThatIsNoAppListIsAConfigurationError) {
  Workspace workspace;
  const auto database = workspace.Path("audit.db");
  const std::vector<std::string> environment = {"AUDITSYNC_DATABASE=" + database};
  const auto csv = Write(workspace, "users.csv", "Display name,Department\nAmy,Sales\n");
  auto result = RunAuditsync(workspace, {"import", "apps", csv}, environment);
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_NE(result.err.find("has no app id column (its first line reads: Display name, "
                            "Department). A CSV app list needs an app id column (App ID"),
            std::string::npos)
      << result.err;
  result = RunAuditsync(workspace, {"import", "apps", workspace.Path("missing.csv")}, environment);
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_NE(result.err.find("cannot read"), std::string::npos);
  result = RunAuditsync(workspace, {"import", "apps"}, environment);
  EXPECT_EQ(result.exit_code, 2);
}

TEST(ImportApps, NeverRunsBesideACollector) {
  Workspace workspace;
  const auto database = workspace.Path("audit.db");
  const std::vector<std::string> environment = {"AUDITSYNC_DATABASE=" + database};
  const auto csv = Write(workspace, "apps.csv", std::string("id\n") + kNeverA + "\n");
  {
    const FileLock held(database + ".lock");  // as a running sync holds it
    const auto result = RunAuditsync(workspace, {"import", "apps", csv}, environment);
    EXPECT_EQ(result.exit_code, 8) << result.err;
  }
  EXPECT_EQ(RunAuditsync(workspace, {"import", "apps", csv}, environment).exit_code, 0);
}

}  // namespace
}  // namespace auditsync::testing
