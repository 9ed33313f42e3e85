// Golden files (STYLE.md habit 11): tests/golden/NAME holds the exact expected output. Set
// AUDITSYNC_UPDATE_GOLDEN=1 to rewrite the files after an intended change, then review the diff.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace auditsync::testing {

inline void ExpectMatchesGolden(const std::string& actual, const std::string& name) {
  const std::string path = std::string(AUDITSYNC_SOURCE_DIR) + "/tests/golden/" + name;
  if (std::getenv("AUDITSYNC_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(path, std::ios::binary) << actual;
  }
  std::ifstream file(path, std::ios::binary);
  std::stringstream expected;
  expected << file.rdbuf();
  EXPECT_EQ(actual, expected.str()) << "differs from " << path;
}

}  // namespace auditsync::testing
