#include "check/setup_check.hpp"

#include <openssl/evp.h>
#include <nlohmann/json.hpp>

#include <algorithm>

#include "auth/token_credential.hpp"
#include "core/file_access.hpp"
#include "source/graph/graph_connection.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace auditsync {
namespace {

constexpr const char* kQueryPermission = "AuditLogsQuery.Read.All";

CheckStep Pass(std::string name, std::string detail) {
  return {std::move(name), CheckResult::kPass, std::move(detail), ExitCode::kSuccess};
}

CheckStep Fail(std::string name, const std::string& detail, ExitCode code) {
  return {std::move(name), CheckResult::kFail, detail, code};
}

std::string Base64UrlDecode(std::string text) {
  if (text.empty()) return {};
  std::replace(text.begin(), text.end(), '-', '+');
  std::replace(text.begin(), text.end(), '_', '/');
  while (text.size() % 4 != 0) text += '=';
  std::string bytes(text.size() / 4 * 3, '\0');
  const int length = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(bytes.data()),
                                     reinterpret_cast<const unsigned char*>(text.data()),
                                     static_cast<int>(text.size()));
  if (length < 0) return {};
  bytes.resize(static_cast<size_t>(length) - std::count(text.end() - 2, text.end(), '='));
  return bytes;
}

CheckStep CheckSecretSource(const Config& config) {
  const std::string name = "client secret";
  if (config.client_secret_file.empty()) {
    return Pass(name, "given by client_secret or AUDITSYNC_CLIENT_SECRET");
  }
  if (OthersCanAccess(config.client_secret_file)) {
    return Fail(name,
                config.client_secret_file +
                    " can be read by other users of this machine. Fix: chmod 600 " +
                    config.client_secret_file,
                ExitCode::kConfiguration);
  }
  return Pass(name, "read from " + config.client_secret_file + ", which only its owner can read");
}

CheckStep CheckPermission(const std::string& token) {
  const std::string name = "permission";
  const auto roles = TokenRoles(token);
  if (std::find(roles.begin(), roles.end(), kQueryPermission) != roles.end()) {
    return Pass(name,
                std::string("the token carries the application permission ") + kQueryPermission);
  }
  if (roles.empty()) {
    return Fail(name,
                std::string("the token carries no application permission. Fix: give the app "
                            "registration the Microsoft Graph application permission ") +
                    kQueryPermission + " and grant admin consent",
                ExitCode::kAuthentication);
  }
  std::string listed;
  for (const auto& role : roles) listed += (listed.empty() ? "" : ", ") + role;
  return Fail(name,
              "the token carries " + listed + " but not " + kQueryPermission +
                  ". Fix: add that Microsoft Graph application permission and grant admin "
                  "consent",
              ExitCode::kAuthentication);
}

}  // namespace

bool CheckReport::Passed() const {
  return std::all_of(steps.begin(), steps.end(),
                     [](const CheckStep& step) { return step.result == CheckResult::kPass; });
}

ExitCode CheckReport::Code() const {
  for (const auto& step : steps) {
    if (step.result == CheckResult::kFail) return step.failure_code;
  }
  return ExitCode::kSuccess;
}

std::vector<std::string> TokenRoles(const std::string& token) {
  const auto first = token.find('.');
  const auto second = first == std::string::npos ? first : token.find('.', first + 1);
  if (second == std::string::npos) return {};
  const auto claims = nlohmann::json::parse(
      Base64UrlDecode(token.substr(first + 1, second - first - 1)), nullptr, false);
  std::vector<std::string> roles;
  if (claims.is_object() && claims.contains("roles") && claims["roles"].is_array()) {
    for (const auto& role : claims["roles"]) {
      if (role.is_string()) roles.push_back(role.get<std::string>());
    }
  }
  return roles;
}

CheckReport CheckSetup(const std::function<Config()>& load_config) {
  CheckReport report;
  auto& steps = report.steps;
  const auto skip_rest = [&steps](std::initializer_list<const char*> names) {
    for (const char* name : names) {
      steps.push_back({name, CheckResult::kSkipped, "needs the steps above", ExitCode::kSuccess});
    }
  };
  Config config;
  try {
    config = load_config();
    steps.push_back(Pass("configuration", "tenant " + config.tenant_id + ", client " +
                                              config.client_id + ", " + config.cloud +
                                              " cloud, Graph " + config.graph_url + "/" +
                                              config.graph_api_version));
  } catch (const ConfigError& error) {
    steps.push_back(Fail("configuration", error.what(), ExitCode::kConfiguration));
    skip_rest({"client secret", "sign-in", "permission", "audit log query API", "database"});
    return report;
  }
  steps.push_back(CheckSecretSource(config));

  GraphConnection connection(config);
  std::string token;
  try {
    token = connection.Credential().GetToken(connection.Graph().Scope());
    steps.push_back(Pass("sign-in", "Entra ID at " + config.authority + " issued a token for " +
                                        connection.Graph().Scope()));
  } catch (const Error& error) {
    steps.push_back(Fail("sign-in", error.what(), error.Code()));
    skip_rest({"permission", "audit log query API"});
  }
  if (!token.empty()) {
    steps.push_back(CheckPermission(token));
    try {
      const auto listed = connection.Graph().CountListedQueries();
      steps.push_back(Pass("audit log query API",
                           "answers at " + config.graph_url + "/" + config.graph_api_version +
                               "/security/auditLog/queries (" + std::to_string(listed) +
                               " queries listed; none submitted)"));
    } catch (const Error& error) {
      steps.push_back(Fail("audit log query API", error.what(), error.Code()));
    }
  }
  try {
    SqliteStore store(config.database);
    store.InstallationId();  // a write
    steps.push_back(Pass("database", config.database + " is writable"));
  } catch (const Error& error) {
    steps.push_back(Fail("database", error.what(), error.Code()));
  }
  return report;
}

void RenderCheckReport(const CheckReport& report, ReportFormat format, std::ostream& out) {
  const auto result_name = [](CheckResult result) {
    return result == CheckResult::kPass   ? "pass"
           : result == CheckResult::kFail ? "fail"
                                          : "skipped";
  };
  if (format == ReportFormat::kJson) {
    nlohmann::ordered_json steps = nlohmann::ordered_json::array();
    for (const auto& step : report.steps) {
      steps.push_back(
          {{"step", step.name}, {"result", result_name(step.result)}, {"detail", step.detail}});
    }
    out << nlohmann::ordered_json{{"passed", report.Passed()}, {"steps", steps}}.dump(2) << '\n';
    return;
  }
  size_t width = 0;
  for (const auto& step : report.steps) width = std::max(width, step.name.size());
  for (const auto& step : report.steps) {
    const char* mark = step.result == CheckResult::kPass   ? "✓"
                       : step.result == CheckResult::kFail ? "✗"
                                                           : "–";
    out << mark << ' ' << step.name << std::string(width - step.name.size() + 2, ' ') << step.detail
        << '\n';
  }
  out << (report.Passed() ? "\nEverything is ready: run `auditsync sync`.\n"
                          : "\nFix the first ✗ above, then run `auditsync check` again.\n");
}

}  // namespace auditsync
