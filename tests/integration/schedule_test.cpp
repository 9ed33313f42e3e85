// `auditsync run` as a service, clean stops on SIGINT/SIGTERM, one collecting process per
// database, and the exit codes that schedulers see.
#include <gtest/gtest.h>
#include <signal.h>

#include "core/time.hpp"
#include "integration/harness.hpp"

namespace auditsync::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kFrom = "2026-11-10T00:00:00Z";
constexpr const char* kTo = "2026-11-12T00:00:00Z";

std::vector<std::string> Tenant(int launches_per_hour) {
  return {"--seed", "5", "--launches-per-hour", std::to_string(launches_per_hour)};
}

// A service started just after [kFrom, kTo) closed, whose first sync collects just that.
std::vector<std::string> ServiceEnvironment(const Emulator& emulator, const std::string& database) {
  auto environment = ClientEnvironment(emulator, database);
  Override(environment, "AUDITSYNC_TEST_NOW=2026-11-12T00:30:00Z");
  Override(environment, "AUDITSYNC_INITIAL_LOOKBACK=2d");
  return environment;
}

TEST(Run, SyncsOnStartHoldsTheDatabaseAndStopsCleanlyOnSigterm) {
  Workspace workspace;
  Emulator emulator(workspace, Tenant(20));
  const auto database = workspace.Path("audit.db");
  auto environment = ServiceEnvironment(emulator, database);
  auto service = StartAuditsync(workspace, {"run", "--every", "1h"}, environment, "service");
  ASSERT_TRUE(WaitUntil([&] {
    return ReadFile(workspace.Path("service.err")).find("next sync at") != std::string::npos;
  })) << ReadFile(workspace.Path("service.err"));

  // A second collector on the same database is refused while the service runs.
  const auto second = RunAuditsync(workspace, {"sync"}, environment);
  EXPECT_EQ(second.exit_code, 8) << second.err;
  EXPECT_NE(second.err.find("already collecting into this database"), std::string::npos)
      << second.err;
  // Reading is not collecting: status and reports work meanwhile.
  EXPECT_EQ(RunAuditsync(workspace, {"status"}, environment).exit_code, 0);

  service->Signal(SIGTERM);
  EXPECT_EQ(service->Wait(10s), 0);
  EXPECT_NE(ReadFile(workspace.Path("service.err")).find("stopped"), std::string::npos);
  EXPECT_EQ(ReportApps(workspace, environment, kFrom, kTo), emulator.Truth(kFrom, kTo));
}

TEST(Run, SigintInTheMiddleOfASyncCycleStopsAtAPageAndTheNextSyncResumes) {
  Workspace workspace;
  Emulator emulator(workspace, Tenant(300));
  const auto database = workspace.Path("audit.db");
  auto environment = ServiceEnvironment(emulator, database);
  Override(environment, "AUDITSYNC_PAGE_SIZE=10");
  const auto summary = emulator.Summary(kFrom, kTo);
  const long long total = StorableRecords(summary);
  auto service = StartAuditsync(workspace, {"run", "--every", "1h"}, environment, "service");
  // Its first cycle is under way: some records are stored, far from all.
  ASSERT_TRUE(
      WaitUntil([&] { return QueryCount(database, "SELECT count(*) FROM audit_records") > 100; }));
  service->Signal(SIGINT);
  EXPECT_EQ(service->Wait(10s), 0);  // a service stopped on request exits 0
  const auto log = ReadFile(workspace.Path("service.err"));
  EXPECT_NE(log.find("stopped; everything collected is stored"), std::string::npos) << log;
  EXPECT_EQ(log.find("next sync at"), std::string::npos) << "the stop came after the cycle";
  const long long stored = QueryCount(database, "SELECT count(*) FROM audit_records");
  EXPECT_LT(stored, total);

  // The lock went with the process, and a sync resumes where the cycle stopped.
  const auto again = RunAuditsync(workspace, {"sync"}, environment);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(ReportApps(workspace, environment, kFrom, kTo), emulator.Truth(kFrom, kTo));
  ExpectStoredCountsMatch(database, summary);
}

TEST(ExitCodes, ADatabaseThatCannotBeWrittenIsAStorageError) {
  Workspace workspace;
  Emulator emulator(workspace, Tenant(1));
  auto environment = ClientEnvironment(emulator, workspace.Path("missing-directory/audit.db"));
  const auto result = RunAuditsync(workspace, {"sync", "--from", kFrom, "--to", kTo}, environment);
  EXPECT_EQ(result.exit_code, 7) << result.err;
  EXPECT_NE(result.err.find("missing-directory"), std::string::npos) << result.err;
}

TEST(ExitCodes, StatusWithoutADatabaseSaysToSyncFirst) {
  Workspace workspace;
  Emulator emulator(workspace, Tenant(1));
  auto environment = ClientEnvironment(emulator, workspace.Path("audit.db"));
  const auto result = RunAuditsync(workspace, {"status"}, environment);
  EXPECT_EQ(result.exit_code, 3) << result.err;
  EXPECT_NE(result.err.find("auditsync sync"), std::string::npos) << result.err;
}

TEST(Run, RefusesAnIntervalShorterThanAMinute) {
  Workspace workspace;
  Emulator emulator(workspace, Tenant(1));
  auto environment = ClientEnvironment(emulator, workspace.Path("audit.db"));
  const auto result = RunAuditsync(workspace, {"run", "--every", "10s"}, environment);
  EXPECT_EQ(result.exit_code, 3) << result.err;
  EXPECT_NE(result.err.find("--every"), std::string::npos) << result.err;
}

TEST(Sync, SigintStopsAfterTheCurrentPageAndTheNextSyncCompletes) {
  Workspace workspace;
  Emulator emulator(workspace, Tenant(300));
  const auto database = workspace.Path("audit.db");
  auto environment = ClientEnvironment(emulator, database);
  Override(environment, "AUDITSYNC_PAGE_SIZE=10");
  auto sync = StartAuditsync(workspace, {"sync", "--from", kFrom, "--to", kTo}, environment);
  ASSERT_TRUE(
      WaitUntil([&] { return QueryCount(database, "SELECT count(*) FROM audit_records") > 100; }));
  sync->Signal(SIGINT);
  EXPECT_EQ(sync->Wait(10s), 130);
  EXPECT_NE(ReadFile(workspace.Path("auditsync.err")).find("interrupted"), std::string::npos);
  // Stopped part-way, at a page boundary: the windows it was in are resumable.
  EXPECT_GT(QueryCount(database, "SELECT count(*) FROM sync_windows WHERE state <> 'complete'"), 0);

  const auto again = RunAuditsync(workspace, {"sync", "--from", kFrom, "--to", kTo}, environment);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(ReportApps(workspace, environment, kFrom, kTo), emulator.Truth(kFrom, kTo));
}

}  // namespace
}  // namespace auditsync::testing
