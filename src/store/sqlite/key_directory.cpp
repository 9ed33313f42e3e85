#include "store/sqlite/key_directory.hpp"

#include "core/error.hpp"

namespace auditsync::sqlite {

KeyDirectory::KeyDirectory(Database& db, std::string_view find_sql, std::string_view insert_sql)
    : find_(db, find_sql) {
  if (!insert_sql.empty()) insert_ = std::make_unique<Statement>(db, insert_sql);
}

int64_t KeyDirectory::Key(std::string_view name) {
  if (const auto it = committed_.find(name); it != committed_.end()) return it->second;
  if (const auto it = pending_.find(name); it != pending_.end()) return it->second;
  int64_t key = 0;
  if (find_.BindView(1, name).Step()) {
    key = find_.Int(0);
    find_.Reset();
  } else {
    find_.Reset();
    if (!insert_) throw StorageError("no key is stored for `" + std::string(name) + "`");
    insert_->BindView(1, name).Step();
    key = insert_->Int(0);
    insert_->Reset();
  }
  pending_.emplace(name, key);
  return key;
}

void KeyDirectory::Commit() {
  if (committed_.size() + pending_.size() > kMaxCached) committed_.clear();
  committed_.merge(pending_);
  pending_.clear();
}

}  // namespace auditsync::sqlite
