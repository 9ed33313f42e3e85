// `auditsync backup` on the real binary: a backup reports what the database reports, and a
// backup that cannot be taken is a configuration error that leaves every file as it was.
#include <gtest/gtest.h>

#include <filesystem>

#include "integration/harness.hpp"

namespace auditsync::testing {
namespace {

constexpr char kFrom[] = "2026-11-10T00:00:00Z";
constexpr char kTo[] = "2026-11-10T04:00:00Z";

TEST(Backup, ABackupReportsWhatTheDatabaseReports) {
  Workspace workspace;
  Emulator emulator(workspace, {"--seed", "4", "--launches-per-hour", "40"});
  const auto database = workspace.Path("audit.db");
  const auto environment = ClientEnvironment(emulator, database);
  const auto sync = RunAuditsync(workspace, {"sync", "--from", kFrom, "--to", kTo}, environment);
  ASSERT_EQ(sync.exit_code, 0) << sync.err;

  const auto backup = workspace.Path("audit-backup.db");
  auto result = RunAuditsync(workspace, {"backup", "--to", backup}, environment);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto records = QueryCount(database, "SELECT count(*) FROM audit_records");
  EXPECT_NE(result.err.find("backed up " + std::to_string(records) + " audit record(s)"),
            std::string::npos)
      << result.err;
  EXPECT_FALSE(std::filesystem::exists(backup + "-wal"));

  auto restored = environment;
  Override(restored, "AUDITSYNC_DATABASE=" + backup);
  EXPECT_EQ(ReportApps(workspace, restored, kFrom, kTo), emulator.Truth(kFrom, kTo));

  // Taken again to the same name: refused, the first backup untouched.
  const auto size = std::filesystem::file_size(backup);
  result = RunAuditsync(workspace, {"backup", "--to", backup}, environment);
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_NE(result.err.find("--overwrite"), std::string::npos) << result.err;
  EXPECT_EQ(std::filesystem::file_size(backup), size);

  auto postgres = environment;
  Override(postgres, "AUDITSYNC_DATABASE=postgresql://auditsync@127.0.0.1:1/audit");
  result = RunAuditsync(workspace, {"backup", "--to", workspace.Path("pg.db")}, postgres);
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_NE(result.err.find("pg_dump"), std::string::npos) << result.err;
  EXPECT_FALSE(std::filesystem::exists(workspace.Path("pg.db")));
}

}  // namespace
}  // namespace auditsync::testing
