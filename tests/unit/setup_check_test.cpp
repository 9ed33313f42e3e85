#include "check/setup_check.hpp"

#include <gtest/gtest.h>

namespace auditsync {
namespace {

TEST(SetupCheck, ReadsTheRolesOfAJwtWithoutItsSignature) {
  // {"alg":"none"} . {"roles":["AuditLogsQuery.Read.All","User.Read.All"],"tid":"t"} . junk
  const std::string token =
      "eyJhbGciOiJub25lIn0."
      "eyJyb2xlcyI6WyJBdWRpdExvZ3NRdWVyeS5SZWFkLkFsbCIsIlVzZXIuUmVhZC5BbGwiXSwidGlkIjoidCJ9."
      "c2lnbmF0dXJl";
  EXPECT_EQ(TokenRoles(token),
            (std::vector<std::string>{"AuditLogsQuery.Read.All", "User.Read.All"}));
  EXPECT_TRUE(TokenRoles("opaque-token").empty());
  EXPECT_TRUE(TokenRoles("a.!!!.c").empty());
  EXPECT_TRUE(TokenRoles("a..c").empty());
  EXPECT_TRUE(TokenRoles("a.eyJ0aWQiOiJ0In0.c").empty());  // {"tid":"t"}: no roles
}

TEST(SetupCheck, TheExitCodeIsThatOfTheFirstFailure) {
  CheckReport report;
  report.steps = {{"a", CheckResult::kPass, "", ExitCode::kSuccess},
                  {"b", CheckResult::kFail, "", ExitCode::kAuthentication},
                  {"c", CheckResult::kFail, "", ExitCode::kStorage}};
  EXPECT_FALSE(report.Passed());
  EXPECT_EQ(report.Code(), ExitCode::kAuthentication);
  report.steps.resize(1);
  EXPECT_TRUE(report.Passed());
  EXPECT_EQ(report.Code(), ExitCode::kSuccess);
}

}  // namespace
}  // namespace auditsync
