#include "store/sqlite/sqlite_backup.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <system_error>

#include "core/error.hpp"
#include "core/stop.hpp"
#include "store/sqlite/sqlite_db.hpp"

namespace auditsync {
namespace {

namespace fs = std::filesystem;

using sqlite::Database;
using sqlite::Statement;

// The first column of the first row of `sql`, as text ("" without a row).
std::string QueryText(Database& db, const std::string& sql) {
  Statement query(db, sql);
  return query.Step() ? query.Text(0) : std::string();
}

// The partial copy, removed unless it was renamed into place.
class PartialFile {
 public:
  explicit PartialFile(fs::path path) : path_(std::move(path)) {
    // Created here, readable by its owner only, so that SQLite never creates it with its 0644:
    // the copy holds who used which app when.
    const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
      throw ConfigError("cannot create " + path_.string() + ": " +
                        std::error_code(errno, std::generic_category()).message() +
                        ". Check that the backup's directory is writable by this user.");
    }
    ::close(fd);
  }
  ~PartialFile() {
    if (kept_) return;
    std::error_code ignored;
    fs::remove(path_, ignored);
    fs::remove(path_.string() + "-journal", ignored);
  }
  PartialFile(const PartialFile&) = delete;
  PartialFile& operator=(const PartialFile&) = delete;

  const fs::path& Path() const { return path_; }

  // Makes the copy durable, then gives it its final name.
  void MoveTo(const fs::path& target) {
    SyncPath(path_);
    std::error_code error;
    fs::rename(path_, target, error);
    if (error) {
      throw StorageError("cannot rename " + path_.string() + " to " + target.string() + ": " +
                         error.message() + ".");
    }
    kept_ = true;
    SyncPath(target.parent_path().empty() ? fs::path(".") : target.parent_path());
  }

 private:
  static void SyncPath(const fs::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    ::fsync(fd);
    ::close(fd);
  }

  fs::path path_;
  bool kept_ = false;
};

void CheckTarget(const fs::path& target, bool overwrite) {
  const auto directory = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  if (!fs::is_directory(directory)) {
    throw ConfigError("the backup's directory " + directory.string() +
                      " does not exist. Create it, or choose another path.");
  }
  if (fs::exists(target) && !overwrite) {
    throw ConfigError(target.string() +
                      " already exists; the backup was not taken. Choose a new name (a date in "
                      "it, say), or pass --overwrite to replace it.");
  }
}

// Opens `source` read-only and checks that it is an auditsync database.
std::unique_ptr<Database> OpenSource(const std::string& source) {
  if (!fs::is_regular_file(source)) {
    throw ConfigError("there is no database at " + source +
                      ". Set `database` (or --database) to the file to back up.");
  }
  auto db = std::make_unique<Database>(source, Database::Access::kReadOnly);
  const auto tables = QueryText(
      *db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'audit_records'");
  if (tables != "1") {
    throw ConfigError(source +
                      " is not an auditsync database (it has no audit_records table). "
                      "Set `database` to the file auditsync collects into.");
  }
  return db;
}

}  // namespace

BackupOutcome BackupDatabase(const std::string& source, const std::string& target,
                             const BackupOptions& options) {
  const fs::path target_path(target);
  CheckTarget(target_path, options.overwrite);
  auto from = OpenSource(source);

  // One read transaction over the whole copy: every step reads the same snapshot, and commits
  // made meanwhile (WAL) neither wait for the copy nor restart it.
  from->Execute("BEGIN");
  BackupOutcome outcome;
  outcome.records = std::stoll(QueryText(*from, "SELECT count(*) FROM audit_records"));
  outcome.schema_version = std::stoi(QueryText(*from, "PRAGMA user_version"));

  PartialFile partial(target_path.string() + ".partial-" + std::to_string(::getpid()));
  {
    Database to(partial.Path());
    sqlite3_backup* backup = sqlite3_backup_init(to.Handle(), "main", from->Handle(), "main");
    if (backup == nullptr) to.Fail("starting the backup");
    int rc = SQLITE_OK;
    while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
      if (options.stop_requested && options.stop_requested()) {
        sqlite3_backup_finish(backup);
        throw Interrupted();
      }
      rc = sqlite3_backup_step(backup, options.pages_per_chunk);
    }
    sqlite3_backup_finish(backup);
    if (rc != SQLITE_DONE) {
      throw StorageError(
          "the backup failed: " + std::string(sqlite3_errstr(rc)) +
          (rc == SQLITE_FULL ? ". The disk is full: free space and run again." : "."));
    }
    // The source's WAL mode came with its pages; a backup is one file that opens anywhere, and
    // auditsync switches it back to WAL when it is restored and opened.
    to.Execute("PRAGMA journal_mode=DELETE");
    const auto check = QueryText(to, "PRAGMA quick_check");
    if (check != "ok") {
      throw StorageError("the backup does not pass SQLite's quick_check (" + check +
                         "); it was removed. Run `PRAGMA integrity_check` on " + source + ".");
    }
  }
  from->Execute("COMMIT");
  outcome.bytes = fs::file_size(partial.Path());
  partial.MoveTo(target_path);
  return outcome;
}

}  // namespace auditsync
