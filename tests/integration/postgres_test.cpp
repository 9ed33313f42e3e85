// End to end on PostgreSQL: the real auditsync binary, the real emulator, and `database` a
// postgresql:// URL on the test run's throw-away cluster (fixture pg_cluster), the password in a
// database_password_file. Reports must equal the emulator's ground truth exactly, as on SQLite.
#include <gtest/gtest.h>

#include <signal.h>

#include <fstream>
#include <thread>

#include "integration/harness.hpp"
#include "integration/tenants.hpp"
#include "unit/store_backends.hpp"

namespace auditsync::testing {
namespace {

constexpr const char* kFrom = "2026-11-10T00:00:00Z";
constexpr const char* kTo = "2026-11-12T00:00:00Z";

// A database of its own on the cluster, and the environment that points auditsync at it.
class PostgresTarget {
 public:
  PostgresTarget(const Workspace& workspace, std::string_view name)
      : database_(Backend::kPostgres, name), cluster_(TestCluster::Find()) {
    if (!cluster_) return;
    password_file_ = workspace.Path("pg-password");
    std::ofstream(password_file_) << cluster_->password << "\n";
  }
  bool Available() const { return cluster_.has_value(); }
  std::string Url() const { return database_.Url(); }
  const std::string& Password() const { return cluster_->password; }
  void Point(std::vector<std::string>& environment) const {
    Override(environment, "AUDITSYNC_DATABASE=" + Url());
    Override(environment, "AUDITSYNC_DATABASE_PASSWORD_FILE=" + password_file_);
  }
  std::unique_ptr<Store> Open() const { return database_.Open(); }
  std::vector<std::vector<std::string>> Rows(const std::string& sql) const {
    return database_.Rows(sql);
  }

 private:
  TestDatabase database_;
  std::optional<TestCluster> cluster_;
  std::string password_file_;
};

void ExpectNoPassword(const RunResult& result, const PostgresTarget& target) {
  EXPECT_EQ(result.out.find(target.Password()), std::string::npos);
  EXPECT_EQ(result.err.find(target.Password()), std::string::npos);
}

TEST(Postgres, GraphSyncStoresExactlyTheGroundTruthAndReportsAndStatusReadIt) {
  Workspace workspace;
  PostgresTarget target(workspace, "graph-sync");
  AUDITSYNC_REQUIRE_BACKEND(target);
  Emulator emulator(workspace, {"--seed", "1", "--launches-per-hour", "60"},
                    {"--faults", "429=0.03,503=0.03,drop=0.03", "--record-cap", "1500"});
  auto environment = ClientEnvironment(emulator, "unused");
  target.Point(environment);
  Override(environment, "AUDITSYNC_PAGE_SIZE=200");
  const auto result = RunAuditsync(workspace, {"sync", "--from", kFrom, "--to", kTo}, environment);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  ExpectNoPassword(result, target);
  const auto truth = emulator.Truth(kFrom, kTo);
  ASSERT_GT(truth.size(), 10u);
  EXPECT_EQ(ReportApps(workspace, environment, kFrom, kTo), truth);
  EXPECT_EQ(ReportApps(workspace, environment, "2026-11-10T06:00:00Z", "2026-11-11T18:30:00Z"),
            emulator.Truth("2026-11-10T06:00:00Z", "2026-11-11T18:30:00Z"));
  const auto summary = emulator.Summary(kFrom, kTo);
  {
    const auto store = target.Open();
    EXPECT_EQ(store->CountRecords(), StorableRecords(summary));
    EXPECT_EQ(store->CountQuarantined(), summary["malformed_records"].get<long long>());
  }
  // Syncing the same range again adds nothing.
  const auto again = RunAuditsync(workspace, {"sync", "--from", kFrom, "--to", kTo}, environment);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(ReportApps(workspace, environment, kFrom, kTo), truth);
  // status reads where collection stands from the same database.
  const auto status = RunAuditsync(workspace, {"status", "--format", "json"}, environment);
  ASSERT_EQ(status.exit_code, 0) << status.err;
  ExpectNoPassword(status, target);
  EXPECT_NE(status.out.find("\"complete\""), std::string::npos) << status.out;
  // Every other report works on PostgreSQL too.
  for (const auto& report : {"usage", "users", "summary", "unused"}) {
    const auto rendered =
        RunAuditsync(workspace, {"report", report, "--format", "csv"}, environment);
    EXPECT_EQ(rendered.exit_code, 0) << report << ": " << rendered.err;
  }
}

TEST(Postgres, ManagementSyncStoresExactlyTheGroundTruthWithDuplicatedRecords) {
  Workspace workspace;
  PostgresTarget target(workspace, "content-sync");
  AUDITSYNC_REQUIRE_BACKEND(target);
  constexpr const char* kNow = "2026-11-12T06:00:00Z";
  Emulator emulator(workspace,
                    {"--seed", "4", "--launches-per-hour", "30", "--duplicate-rate", "0.25"},
                    {"--now", kNow});
  auto environment = ManagementEnvironment(emulator, "unused", kNow);
  target.Point(environment);
  const auto result = RunAuditsync(
      workspace, {"sync", "--from", "2026-11-10T01:00:00Z", "--to", "2026-11-12T01:00:00Z"},
      environment);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(ReportApps(workspace, environment, kFrom, kTo), emulator.Truth(kFrom, kTo));
  const auto summary = emulator.Summary(kFrom, kTo);
  EXPECT_EQ(SummaryFigure(result.err, "already stored"), summary["duplicate_deliveries"]);
  EXPECT_EQ(target.Open()->CountRecords(), StorableRecords(summary));
  const auto status = RunAuditsync(workspace, {"status"}, environment);
  EXPECT_EQ(status.exit_code, 0) << status.err;
}

// The page and its checkpoint commit together: a SIGKILL mid-sync loses and repeats nothing. The
// killed process's collection lock (a session advisory lock) goes with its connection, and the
// next sync on the same machine sees that the process holding the windows' leases no longer runs
// and takes them over at once (another machine's would wait for the leases to expire: the
// three-worker test).
TEST(Postgres, AKilledSyncResumesWithoutLossOrDuplicates) {
  Workspace workspace;
  PostgresTarget target(workspace, "killed");
  AUDITSYNC_REQUIRE_BACKEND(target);
  Emulator emulator(workspace, {"--seed", "1", "--launches-per-hour", "200"});
  auto environment = ClientEnvironment(emulator, "unused");
  target.Point(environment);
  Override(environment, "AUDITSYNC_PAGE_SIZE=25");
  const long long total = StorableRecords(emulator.Summary(kFrom, kTo));
  const auto store = target.Open();
  auto first = StartAuditsync(workspace, {"sync", "--from", kFrom, "--to", kTo}, environment);
  int64_t stored = 0;
  for (int i = 0; i < 3000 && stored < total / 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    stored = store->CountRecords();
  }
  first->Signal(SIGKILL);
  first->Wait(std::chrono::seconds(10));
  stored = store->CountRecords();
  ASSERT_GT(stored, 0);
  ASSERT_LT(stored, total) << "the sync finished before it could be interrupted";

  const auto second = RunAuditsync(workspace, {"sync", "--from", kFrom, "--to", kTo}, environment);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.err.find("are taken over at once: that process of this machine no longer runs"),
            std::string::npos)
      << second.err;
  EXPECT_EQ(second.err.find("waiting for them"), std::string::npos) << second.err;
  EXPECT_EQ(ReportApps(workspace, environment, kFrom, kTo), emulator.Truth(kFrom, kTo));
  EXPECT_EQ(store->CountRecords(), total);
}

// Three `auditsync sync` processes on one database share a backfill through window leases, under
// the tenant's limit of unfinished queries (which the emulator enforces too), while one of them
// is killed mid-way: the others take its windows over once its leases expire. Every record is
// stored once, no window's query is submitted twice, and no page is stored twice.
TEST(Postgres, ThreeWorkersShareABackfillExactlyWhileOneIsKilled) {
  constexpr const char* kBackfillTo = "2026-11-20T00:00:00Z";  // ten days: ten windows, split
  Workspace workspace;
  PostgresTarget target(workspace, "workers");
  AUDITSYNC_REQUIRE_BACKEND(target);
  // No record served twice: a page stored twice would then show as records "already stored".
  Emulator emulator(workspace,
                    {"--seed", "3", "--launches-per-hour", "60", "--duplicate-rate", "0"},
                    {"--record-cap", "1000", "--query-polls", "3", "--max-unfinished", "4"});
  auto environment = ClientEnvironment(emulator, "unused");
  target.Point(environment);
  Override(environment, "AUDITSYNC_PAGE_SIZE=5");
  Override(environment, "AUDITSYNC_LEASE_DURATION=3s");
  Override(environment, "AUDITSYNC_MAX_QUERIES_IN_FLIGHT=2");
  Override(environment, "AUDITSYNC_MAX_UNFINISHED_QUERIES=4");
  const long long total = StorableRecords(emulator.Summary(kFrom, kBackfillTo));
  const std::vector<std::string> sync = {"sync", "--from", kFrom, "--to", kBackfillTo};
  std::vector<std::unique_ptr<Subprocess>> workers;
  for (int worker = 0; worker < 3; ++worker) {
    workers.push_back(
        StartAuditsync(workspace, sync, environment, "worker" + std::to_string(worker)));
  }
  // Killed while it holds windows under way, some records stored.
  const auto store = target.Open();
  const std::string held_by_victim =
      "SELECT count(*) FROM sync_windows WHERE state IN ('pending', 'queued', 'paging') AND "
      "lease_owner "
      "LIKE '%/" +
      std::to_string(workers[0]->Pid()) + "/%'";
  bool holding = false;
  for (int i = 0; i < 6000 && !holding; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    holding = store->CountRecords() >= total / 10 && target.Rows(held_by_victim)[0][0] != "0";
  }
  ASSERT_TRUE(holding) << "worker 0 never held a window under way";
  workers[0]->Signal(SIGKILL);
  EXPECT_EQ(workers[0]->Wait(std::chrono::seconds(10)), 128 + SIGKILL);
  ASSERT_LT(store->CountRecords(), total) << "the backfill finished before the kill";

  for (int worker = 1; worker < 3; ++worker) {
    EXPECT_EQ(workers[worker]->Wait(std::chrono::seconds(120)), 0)
        << ReadFile(workspace.Path("worker" + std::to_string(worker) + ".err"));
    const auto log = ReadFile(workspace.Path("worker" + std::to_string(worker) + ".err"));
    EXPECT_GT(SummaryFigure(log, "window(s) complete"), 0) << log;  // both took part
    EXPECT_EQ(SummaryFigure(log, "already stored"), 0) << log;      // no page stored twice
    EXPECT_EQ(log.find("could not give back"), std::string::npos) << log;
  }
  EXPECT_EQ(ReportApps(workspace, environment, kFrom, kBackfillTo),
            emulator.Truth(kFrom, kBackfillTo));
  EXPECT_EQ(store->CountRecords(), total);
  EXPECT_EQ(target.Rows("SELECT count(*) FROM sync_windows WHERE state NOT IN ('complete', "
                        "'split')")[0][0],
            "0");
  EXPECT_TRUE(target
                  .Rows("SELECT window_id FROM query_submissions GROUP BY window_id HAVING "
                        "count(*) > 1")
                  .empty());
  // Every survivor gave its leases back; the victim's stay on the windows it completed.
  EXPECT_EQ(target.Rows("SELECT count(*) FROM sync_windows WHERE lease_owner IS NOT NULL AND "
                        "lease_owner NOT LIKE '%/" +
                        std::to_string(workers[0]->Pid()) + "/%'")[0][0],
            "0");
}

// Tenants sharing one PostgreSQL database keep apart in a schema each (auditsync_NAME): their
// own windows, checkpoints, records and CoE views.
TEST(Postgres, TenantsShareOneDatabaseInASchemaEach) {
  constexpr const char* kTenantsTo = "2026-11-11T00:00:00Z";
  TwoTenants tenants;
  PostgresTarget target(tenants.home, "tenants");
  AUDITSYNC_REQUIRE_BACKEND(target);
  const auto config =
      tenants.WriteConfig("database = \"" + target.Url() + "\"\ndatabase_password_file = \"" +
                          tenants.home.Path("pg-password") + "\"");
  const auto sync = RunAuditsync(
      tenants.home, {"--config", config, "sync", "--from", kFrom, "--to", kTenantsTo}, {});
  ASSERT_EQ(sync.exit_code, 0) << sync.err;
  EXPECT_NE(sync.err.find("(schema auditsync_fabrikam)"), std::string::npos) << sync.err;
  tenants.ExpectReportsEqualEachTruth(config, kFrom, kTenantsTo);
  EXPECT_EQ(target.Rows("SELECT count(*) FROM auditsync_contoso.admin_auditlog")[0][0],
            std::to_string(
                tenants.contoso.Summary(kFrom, kTenantsTo)["launch_records"].get<long long>()));
  EXPECT_EQ(target.Rows("SELECT count(*) FROM information_schema.tables WHERE table_schema = "
                        "'public' AND table_name = 'audit_records'")[0][0],
            "0");  // nothing of either tenant outside its schema
}

TEST(Postgres, ARefusedPasswordExitsWith3NamingTheFixAndNeverThePassword) {
  Workspace workspace;
  PostgresTarget target(workspace, "refused");
  AUDITSYNC_REQUIRE_BACKEND(target);
  const auto wrong_file = workspace.Path("wrong-password");
  std::ofstream(wrong_file) << "wrong-password-0815\n";
  std::vector<std::string> environment = {"AUDITSYNC_DATABASE=" + target.Url(),
                                          "AUDITSYNC_DATABASE_PASSWORD_FILE=" + wrong_file};
  const auto result = RunAuditsync(workspace, {"report", "apps"}, environment);
  EXPECT_EQ(result.exit_code, 3) << result.err;
  EXPECT_NE(result.err.find("database_password_file"), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find("wrong-password-0815"), std::string::npos) << result.err;
  // A server that is not there: the store's exit code, 7.
  environment[0] = "AUDITSYNC_DATABASE=postgresql://auditsync@127.0.0.1:1/auditsync";
  const auto unreachable = RunAuditsync(workspace, {"status"}, environment);
  EXPECT_EQ(unreachable.exit_code, 7) << unreachable.err;
  EXPECT_NE(unreachable.err.find("cannot reach the PostgreSQL server"), std::string::npos);
}

}  // namespace
}  // namespace auditsync::testing
