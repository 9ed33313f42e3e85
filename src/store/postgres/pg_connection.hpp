// A thin RAII layer over libpq: a connection, results, transactions and COPY. The only header of
// the PostgreSQL store that names libpq's types (opaquely: libpq-fe.h is included by the .cpp
// only). Parameters and values travel as text; NULL is std::nullopt. Private to the store module.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/secret.hpp"

struct pg_conn;
struct pg_result;

namespace auditsync::postgres {

// A query parameter in text form; nullopt is SQL NULL.
using Param = std::optional<std::string>;
Param Text(std::string_view text);
Param Int(int64_t value);
Param OptionalInt(const std::optional<int64_t>& value);
Param OptionalText(const std::optional<std::string>& text);
// bytea in PostgreSQL's hex form.
Param Bytes(std::string_view bytes);

// The rows of a query, read as text.
// A statement rolled back because it conflicted with another transaction (a deadlock, or a
// serialization failure): running the whole transaction again succeeds.
class TransactionConflict : public StorageError {
 public:
  using StorageError::StorageError;
};

class Result {
 public:
  explicit Result(pg_result* result) : result_(result) {}
  ~Result();
  Result(Result&& other) noexcept : result_(other.result_) { other.result_ = nullptr; }
  Result& operator=(Result&&) = delete;
  Result(const Result&) = delete;
  Result& operator=(const Result&) = delete;

  int Rows() const;
  int Columns() const;
  bool IsNull(int row, int column) const;
  std::string_view Text(int row, int column) const;
  std::optional<std::string> OptionalText(int row, int column) const;
  int64_t Int(int row, int column) const;  // NULL reads as 0
  std::optional<int64_t> OptionalInt(int row, int column) const;
  std::string Bytes(int row, int column) const;  // a bytea column
  // The count of rows an INSERT, UPDATE or DELETE touched.
  int64_t Affected() const;
  pg_result* Raw() const { return result_; }

 private:
  pg_result* result_;
};

// Where to connect: a libpq URL (postgresql://user@host:port/db?sslmode=...) and, optionally, the
// password (from database_password_file; libpq itself reads PGPASSWORD and ~/.pgpass).
struct ConnectionTarget {
  std::string url;
  std::optional<Secret> password;
  // The schema the connection works in (search_path), a tenant's; empty: the role's default.
  // Made of lowercase letters, digits and _ only (Config::database_schema).
  std::string schema;
};

class Connection {
 public:
  // Throws ConfigError for a refused sign-in or a missing database, StorageError for a server
  // that cannot be reached; each message names the cause and the fix, never the password.
  explicit Connection(const ConnectionTarget& target);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs `sql` (one statement when it has parameters; any number without). Throws StorageError
  // naming `what` and the server's message.
  Result Exec(std::string_view sql, const std::vector<Param>& params = {});

  // COPY ... FROM STDIN of `data` (CopyRows builds it in the binary format).
  void CopyIn(std::string_view copy_sql, std::string_view data);

  // The URL as shown in messages: without any password.
  const std::string& Shown() const { return shown_; }
  // Whether a transaction is open on the connection.
  bool InTransaction() const;

 private:
  // Throws StorageError for `what`, with the server's message; TransactionConflict when
  // `sqlstate` says the transaction lost a conflict (40P01, 40001).
  [[noreturn]] void Fail(std::string_view what, std::string_view sqlstate = "");

  pg_conn* conn_ = nullptr;
  std::string shown_;
};

// The data of a COPY ... FROM STDIN (FORMAT binary): each value as its length and its bytes, so
// that neither side escapes or parses text (a record's raw auditData is most of a page). Each
// row starts with Row(the count of its fields); the values must have the columns' types: Int4
// for integer, Int8 for bigint, Text for text, Bytes for bytea. Text that a UTF8 database
// refuses (invalid UTF-8, NUL) becomes U+FFFD, as reports render it.
class CopyRows {
 public:
  CopyRows();
  CopyRows& Row(int16_t fields);
  CopyRows& Text(std::string_view text);
  CopyRows& OptionalText(const std::optional<std::string>& text);
  CopyRows& Int4(int32_t value);
  CopyRows& Int8(int64_t value);
  CopyRows& OptionalInt8(const std::optional<int64_t>& value);
  CopyRows& Bytes(std::string_view bytes);
  CopyRows& Null();
  // The data, with its trailer: the builder is done.
  std::string_view Finish();

 private:
  template <typename T>
  void Big(T value);
  std::string data_;
};

// BEGIN at construction; ROLLBACK at destruction unless committed.
class Transaction {
 public:
  explicit Transaction(Connection& connection, std::string_view begin = "BEGIN");
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void Commit();

 private:
  Connection& connection_;
  bool open_ = true;
};

// A REPEATABLE READ, read-only transaction: every query while it lives sees one commit. Inside a
// transaction already open, it joins that one (whose view is the one wanted).
class ReadSnapshot {
 public:
  explicit ReadSnapshot(Connection& connection);
  ~ReadSnapshot();
  ReadSnapshot(const ReadSnapshot&) = delete;
  ReadSnapshot& operator=(const ReadSnapshot&) = delete;

 private:
  Connection& connection_;
  bool joined_;
};

}  // namespace auditsync::postgres
