#include "check/setup_check.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <optional>

#include "auth/client_certificate.hpp"
#include "auth/client_proof.hpp"
#include "auth/jwt.hpp"
#include "auth/token_credential.hpp"
#include "core/cloud.hpp"
#include "core/file_access.hpp"
#include "core/text.hpp"
#include "source/graph/graph_connection.hpp"
#include "source/management/management_connection.hpp"
#include "store/store.hpp"

namespace auditsync {
namespace {

constexpr const char* kUserPermission = "User.Read.All";

// The API that collects, as `check` names and probes it.
struct CollectingApi {
  std::string step;        // the name of the step that probes it
  std::string permission;  // the application permission its tokens must carry
  std::string owner;       // whose permission that is, as the portal lists it
};

CollectingApi ApiOf(const Config& config) {
  if (config.use_graph_api) {
    return {"audit log query API", "AuditLogsQuery.Read.All", "Microsoft Graph"};
  }
  return {"Management Activity API", "ActivityFeed.Read", "Office 365 Management APIs"};
}

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

// Whether `token` carries every application permission in `needed`, all of them `owner`'s
// (as the portal lists them). User.Read.All is only needed for enrich_users.
CheckStep CheckPermission(const std::string& name, const std::string& token,
                          const std::string& owner, const std::vector<std::string>& needed) {
  const auto roles = TokenRoles(token);
  std::string missing;
  for (const auto& permission : needed) {
    if (std::find(roles.begin(), roles.end(), permission) == roles.end()) {
      missing += (missing.empty() ? "" : " and ") + permission;
    }
  }
  const bool for_users = std::find(needed.begin(), needed.end(), kUserPermission) != needed.end();
  if (missing.empty()) {
    std::string carried;
    for (const auto& permission : needed) carried += (carried.empty() ? "" : " and ") + permission;
    return Pass(name, "the token carries the application permission " + carried +
                          (for_users ? " (enrich_users)" : ""));
  }
  if (roles.empty()) {
    return Fail(name,
                "the token carries no application permission. Fix: give the app registration "
                "the " +
                    owner + " application permission " + missing + " and grant admin consent",
                ExitCode::kAuthentication);
  }
  std::string listed;
  for (const auto& role : roles) listed += (listed.empty() ? "" : ", ") + role;
  return Fail(name,
              "the token carries " + listed + " but not " + missing + ". Fix: add that " + owner +
                  " application permission and grant admin consent" +
                  (missing.find(kUserPermission) != std::string::npos
                       ? " (User.Read.All is for enrich_users; or set enrich_users = no)"
                       : ""),
              ExitCode::kAuthentication);
}

// The permission of the API that collects; through Graph, User.Read.All too when enrich_users
// reads user profiles.
CheckStep CheckApiPermission(const std::string& token, const CollectingApi& api,
                             const Config& config) {
  std::vector<std::string> needed = {api.permission};
  if (config.enrich_users && config.use_graph_api) needed.emplace_back(kUserPermission);
  return CheckPermission("permission", token, api.owner, needed);
}

// With use_graph_api = no, enrich_users still reads users from Microsoft Graph: its own token
// (for graph_url) must carry User.Read.All.
CheckStep CheckUserPermission(const Config& config, Credentials& credentials) {
  const std::string name = "user permission";
  try {
    const auto token = credentials.App().GetToken(DefaultScope(config.graph_url));
    return CheckPermission(name, token, "Microsoft Graph", {kUserPermission});
  } catch (const Error& error) {
    return Fail(name, error.what(), error.Code());
  }
}

std::string DescribeConfig(const Config& config) {
  std::string text;
  if (!config.tenant_id.empty()) text += "tenant " + config.tenant_id + ", ";
  if (!config.client_id.empty()) text += "client " + config.client_id + ", ";
  text += "credential " + std::string(CredentialName(config.credential)) + ", " + config.cloud +
          " cloud, ";
  if (!config.use_graph_api) {
    return text + "Office 365 Management Activity API " + config.management_url +
           " (use_graph_api = no), PublisherIdentifier " + config.publisher_identifier;
  }
  return text + "Graph " + config.graph_url + "/" + config.graph_api_version;
}

// Signs in for `scope`; returns the token, or nothing when the sign-in failed.
std::string CheckSignIn(Credentials& credentials, const std::string& scope,
                        std::vector<CheckStep>& steps) {
  try {
    auto token = credentials.App().GetToken(scope);
    const auto& how = credentials.Description();
    steps.push_back(Pass("sign-in", how.issuer + " issued a token for " + scope +
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

// Lists the subscriptions, which proves the API answers and the tenant is set up for it, without
// changing anything.
CheckStep CheckActivityFeed(const Config& config, ManagementConnection& connection) {
  const std::string name = "Management Activity API";
  try {
    const auto subscriptions = connection.Client().ListSubscriptions();
    const auto general = std::find_if(
        subscriptions.begin(), subscriptions.end(), [](const Subscription& subscription) {
          // As StartSubscription matches it: without case.
          return EqualsIgnoreCase(subscription.content_type, "Audit.General");
        });
    std::string detail = "answers at " + config.management_url + "/api/v1.0/" + config.tenant_id +
                         "/activity/feed; ";
    if (general != subscriptions.end() && general->status == "enabled") {
      detail += "the Audit.General subscription is enabled";
    } else {
      detail += "the Audit.General subscription is " +
                std::string(general == subscriptions.end() ? "not started" : general->status) +
                ": `auditsync sync` (or `auditsync subscription start`) starts it, and the first "
                "content takes up to 12 hours";
    }
    return Pass(name, detail);
  } catch (const Error& error) {
    return Fail(name, error.what(), error.Code());
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

CheckReport CheckSetup(const std::function<Config()>& load_config,
                       const std::function<bool()>& uses_graph_api) {
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
    Config unresolved;
    unresolved.use_graph_api = !uses_graph_api || uses_graph_api();
    skip({"sign-in", "permission", ApiOf(unresolved).step, "database"});
    return report;
  }
  const auto api = ApiOf(config);
  bool can_sign_in = true;
  for (auto& material : CheckMaterial(config)) {
    can_sign_in = can_sign_in && !material.blocks_sign_in;
    steps.push_back(std::move(material.step));
  }
  // The connection of the API that collects: Graph's, or the Management Activity API's.
  std::optional<GraphConnection> graph;
  std::optional<ManagementConnection> management;
  Credentials* credentials = nullptr;
  std::string scope;
  if (can_sign_in) {
    try {
      if (config.use_graph_api) {
        credentials = &graph.emplace(config).SignIn();
        scope = graph->Graph().Scope();
      } else {
        credentials = &management.emplace(config).SignIn();
        scope = management->Client().Scope();
      }
      if (credentials->KeyVault() != nullptr) {
        steps.push_back(CheckKeyVault(*credentials));
        can_sign_in = steps.back().result == CheckResult::kPass;
      }
    } catch (const Error& error) {
      steps.push_back(Fail("credential", error.what(), error.Code()));
      can_sign_in = false;
    }
  }
  const auto token = can_sign_in ? CheckSignIn(*credentials, scope, steps) : std::string();
  if (!token.empty()) {
    steps.push_back(CheckApiPermission(token, api, config));
    steps.push_back(graph ? CheckQueryApi(config, *graph) : CheckActivityFeed(config, *management));
    if (management && config.enrich_users)
      steps.push_back(CheckUserPermission(config, *credentials));
  } else {
    skip({can_sign_in ? "" : "sign-in", "permission", api.step,
          !config.use_graph_api && config.enrich_users ? "user permission" : ""});
  }
  try {
    OpenStore(config)->InstallationId();  // a write
    steps.push_back(Pass("database", RedactDatabaseUrl(config.database) + " is writable"));
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
