#include "core/file_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.hpp"

namespace auditsync {

FileLock::FileLock(const std::string& path) {
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) {
    throw StorageError("cannot create the lock file " + path + ": " + std::strerror(errno) +
                       ". Check that its directory is writable.");
  }
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd_);
    fd_ = -1;
    throw Error(ExitCode::kLocked,
                "another auditsync (`sync` or `run`) is already collecting into this database "
                "(it holds " +
                    path +
                    "). Let it finish or stop it: one process per database collects at a time.");
  }
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the lock
}

}  // namespace auditsync
