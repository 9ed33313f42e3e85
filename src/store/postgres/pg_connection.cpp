#include "store/postgres/pg_connection.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <charconv>
#include <type_traits>

#include "core/error.hpp"
#include "core/utf8.hpp"
#include "store/store.hpp"

namespace auditsync::postgres {
namespace {

// The password of `url` (user:password@ in the authority, or a password= parameter), if any: it
// is scrubbed from every message, should libpq ever quote it.
std::string UrlPassword(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end != std::string_view::npos) {
    const auto authority =
        url.substr(scheme_end + 3, url.find_first_of("/?", scheme_end + 3) - (scheme_end + 3));
    const auto at = authority.rfind('@');
    const auto colon = authority.find(':');
    if (at != std::string_view::npos && colon < at) {
      return std::string(authority.substr(colon + 1, at - colon - 1));
    }
  }
  const auto parameter = url.find("password=");
  if (parameter != std::string_view::npos) {
    const auto value = url.substr(parameter + 9);
    return std::string(value.substr(0, value.find('&')));
  }
  return {};
}

// libpq's message as one line: its hint lines joined with "; ", no trailing line end.
std::string OneLine(std::string_view message) {
  std::string line;
  for (const char c : message) {
    if (c == '\n') {
      line += "; ";
    } else if (c != '\t') {
      line += c;
    }
  }
  while (!line.empty() && (line.back() == ' ' || line.back() == ';')) line.pop_back();
  return line;
}

bool Contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// Text as a UTF8 database takes it: invalid sequences as U+FFFD (core/utf8.hpp, as reports
// render them), and NUL, which PostgreSQL text cannot hold, too.
std::string StorableText(std::string_view text) {
  auto valid = ValidUtf8(text);
  for (size_t at; (at = valid.find('\0')) != std::string::npos;) {
    valid.replace(at, 1, "\xEF\xBF\xBD");
  }
  return valid;
}

constexpr char kHex[] = "0123456789abcdef";

}  // namespace

Param Text(std::string_view text) { return StorableText(text); }
Param Int(int64_t value) { return std::to_string(value); }
Param OptionalInt(const std::optional<int64_t>& value) {
  return value ? Int(*value) : std::nullopt;
}
Param OptionalText(const std::optional<std::string>& text) {
  return text ? Text(*text) : std::nullopt;
}
Param Bytes(std::string_view bytes) {
  std::string hex = "\\x";
  for (const unsigned char c : bytes) {
    hex += kHex[c >> 4];
    hex += kHex[c & 15];
  }
  return hex;
}

Result::~Result() { PQclear(result_); }

int Result::Rows() const { return PQntuples(result_); }
int Result::Columns() const { return PQnfields(result_); }
bool Result::IsNull(int row, int column) const { return PQgetisnull(result_, row, column) != 0; }
std::string_view Result::Text(int row, int column) const {
  return {PQgetvalue(result_, row, column), static_cast<size_t>(PQgetlength(result_, row, column))};
}
std::optional<std::string> Result::OptionalText(int row, int column) const {
  if (IsNull(row, column)) return std::nullopt;
  return std::string(Text(row, column));
}
int64_t Result::Int(int row, int column) const {
  const auto text = Text(row, column);
  int64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}
std::optional<int64_t> Result::OptionalInt(int row, int column) const {
  if (IsNull(row, column)) return std::nullopt;
  return Int(row, column);
}
std::string Result::Bytes(int row, int column) const {
  const auto text = Text(row, column);  // "\x" and two hex digits per byte
  std::string bytes;
  bytes.reserve(text.size() / 2);
  const auto nibble = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
  for (size_t i = 2; i + 1 < text.size(); i += 2) {
    bytes += static_cast<char>(nibble(text[i]) << 4 | nibble(text[i + 1]));
  }
  return bytes;
}
int64_t Result::Affected() const {
  const char* count = PQcmdTuples(result_);
  return count[0] == '\0' ? 0 : std::stoll(count);
}

Connection::Connection(const ConnectionTarget& target) : shown_(RedactDatabaseUrl(target.url)) {
  // Later keywords override what the URL (expanded from dbname) says: only the password is given
  // that way. application_name and connect_timeout come first, so that the URL may change them.
  std::vector<const char*> keywords = {"application_name", "connect_timeout", "dbname"};
  std::vector<const char*> values = {"auditsync", "10", target.url.c_str()};
  if (target.password) {
    keywords.push_back("password");
    values.push_back(target.password->Reveal().c_str());
  }
  keywords.push_back(nullptr);
  values.push_back(nullptr);
  conn_ = PQconnectdbParams(keywords.data(), values.data(), /*expand_dbname=*/1);
  if (conn_ != nullptr && PQstatus(conn_) == CONNECTION_OK) {
    // Notices (such as "relation already exists, skipping") are not the user's business.
    PQsetNoticeProcessor(
        conn_, [](void*, const char*) {}, nullptr);
    // The schema need not exist yet: the store creates it with its tables (PostgresStore).
    if (!target.schema.empty()) Exec("SET search_path TO \"" + target.schema + "\"");
    return;
  }
  std::string cause = conn_ == nullptr ? "out of memory" : PQerrorMessage(conn_);
  cause = OneLine(cause);
  for (const auto& secret :
       {UrlPassword(target.url), target.password ? target.password->Reveal() : std::string()}) {
    for (size_t at; !secret.empty() && (at = cause.find(secret)) != std::string::npos;) {
      cause.replace(at, secret.size(), "***");
    }
  }
  PQfinish(conn_);
  conn_ = nullptr;
  const std::string where = "database " + shown_;
  if (Contains(cause, "password authentication failed") || Contains(cause, "no password") ||
      Contains(cause, "authentication failed") || Contains(cause, "pg_hba.conf") ||
      (Contains(cause, "role \"") && Contains(cause, "does not exist"))) {
    throw ConfigError(where + ": PostgreSQL refused the sign-in (" + cause +
                      "). Give the role's password with database_password_file, PGPASSWORD or "
                      "~/.pgpass, or check the user name in the URL and the server's pg_hba.conf.");
  }
  if (Contains(cause, "database \"") && Contains(cause, "does not exist")) {
    throw ConfigError(where + ": " + cause +
                      ". Create it (CREATE DATABASE name OWNER role) or fix the database name in "
                      "the URL.");
  }
  if (Contains(cause, "invalid") || Contains(cause, "missing")) {
    throw ConfigError(where + " is not a usable PostgreSQL URL (" + cause +
                      "). Write it as postgresql://user@host:port/database?sslmode=require.");
  }
  throw StorageError(where + ": cannot reach the PostgreSQL server (" + cause +
                     "). Check that it runs and accepts connections on that host and port "
                     "(listen_addresses, firewall), or fix host and port in the URL.");
}

Connection::~Connection() { PQfinish(conn_); }

void Connection::Fail(std::string_view what, std::string_view sqlstate) {
  std::string cause = PQerrorMessage(conn_);
  cause = OneLine(cause);
  const std::string message = "database " + shown_ + ": " + std::string(what) + " failed: " + cause;
  if (sqlstate == "40P01" || sqlstate == "40001") throw TransactionConflict(message);
  throw StorageError(message);
}

Result Connection::Exec(std::string_view sql, const std::vector<Param>& params) {
  const std::string text(sql);
  pg_result* raw = nullptr;
  if (params.empty()) {
    raw = PQexec(conn_, text.c_str());
  } else {
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& param : params) values.push_back(param ? param->c_str() : nullptr);
    raw = PQexecParams(conn_, text.c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                       nullptr, nullptr, 0);
  }
  Result result(raw);
  const auto status = PQresultStatus(raw);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    const auto first_line = sql.substr(sql.find_first_not_of(" \n"));
    const char* sqlstate = PQresultErrorField(raw, PG_DIAG_SQLSTATE);
    Fail("\"" + std::string(first_line.substr(0, first_line.find('\n')).substr(0, 60)) + "\"",
         sqlstate == nullptr ? "" : sqlstate);
  }
  return result;
}

void Connection::CopyIn(std::string_view copy_sql, std::string_view data) {
  Result start(PQexec(conn_, std::string(copy_sql).c_str()));
  if (PQresultStatus(start.Raw()) != PGRES_COPY_IN) Fail("COPY");
  // libpq buffers what it is given: chunks of a few hundred KiB keep its buffer small.
  constexpr size_t kChunk = size_t{256} * 1024;
  for (size_t at = 0; at < data.size(); at += kChunk) {
    const auto chunk = data.substr(at, kChunk);
    if (PQputCopyData(conn_, chunk.data(), static_cast<int>(chunk.size())) != 1) Fail("COPY");
  }
  if (PQputCopyEnd(conn_, nullptr) != 1) Fail("COPY");
  for (pg_result* raw; (raw = PQgetResult(conn_)) != nullptr;) {
    Result result(raw);
    if (PQresultStatus(raw) != PGRES_COMMAND_OK) Fail("COPY");
  }
}

CopyRows::CopyRows() {
  data_.append("PGCOPY\n\xff\r\n\0", 11);
  Big<int32_t>(0);  // flags
  Big<int32_t>(0);  // header extension length
}

template <typename T>
void CopyRows::Big(T value) {
  auto bits = static_cast<std::make_unsigned_t<T>>(value);
  for (int shift = (sizeof(T) - 1) * 8; shift >= 0; shift -= 8) {
    data_ += static_cast<char>((bits >> shift) & 0xFF);
  }
}

CopyRows& CopyRows::Row(int16_t fields) {
  Big(fields);
  return *this;
}

CopyRows& CopyRows::Text(std::string_view text) {
  // Audit data is almost always plain ASCII: then the bytes go as they are.
  const bool plain = std::all_of(text.begin(), text.end(), [](char c) {
    return static_cast<unsigned char>(c) - 1U < 0x7FU;  // 0x01-0x7F
  });
  if (plain) return Bytes(text);
  return Bytes(StorableText(text));
}

CopyRows& CopyRows::OptionalText(const std::optional<std::string>& text) {
  return text ? Text(*text) : Null();
}

CopyRows& CopyRows::Int4(int32_t value) {
  Big<int32_t>(4);
  Big(value);
  return *this;
}

CopyRows& CopyRows::Int8(int64_t value) {
  Big<int32_t>(8);
  Big(value);
  return *this;
}

CopyRows& CopyRows::OptionalInt8(const std::optional<int64_t>& value) {
  return value ? Int8(*value) : Null();
}

CopyRows& CopyRows::Bytes(std::string_view bytes) {
  Big(static_cast<int32_t>(bytes.size()));
  data_.append(bytes);
  return *this;
}

CopyRows& CopyRows::Null() {
  Big<int32_t>(-1);
  return *this;
}

std::string_view CopyRows::Finish() {
  Big<int16_t>(-1);
  return data_;
}

Transaction::Transaction(Connection& connection, std::string_view begin) : connection_(connection) {
  connection_.Exec(begin);
}

Transaction::~Transaction() {
  if (!open_) return;
  try {
    connection_.Exec("ROLLBACK");
  } catch (const Error&) {
    // The connection is gone: the server rolls the transaction back itself.
  }
}

void Transaction::Commit() {
  connection_.Exec("COMMIT");
  open_ = false;
}

bool Connection::InTransaction() const { return PQtransactionStatus(conn_) != PQTRANS_IDLE; }

ReadSnapshot::ReadSnapshot(Connection& connection)
    : connection_(connection), joined_(connection.InTransaction()) {
  if (!joined_) connection_.Exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
}

ReadSnapshot::~ReadSnapshot() {
  if (joined_) return;
  try {
    connection_.Exec("COMMIT");
  } catch (const Error&) {
    // Ending a read-only transaction cannot lose anything; the server ends it with the
    // connection.
  }
}

}  // namespace auditsync::postgres
