// `auditsync check`: walks the setup in the order a newcomer builds it, one step at a time, and
// says for each what is right or what is wrong and how to fix it. A failed step skips the steps
// that need it.
#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/error.hpp"
#include "report/render.hpp"

namespace auditsync {

enum class CheckResult { kPass, kFail, kSkipped };

struct CheckStep {
  std::string name;
  CheckResult result = CheckResult::kSkipped;
  std::string detail;  // what was found; for a failure, the cause and the fix
  ExitCode failure_code = ExitCode::kSuccess;
};

struct CheckReport {
  std::vector<CheckStep> steps;
  bool Passed() const;
  // kSuccess when every step passed, else the exit code of the first failure.
  ExitCode Code() const;
};

// `load_config` resolves the configuration (throws ConfigError). Nothing is submitted to Graph:
// the query API is probed by listing queries; with use_graph_api = no, the Management Activity
// API by listing subscriptions (its token must carry ActivityFeed.Read). The database is created
// if missing. `uses_graph_api` says what use_graph_api is set to when the configuration fails
// (UsesGraphApi), to name the API step skipped; default yes.
CheckReport CheckSetup(const std::function<Config()>& load_config,
                       const std::function<bool()>& uses_graph_api = nullptr);

// kTable: a line per step (✓, ✗, –); kJson: {"passed": bool, "steps": [{"step", "result",
// "detail"}]}.
void RenderCheckReport(const CheckReport& report, ReportFormat format, std::ostream& out);

// The `roles` claim of a JWT access token, read without verifying its signature: only to explain
// a missing permission. Empty when the token is not a readable JWT.
std::vector<std::string> TokenRoles(const std::string& token);

}  // namespace auditsync
