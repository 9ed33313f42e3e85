// Thin RAII wrappers over the SQLite C API, private to the store module.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace auditsync::sqlite {

class Database {
 public:
  enum class Access { kReadWrite, kReadOnly };
  // kReadWrite creates the file if needed (readable by its owner only); kReadOnly opens an
  // existing one and never writes to it. Throws StorageError.
  explicit Database(const std::string& path, Access access = Access::kReadWrite);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  void Execute(std::string_view sql);  // one or more statements without parameters
  sqlite3* Handle() const { return db_; }
  const std::string& Path() const { return path_; }
  [[noreturn]] void Fail(std::string_view what) const;

 private:
  static int OnWalCommit(void* self, sqlite3* db, const char* schema, int frames);
  void ReleaseCheckpointedPages();

  sqlite3* db_ = nullptr;
  std::string path_;
  int cache_fd_ = -1;  // the database file, opened for posix_fadvise only
};

class Statement {
 public:
  Statement(Database& db, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, std::string_view value);  // bound as TEXT, copied
  // Bound as TEXT without a copy: `value` must outlive the next Step/Run.
  Statement& BindView(int index, std::string_view value);
  // Bound as a BLOB without a copy: `bytes` must outlive the next Step/Run.
  Statement& BindBlobView(int index, const void* bytes, size_t size);
  Statement& BindOptional(int index, const std::optional<std::string>& value);
  Statement& BindOptional(int index, std::optional<int64_t> value);
  Statement& BindNull(int index);

  bool Step();  // true while a row is available
  void Run();   // steps to completion and resets
  void Reset();

  bool IsNull(int column) const;
  int64_t Int(int column) const;
  std::string Text(int column) const;
  std::optional<std::string> OptionalText(int column) const;
  int Type(int column) const;  // SQLITE_INTEGER, SQLITE_TEXT, SQLITE_BLOB, SQLITE_NULL, ...
  // The bytes of a TEXT or BLOB column, valid until the next Step or Reset.
  std::string_view Bytes(int column) const;

 private:
  Database& db_;
  sqlite3_stmt* statement_ = nullptr;
};

// Rolls back unless committed (STYLE.md habit 8). BEGIN IMMEDIATE takes the write lock up front,
// so a concurrent writer waits (busy timeout) instead of failing half-way.
class Transaction {
 public:
  explicit Transaction(Database& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void Commit();

 private:
  Database& db_;
  bool done_ = false;
};

// A read snapshot (STYLE.md habit 8): every query inside sees the database as of its first read,
// even while another process commits, so that a report's parts add up. Opened inside another
// snapshot or a transaction, it joins that one (and leaves ending it to its owner).
class ReadSnapshot {
 public:
  explicit ReadSnapshot(Database& db);
  ~ReadSnapshot();
  ReadSnapshot(const ReadSnapshot&) = delete;
  ReadSnapshot& operator=(const ReadSnapshot&) = delete;

 private:
  Database& db_;
  bool joined_ = false;
};

}  // namespace auditsync::sqlite
