// End to end: the real auditsync binary against the real emulator. Every assertion compares with
// the emulator's ground truth exactly.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <map>
#include <thread>

#include <sqlite3.h>

#include "core/file_lock.hpp"
#include "core/time.hpp"
#include "integration/harness.hpp"

namespace auditsync::testing {
namespace {

constexpr const char* kFrom = "2026-11-10T00:00:00Z";
constexpr const char* kTo = "2026-11-12T00:00:00Z";

std::vector<std::string> Tenant(int launches_per_hour = 60) {
  return {"--seed", "1", "--launches-per-hour", std::to_string(launches_per_hour)};
}

nlohmann::json Report(const Workspace& workspace, const std::vector<std::string>& environment,
                      const std::string& from = kFrom, const std::string& to = kTo) {
  return ReportApps(workspace, environment, from, to);
}

// The apps table (the "update data" step) must agree with the truth's last launches.
void ExpectAppsTableMatches(const std::string& database, const nlohmann::json& truth) {
  const auto rows = QueryRows(database,
                              "SELECT app_id, last_launched_on, last_launched_by, display_name "
                              "FROM apps WHERE last_launched_on IS NOT NULL ORDER BY app_id");
  std::map<std::string, std::vector<std::string>> by_app;
  for (const auto& row : rows) by_app[row[0]] = row;
  ASSERT_EQ(by_app.size(), truth.size());
  for (const auto& app : truth) {
    const auto& row = by_app.at(app["app_id"].get<std::string>());
    const auto last = Instant(std::chrono::seconds(std::stoll(row[1])));
    EXPECT_EQ(FormatIso8601(last), app["last_launched_on"]);
    EXPECT_EQ(row[2], app["last_launched_by"]);
    EXPECT_EQ(row[3], app["app_name"]);
  }
}

TEST(Sync, StoresExactlyTheGroundTruth) {
  Workspace workspace;
  Emulator emulator(workspace, Tenant());
  const auto database = workspace.Path("audit.db");
  const auto environment = ClientEnvironment(emulator, database);
  const auto result = RunAuditsync(workspace, {"sync", "--from", kFrom, "--to", kTo}, environment);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto truth = emulator.Truth(kFrom, kTo);
  ASSERT_GT(truth.size(), 10u);
  EXPECT_EQ(Report(workspace, environment), truth);
  ExpectStoredCountsMatch(database, emulator.Summary(kFrom, kTo));
  ExpectAppsTableMatches(database, truth);
  // A sub-window report is computed from the same records.
  EXPECT_EQ(Report(workspace, environment, "2026-11-10T06:00:00Z", "2026-11-11T18:30:00Z"),
            emulator.Truth("2026-11-10T06:00:00Z", "2026-11-11T18:30:00Z"));
  // Syncing the same range again adds nothing.
  const auto again = RunAuditsync(workspace, {"sync", "--from", kFrom, "--to", kTo}, environment);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(Report(workspace, environment), truth);
}

TEST(Sync, SurvivesEveryKindOfFault) {
  Workspace workspace;
  const std::vector<std::string> kinds = {"429",  "429-no-retry-after", "503",         "504",
                                          "drop", "truncate",           "token-expiry"};
  Emulator emulator(workspace, Tenant(),
                    {"--faults",
                     "429=0.05,429-no-retry-after=0.03,503=0.03,504=0.03,drop=0.04,truncate=0.04,"
                     "token-expiry=0.03",
                     "--token-lifetime", "30", "--create-reply-faults", "drop,truncate"});
  const auto database = workspace.Path("audit.db");
  auto environment = ClientEnvironment(emulator, database);
  Override(environment, "AUDITSYNC_PAGE_SIZE=20");
  const auto result = RunAuditsync(workspace, {"sync", "--from", kFrom, "--to", kTo}, environment);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto truth = emulator.Truth(kFrom, kTo);
  EXPECT_EQ(Report(workspace, environment), truth);
  ExpectStoredCountsMatch(database, emulator.Summary(kFrom, kTo));
  ExpectAppsTableMatches(database, truth);
  // Every kind of fault was met, and the replies of both create POSTs were lost or garbled:
  // each query was found by its name, never created twice.
  const auto stats = emulator.Stats();
  for (const auto& kind : kinds) EXPECT_GE(stats["faults"].value(kind, 0), 1) << kind;
  EXPECT_EQ(stats["faults"].value("create-drop", 0), 1) << stats.dump();
  EXPECT_EQ(stats["faults"].value("create-truncate", 0), 1) << stats.dump();
  EXPECT_EQ(stats["queries_created"], 2) << stats.dump();
  // A token expired while records were being read, and paging went on with a new one.
  const auto requests = ReadFile(workspace.Path("emulator.log"));
  EXPECT_NE(requests.find("/records 401 fault=token-expiry"), std::string::npos);
}

TEST(Sync, AQueryWhoseCreateReplyIsLostIsFoundByItsNameNotCreatedAgain) {
  Workspace workspace;
  // The first create's reply dies mid-body, the second's comes back cut in half; both queries
  // exist server-side.
  Emulator emulator(workspace, Tenant(10), {"--create-reply-faults", "drop,truncate"});
  const auto database = workspace.Path("audit.db");
  const auto environment = ClientEnvironment(emulator, database);
  const auto result = RunAuditsync(workspace, {"sync", "--from", kFrom, "--to", kTo}, environment);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  size_t found = 0;
  for (auto at = result.err.find("by its name after an uncertain reply"); at != std::string::npos;
       at = result.err.find("by its name after an uncertain reply", at + 1)) {
    ++found;
  }
  EXPECT_EQ(found, 2u) << result.err;
  const auto stats = emulator.Stats();
  EXPECT_EQ(stats["faults"]["create-drop"], 1) << stats.dump();
  EXPECT_EQ(stats["faults"]["create-truncate"], 1) << stats.dump();
  EXPECT_EQ(stats["queries_created"], 2) << stats.dump();  // two windows, one query each
  EXPECT_EQ(QueryCount(database, "SELECT count(*) FROM query_submissions"), 2);
  EXPECT_EQ(Report(workspace, environment), emulator.Truth(kFrom, kTo));
}

TEST(Sync, APartialSyncExitsWith5AndStatusNamesTheFailingWindowAndItsRequestId) {
  Workspace workspace;
  // Graph answers every request 504 (sign-in works): the one window's query cannot be created.
  Emulator emulator(workspace, Tenant(10), {"--faults", "504=1"});
  const auto database = workspace.Path("audit.db");
  const auto environment = ClientEnvironment(emulator, database);
  const auto result = RunAuditsync(
      workspace, {"sync", "--from", "2026-11-10T05:00:00Z", "--to", "2026-11-10T06:00:00Z"},
      environment);
  EXPECT_EQ(result.exit_code, 5) << result.err;
  const auto status = RunAuditsync(workspace, {"status", "--format", "json"}, environment);
  ASSERT_EQ(status.exit_code, 0) << status.err;
  const auto json = nlohmann::json::parse(status.out);
  EXPECT_EQ(json["windows"]["failing"], 1);
  ASSERT_EQ(json["failing"].size(), 1u) << status.out;
  const auto& failing = json["failing"][0];
  EXPECT_EQ(failing["start"], "2026-11-10T05:00:00Z");
  EXPECT_EQ(failing["end"], "2026-11-10T06:00:00Z");
  EXPECT_EQ(failing["failures"], 1);
  EXPECT_EQ(failing["next_attempt"], nullptr);  // the next sync retries it
  EXPECT_NE(failing["last_error"].get<std::string>().find("HTTP 504"), std::string::npos);
  const auto request_id = failing["request_id"].get<std::string>();
  EXPECT_EQ(request_id.size(), 36u) << status.out;  // Graph's request-id, a GUID
  const auto table = RunAuditsync(workspace, {"status"}, environment);
  EXPECT_NE(table.out.find("2026-11-10T05:00:00Z..2026-11-10T06:00:00Z initial"), std::string::npos)
      << table.out;
  EXPECT_NE(table.out.find("[request id " + request_id + "]"), std::string::npos) << table.out;

  // A query that ends `failed` (twice: it is submitted once more) fails its window too.
  Workspace second;
  Emulator failing_queries(second, Tenant(10), {"--fail-queries", "1"});
  const auto failed = RunAuditsync(second, {"sync", "--from", kFrom, "--to", kTo},
                                   ClientEnvironment(failing_queries, second.Path("audit.db")));
  EXPECT_EQ(failed.exit_code, 5) << failed.err;
  EXPECT_EQ(failing_queries.Stats()["queries_created"], 4);  // two windows, two queries each
  EXPECT_EQ(SummaryFigure(failed.err, "failed;"), 2) << failed.err;
}

TEST(Sync, AKilledSyncResumesWithoutLossOrDuplicates) {
  Workspace workspace;
  Emulator emulator(workspace, Tenant(200));
  const auto database = workspace.Path("audit.db");
  auto environment = ClientEnvironment(emulator, database);
  Override(environment, "AUDITSYNC_PAGE_SIZE=25");
  const auto summary = emulator.Summary(kFrom, kTo);
  const long long total = StorableRecords(summary);

  auto first = StartAuditsync(workspace, {"sync", "--from", kFrom, "--to", kTo}, environment);
  long long stored = 0;
  for (int i = 0; i < 3000 && stored < total / 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    stored = std::max(0LL, QueryCount(database, "SELECT count(*) FROM audit_records"));
  }
  first->Signal(SIGKILL);
  first->Wait(std::chrono::seconds(10));
  stored = QueryCount(database, "SELECT count(*) FROM audit_records");
  ASSERT_GT(stored, 0);
  ASSERT_LT(stored, total) << "the sync finished before it could be interrupted";

  const auto second = RunAuditsync(workspace, {"sync", "--from", kFrom, "--to", kTo}, environment);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(Report(workspace, environment), emulator.Truth(kFrom, kTo));
  ExpectStoredCountsMatch(database, summary);
}

TEST(Sync, SplitsWindowsThatHitTheRecordCap) {
  Workspace workspace;
  Emulator emulator(workspace, Tenant(), {"--record-cap", "400"});
  const auto database = workspace.Path("audit.db");
  const auto environment = ClientEnvironment(emulator, database);
  const auto result = RunAuditsync(workspace, {"sync", "--from", kFrom, "--to", kTo}, environment);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(Report(workspace, environment), emulator.Truth(kFrom, kTo));
  EXPECT_GT(QueryCount(database, "SELECT count(*) FROM sync_windows WHERE state = 'split'"), 0);
}

TEST(Sync, RetriesFailedQueriesUntilComplete) {
  Workspace workspace;
  Emulator emulator(workspace, Tenant(), {"--fail-queries", "0.5"});
  const auto database = workspace.Path("audit.db");
  const auto environment = ClientEnvironment(emulator, database);
  // A partial run says so with its own exit code, and the next run retries.
  const auto runs = SyncUntilComplete(workspace, environment, kFrom, kTo, 10);
  ASSERT_EQ(runs.back().exit_code, 0) << runs.back().err;
  EXPECT_EQ(Report(workspace, environment), emulator.Truth(kFrom, kTo));
}

TEST(Sync, WithoutFlagsCollectsTheLastSevenDaysThenContinuesFromTheCheckpoint) {
  Workspace workspace;
  Emulator emulator(workspace, Tenant(10));
  const auto database = workspace.Path("audit.db");
  auto environment = ClientEnvironment(emulator, database);
  Override(environment, "AUDITSYNC_TEST_NOW=2026-11-20T10:30:00Z");
  ASSERT_EQ(RunAuditsync(workspace, {"sync"}, environment).exit_code, 0);
  const auto span = QueryRows(database, "SELECT min(start_at), max(end_at) FROM sync_windows");
  const auto from = Instant(std::chrono::seconds(std::stoll(span[0][0])));
  const auto to = Instant(std::chrono::seconds(std::stoll(span[0][1])));
  // Closed hours only: up to 10:00, seven days back.
  EXPECT_EQ(FormatIso8601(to), "2026-11-20T10:00:00Z");
  EXPECT_EQ(FormatIso8601(from), "2026-11-13T10:00:00Z");
  // The next run starts where this one ended.
  Override(environment, "AUDITSYNC_TEST_NOW=2026-11-20T13:05:00Z");
  ASSERT_EQ(RunAuditsync(workspace, {"sync"}, environment).exit_code, 0);
  const auto later = QueryRows(database, "SELECT min(start_at), max(end_at) FROM sync_windows");
  EXPECT_EQ(later[0][0], span[0][0]);
  EXPECT_GT(std::stoll(later[0][1]), std::stoll(span[0][1]));
  const auto end = FormatIso8601(Instant(std::chrono::seconds(std::stoll(later[0][1]))));
  EXPECT_EQ(Report(workspace, environment, FormatIso8601(from), end),
            emulator.Truth(FormatIso8601(from), end));
}

TEST(Sync, RescanCollectsCompleteWindowsAgain) {
  Workspace workspace;
  Emulator emulator(workspace, Tenant(10));
  const auto database = workspace.Path("audit.db");
  const auto environment = ClientEnvironment(emulator, database);
  const std::vector<std::string> sync = {"sync", "--from", kFrom, "--to", kTo};
  ASSERT_EQ(RunAuditsync(workspace, sync, environment).exit_code, 0);
  // Records lost after the fact (as records published late are missing from a first scan), and
  // with them the launch rollups, which are rebuilt from the records that remain.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(database.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "DELETE FROM audit_records WHERE seq % 3 = 0; DELETE FROM launch_days; "
                         "DELETE FROM launch_months; "
                         "UPDATE meta SET value = '0' WHERE key = 'rollup_seq'",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  const auto truth = emulator.Truth(kFrom, kTo);
  ASSERT_EQ(RunAuditsync(workspace, sync, environment).exit_code, 0);
  EXPECT_NE(Report(workspace, environment), truth);  // complete windows are not queried again
  auto rescan = sync;
  rescan.push_back("--rescan");
  const auto result = RunAuditsync(workspace, rescan, environment);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(Report(workspace, environment), truth);
}

TEST(Sync, OnlyOneSyncRunsPerDatabase) {
  Workspace workspace;
  Emulator emulator(workspace, Tenant(10));
  const auto database = workspace.Path("audit.db");
  const FileLock held(database + ".lock");  // as a running sync holds it
  const auto result = RunAuditsync(workspace, {"sync", "--from", kFrom, "--to", kTo},
                                   ClientEnvironment(emulator, database));
  EXPECT_EQ(result.exit_code, 8);
  EXPECT_NE(result.err.find("already collecting into this database"), std::string::npos)
      << result.err;
}

TEST(Errors, AServerCertificateThatIsNotTrustedIsRefused) {
  Workspace workspace;
  Emulator emulator(workspace, Tenant(10));
  auto environment = ClientEnvironment(emulator, workspace.Path("audit.db"));
  Override(environment, "AUDITSYNC_CA_BUNDLE=");  // the emulator's CA is not trusted now
  const auto result = RunAuditsync(workspace, {"sync", "--from", kFrom, "--to", kTo}, environment);
  EXPECT_EQ(result.exit_code, 6);
  EXPECT_NE(result.err.find("ca_bundle"), std::string::npos) << result.err;
  EXPECT_EQ(emulator.Stats()["tokens_issued"], 0);
}

TEST(Errors, AWrongSecretIsExplainedWithoutShowingIt) {
  Workspace workspace;
  Emulator emulator(workspace, Tenant(10));
  const auto database = workspace.Path("audit.db");
  auto environment = ClientEnvironment(emulator, database);
  const auto wrong = workspace.Path("wrong-secret");
  std::ofstream(wrong) << "Wr0ng-Secret-Value\n";
  Override(environment, "AUDITSYNC_CLIENT_SECRET_FILE=" + wrong);
  const auto result = RunAuditsync(workspace, {"sync", "--from", kFrom, "--to", kTo}, environment);
  EXPECT_EQ(result.exit_code, 4);
  EXPECT_NE(result.err.find("AADSTS7000215"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("secret's ID"), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find("Wr0ng-Secret-Value"), std::string::npos);
  EXPECT_EQ(result.out.find("Wr0ng-Secret-Value"), std::string::npos);
}

TEST(Errors, AnUnknownTenantPointsAtTenantAndCloud) {
  Workspace workspace;
  Emulator emulator(workspace, Tenant(10));
  auto environment = ClientEnvironment(emulator, workspace.Path("audit.db"));
  Override(environment, "AUDITSYNC_TENANT_ID=fabrikam.onmicrosoft.com");
  const auto result = RunAuditsync(workspace, {"sync", "--from", kFrom, "--to", kTo}, environment);
  EXPECT_EQ(result.exit_code, 4);
  EXPECT_NE(result.err.find("AADSTS90002"), std::string::npos) << result.err;
}

TEST(Errors, ConfigurationMistakesExitWithTheConfigurationCode) {
  Workspace workspace;
  const std::vector<std::string> environment = {"AUDITSYNC_DATABASE=" + workspace.Path("x.db"),
                                                "AUDITSYNC_CLIENT_ID=c",
                                                "AUDITSYNC_CLIENT_SECRET=s"};
  auto result = RunAuditsync(workspace, {"sync"}, environment);
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_NE(result.err.find("tenant_id"), std::string::npos) << result.err;
  result = RunAuditsync(workspace, {"sync", "--client-secret", "x"}, environment);
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_NE(result.err.find("shell history"), std::string::npos) << result.err;
  // A flag's value is the command line's mistake, not the configuration's.
  result = RunAuditsync(workspace, {"report", "apps", "--from", "last tuesday"}, environment);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("is not a time"), std::string::npos) << result.err;
  result = RunAuditsync(workspace, {"frobnicate"}, environment);
  EXPECT_EQ(result.exit_code, 2);
}

TEST(Report, PrintsCsvAndTable) {
  Workspace workspace;
  Emulator emulator(workspace, Tenant(10));
  const auto database = workspace.Path("audit.db");
  const auto environment = ClientEnvironment(emulator, database);
  ASSERT_EQ(RunAuditsync(workspace, {"sync", "--from", kFrom, "--to", kTo}, environment).exit_code,
            0);
  const auto truth = emulator.Truth(kFrom, kTo);
  const auto csv = RunAuditsync(workspace, {"report", "apps", "--format", "csv"}, environment);
  ASSERT_EQ(csv.exit_code, 0);
  EXPECT_EQ(csv.out.substr(0, csv.out.find("\r\n")),
            "app_id,app_name,environment_id,environment_name,launches,unique_users,"
            "last_launched_on,last_launched_by");
  EXPECT_EQ(std::count(csv.out.begin(), csv.out.end(), '\n'), truth.size() + 1);
  const auto table = RunAuditsync(workspace, {"report", "apps"}, environment);
  ASSERT_EQ(table.exit_code, 0);
  EXPECT_NE(table.out.find(truth[0]["app_id"].get<std::string>()), std::string::npos);
}

}  // namespace
}  // namespace auditsync::testing

namespace auditsync::testing {
namespace {

TEST(Demo, SyncsTheEmulatorAndPrintsTheReportButKeepsForeignDirectories) {
  Workspace workspace;
  const auto directory = workspace.Path("demo");
  auto result =
      RunAuditsync(workspace, {"demo", "--directory", directory, "--launches-per-hour", "20"}, {});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("app_id"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("audit records stored"), std::string::npos) << result.out;
  // Run again: its own directory is recreated.
  result =
      RunAuditsync(workspace, {"demo", "--directory", directory, "--launches-per-hour", "20"}, {});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  // A directory it did not make is never deleted.
  const auto foreign = workspace.Path("foreign");
  std::filesystem::create_directories(foreign);
  std::ofstream(foreign + "/precious.txt") << "keep me";
  result = RunAuditsync(workspace, {"demo", "--directory", foreign}, {});
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_TRUE(std::filesystem::exists(foreign + "/precious.txt"));
}

}  // namespace
}  // namespace auditsync::testing
