// A test fixture with a store of its own: a fresh SQLite file under the temporary directory
// (named by the test file and the process), removed with its WAL before and after each test.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "store/sqlite/sqlite_store.hpp"

namespace auditsync {

class TempStoreTest : public ::testing::Test {
 protected:
  // `name` tells the files of concurrent test programs apart: "usage", "purview"...
  explicit TempStoreTest(const std::string& name)
      : path_((std::filesystem::temp_directory_path() /
               ("auditsync-" + name + "-test-" + std::to_string(::getpid()) + ".db"))
                  .string()) {}
  void SetUp() override {
    Remove();
    store_ = std::make_unique<SqliteStore>(path_);
  }
  void TearDown() override {
    store_.reset();
    Remove();
  }
  void Remove() {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + suffix);
  }

  std::string path_;
  std::unique_ptr<SqliteStore> store_;
};

}  // namespace auditsync
