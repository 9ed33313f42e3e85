#include "store/store.hpp"

#include <filesystem>

#include "core/config.hpp"
#include "core/error.hpp"
#include "core/file_lock.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace auditsync {

bool IsPostgresUrl(std::string_view database) {
  return database.starts_with("postgresql://") || database.starts_with("postgres://");
}

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

std::unique_ptr<Store> OpenStore(const std::string& database,
                                 const std::optional<Secret>& /*password*/) {
  if (IsPostgresUrl(database)) {
    throw ConfigError("database: PostgreSQL URLs are not supported by this build of auditsync");
  }
  return std::make_unique<SqliteStore>(database);
}

std::unique_ptr<Store> OpenStore(const Config& config) { return OpenStore(config.database); }

namespace {

class FileCollectionLock final : public CollectionLock {
 public:
  explicit FileCollectionLock(const std::string& database) : lock_(database + ".lock") {}

 private:
  FileLock lock_;
};

}  // namespace

std::unique_ptr<CollectionLock> LockForCollection(const Config& config) {
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
