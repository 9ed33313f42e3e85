#include "check/setup_check.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <optional>

#include "auth/client_certificate.hpp"
#include "auth/client_proof.hpp"
#include "auth/jwt.hpp"
#include "auth/token_credential.hpp"
#include "core/file_access.hpp"
#include "source/graph/graph_connection.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace auditsync {
namespace {

constexpr const char* kQueryPermission = "AuditLogsQuery.Read.All";
constexpr const char* kUserPermission = "User.Read.All";

CheckStep Pass(std::string name, std::string detail) {
  return {std::move(name), CheckResult::kPass, std::move(detail), ExitCode::kSuccess};
}

CheckStep Fail(std::string name, const std::string& detail, ExitCode code) {
  return {std::move(name), CheckResult::kFail, detail, code};
}

std::string Day(Instant instant) { return FormatIso8601(instant).substr(0, 10); }

// A file holding a secret that others can read fails its step, without stopping the others: the
// sign-in still works, and its result is worth seeing.
std::optional<CheckStep> PrivateFileProblem(const std::string& step, const std::string& path) {
  if (path.empty() || !OthersCanAccess(path)) return std::nullopt;
  return Fail(step, path + " can be read by other users of this machine. Fix: chmod 600 " + path,
              ExitCode::kConfiguration);
}

CheckStep CheckSecretSource(const Config& config) {
  const std::string name = "client secret";
  const auto& config_file = config.config_file;
  switch (config.client_secret_origin) {
    case SecretOrigin::kFile:
      if (auto problem = PrivateFileProblem(name, config.client_secret_file)) return *problem;
      return Pass(name,
                  "read from " + config.client_secret_file + ", which only its owner can read");
    case SecretOrigin::kConfigFile:
      // The configuration file is often made readable on purpose (shared, checked in): a secret
      // written in it is not only a warning.
      if (OthersCanAccess(config_file)) {
        return Fail(name,
                    "client_secret is written in the configuration file " + config_file +
                        ", which other users of this machine can read. Fix: move the secret to "
                        "a file of its own, chmod 600 that file and name it in "
                        "client_secret_file (or at least chmod 600 " +
                        config_file + ")",
                    ExitCode::kConfiguration);
      }
      return Pass(name, "written in the configuration file " + config_file +
                            ", which only its owner can read");
    case SecretOrigin::kStdin:
      return Pass(name, "read from standard input");
    default:
      return Pass(name, "given by AUDITSYNC_CLIENT_SECRET");
  }
}

// Whether a step's failure leaves nothing for the later steps to try.
struct MaterialStep {
  CheckStep step;
  bool blocks_sign_in = false;
};

MaterialStep CheckCertificate(const Config& config) {
  const std::string name = "certificate";
  const auto& settings = config.certificate;
  std::shared_ptr<const ClientCertificate> certificate;
  try {
    certificate = ClientCertificate::Load(settings.path, settings.password);
  } catch (const ConfigError& error) {
    return {Fail(name, error.what(), ExitCode::kConfiguration), true};
  }
  for (const auto* path : {&settings.path, &settings.password_file}) {
    if (auto problem = PrivateFileProblem(name, *path)) return {*problem, false};
  }
  const auto now = NowUtc();
  if (now >= certificate->NotAfter() || now < certificate->NotBefore()) {
    return {Fail(name,
                 settings.path + " is valid from " + Day(certificate->NotBefore()) + " to " +
                     Day(certificate->NotAfter()) +
                     ", not now. Fix: create a new certificate, upload it to the app "
                     "registration and point certificate_path at it",
                 ExitCode::kConfiguration),
            false};
  }
  return {Pass(name, settings.path + ": " + certificate->Subject() + ", RSA " +
                         std::to_string(certificate->KeyBits()) + " bits, valid until " +
                         Day(certificate->NotAfter()) + ", thumbprint " +
                         certificate->PortalThumbprint() +
                         " (the app registration must list it under Certificates & secrets)"),
          false};
}

MaterialStep CheckFederatedToken(const Config& config) {
  const std::string name = "federated token";
  const auto& path = config.workload_identity.token_file;
  Secret token;
  try {
    token = ReadFederatedToken(path);
  } catch (const ConfigError& error) {
    return {Fail(name, error.what(), ExitCode::kConfiguration), true};
  }
  const auto claims = UnverifiedJwtClaims(token.Reveal());
  if (!claims || !claims->expires) {
    return {Fail(name,
                 path + " does not hold a JWT with an expiry. Fix: point "
                        "AZURE_FEDERATED_TOKEN_FILE at the token the platform projects",
                 ExitCode::kConfiguration),
            true};
  }
  const auto expires = *claims->expires;
  const auto issued_by = "issuer " + claims->issuer + ", subject " + claims->subject;
  if (expires <= NowUtc()) {
    return {
        Fail(name,
             path + " holds a token (" + issued_by + ") that expired at " + FormatIso8601(expires) +
                 ". Fix: the platform renews the file; check that it is the projected "
                 "service account token",
             ExitCode::kConfiguration),
        false};
  }
  return {Pass(name, path + ": " + issued_by + ", valid until " + FormatIso8601(expires) +
                         " (a federated credential of the app must name this issuer and subject)"),
          false};
}

// What the credential needs before it can sign in: a secret, a certificate, a federated token.
std::vector<MaterialStep> CheckMaterial(const Config& config) {
  std::vector<MaterialStep> steps;
  const auto check_kind = [&](CredentialKind kind) {
    if (kind == CredentialKind::kCertificate) steps.push_back(CheckCertificate(config));
    if (kind == CredentialKind::kWorkloadIdentity) steps.push_back(CheckFederatedToken(config));
  };
  if (config.credential == CredentialKind::kSecret) {
    if (config.client_secret_origin == SecretOrigin::kKeyVault) {
      check_kind(config.keyvault_credential);
    } else {
      steps.push_back({CheckSecretSource(config), false});
    }
  }
  check_kind(config.credential);
  return steps;
}

CheckStep CheckKeyVault(Credentials& credentials) {
  auto& reader = *credentials.KeyVault();
  const auto& vault = credentials.KeyVaultDescription();
  try {
    reader.Get();
    return Pass("Key Vault", reader.Reference().Describe() + " read from " +
                                 reader.Reference().VaultUrl() + " as " + vault.identity +
                                 ", with a token from " + vault.issuer);
  } catch (const Error& error) {
    return Fail("Key Vault", error.what(), error.Code());
  }
}

// The application permissions the configuration needs: AuditLogsQuery.Read.All always, and
// User.Read.All when enrich_users reads user profiles.
CheckStep CheckPermission(const std::string& token, const Config& config) {
  const std::string name = "permission";
  std::vector<std::string> needed = {kQueryPermission};
  if (config.enrich_users) needed.emplace_back(kUserPermission);
  const auto roles = TokenRoles(token);
  std::string missing;
  for (const auto& permission : needed) {
    if (std::find(roles.begin(), roles.end(), permission) == roles.end()) {
      missing += (missing.empty() ? "" : " and ") + permission;
    }
  }
  if (missing.empty()) {
    return Pass(
        name, std::string("the token carries the application permission ") + kQueryPermission +
                  (config.enrich_users ? std::string(" and ") + kUserPermission + " (enrich_users)"
                                       : ""));
  }
  if (roles.empty()) {
    return Fail(name,
                "the token carries no application permission. Fix: give the app registration "
                "the Microsoft Graph application permission " +
                    missing + " and grant admin consent",
                ExitCode::kAuthentication);
  }
  std::string listed;
  for (const auto& role : roles) listed += (listed.empty() ? "" : ", ") + role;
  return Fail(name,
              "the token carries " + listed + " but not " + missing +
                  ". Fix: add that Microsoft Graph application permission and grant admin "
                  "consent" +
                  (missing.find(kUserPermission) != std::string::npos
                       ? " (User.Read.All is for enrich_users; or set enrich_users = no)"
                       : ""),
              ExitCode::kAuthentication);
}

std::string DescribeConfig(const Config& config) {
  std::string text;
  if (!config.tenant_id.empty()) text += "tenant " + config.tenant_id + ", ";
  if (!config.client_id.empty()) text += "client " + config.client_id + ", ";
  return text + "credential " + std::string(CredentialName(config.credential)) + ", " +
         config.cloud + " cloud, Graph " + config.graph_url + "/" + config.graph_api_version;
}

// Signs in to Graph; returns the token, or nothing when the sign-in failed.
std::string CheckSignIn(GraphConnection& connection, std::vector<CheckStep>& steps) {
  try {
    auto token = connection.Credential().GetToken(connection.Graph().Scope());
    const auto& how = connection.SignIn().Description();
    steps.push_back(Pass("sign-in", how.issuer + " issued a token for " +
                                        connection.Graph().Scope() +
                                        (how.proof.empty() ? "" : " (" + how.proof + ")")));
    return token;
  } catch (const Error& error) {
    steps.push_back(Fail("sign-in", error.what(), error.Code()));
    return {};
  }
}

// Lists queries, which proves the API answers without spending a query submission.
CheckStep CheckQueryApi(const Config& config, GraphConnection& connection) {
  try {
    const auto listed = connection.Graph().CountListedQueries();
    return Pass("audit log query API", "answers at " + config.graph_url + "/" +
                                           config.graph_api_version +
                                           "/security/auditLog/queries (" + std::to_string(listed) +
                                           " queries listed; none submitted)");
  } catch (const Error& error) {
    return Fail("audit log query API", error.what(), error.Code());
  }
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
  auto claims = UnverifiedJwtClaims(token);
  return claims ? std::move(claims->roles) : std::vector<std::string>();
}

CheckReport CheckSetup(const std::function<Config()>& load_config) {
  CheckReport report;
  auto& steps = report.steps;
  const auto skip = [&steps](std::initializer_list<std::string_view> names) {
    for (const auto name : names) {
      if (name.empty()) continue;
      steps.push_back(
          {std::string(name), CheckResult::kSkipped, "needs the steps above", ExitCode::kSuccess});
    }
  };
  Config config;
  try {
    config = load_config();
    steps.push_back(Pass("configuration", DescribeConfig(config)));
  } catch (const ConfigError& error) {
    steps.push_back(Fail("configuration", error.what(), ExitCode::kConfiguration));
    skip({"sign-in", "permission", "audit log query API", "database"});
    return report;
  }
  bool can_sign_in = true;
  for (auto& material : CheckMaterial(config)) {
    can_sign_in = can_sign_in && !material.blocks_sign_in;
    steps.push_back(std::move(material.step));
  }
  std::optional<GraphConnection> connection;
  if (can_sign_in) {
    try {
      connection.emplace(config);
      if (connection->SignIn().KeyVault() != nullptr) {
        steps.push_back(CheckKeyVault(connection->SignIn()));
        can_sign_in = steps.back().result == CheckResult::kPass;
      }
    } catch (const Error& error) {
      steps.push_back(Fail("credential", error.what(), error.Code()));
      can_sign_in = false;
    }
  }
  const auto token = can_sign_in ? CheckSignIn(*connection, steps) : std::string();
  if (!token.empty()) {
    steps.push_back(CheckPermission(token, config));
    steps.push_back(CheckQueryApi(config, *connection));
  } else {
    skip({can_sign_in ? "" : "sign-in", "permission", "audit log query API"});
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
