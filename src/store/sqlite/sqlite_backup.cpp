#include "store/sqlite/sqlite_backup.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <system_error>

#include "core/error.hpp"
#include "core/stop.hpp"

namespace auditsync {
namespace {

namespace fs = std::filesystem;

struct CloseConnection {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};
using Connection = std::unique_ptr<sqlite3, CloseConnection>;

Connection Open(const std::string& path, int flags, const std::string& role) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    const std::string reason = db != nullptr ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    throw StorageError("cannot open the " + role + " " + path + ": " + reason + ".");
  }
  sqlite3_extended_result_codes(db, 1);
  // The collector holds the write lock for a commit at a time; a read waits for it.
  sqlite3_busy_timeout(db, 30000);
  return Connection(db);
}

void Execute(sqlite3* db, const std::string& sql, const std::string& what) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    const std::string message = error != nullptr ? error : sqlite3_errmsg(db);
    sqlite3_free(error);
    throw StorageError(what + " failed: " + message + ".");
  }
}

// The first column of the first row of `sql`, as text ("" without a row).
std::string QueryText(sqlite3* db, const std::string& sql, const std::string& what) {
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK) {
    throw StorageError(what + " failed: " + sqlite3_errmsg(db) + ".");
  }
  std::string value;
  const int rc = sqlite3_step(statement);
  if (rc == SQLITE_ROW) {
    const auto* text = sqlite3_column_text(statement, 0);
    if (text != nullptr) value = reinterpret_cast<const char*>(text);
  }
  const std::string error = sqlite3_errmsg(db);
  sqlite3_finalize(statement);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) throw StorageError(what + " failed: " + error + ".");
  return value;
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

// Opens `source` read-only and checks that it is an auditsync database this binary can read.
Connection OpenSource(const std::string& source) {
  if (!fs::is_regular_file(source)) {
    throw ConfigError("there is no database at " + source +
                      ". Set `database` (or --database) to the file to back up.");
  }
  auto db = Open(source, SQLITE_OPEN_READONLY, "database");
  const auto tables =
      QueryText(db.get(),
                "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = "
                "'audit_records'",
                "reading " + source);
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
  Execute(from.get(), "BEGIN", "starting to read " + source);
  BackupOutcome outcome;
  outcome.records = std::stoll(QueryText(from.get(), "SELECT count(*) FROM audit_records",
                                         "counting the records of " + source));
  outcome.schema_version =
      std::stoi(QueryText(from.get(), "PRAGMA user_version", "reading the schema version"));

  PartialFile partial(target_path.string() + ".partial-" + std::to_string(::getpid()));
  {
    auto to = Open(partial.Path(), SQLITE_OPEN_READWRITE, "backup");
    sqlite3_backup* backup = sqlite3_backup_init(to.get(), "main", from.get(), "main");
    if (backup == nullptr) {
      throw StorageError("cannot start the backup: " + std::string(sqlite3_errmsg(to.get())) + ".");
    }
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
    Execute(to.get(), "PRAGMA journal_mode=DELETE", "finishing the backup");
    const auto check = QueryText(to.get(), "PRAGMA quick_check", "checking the backup");
    if (check != "ok") {
      throw StorageError("the backup does not pass SQLite's quick_check (" + check +
                         "); it was removed. Run `PRAGMA integrity_check` on " + source + ".");
    }
  }
  Execute(from.get(), "COMMIT", "finishing reading " + source);
  outcome.bytes = fs::file_size(partial.Path());
  partial.MoveTo(target_path);
  return outcome;
}

}  // namespace auditsync
