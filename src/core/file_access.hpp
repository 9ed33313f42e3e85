// File permission facts that matter for secrets.
#pragma once

#include <sys/stat.h>

#include <string>

namespace auditsync {

// True when users other than the owner (its group, or everyone) may read or write the file.
inline bool OthersCanAccess(const std::string& path) {
  struct stat info {};
  return stat(path.c_str(), &info) == 0 && (info.st_mode & (S_IRWXG | S_IRWXO)) != 0;
}

}  // namespace auditsync
