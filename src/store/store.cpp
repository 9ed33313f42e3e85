#include "store/store.hpp"

#include <filesystem>

#include "core/config.hpp"
#include "core/error.hpp"
#include "core/file_lock.hpp"
#include "store/page_facts.hpp"
#include "store/postgres/pg_connection.hpp"
#include "store/postgres/postgres_store.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace auditsync {

std::string RedactDatabaseUrl(std::string_view database) {
  if (!IsPostgresUrl(database)) return std::string(database);
  std::string shown(database);
  // user:password@ in the authority: the user stays, the password goes.
  const auto authority = shown.find("://") + 3;
  const auto authority_end = shown.find_first_of("/?", authority);
  const auto at = shown.rfind('@', authority_end);
  if (at != std::string::npos && at >= authority) {
    const auto colon = shown.find(':', authority);
    if (colon < at) shown.erase(colon, at - colon);
  }
  // password=... among the parameters.
  for (size_t parameter = shown.find("password="); parameter != std::string::npos;
       parameter = shown.find("password=", parameter + 1)) {
    const auto value = parameter + 9;
    shown.replace(value, shown.find('&', value) - value, "***");
  }
  return shown;
}

std::unique_ptr<Store> OpenStore(const std::string& database, const std::optional<Secret>& password,
                                 const std::string& schema) {
  if (IsPostgresUrl(database)) {
    return std::make_unique<PostgresStore>(postgres::ConnectionTarget{database, password, schema});
  }
  return std::make_unique<SqliteStore>(database);
}

std::unique_ptr<Store> OpenStore(const Config& config) {
  return OpenStore(config.database, config.database_password, config.database_schema);
}

namespace {

class FileCollectionLock final : public CollectionLock {
 public:
  explicit FileCollectionLock(const std::string& database) : lock_(database + ".lock") {}
  bool Sole() const override { return true; }

 private:
  FileLock lock_;
};

// Advisory lock key of collecting processes ("auditcol" in ASCII), taken shared by Graph syncs and
// imports and exclusive by the Management Activity API's sync, one key per tenant's schema. The
// server releases it when the connection ends, a crashed process's included.
constexpr int64_t kCollectionLock = 0x6175646974636F6C;

int64_t CollectionLockKey(const std::string& schema) {
  // The schema name's hash folded into the key: tenants of one database lock apart.
  if (schema.empty()) return kCollectionLock;
  return static_cast<int64_t>(static_cast<uint64_t>(kCollectionLock) ^ store::Hash64(schema));
}

class PostgresCollectionLock final : public CollectionLock {
 public:
  PostgresCollectionLock(const postgres::ConnectionTarget& target, Collection kind)
      : connection_(target), kind_(kind) {
    const auto key = CollectionLockKey(target.schema);
    const auto locked =
        connection_.Exec(kind == Collection::kShared ? "SELECT pg_try_advisory_lock_shared($1)"
                                                     : "SELECT pg_try_advisory_lock($1)",
                         {postgres::Int(key)});
    if (locked.Text(0, 0) == "t") return;
    const std::string where = "database " + connection_.Shown() +
                              (target.schema.empty() ? "" : " (schema " + target.schema + ")") +
                              " (it holds advisory lock " + std::to_string(key);
    throw Error(
        ExitCode::kLocked,
        kind == Collection::kShared
            ? "the Management Activity API's sync (use_graph_api = no) is collecting into " +
                  where +
                  " alone). Let it finish or stop it; Graph syncs and imports can then "
                  "run, several at once."
            : "another auditsync (`sync`, `run` or `import`) is collecting into " + where +
                  "). The Management Activity API's sync (use_graph_api = no) collects "
                  "alone: let the others finish or stop them.");
  }
  bool Sole() const override { return kind_ == Collection::kExclusive; }

 private:
  postgres::Connection connection_;
  Collection kind_;
};

}  // namespace

std::unique_ptr<CollectionLock> LockForCollection(const Config& config, Collection kind) {
  if (IsPostgresUrl(config.database)) {
    return std::make_unique<PostgresCollectionLock>(
        postgres::ConnectionTarget{config.database, config.database_password,
                                   config.database_schema},
        kind);
  }
  return std::make_unique<FileCollectionLock>(config.database);
}

std::unique_ptr<Store> OpenExistingStore(const Config& config) {
  if (!IsPostgresUrl(config.database) && !std::filesystem::exists(config.database)) {
    throw ConfigError("there is no database at " + config.database +
                      ". Run `auditsync sync` first, or set `database` to its path.");
  }
  return OpenStore(config);
}

}  // namespace auditsync
