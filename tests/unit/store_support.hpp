// Helpers of the store's unit tests: instants, launch records, and a database file of a test's
// own.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>
#include <string_view>

#include "record/audit_record.hpp"

namespace auditsync::testing {

inline Instant At(const char* text) { return *ParseIso8601(text); }

// Record `id`: user `user` launched app `app` ("App {app}", in environment env-1 "Default") at
// `time`.
inline AuditRecord Launch(std::string id, const char* time, std::string app, std::string user) {
  AuditRecord record;
  record.id = std::move(id);
  record.created = At(time);
  record.operation = "LaunchPowerApp";
  record.record_type = 256;
  record.app_id = std::move(app);
  record.app_name = "App " + record.app_id;
  record.environment_id = "env-1";
  record.environment_name = "Default";
  record.user_upn = std::move(user);
  record.raw = "{}";
  return record;
}

// The path of a new database file in the temporary directory (named after `name` and the
// process), removed with its WAL files when the object goes.
class TempDatabase {
 public:
  explicit TempDatabase(std::string_view name)
      : path_((std::filesystem::temp_directory_path() /
               ("auditsync-" + std::string(name) + "-" + std::to_string(::getpid()) + ".db"))
                  .string()) {
    Remove();
  }
  ~TempDatabase() { Remove(); }
  TempDatabase(const TempDatabase&) = delete;
  TempDatabase& operator=(const TempDatabase&) = delete;

  const std::string& Path() const { return path_; }

 private:
  void Remove() const {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + suffix);
  }

  std::string path_;
};

}  // namespace auditsync::testing
