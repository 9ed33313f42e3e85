#include "store/sqlite/sqlite_db.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace auditsync::sqlite {
namespace {

// The database connection checkpoints the WAL itself (its WAL hook replaces SQLite's automatic
// checkpoint): without a checkpoint the WAL would grow with every commit.
TEST(SqliteDatabase, CheckpointsTheWalAsItGrows) {
  const auto directory =
      std::filesystem::temp_directory_path() / ("auditsync-db-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(directory);
  const auto path = (directory / "wal.db").string();
  {
    Database db(path);
    db.Execute("PRAGMA page_size=4096; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
    db.Execute("CREATE TABLE blobs (data BLOB)");
    const std::string megabyte(1 << 20, 'x');
    for (int commit = 0; commit < 24; ++commit) {
      Transaction transaction(db);
      Statement insert(db, "INSERT INTO blobs (data) VALUES (?1)");
      insert.BindBlobView(1, megabyte.data(), megabyte.size());
      insert.Run();
      transaction.Commit();
    }
    // 24 MiB were committed; a checkpoint every 1000 frames (4 MiB) lets the WAL restart from
    // its beginning, so it never holds much more than that plus one transaction.
    EXPECT_LT(std::filesystem::file_size(path + "-wal"), 6u << 20);
    EXPECT_GE(std::filesystem::file_size(path), 24u << 20);
  }
  std::filesystem::remove_all(directory);
}

}  // namespace
}  // namespace auditsync::sqlite
