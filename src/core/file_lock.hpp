// An exclusive advisory lock on a file (flock), held for the object's lifetime: one sync per
// database. The kernel releases it when the process dies, so a crash never leaves it stale.
#pragma once

#include <string>

namespace auditsync {

class FileLock {
 public:
  // Throws Error(kLocked) naming the lock file when another process holds it.
  explicit FileLock(const std::string& path);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace auditsync
