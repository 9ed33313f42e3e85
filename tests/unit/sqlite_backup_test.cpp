// `auditsync backup`'s copy: the database as of one moment, whole, checked, one file readable by
// its owner only; never a partial file under the target's name.
#include "store/sqlite/sqlite_backup.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "core/stop.hpp"
#include "store/sqlite/sqlite_db.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "unit/store_support.hpp"

namespace auditsync::testing {
namespace {

namespace fs = std::filesystem;

RecordPage Launches(int first, int count) {
  RecordPage page;
  for (int i = first; i < first + count; ++i) {
    page.records.push_back(Launch("record-" + std::to_string(i), "2026-11-02T10:00:00Z",
                                  "app-" + std::to_string(i % 7), "user" + std::to_string(i % 5)));
  }
  return page;
}

// Every row of the tables a report reads, in a fixed order, as text.
std::string Contents(const std::string& path) {
  sqlite::Database db(path);
  std::string text;
  const std::pair<const char*, int> queries[] = {
      {"SELECT record_id, created_at, app_key, user_key FROM audit_records ORDER BY seq", 4},
      {"SELECT app_id, last_launched_on, last_launched_by FROM apps ORDER BY app_id", 3},
      {"SELECT day, app_key, user_key, launches, first_at, last_at FROM launch_days ORDER BY 1, "
       "2, 3",
       6},
      {"SELECT month, app_key, user_key, launches, first_at, last_at FROM launch_months ORDER BY "
       "1, 2, 3",
       6},
      {"PRAGMA user_version", 1}};
  for (const auto& [sql, columns] : queries) {
    sqlite::Statement query(db, sql);
    while (query.Step()) {
      for (int column = 0; column < columns; ++column) text += query.Text(column) + '|';
      text += '\n';
    }
  }
  return text;
}

class SqliteBackup : public ::testing::Test {
 protected:
  SqliteBackup()
      : directory_(fs::temp_directory_path() /
                   ("auditsync-backup-test-" + std::to_string(::getpid()))) {
    fs::remove_all(directory_);
    fs::create_directories(directory_);
    SqliteStore store(source_);
    store.CommitBlobs(Launches(0, 300), {}, std::nullopt);
  }
  ~SqliteBackup() override { fs::remove_all(directory_); }

  // The names in the backup's directory: a failed backup leaves nothing behind there.
  std::vector<std::string> Files() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(directory_)) {
      names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  fs::path directory_;
  TempDatabase source_database_{"backup-source"};
  const std::string& source_ = source_database_.Path();
  std::string target_ = (directory_ / "backup.db").string();
};

TEST_F(SqliteBackup, IsOneCheckedFileWithEveryRowOfTheSource) {
  const auto outcome = BackupDatabase(source_, target_, {});
  EXPECT_EQ(outcome.records, 300);
  EXPECT_EQ(outcome.schema_version, 8);
  EXPECT_EQ(outcome.bytes, fs::file_size(target_));
  // One file, no WAL beside it, and only its owner may read it.
  EXPECT_EQ(Files(), std::vector<std::string>{"backup.db"});
  struct stat status {};
  ASSERT_EQ(::stat(target_.c_str(), &status), 0);
  EXPECT_EQ(status.st_mode & 0777, 0600u);
  EXPECT_EQ(Contents(target_), Contents(source_));
  // A restored backup is a database auditsync opens and goes on filling.
  SqliteStore restored(target_);
  EXPECT_EQ(restored.CommitBlobs(Launches(250, 100), {}, std::nullopt).inserted, 50);
}

// The copy reads one snapshot: records a sync commits between two chunks are not in it, and
// the copy neither waits for that sync nor starts over.
TEST_F(SqliteBackup, IsTheDatabaseAsOfOneMomentWhileASyncCommits) {
  const std::string before = Contents(source_);
  int chunks = 0;
  SqliteStore writer(source_);
  const auto outcome = BackupDatabase(source_, target_,
                                      {.stop_requested =
                                           [&] {
                                             if (++chunks % 2 == 0) {
                                               writer.CommitBlobs(Launches(1000 + chunks * 10, 10),
                                                                  {}, std::nullopt);
                                             }
                                             return false;
                                           },
                                       .pages_per_chunk = 1});
  ASSERT_GT(chunks, 4);  // several chunks, with commits between them
  EXPECT_EQ(outcome.records, 300);
  EXPECT_EQ(Contents(target_), before);
  EXPECT_NE(Contents(source_), before);
}

TEST_F(SqliteBackup, AStopRemovesThePartialCopy) {
  int chunks = 0;
  EXPECT_THROW(
      BackupDatabase(source_, target_,
                     {.stop_requested = [&] { return ++chunks == 3; }, .pages_per_chunk = 1}),
      Interrupted);
  EXPECT_TRUE(Files().empty());
}

TEST_F(SqliteBackup, NeverReplacesAFileUnlessAskedTo) {
  std::ofstream(target_) << "an older backup";
  EXPECT_THROW(BackupDatabase(source_, target_, {}), ConfigError);
  std::ifstream in(target_);
  std::string text;
  std::getline(in, text);
  EXPECT_EQ(text, "an older backup");
  EXPECT_EQ(Files(), std::vector<std::string>{"backup.db"});

  EXPECT_EQ(BackupDatabase(source_, target_, {.overwrite = true, .stop_requested = {}}).records,
            300);
  EXPECT_EQ(Contents(target_), Contents(source_));
}

TEST_F(SqliteBackup, OnlyAnAuditsyncDatabaseIsCopied) {
  const auto other = (directory_ / "notes.txt").string();
  std::ofstream(other) << "not a database";
  EXPECT_THROW(BackupDatabase(other, target_, {}), StorageError);
  {
    sqlite::Database empty((directory_ / "empty.db").string());
    empty.Execute("CREATE TABLE t (x)");
  }
  EXPECT_THROW(BackupDatabase((directory_ / "empty.db").string(), target_, {}), ConfigError);
  EXPECT_THROW(BackupDatabase((directory_ / "missing.db").string(), target_, {}), ConfigError);
  EXPECT_THROW(BackupDatabase(source_, (directory_ / "no" / "backup.db").string(), {}),
               ConfigError);
  EXPECT_EQ(Files(), (std::vector<std::string>{"empty.db", "notes.txt"}));
}

}  // namespace
}  // namespace auditsync::testing
