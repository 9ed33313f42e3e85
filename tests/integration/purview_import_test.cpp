// `auditsync import purview` on the real binary, with exports the emulator writes of its own
// tenant (`auditsync-emulator purview-export`): an import equals the ground truth exactly, in
// both header versions; a second import, or one over synced data, changes nothing and fills the
// rest without moving a checkpoint; bad rows are reported by line (never their content) with exit
// 5 while the good ones are loaded; a file that is no export is a configuration error (exit 3)
// with nothing loaded; an import never runs beside a collector (exit 8).
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>

#include "core/file_lock.hpp"
#include "integration/harness.hpp"

namespace auditsync::testing {
namespace {

constexpr char kFrom[] = "2026-11-10T00:00:00Z";
constexpr char kSynced[] = "2026-11-10T03:00:00Z";
constexpr char kTo[] = "2026-11-10T06:00:00Z";

// A small tenant whose Audit.General content has two records of other workloads per Power Apps
// record, and no malformed records unless a test asks for them.
std::vector<std::string> Tenant(std::vector<std::string> extra = {}) {
  std::vector<std::string> tenant = {"--seed",          "17", "--launches-per-hour", "40",
                                     "--general-noise", "2",  "--duplicate-rate",    "0.05"};
  tenant.insert(tenant.end(), extra.begin(), extra.end());
  return tenant;
}

// What each test starts from: a workspace, the emulator of a small tenant (Tenant(extra)), the
// database and an environment that names it alone (an import needs no credentials), and where
// the export goes.
struct ImportScene {
  explicit ImportScene(std::vector<std::string> extra)
      : emulator(workspace, Tenant(std::move(extra))),
        database(workspace.Path("audit.db")),
        environment({"AUDITSYNC_DATABASE=" + database}),
        file(workspace.Path("purview.csv")) {}
  Workspace workspace;
  Emulator emulator;
  std::string database;
  std::vector<std::string> environment;
  std::string file;
};

long long Figure(const nlohmann::json& stats, const char* name) {
  return stats[name].get<long long>();
}

// The summary line a correct import of `stats` logs, given how many of its records were stored
// before.
std::string ExpectedSummary(const nlohmann::json& stats, long long stored_before) {
  const long long distinct = Figure(stats, "power_apps_rows") - Figure(stats, "second_copies");
  return std::to_string(Figure(stats, "rows")) + " row(s) read, " +
         std::to_string(distinct - stored_before) + " record(s) stored new, " +
         std::to_string(Figure(stats, "second_copies") + stored_before) + " already stored, " +
         std::to_string(Figure(stats, "other_operations")) + " skipped (other operations), " +
         std::to_string(stats["bad_lines"].size()) + " bad row(s)";
}

// Every report that reads records, as JSON: what an import must leave as it was.
std::vector<std::string> Reports(const Workspace& workspace,
                                 const std::vector<std::string>& environment) {
  std::vector<std::string> reports;
  for (const std::vector<std::string>& report :
       {std::vector<std::string>{"apps"}, {"usage", "--by", "day"}, {"users"}, {"summary"}}) {
    std::vector<std::string> args = {"report"};
    args.insert(args.end(), report.begin(), report.end());
    args.insert(args.end(), {"--from", kFrom, "--to", kTo, "--format", "json"});
    const auto result = RunAuditsync(workspace, args, environment);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    reports.push_back(result.out);
  }
  return reports;
}

// The tables an import must never touch: the checkpoints of both APIs.
std::vector<std::vector<std::string>> Checkpoints(const std::string& database) {
  auto rows = QueryRows(database,
                        "SELECT window_id, state, record_count, next_link, kind FROM "
                        "sync_windows ORDER BY window_id");
  for (auto& row : QueryRows(database,
                             "SELECT key, value FROM meta WHERE key <> 'rollup_seq' "
                             "ORDER BY key")) {
    rows.push_back(row);
  }
  for (auto& row : QueryRows(database, "SELECT start_at FROM coverage ORDER BY start_at")) {
    rows.push_back(row);
  }
  return rows;
}

TEST(ImportPurview, AnExportEqualsTheGroundTruthAndASecondImportChangesNothing) {
  ImportScene scene({"--malformed-rate", "0"});
  auto& [workspace, emulator, database, environment, file] = scene;
  const auto stats = emulator.PurviewExport(kFrom, kTo, file);
  ASSERT_TRUE(stats["bad_lines"].empty());
  // A realistic mix: launches and deletions, copies of the same record, other workloads.
  ASSERT_GT(Figure(stats, "second_copies"), 0);
  ASSERT_GT(Figure(stats, "other_operations"), Figure(stats, "power_apps_rows"));

  auto result = RunAuditsync(workspace, {"import", "purview", file}, environment);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("imported " + file +
                            " (newer Purview export (RecordId, CreationDate, RecordType, "
                            "Operation, UserId, AuditData)): " +
                            ExpectedSummary(stats, 0)),
            std::string::npos)
      << result.err;
  EXPECT_EQ(ReportApps(workspace, environment, kFrom, kTo), emulator.Truth(kFrom, kTo));
  ExpectStoredCountsMatch(database, emulator.Summary(kFrom, kTo));
  EXPECT_TRUE(Checkpoints(database).empty());

  const auto reports = Reports(workspace, environment);
  const auto records = QueryCount(database, "SELECT count(*) FROM audit_records");
  result = RunAuditsync(workspace, {"import", "purview", file}, environment);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const long long distinct = Figure(stats, "power_apps_rows") - Figure(stats, "second_copies");
  EXPECT_NE(result.err.find(ExpectedSummary(stats, distinct)), std::string::npos) << result.err;
  EXPECT_EQ(Reports(workspace, environment), reports);
  EXPECT_EQ(QueryCount(database, "SELECT count(*) FROM audit_records"), records);
  EXPECT_TRUE(Checkpoints(database).empty());
}

TEST(ImportPurview, TheOlderHeaderWithBadRowsLoadsTheGoodOnesAndNamesTheBadByLine) {
  ImportScene scene({"--malformed-rate", "0.03"});
  auto& [workspace, emulator, database, environment, file] = scene;
  const auto stats =
      emulator.PurviewExport(kFrom, kTo, file, {"--format", "old", "--broken-rows", "4"});
  ASSERT_EQ(stats["broken_lines"].size(), 4u);
  ASSERT_GT(Figure(stats, "malformed_rows"), 0);

  const auto result = RunAuditsync(workspace, {"import", "purview", file}, environment);
  ASSERT_EQ(result.exit_code, 5) << result.err;
  EXPECT_NE(result.err.find("(older Purview export (CreationDate, UserIds, Operations, "
                            "AuditData)): " +
                            ExpectedSummary(stats, 0)),
            std::string::npos)
      << result.err;
  // Exactly the bad rows, each by its line.
  size_t warnings = 0;
  for (size_t at = result.err.find(": not imported, "); at != std::string::npos;
       at = result.err.find(": not imported, ", at + 1)) {
    ++warnings;
  }
  EXPECT_EQ(warnings, stats["bad_lines"].size());
  for (const auto& line : stats["bad_lines"]) {
    EXPECT_NE(result.err.find(file + " line " + std::to_string(line.get<long long>()) +
                              ": not imported, "),
              std::string::npos)
        << line;
  }
  // Nothing of the rows themselves: no user, no record.
  std::string lower = result.err;
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  EXPECT_EQ(lower.find("onmicrosoft.com"), std::string::npos) << result.err;
  EXPECT_EQ(lower.find("\"id\""), std::string::npos) << result.err;

  EXPECT_EQ(ReportApps(workspace, environment, kFrom, kTo), emulator.Truth(kFrom, kTo));
  // Every record stored once. Quarantined once each: the malformed records, and the two broken
  // rows whose AuditData cell could be read (the four kinds in turn: a field missing, AuditData
  // cut short, AuditData not JSON, text after the closing quote).
  EXPECT_EQ(QueryCount(database, "SELECT count(*) FROM audit_records"),
            StorableRecords(emulator.Summary(kFrom, kTo)));
  EXPECT_EQ(QueryCount(database, "SELECT count(*) FROM quarantine"),
            Figure(stats, "malformed_rows") + 2);
  EXPECT_EQ(Figure(stats, "malformed_rows"),
            emulator.Summary(kFrom, kTo)["malformed_records"].get<long long>());
}

TEST(ImportPurview, AnExportOverlappingSyncedDataFillsTheRestAndMovesNoCheckpoint) {
  ImportScene scene({"--malformed-rate", "0"});
  auto& [workspace, emulator, database, environment, file] = scene;
  environment = ClientEnvironment(emulator, database);  // the sync signs in
  const auto sync = RunAuditsync(workspace, {"sync", "--from", kSynced, "--to", kTo}, environment);
  ASSERT_EQ(sync.exit_code, 0) << sync.err;
  const auto synced = StorableRecords(emulator.Summary(kSynced, kTo));
  ASSERT_EQ(QueryCount(database, "SELECT count(*) FROM audit_records"), synced);
  const auto checkpoints = Checkpoints(database);
  ASSERT_FALSE(checkpoints.empty());

  const auto stats = emulator.PurviewExport(kFrom, kTo, file);
  const auto result = RunAuditsync(workspace, {"import", "purview", file}, environment);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find(ExpectedSummary(stats, synced)), std::string::npos) << result.err;
  EXPECT_EQ(ReportApps(workspace, environment, kFrom, kTo), emulator.Truth(kFrom, kTo));
  EXPECT_EQ(ReportApps(workspace, environment, kSynced, kTo), emulator.Truth(kSynced, kTo));
  ExpectStoredCountsMatch(database, emulator.Summary(kFrom, kTo));
  EXPECT_EQ(Checkpoints(database), checkpoints);

  // The next sync finds its windows as it left them: nothing to collect again.
  const auto again = RunAuditsync(workspace, {"sync", "--from", kSynced, "--to", kTo}, environment);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(Checkpoints(database), checkpoints);
}

TEST(ImportPurview, CtrlCStopsBetweenTransactionsAndImportingAgainLoadsTheRest) {
  Workspace workspace;
  // A large export (about 160,000 rows, 240 MB): the import is still under way when its first
  // transaction is seen committed.
  Emulator emulator(workspace, {"--seed", "17", "--launches-per-hour", "2000", "--general-noise",
                                "9", "--malformed-rate", "0"});
  const auto database = workspace.Path("audit.db");
  const std::vector<std::string> environment = {"AUDITSYNC_DATABASE=" + database};
  const auto file = workspace.Path("purview.csv");
  const auto stats = emulator.PurviewExport(kFrom, "2026-11-10T08:00:00Z", file);
  const long long distinct = Figure(stats, "power_apps_rows") - Figure(stats, "second_copies");

  const auto import = StartAuditsync(workspace, {"import", "purview", file}, environment, "import");
  ASSERT_TRUE(
      WaitUntil([&] { return QueryCount(database, "SELECT count(*) FROM audit_records") > 0; }));
  import->Signal(SIGINT);
  ASSERT_EQ(import->Wait(std::chrono::seconds(60)), 130);
  const auto err = ReadFile(workspace.Path("import.err"));
  EXPECT_NE(err.find("auditsync: interrupted after "), std::string::npos) << err;
  // What it said it stored is what the database holds: whole transactions, a part of the file.
  const long long stored = QueryCount(database, "SELECT count(*) FROM audit_records");
  EXPECT_EQ(SummaryFigure(err, "record(s) stored new", "imported "), stored);
  EXPECT_LT(stored, distinct);

  const auto again = RunAuditsync(workspace, {"import", "purview", file}, environment);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(SummaryFigure(again.err, "record(s) stored new", "imported "), distinct - stored);
  EXPECT_EQ(QueryCount(database, "SELECT count(*) FROM audit_records"), distinct);
  EXPECT_EQ(ReportApps(workspace, environment, kFrom, "2026-11-10T08:00:00Z"),
            emulator.Truth(kFrom, "2026-11-10T08:00:00Z"));
}

TEST(ImportPurview, AFileThatIsNoExportIsAConfigurationErrorAndLoadsNothing) {
  Workspace workspace;
  const auto database = workspace.Path("audit.db");
  const std::vector<std::string> environment = {"AUDITSYNC_DATABASE=" + database};
  const auto apps = workspace.Path("apps.csv");
  std::ofstream(apps) << "App ID,Display name\n0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d,Ideas\n";
  auto result = RunAuditsync(workspace, {"import", "purview", apps}, environment);
  EXPECT_EQ(result.exit_code, 3) << result.err;
  EXPECT_NE(result.err.find(apps + " is not a Purview audit log export: its first line (line 1) "
                                   "has no AuditData column. The import needs an AuditData "
                                   "column"),
            std::string::npos)
      << result.err;
  EXPECT_FALSE(std::filesystem::exists(database));

  const auto json = workspace.Path("records.json");
  std::ofstream(json) << R"([{"Id": "x", "Operation": "LaunchPowerApp"}])";
  result = RunAuditsync(workspace, {"import", "purview", json}, environment);
  EXPECT_EQ(result.exit_code, 3) << result.err;
  result =
      RunAuditsync(workspace, {"import", "purview", workspace.Path("missing.csv")}, environment);
  EXPECT_EQ(result.exit_code, 3) << result.err;
  EXPECT_NE(result.err.find("cannot read"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(database));

  EXPECT_EQ(RunAuditsync(workspace, {"import", "purview"}, environment).exit_code, 2);
  EXPECT_EQ(RunAuditsync(workspace, {"import", "purview", apps, json}, environment).exit_code, 2);
}

TEST(ImportPurview, NeverRunsBesideACollector) {
  ImportScene scene({"--malformed-rate", "0"});
  auto& [workspace, emulator, database, environment, file] = scene;
  emulator.PurviewExport(kFrom, kSynced, file);
  {
    const FileLock held(database + ".lock");  // as a running sync holds it
    const auto result = RunAuditsync(workspace, {"import", "purview", file}, environment);
    EXPECT_EQ(result.exit_code, 8) << result.err;
    EXPECT_FALSE(std::filesystem::exists(database));
  }
  const auto result = RunAuditsync(workspace, {"import", "purview", file}, environment);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(ReportApps(workspace, environment, kFrom, kSynced), emulator.Truth(kFrom, kSynced));
}

}  // namespace
}  // namespace auditsync::testing
