// A file mapped read-only into memory, for reading large exports without copying them: the pages
// come from the OS cache as they are read, and Release gives back those read already, so that
// what a long read keeps resident does not grow with the file.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace auditsync {

class MappedFile {
 public:
  // Maps the whole file. Throws ConfigError naming the path when it cannot be opened or mapped.
  explicit MappedFile(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  // The file's bytes, valid for the object's lifetime (empty for an empty file).
  std::string_view Text() const { return {data_, size_}; }
  // Drops the whole pages before `offset` from this process's memory; they are read from the
  // file again should they be touched. For a reader that moves forward only.
  void Release(size_t offset);

 private:
  const char* data_ = nullptr;
  size_t size_ = 0;
  size_t released_ = 0;
};

}  // namespace auditsync
