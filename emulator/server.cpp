#include "server.hpp"

#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>
#include <httplib.h>
#include <spdlog/spdlog.h>

#include "assertion.hpp"
#include "clock.hpp"
#include "core/time.hpp"
#include "directory.hpp"
#include "entra.hpp"
#include "faults.hpp"
#include "graph.hpp"
#include "http_util.hpp"
#include "ids.hpp"
#include "keyvault.hpp"
#include "management.hpp"
#include "stats.hpp"
#include "tls.hpp"
#include "users.hpp"

namespace emulator {
namespace {

// The fault injected into the request this worker thread is handling, for its log line
// (cpp-httplib calls the logger on the thread that ran the handler).
thread_local std::string_view t_fault;

// Writes `path` through a temporary file and a rename, so a reader polling for it never sees a
// partial file.
void WriteFileAtomically(const std::string& path, const std::string& content) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << content;
    out.close();
    if (!out) throw std::runtime_error("cannot write " + temporary);
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) throw std::runtime_error("cannot rename " + temporary + ": " + error.message());
}

// Lets the client see a response start and then lose the connection: the status line and
// headers go out with the full Content-Length, then half the body, then the socket closes.
void BreakConnection(httplib::Response& response) {
  auto body = std::make_shared<std::string>(std::move(response.body));
  response.body.clear();
  const std::string type = response.get_header_value("Content-Type");
  response.headers.erase("Content-Type");
  response.set_content_provider(body->size(), type,
                                [body](std::size_t offset, std::size_t, httplib::DataSink& sink) {
                                  if (offset == 0 && body->size() > 1)
                                    sink.write(body->data(), body->size() / 2);
                                  return false;
                                });
}

// A syntactically broken document that still arrives as a complete, successful response.
void TruncateBody(httplib::Response& response) {
  if (response.status >= 200 && response.status < 300 && response.body.size() > 1) {
    response.body.resize(response.body.size() / 2);
  }
}

void ApplyLateFault(FaultKind fault, httplib::Response& response) {
  if (fault == FaultKind::kDrop) BreakConnection(response);
  if (fault == FaultKind::kTruncate) TruncateBody(response);
}

std::optional<FederatedCredential> FederatedOf(const ServeOptions& options) {
  if (!options.federated_issuer_key) return std::nullopt;
  return FederatedCredential{options.federated_issuer, options.federated_subject,
                             *options.federated_issuer_key};
}

// The script of --create-reply-faults, which ValidateServeOptions has already checked.
std::vector<FaultKind> CreateReplyScript(const ServeOptions& options) {
  std::string error;
  return ParseCreateReplyFaults(options.create_reply_faults, error)
      .value_or(std::vector<FaultKind>{});
}

// --batch-item-faults, which ValidateServeOptions has already checked.
FaultSpec BatchItemFaults(const ServeOptions& options) {
  std::string error;
  return ParseFaultSpec(options.batch_item_faults, error).value_or(FaultSpec{});
}

// The audit log query routes need this application role in the token, as the real API does.
const std::vector<std::string> kAuditRoles = {"AuditLogsQuery.Read.All"};
const std::vector<std::string> kUserRoles = {"User.Read.All", "Directory.Read.All"};

bool VaultEnabled(const ServeOptions& options) {
  return !options.vault_secrets.empty() || options.vault_deny;
}

// Everything one running server needs, wired together.
class Emulator {
 public:
  Emulator(const TenantConfig& tenant_config, const ServeOptions& options, FaultSpec spec, int port,
           httplib::Server& server)
      : tenant_(tenant_config),
        clock_(options.simulated_now),
        faults_(std::move(spec), options.fault_seed),
        create_reply_faults_(CreateReplyScript(options)),
        entra_(
            EntraSettings{
                tenant_config.tenant_id,
                tenant_config.tenant_domain,
                tenant_config.client_id,
                options.client_secret,
                options.expired_secret,
                std::chrono::seconds(options.token_lifetime_seconds),
                port,
                VaultEnabled(options),
                options.identity_header,
                options.client_certificate,
                FederatedOf(options),
                options.activity_feed_read,
                options.graph_roles,
            },
            tokens_, stats_),
        vault_(
            VaultSettings{
                options.vault_secrets,
                options.vault_deny,
                tenant_config.tenant_id,
                tenant_config.client_id,
                port,
            },
            tokens_),
        graph_(tenant_,
               GraphSettings{
                   options.query_polls,
                   std::chrono::milliseconds(options.query_delay_ms),
                   options.record_cap,
                   static_cast<std::size_t>(
                       std::min(options.default_page_size, options.max_page_size)),
                   static_cast<std::size_t>(options.max_page_size),
                   options.fail_queries,
                   options.stuck_queries,
                   options.inclusive_end,
                   options.query_budget,
                   options.max_unfinished,
                   port,
               },
               stats_, clock_),
        content_(tenant_),
        management_(tenant_, content_,
                    ManagementSettings{
                        options.subscription,
                        options.first_content_delay,
                        static_cast<std::size_t>(options.content_page_size),
                        options.expired_blobs,
                        options.management_rate,
                        options.next_page_header,
                        std::chrono::milliseconds(options.blob_latency_ms),
                        port,
                    },
                    stats_, clock_),
        directory_(tenant_),
        // Its own stream, so that item faults change no fault of whole requests.
        item_faults_(BatchItemFaults(options), options.fault_seed + 1),
        users_(directory_, stats_, item_faults_, FormatRetryAfter(options.retry_after_seconds),
               port),
        retry_after_(FormatRetryAfter(options.retry_after_seconds)),
        port_(port),
        vault_enabled_(VaultEnabled(options)),
        managed_identity_(options.managed_identity),
        graph_forbidden_(options.graph_forbidden) {
    Register(server);
  }

 private:
  using GraphHandler =
      std::function<void(const httplib::Request&, httplib::Response&, const GraphCall&)>;
  using GraphMethod = void (GraphService::*)(const httplib::Request&, httplib::Response&,
                                             const GraphCall&);

  // An audit log query route: GraphService's handler behind the token and its role.
  httplib::Server::Handler AuditRoute(std::string route, GraphMethod method,
                                      CreateReplyFaults* scripted = nullptr) {
    return GraphRoute(
        std::move(route),
        [this, method](const httplib::Request& request, httplib::Response& response,
                       const GraphCall& call) { (graph_.*method)(request, response, call); },
        kAuditRoles, scripted);
  }

  void Register(httplib::Server& server) {
    server.Post(R"(/([^/]+)/oauth2/v2\.0/token)",
                TokenRoute("POST /{tenant}/oauth2/v2.0/token", &EntraService::TokenV2));
    server.Post(R"(/([^/]+)/oauth2/token)",
                TokenRoute("POST /{tenant}/oauth2/token", &EntraService::TokenV1));

    // Key Vault and managed identity exist only when configured, so nothing changes otherwise.
    if (vault_enabled_) {
      server.Get(R"(/secrets/([^/]+)(?:/([^/]+))?)",
                 ServiceRoute("GET /secrets/{name}[/{version}]", &VaultTransientError,
                              [this](const httplib::Request& request, httplib::Response& response) {
                                vault_.GetSecret(request, response);
                              }));
    }
    if (managed_identity_) {
      server.Get("/metadata/identity/oauth2/token",
                 ServiceRoute("GET /metadata/identity/oauth2/token", &IdentityTransientError,
                              [this](const httplib::Request& request, httplib::Response& response) {
                                entra_.ImdsToken(request, response);
                              }));
      server.Get("/msi/token",
                 ServiceRoute("GET /msi/token", &IdentityTransientError,
                              [this](const httplib::Request& request, httplib::Response& response) {
                                entra_.AppServiceToken(request, response);
                              }));
    }

    constexpr char kQueries[] = R"(/(v1\.0|beta)/security/auditLog/queries)";
    server.Post(kQueries, AuditRoute("POST /{v}/security/auditLog/queries",
                                     &GraphService::CreateQuery, &create_reply_faults_));
    server.Get(kQueries,
               AuditRoute("GET /{v}/security/auditLog/queries", &GraphService::ListQueries));
    server.Get(std::string(kQueries) + "/([^/]+)",
               AuditRoute("GET /{v}/security/auditLog/queries/{id}", &GraphService::GetQuery));
    server.Get(
        std::string(kQueries) + "/([^/]+)/records",
        AuditRoute("GET /{v}/security/auditLog/queries/{id}/records", &GraphService::ListRecords));

    // Users: a single read needs the role here; a batch checks it per item (users.hpp).
    server.Get(
        R"(/(v1\.0|beta)/users(/[^/]+|\('[^/]*'\)))",
        GraphRoute("GET /{v}/users/{id}",
                   [this](const httplib::Request& request, httplib::Response& response,
                          const GraphCall& call) { users_.GetUser(request, response, call); },
                   {}));
    server.Post(R"(/(v1\.0|beta)/\$batch)",
                GraphRoute("POST /{v}/$batch",
                           [this](const httplib::Request& request, httplib::Response& response,
                                  const GraphCall& call) { users_.Batch(request, response, call); },
                           {}));

    constexpr char kFeed[] = R"(/api/v1\.0/([^/]+)/activity/feed)";
    server.Post(std::string(kFeed) + "/subscriptions/start",
                ManagementRoute("POST /api/v1.0/{tenant}/activity/feed/subscriptions/start",
                                "StartSubscription", &ManagementService::Start));
    server.Post(std::string(kFeed) + "/subscriptions/stop",
                ManagementRoute("POST /api/v1.0/{tenant}/activity/feed/subscriptions/stop",
                                "StopSubscription", &ManagementService::Stop));
    server.Get(std::string(kFeed) + "/subscriptions/list",
               ManagementRoute("GET /api/v1.0/{tenant}/activity/feed/subscriptions/list",
                               "ListSubscriptions", &ManagementService::List));
    server.Get(std::string(kFeed) + "/subscriptions/content",
               ManagementRoute("GET /api/v1.0/{tenant}/activity/feed/subscriptions/content",
                               "ListContent", &ManagementService::Content));
    server.Get(std::string(kFeed) + "/audit/([^/]+)",
               ManagementRoute("GET /api/v1.0/{tenant}/activity/feed/audit/{contentId}", "GetBlob",
                               &ManagementService::Blob));

    // Control routes for tests: no auth and never any fault.
    server.Post(
        "/_emulator/faults", [this](const httplib::Request& request, httplib::Response& response) {
          std::string error;
          const auto spec = ParseFaultSpec(request.body, error);
          if (!spec) {
            response.status = 400;
            response.set_content(nlohmann::json{{"error", error}}.dump(), kEntraContentType);
            return;
          }
          faults_.Replace(*spec);
          spdlog::info("fault spec now '{}'", spec->text);
          response.set_content(nlohmann::json{{"faults", spec->text}}.dump(), kEntraContentType);
        });
    server.Get("/_emulator/faults", [this](const httplib::Request&, httplib::Response& response) {
      response.set_content(nlohmann::json{{"faults", faults_.Current().text}}.dump(),
                           kEntraContentType);
    });
    server.Get("/_emulator/stats", [this](const httplib::Request&, httplib::Response& response) {
      nlohmann::json stats = stats_.ToJson();
      stats["unfinished_queries"] = graph_.UnfinishedQueries();
      response.set_content(stats.dump(), kEntraContentType);
    });
    server.Post("/_emulator/clock",
                [this](const httplib::Request& request, httplib::Response& response) {
                  SetClock(request, response);
                });
    server.Get("/_emulator/clock", [this](const httplib::Request&, httplib::Response& response) {
      response.set_content(ClockJson().dump(), kEntraContentType);
    });

    server.set_pre_routing_handler([](const httplib::Request&, httplib::Response&) {
      t_fault = {};
      return httplib::Server::HandlerResponse::Unhandled;
    });
    server.set_logger([this](const httplib::Request& request, const httplib::Response& response) {
      // Path only: no query string, headers or bodies (tokens and secrets live there).
      stats_.CountStatus(response.status);
      if (t_fault.empty()) {
        spdlog::info("{} {} {}", request.method, request.path, response.status);
      } else {
        spdlog::info("{} {} {} fault={}", request.method, request.path, response.status, t_fault);
      }
    });
    server.set_error_handler(httplib::Server::HandlerWithResponse(
        [this](const httplib::Request& request, httplib::Response& response) {
          if (!response.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
          const std::string message =
              fmt::format("No route for {} {}", request.method, request.path);
          if (request.path.rfind("/v1.0/", 0) == 0 || request.path.rfind("/beta/", 0) == 0) {
            const GraphCall call = NewCall(request);
            SetGraphHeaders(response, call);
            SendGraphError(response, response.status, "BadRequest", message, call);
          } else {
            response.set_content(
                nlohmann::json{{"error", "not_found"}, {"error_description", message}}.dump(),
                kEntraContentType);
          }
          return httplib::Server::HandlerResponse::Handled;
        }));
    server.set_exception_handler(
        [](const httplib::Request& request, httplib::Response& response, std::exception_ptr ep) {
          std::string what = "unknown exception";
          try {
            std::rethrow_exception(ep);
          } catch (const std::exception& e) {
            what = e.what();
          } catch (...) {
          }
          spdlog::error("{} {} failed: {}", request.method, request.path, what);
          response.status = 500;
          response.set_content(
              nlohmann::json{{"error", {{"code", "generalException"}, {"message", what}}}}.dump(),
              kGraphContentType);
        });
  }

  // A Key Vault or managed identity route: counted, and given the token routes' faults, whose
  // 429 and 503 bodies `transient` writes in that service's shape.
  using TransientError = void (*)(httplib::Response& response, int status);
  httplib::Server::Handler ServiceRoute(std::string route, TransientError transient,
                                        httplib::Server::Handler handler) {
    return [this, route = std::move(route), transient, handler = std::move(handler)](
               const httplib::Request& request, httplib::Response& response) {
      stats_.CountRequest(route);
      const Fault fault = faults_.Decide(RouteClass::kToken);
      NoteFault(route, fault.kind);
      if (fault.retry_after) response.set_header("Retry-After", retry_after_);
      switch (fault.kind) {
        case FaultKind::k429:
        case FaultKind::k429NoRetryAfter:
        case FaultKind::kStorm:
          return transient(response, 429);
        case FaultKind::k503:
          return transient(response, 503);
        default:
          break;
      }
      handler(request, response);
      ApplyLateFault(fault.kind, response);
    };
  }

  static void VaultTransientError(httplib::Response& response, int status) {
    if (status == 429) {
      return SendVaultError(response, 429, "Throttled",
                            "Request was not processed because too many requests were received. "
                            "Reason: VaultRequestTypeLimitReached");
    }
    SendVaultError(response, status, "ServiceUnavailable",
                   "The service is temporarily unavailable. Please retry later.");
  }

  static void IdentityTransientError(httplib::Response& response, int status) {
    response.status = status;
    response.set_content(
        nlohmann::json{
            {"error", "temporarily_unavailable"},
            {"error_description", status == 429 ? "Too many requests" : "Service unavailable"}}
            .dump(),
        kEntraContentType);
  }

  nlohmann::json ClockJson() const {
    const Clock::Reading reading = clock_.Read();
    return {
        {"now", auditsync::FormatIso8601(auditsync::Instant{std::chrono::seconds{reading.now}})},
        {"simulated", reading.simulated}};
  }

  // Body {"now": "<ISO 8601>"}: freezes the simulated clock there.
  void SetClock(const httplib::Request& request, httplib::Response& response) {
    const auto body = nlohmann::json::parse(request.body, nullptr, false);
    std::optional<auditsync::Instant> now;
    if (body.is_object() && body.contains("now") && body["now"].is_string()) {
      now = auditsync::ParseIso8601(body["now"].get<std::string>());
    }
    if (!now) {
      response.status = 400;
      response.set_content(
          nlohmann::json{{"error", R"(expected {"now": "<ISO 8601 time>"})"}}.dump(),
          kEntraContentType);
      return;
    }
    clock_.Set(now->time_since_epoch().count());
    const nlohmann::json reading = ClockJson();
    spdlog::info("clock now {} (simulated)", reading["now"].get<std::string>());
    response.set_content(reading.dump(), kEntraContentType);
  }

  static GraphCall NewCall(const httplib::Request& request) {
    GraphCall call;
    call.request_id = RandomGuid();
    call.client_request_id = request.has_header("client-request-id")
                                 ? request.get_header_value("client-request-id")
                                 : call.request_id;
    return call;
  }

  static void SetGraphHeaders(httplib::Response& response, const GraphCall& call) {
    response.set_header("request-id", call.request_id);
    response.set_header("client-request-id", call.client_request_id);
    response.set_header("Date", auditsync::FormatHttpDate(auditsync::NowUtc()));
  }

  void Unauthorized(const httplib::Request& request, httplib::Response& response,
                    const GraphCall& call, std::string_view message) {
    response.set_header(
        "WWW-Authenticate",
        fmt::format(R"(Bearer realm="", authorization_uri="{}/{}/oauth2/authorize", )"
                    R"(client_id="00000003-0000-0000-c000-000000000000")",
                    BaseUrl(request, port_), tenant_.config().tenant_id));
    SendGraphError(response, 401, "InvalidAuthenticationToken", message, call);
  }

  void NoteFault(const std::string& route, FaultKind fault) {
    if (fault == FaultKind::kNone) return;
    t_fault = FaultName(fault);
    stats_.CountFault(std::string(FaultName(fault)));
    spdlog::debug("fault {} on {}", FaultName(fault), route);
  }

  // `roles`: the token needs one of them, else 403 (none: any valid token). `scripted`: faults
  // for the replies of successful calls, in order, on top of the drawn ones.
  httplib::Server::Handler GraphRoute(std::string route, GraphHandler handler,
                                      std::vector<std::string> roles,
                                      CreateReplyFaults* scripted = nullptr) {
    return [this, route, handler, roles, scripted](const httplib::Request& request,
                                                   httplib::Response& response) {
      stats_.CountRequest(route);
      GraphCall call = NewCall(request);
      SetGraphHeaders(response, call);
      Fault fault = faults_.Decide(RouteClass::kGraph);
      NoteFault(route, fault.kind);
      if (fault.retry_after) response.set_header("Retry-After", retry_after_);
      switch (fault.kind) {
        case FaultKind::k429:
        case FaultKind::k429NoRetryAfter:
        case FaultKind::kStorm:
          return SendGraphError(response, 429, "TooManyRequests", "Please retry again later.",
                                call);
        case FaultKind::k503:
          return SendGraphError(response, 503, "serviceNotAvailable",
                                "The service is temporarily unavailable. Please retry later.",
                                call);
        case FaultKind::k504:
          return SendGraphError(response, 504, "gatewayTimeout",
                                "The gateway did not receive a timely response.", call);
        case FaultKind::kTokenExpiry:
          // The client must drop its cached token and fetch a new one.
          tokens_.Revoke(BearerToken(request));
          return Unauthorized(request, response, call,
                              "Lifetime validation failed, the token is expired.");
        default:
          break;
      }
      switch (tokens_.Check(BearerToken(request))) {
        case TokenState::kValid:
          break;
        case TokenState::kMissing:
          return Unauthorized(request, response, call, "Access token is empty.");
        case TokenState::kUnknown:
        case TokenState::kWrongAudience:  // e.g. a Key Vault token
          return Unauthorized(request, response, call,
                              "Access token validation failure. Invalid audience.");
        case TokenState::kExpired:
        case TokenState::kRevoked:
          return Unauthorized(request, response, call,
                              "Lifetime validation failed, the token is expired.");
      }
      if (graph_forbidden_) {
        return SendGraphError(response, 403, "Authorization_RequestDenied",
                              "Insufficient privileges to complete the operation.", call);
      }
      call.roles = tokens_.Roles(BearerToken(request));
      if (!roles.empty() && std::none_of(roles.begin(), roles.end(), [&](const std::string& role) {
            return std::find(call.roles.begin(), call.roles.end(), role) != call.roles.end();
          })) {
        return SendGraphError(response, 403, "Authorization_RequestDenied",
                              fmt::format("Insufficient privileges to complete the operation. "
                                          "The token needs the application permission {}.",
                                          roles.front()),
                              call);
      }
      handler(request, response, call);
      if (scripted != nullptr && fault.kind == FaultKind::kNone && response.status / 100 == 2) {
        fault.kind = scripted->Next();
        if (fault.kind != FaultKind::kNone) {
          t_fault = CreateReplyFaultName(fault.kind);
          stats_.CountFault(std::string(t_fault));
        }
      }
      ApplyLateFault(fault.kind, response);
    };
  }

  using ManagementMethod = void (ManagementService::*)(const httplib::Request&, httplib::Response&);

  // A Management Activity API route: its faults answer in that API's shape (AF429 with HTTP 429,
  // or with HTTP 403 as the troubleshooting doc shows it, AF50000), then the token (for the
  // Management audience, with ActivityFeed.Read), the tenant and the request rate are checked.
  httplib::Server::Handler ManagementRoute(std::string route, std::string call,
                                           ManagementMethod method) {
    return
        [this, route, call, method](const httplib::Request& request, httplib::Response& response) {
          stats_.CountRequest(route);
          const Fault fault = faults_.Decide(RouteClass::kGraph);
          NoteFault(route, fault.kind);
          if (fault.retry_after) response.set_header("Retry-After", retry_after_);
          const std::string throttled =
              fmt::format("Too many requests. Method={}, PublisherId={}", call,
                          request.get_param_value("PublisherIdentifier"));
          switch (fault.kind) {
            case FaultKind::k429:
              return SendAfError(response, 429, "AF429", throttled);
            case FaultKind::k429NoRetryAfter:
              return SendAfError(response, 403, "AF429", throttled);
            case FaultKind::kStorm:
              return SendAfError(response, fault.retry_after ? 429 : 403, "AF429", throttled);
            case FaultKind::k503:
              return SendAfError(response, 503, "AF50000",
                                 "An internal error occurred. Retry the request.");
            case FaultKind::k504:
              response.status = 504;
              response.set_content("Gateway Timeout", "text/plain");
              return;
            case FaultKind::kTokenExpiry:
              tokens_.Revoke(BearerToken(request));
              return ManagementUnauthorized(response);
            default:
              break;
          }
          if (tokens_.Check(BearerToken(request), Audience::kManagement) != TokenState::kValid) {
            return ManagementUnauthorized(response);
          }
          const auto roles = tokens_.Roles(BearerToken(request));
          if (std::find(roles.begin(), roles.end(), "ActivityFeed.Read") == roles.end()) {
            return SendAfError(response, 401, "AF10001",
                               "The permission set () sent in the request did not include the "
                               "expected permission ActivityFeed.Read.");
          }
          if (!management_.Admit(request, response, call)) return;
          (management_.*method)(request, response);
          ApplyLateFault(fault.kind, response);
        };
  }

  // What ASP.NET answers for a missing, expired or foreign token (the API's front end).
  static void ManagementUnauthorized(httplib::Response& response) {
    response.status = 401;
    response.set_header("WWW-Authenticate", "Bearer");
    response.set_content(
        nlohmann::json{{"Message", "Authorization has been denied for this request."}}.dump(),
        kEntraContentType);
  }

  using EntraMethod = void (EntraService::*)(const httplib::Request&, httplib::Response&);

  httplib::Server::Handler TokenRoute(std::string route, EntraMethod method) {
    return [this, route, method](const httplib::Request& request, httplib::Response& response) {
      stats_.CountRequest(route);
      const Fault fault = faults_.Decide(RouteClass::kToken);
      NoteFault(route, fault.kind);
      if (fault.retry_after) response.set_header("Retry-After", retry_after_);
      switch (fault.kind) {
        case FaultKind::k429:
        case FaultKind::k429NoRetryAfter:
        case FaultKind::kStorm:
          return SendEntraError(request, response, 429, "temporarily_unavailable", 90055,
                                "TenantThrottlingError - There are too many incoming requests. "
                                "Please try again later.",
                                port_);
        case FaultKind::k503:
          return SendEntraError(request, response, 503, "temporarily_unavailable", 90033,
                                "A transient error has occurred. Please try again.", port_);
        default:
          break;
      }
      (entra_.*method)(request, response);
      ApplyLateFault(fault.kind, response);
    };
  }

  Tenant tenant_;
  Clock clock_;
  Stats stats_;
  TokenTable tokens_;
  FaultInjector faults_;
  CreateReplyFaults create_reply_faults_;
  EntraService entra_;
  KeyVaultService vault_;
  GraphService graph_;
  ContentModel content_;
  ManagementService management_;
  Directory directory_;
  FaultInjector item_faults_;
  UsersService users_;
  std::string retry_after_;
  int port_;
  bool vault_enabled_;
  bool managed_identity_;
  bool graph_forbidden_;
};

}  // namespace

std::string ValidateServeOptions(const ServeOptions& options) {
  if (options.port < 0 || options.port > 65535) return "--port must be between 0 and 65535";
  if (options.client_secret.empty() && !options.client_certificate) {
    return "a client secret is required: --client-secret-file F or the environment variable "
           "AUDITSYNC_EMULATOR_CLIENT_SECRET (or a certificate: --client-certificate F)";
  }
  if (options.client_certificate) {
    try {
      AssertionVerifier verifier(*options.client_certificate);
    } catch (const std::exception& e) {
      return std::string("--client-certificate: ") + e.what();
    }
  }
  const int federated_parts = static_cast<int>(!options.federated_issuer.empty()) +
                              static_cast<int>(!options.federated_subject.empty()) +
                              static_cast<int>(options.federated_issuer_key.has_value());
  if (federated_parts != 0 && federated_parts != 3) {
    return "--federated-issuer, --federated-subject and --federated-issuer-key go together";
  }
  if (const auto federated = FederatedOf(options)) {
    try {
      FederatedVerifier verifier(*federated);
    } catch (const std::exception& e) {
      return std::string("--federated-issuer-key: ") + e.what();
    }
  }
  if (options.token_lifetime_seconds < 1) return "--token-lifetime must be at least 1";
  if (options.query_polls < 0) return "--query-polls must not be negative";
  if (options.query_delay_ms < 0) return "--query-delay-ms must not be negative";
  if (options.record_cap < 1) return "--record-cap must be at least 1";
  if (options.default_page_size < 1) return "--default-page-size must be at least 1";
  if (options.max_page_size < 1) return "--max-page-size must be at least 1";
  if (!(options.fail_queries >= 0 && options.fail_queries <= 1)) {
    return "--fail-queries must be between 0 and 1";
  }
  if (!(options.stuck_queries >= 0 && options.stuck_queries <= 1)) {
    return "--stuck-queries must be between 0 and 1";
  }
  if (options.query_budget < 1) return "--query-budget must be at least 1";
  if (options.first_content_delay < 0) return "--first-content-delay must not be negative";
  if (options.content_page_size < 1) return "--content-page-size must be at least 1";
  if (!(options.expired_blobs >= 0 && options.expired_blobs <= 1)) {
    return "--expired-blobs must be between 0 and 1";
  }
  if (options.management_rate < 0) return "--management-rate must not be negative";
  if (options.blob_latency_ms < 0) return "--blob-latency-ms must not be negative";
  if (options.next_page_header != "NextPageUri" && options.next_page_header != "NextPageUrl") {
    return "--next-page-header must be NextPageUri or NextPageUrl";
  }
  if (options.max_unfinished < 1) return "--max-unfinished must be at least 1";
  if (!(options.retry_after_seconds >= 0)) return "--retry-after must not be negative";
  if (options.threads < 1 || options.threads > 1024) return "--threads must be 1..1024";
  std::string error;
  if (!ParseFaultSpec(options.faults, error)) return "--faults: " + error;
  if (!ParseCreateReplyFaults(options.create_reply_faults, error)) {
    return "--create-reply-faults: " + error;
  }
  const auto item_faults = ParseFaultSpec(options.batch_item_faults, error);
  if (!item_faults) return "--batch-item-faults: " + error;
  for (std::size_t kind = 0; kind < kFaultKinds; ++kind) {
    const auto fault = static_cast<FaultKind>(kind);
    if (item_faults->probability[kind] > 0 && fault != FaultKind::k429 &&
        fault != FaultKind::k429NoRetryAfter && fault != FaultKind::k503) {
      return "--batch-item-faults: a batch item can get 429, 429-no-retry-after or 503, not " +
             std::string(FaultName(fault));
    }
  }
  return {};
}

void BlockShutdownSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
}

int Serve(const TenantConfig& tenant, const ServeOptions& options) {
  // A client that hangs up mid-response must not kill the server.
  signal(SIGPIPE, SIG_IGN);

  std::string error;
  FaultSpec spec = *ParseFaultSpec(options.faults, error);

  TlsMaterial tls = GenerateTlsMaterial();
  httplib::SSLServer server(tls.server_cert.get(), tls.server_key.get());
  if (!server.is_valid()) {
    spdlog::error("could not set up the TLS context");
    return 1;
  }
  const auto threads = static_cast<std::size_t>(options.threads);
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  // Headers and body are separate writes: without this, Nagle's algorithm and the client's
  // delayed ACK can hold a small response back for 40 ms.
  server.set_tcp_nodelay(true);
  // cpp-httplib closes a connection after 5 requests by default; real Graph keeps it far longer,
  // and a paging client should not pay a TLS handshake every fifth page.
  server.set_keep_alive_max_count(100);
  // cpp-httplib's default options add SO_REUSEPORT, which would let a second emulator bind the
  // same port and take half of the connections; keep only SO_REUSEADDR.
  int listen_socket = -1;
  server.set_socket_options([&listen_socket](socket_t sock) {
    const int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    listen_socket = sock;
  });

  int port = options.port;
  if (port == 0) {
    port = server.bind_to_any_port(options.bind);
  } else if (!server.bind_to_port(options.bind, port)) {
    port = -1;
  }
  if (port <= 0) {
    spdlog::error("cannot listen on {}:{}", options.bind, options.port);
    return 1;
  }
  // cpp-httplib listens with a backlog of 5; a burst of parallel clients would see dropped SYNs
  // and one-second retransmits. Linux lets listen() be called again to raise it.
  if (listen_socket >= 0) listen(listen_socket, SOMAXCONN);

  Emulator emulator(tenant, options, std::move(spec), port, server);

  try {
    // The CA file must exist before the port file announces that the server is ready.
    if (!options.ca_file.empty()) WriteFileAtomically(options.ca_file, tls.ca_pem);
    if (!options.port_file.empty()) {
      WriteFileAtomically(options.port_file, std::to_string(port) + "\n");
    }
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
  spdlog::info("listening on https://{}:{} (tenant {}, seed {})", options.bind, port,
               tenant.tenant_id, tenant.seed);

  std::atomic<bool> stopping{false};
  std::atomic<bool> finished{false};
  bool listen_ok = true;
  std::thread listener([&] {
    listen_ok = server.listen_after_bind();
    finished = true;
    // If the server stopped on its own, wake the main thread's sigwait.
    if (!stopping) kill(getpid(), SIGTERM);
  });

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  int received = 0;
  sigwait(&signals, &received);
  stopping = true;
  if (!finished) spdlog::info("signal {} received, shutting down", received);
  // stop() only takes effect once the accept loop runs, and must be called once.
  bool stop_called = false;
  auto deadline = std::chrono::steady_clock::time_point::max();
  while (!finished) {
    if (!stop_called && server.is_running()) {
      server.stop();
      stop_called = true;
      deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    }
    if (std::chrono::steady_clock::now() > deadline) {
      // Workers still wait on idle keep-alive connections (cpp-httplib polls them for up to
      // five seconds without noticing stop()). Nothing is left to flush, so end here.
      spdlog::info("closing idle connections and exiting");
      spdlog::default_logger()->flush();
      std::fflush(nullptr);
      _exit(0);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  listener.join();
  return listen_ok ? 0 : 1;
}

}  // namespace emulator
