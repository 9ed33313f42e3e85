#include "store/sqlite/sqlite_db.hpp"

#include <fcntl.h>
#include <unistd.h>

#include "core/error.hpp"
#include "core/log.hpp"

namespace auditsync::sqlite {
namespace {

// The fix for the failures a user can do something about.
std::string Hint(int rc) {
  switch (rc & 0xFF) {
    case SQLITE_FULL:
      return ". The disk is full: free space and run again; everything committed so far is kept.";
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return ". Another program holds the database locked (a long report or an open sqlite3 "
             "shell?); close it and run again.";
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
      return ". Check that the database file and its directory are writable by this user.";
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return ". The file is not an intact auditsync database: restore it from a backup or point "
             "`database` at a new file.";
    default:
      return "";
  }
}

}  // namespace

Database::Database(const std::string& path, Access access) : path_(path) {
  const bool read_only = access == Access::kReadOnly;
  // A new database is made readable by its owner only (SQLite gives its -wal and -shm files the
  // same mode): it holds who used which app when.
  if (!read_only) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) ::close(fd);
  }
  const int flags =
      (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
      SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    const std::string reason = db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw StorageError("cannot open the database " + path + ": " + reason +
                       ". Check that the directory exists and is writable, or set `database`.");
  }
  sqlite3_extended_result_codes(db_, 1);
  // Another process (a report while a sync writes) may hold the lock briefly.
  sqlite3_busy_timeout(db_, 30000);
  sqlite3_wal_hook(db_, &Database::OnWalCommit, this);
}

Database::~Database() {
  sqlite3_close(db_);
  if (cache_fd_ >= 0) ::close(cache_fd_);
}

// SQLite's automatic checkpoint is itself a WAL hook (a passive checkpoint once the WAL holds
// 1000 frames); this hook does the same, then releases the checkpointed pages from the OS cache.
int Database::OnWalCommit(void* self, sqlite3* db, const char* schema, int frames) {
  constexpr int kCheckpointFrames = 1000;  // SQLite's default wal_autocheckpoint
  if (frames < kCheckpointFrames) return SQLITE_OK;
  const int rc = sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  if (rc == SQLITE_OK) static_cast<Database*>(self)->ReleaseCheckpointedPages();
  return SQLITE_OK;
}

// An ingest writes gigabytes of records that nothing reads back soon. Dropping the database
// file's clean pages from the OS cache after each checkpoint keeps that cache for what is read
// again (the WAL, other programs' files), and lets the kernel recycle the same memory for the next
// writes instead of taking fresh pages, which costs more system time than the copy itself
// (1M-record ingest: 4.0-4.4 -> 2.2 s of system time; docs/benchmarks.md). Pages still dirty are
// left alone by the kernel; SQLite's own page cache keeps the hot index pages either way.
void Database::ReleaseCheckpointedPages() {
  if (cache_fd_ < 0) cache_fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (cache_fd_ >= 0) ::posix_fadvise(cache_fd_, 0, 0, POSIX_FADV_DONTNEED);
}

void Database::Fail(std::string_view what) const {
  throw StorageError("database " + path_ + ": " + std::string(what) +
                     " failed: " + sqlite3_errmsg(db_) + Hint(sqlite3_errcode(db_)));
}

void Database::Execute(std::string_view sql) {
  char* error = nullptr;
  if (sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    const std::string message = error != nullptr ? error : "unknown error";
    sqlite3_free(error);
    throw StorageError("database " + path_ + ": " + message + Hint(sqlite3_errcode(db_)));
  }
}

Statement::Statement(Database& db, std::string_view sql) : db_(db) {
  if (sqlite3_prepare_v3(db.Handle(), sql.data(), static_cast<int>(sql.size()),
                         SQLITE_PREPARE_PERSISTENT, &statement_, nullptr) != SQLITE_OK) {
    db.Fail("preparing a statement");
  }
}

Statement::~Statement() { sqlite3_finalize(statement_); }

Statement& Statement::Bind(int index, int64_t value) {
  sqlite3_bind_int64(statement_, index, value);
  return *this;
}

Statement& Statement::Bind(int index, std::string_view value) {
  sqlite3_bind_text(statement_, index, value.data(), static_cast<int>(value.size()),
                    SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::BindView(int index, std::string_view value) {
  sqlite3_bind_text(statement_, index, value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
  return *this;
}

Statement& Statement::BindBlobView(int index, const void* bytes, size_t size) {
  sqlite3_bind_blob(statement_, index, bytes, static_cast<int>(size), SQLITE_STATIC);
  return *this;
}

Statement& Statement::BindOptional(int index, const std::optional<std::string>& value) {
  return value ? Bind(index, std::string_view(*value)) : BindNull(index);
}

Statement& Statement::BindOptional(int index, std::optional<int64_t> value) {
  return value ? Bind(index, *value) : BindNull(index);
}

Statement& Statement::BindNull(int index) {
  sqlite3_bind_null(statement_, index);
  return *this;
}

bool Statement::Step() {
  const int rc = sqlite3_step(statement_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  const std::string message = sqlite3_errmsg(db_.Handle());
  sqlite3_reset(statement_);
  throw StorageError("database " + db_.Path() + ": " + message + Hint(rc));
}

void Statement::Run() {
  while (Step()) {
  }
  Reset();
}

void Statement::Reset() {
  sqlite3_reset(statement_);
  sqlite3_clear_bindings(statement_);
}

bool Statement::IsNull(int column) const {
  return sqlite3_column_type(statement_, column) == SQLITE_NULL;
}

int64_t Statement::Int(int column) const { return sqlite3_column_int64(statement_, column); }

std::string Statement::Text(int column) const {
  const auto* text = sqlite3_column_text(statement_, column);
  return text == nullptr
             ? std::string()
             : std::string(reinterpret_cast<const char*>(text),
                           static_cast<size_t>(sqlite3_column_bytes(statement_, column)));
}

std::optional<std::string> Statement::OptionalText(int column) const {
  if (IsNull(column)) return std::nullopt;
  return Text(column);
}

int Statement::Type(int column) const { return sqlite3_column_type(statement_, column); }

std::string_view Statement::Bytes(int column) const {
  const void* bytes = sqlite3_column_blob(statement_, column);
  return bytes == nullptr
             ? std::string_view()
             : std::string_view(static_cast<const char*>(bytes),
                                static_cast<size_t>(sqlite3_column_bytes(statement_, column)));
}

Transaction::Transaction(Database& db) : db_(db) { db_.Execute("BEGIN IMMEDIATE"); }

Transaction::~Transaction() {
  if (done_) return;
  char* error = nullptr;
  if (sqlite3_exec(db_.Handle(), "ROLLBACK", nullptr, nullptr, &error) != SQLITE_OK) {
    spdlog::error("database {}: rollback failed: {}", db_.Path(), error ? error : "?");
  }
  sqlite3_free(error);
}

void Transaction::Commit() {
  db_.Execute("COMMIT");
  done_ = true;
}

ReadSnapshot::ReadSnapshot(Database& db)
    // Inside a snapshot (or transaction) already open, its view is the one wanted: join it.
    : db_(db), joined_(sqlite3_get_autocommit(db.Handle()) == 0) {
  if (!joined_) db_.Execute("BEGIN DEFERRED");
}

ReadSnapshot::~ReadSnapshot() {
  if (joined_) return;
  // Ending a read-only transaction cannot lose anything; a failure only leaves a log line.
  char* error = nullptr;
  if (sqlite3_exec(db_.Handle(), "COMMIT", nullptr, nullptr, &error) != SQLITE_OK) {
    spdlog::warn("database {}: ending a read failed: {}", db_.Path(), error ? error : "?");
  }
  sqlite3_free(error);
}

}  // namespace auditsync::sqlite
