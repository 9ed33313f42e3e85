// The message of an error a test expects, so that the test can compare all of it.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <string>

namespace auditsync::testing {

// The what() of the E that `action` throws; a test failure, and "", when it throws none.
template <typename E>
std::string ErrorMessage(const std::function<void()>& action) {
  try {
    action();
  } catch (const E& error) {
    return error.what();
  }
  ADD_FAILURE() << "no error was thrown";
  return "";
}

}  // namespace auditsync::testing
