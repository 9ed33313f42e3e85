// Small integer keys of a table of names (users by UPN, apps by app id), cached in memory.
// Private to the store module.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "store/sqlite/sqlite_db.hpp"

namespace auditsync::sqlite {

class KeyDirectory {
 public:
  // `find_sql` selects the key of name ?1; `insert_sql`, when not empty, adds name ?1 and returns
  // its key (RETURNING).
  KeyDirectory(Database& db, std::string_view find_sql, std::string_view insert_sql);

  // The key of `name`, added to the table when unknown and an insert statement was given.
  // Throws StorageError when it is unknown and cannot be added.
  int64_t Key(std::string_view name);

  // The transaction that looked keys up committed: they are kept. Without it they are forgotten
  // (Rollback), because the keys of rows that were rolled back are given to other names later.
  void Commit();
  void Rollback() { pending_.clear(); }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
  };
  using Map = std::unordered_map<std::string, int64_t, Hash, std::equal_to<>>;
  // A tenant's users or apps, not its records: bounded, but dropped past this size all the same.
  static constexpr size_t kMaxCached = 500000;

  Map committed_;
  Map pending_;
  Statement find_;
  std::unique_ptr<Statement> insert_;
};

}  // namespace auditsync::sqlite
