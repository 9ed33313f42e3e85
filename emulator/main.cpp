// auditsync-emulator: `serve` runs the fake Entra + Graph endpoints over HTTPS; `truth` prints
// what a correct client must report for a window of the same synthetic tenant.
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <vector>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "core/time.hpp"
#include "directory.hpp"
#include "purview_export.hpp"
#include "server.hpp"
#include "tenant.hpp"
#include "truth.hpp"

namespace {

constexpr char kSecretVariable[] = "AUDITSYNC_EMULATOR_CLIENT_SECRET";

void AddTenantOptions(CLI::App& command, emulator::TenantConfig& tenant) {
  command.add_option("--seed", tenant.seed, "Tenant seed")->capture_default_str();
  command.add_option("--apps", tenant.apps, "Number of apps")->capture_default_str();
  command.add_option("--users", tenant.users, "Number of users")->capture_default_str();
  command.add_option("--environments", tenant.environments, "Number of environments")
      ->capture_default_str();
  command
      .add_option("--launches-per-hour", tenant.launches_per_hour,
                  "Average records per hour (varies by hour of day)")
      ->capture_default_str();
  command.add_option("--duplicate-rate", tenant.duplicate_rate, "Records served twice")
      ->capture_default_str();
  command.add_option("--malformed-rate", tenant.malformed_rate, "Records a client must quarantine")
      ->capture_default_str();
  command.add_option("--noise-rate", tenant.noise_rate, "Records of other operations")
      ->capture_default_str();
  command.add_option("--delete-rate", tenant.delete_rate, "DeletePowerApp records")
      ->capture_default_str();
  command.add_flag("--late-publication", tenant.late_publication,
                   "Publish each record after a delay (80% within 1 h, 100% within 7 days)");
  command
      .add_option("--boundary-rate", tenant.boundary_rate,
                  "Records created exactly on the hour, where windows meet")
      ->capture_default_str();
  command
      .add_option("--general-noise", tenant.general_noise,
                  "Management Activity API: Audit.General records of other workloads per Power "
                  "Apps record")
      ->capture_default_str();
  command
      .add_option("--blob-records", tenant.blob_records,
                  "Management Activity API: records per content blob")
      ->capture_default_str();
  command
      .add_option("--guest-rate", tenant.guest_rate,
                  "Users who are B2B guests (UPN name_domain#EXT#@tenant)")
      ->capture_default_str();
  command
      .add_option("--dollar-rate", tenant.dollar_rate,
                  "Users whose UPN starts with '$' (read as /users('$...'))")
      ->capture_default_str();
  command.add_option("--tenant-id", tenant.tenant_id, "Tenant GUID")->capture_default_str();
  command.add_option("--tenant-domain", tenant.tenant_domain, "Tenant domain")
      ->capture_default_str();
  command.add_option("--client-id", tenant.client_id, "Application (client) id")
      ->capture_default_str();
}

// File content without its trailing newline; nullopt when unreadable.
std::optional<std::string> ReadSecretFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream content;
  content << in.rdbuf();
  std::string secret = content.str();
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  return secret;
}

// --vault-secret NAME=FILE values into name -> secret; false (with a message) on a bad one.
bool ReadVaultSecrets(const std::vector<std::string>& specs,
                      std::map<std::string, std::string>& secrets) {
  for (const std::string& spec : specs) {
    const auto equals = spec.find('=');
    const std::string name = spec.substr(0, equals);
    // Key Vault secret names: 1-127 letters, digits and dashes.
    const bool valid_name =
        equals != std::string::npos && !name.empty() && name.size() <= 127 &&
        name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") ==
            std::string::npos;
    if (!valid_name) {
      std::cerr << "auditsync-emulator: --vault-secret wants NAME=FILE, NAME of letters, digits "
                   "and dashes\n";
      return false;
    }
    const auto value = ReadSecretFile(spec.substr(equals + 1));
    if (!value) {
      std::cerr << "auditsync-emulator: cannot read the file of --vault-secret " << name << "\n";
      return false;
    }
    if (!secrets.emplace(name, *value).second) {
      std::cerr << "auditsync-emulator: --vault-secret " << name << " given twice\n";
      return false;
    }
  }
  return true;
}

// The content of the file option `flag` names, into `target` (untouched when `path` is empty);
// false, with a message, when it cannot be read or is empty and `may_be_empty` is not set.
bool ReadOptionFile(const char* flag, const std::string& path, std::optional<std::string>& target,
                    bool may_be_empty) {
  if (path.empty()) return true;
  target = ReadSecretFile(path);
  if (!target || (!may_be_empty && target->empty())) {
    std::cerr << "auditsync-emulator: cannot read " << flag << " " << path << "\n";
    return false;
  }
  return true;
}

std::optional<std::int64_t> ParseInstant(const std::string& text) {
  const auto instant = auditsync::ParseIso8601(text);
  if (!instant) return std::nullopt;
  return instant->time_since_epoch().count();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "auditsync-emulator: local HTTPS stand-in for Microsoft Entra ID and the Graph "
      "audit log query API, with a deterministic synthetic tenant"};
  app.require_subcommand(1);

  emulator::TenantConfig tenant;
  emulator::ServeOptions serve_options;
  std::string secret_file;
  std::string expired_secret_file;
  std::string log_level = "info";
  std::string now_text;
  std::vector<std::string> vault_secret_specs;
  std::string identity_header_file;
  std::string client_certificate_file;
  std::string federated_issuer_key_file;

  CLI::App* serve = app.add_subcommand("serve", "Run the HTTPS server until SIGINT/SIGTERM");
  AddTenantOptions(*serve, tenant);
  serve->add_option("--port", serve_options.port, "Port (0: ephemeral)")->capture_default_str();
  serve->add_option("--bind", serve_options.bind, "Address to bind")->capture_default_str();
  serve->add_option("--port-file", serve_options.port_file,
                    "Write the bound port here (atomically) once listening");
  serve->add_option("--ca-file", serve_options.ca_file,
                    "Write the CA certificate (PEM) here before the port file");
  serve->add_option("--client-secret-file", secret_file,
                    std::string("File holding the client secret (else $") + kSecretVariable + ")");
  serve->add_option("--expired-secret-file", expired_secret_file,
                    "File holding a second secret that is reported as expired");
  serve
      ->add_option("--token-lifetime", serve_options.token_lifetime_seconds,
                   "Access token lifetime in seconds")
      ->capture_default_str();
  serve->add_option("--query-polls", serve_options.query_polls, "A query succeeds on its N-th GET")
      ->capture_default_str();
  serve
      ->add_option("--query-delay-ms", serve_options.query_delay_ms,
                   "Minimum time from creation to success")
      ->capture_default_str();
  serve->add_option("--record-cap", serve_options.record_cap, "Per-query recordCountLimit")
      ->capture_default_str();
  serve
      ->add_option("--default-page-size", serve_options.default_page_size,
                   "Records per page without $top")
      ->capture_default_str();
  serve->add_option("--max-page-size", serve_options.max_page_size, "$top is clamped to this")
      ->capture_default_str();
  serve
      ->add_option("--fail-queries", serve_options.fail_queries,
                   "Fraction of queries that end failed")
      ->capture_default_str();
  serve
      ->add_option("--stuck-queries", serve_options.stuck_queries,
                   "Fraction of queries that stay running forever")
      ->capture_default_str();
  serve->add_flag("--inclusive-end", serve_options.inclusive_end,
                  "filterEndDateTime includes records created at that very second");
  serve
      ->add_option("--query-budget", serve_options.query_budget,
                   "Query submissions per rolling 24 hours of emulator time")
      ->capture_default_str();
  serve
      ->add_option("--max-unfinished", serve_options.max_unfinished,
                   "Queries notStarted or running at once")
      ->capture_default_str();
  serve->add_option("--now", now_text,
                    "Simulated current time (ISO 8601 UTC), frozen until POST /_emulator/clock");
  serve->add_option("--faults", serve_options.faults,
                    "Fault spec, e.g. 429=0.05,503=0.03,drop=0.02,truncate=0.02,token-expiry=0.01,"
                    "storm=0.005");
  serve->add_option("--create-reply-faults", serve_options.create_reply_faults,
                    "Faults of the replies to the first successful query creations, in order "
                    "(the query is created): e.g. drop,truncate,none,drop");
  serve->add_option("--fault-seed", serve_options.fault_seed, "Seed of the fault PRNG")
      ->capture_default_str();
  serve
      ->add_option("--retry-after", serve_options.retry_after_seconds,
                   "Retry-After seconds on 429/503 faults")
      ->capture_default_str();
  serve
      ->add_option("--threads", serve_options.threads,
                   "Worker threads (connections served "
                   "at once)")
      ->capture_default_str();
  serve->add_option("--vault-secret", vault_secret_specs,
                    "Serve a Key Vault secret NAME whose value is the content of FILE "
                    "(NAME=FILE, repeatable)");
  serve->add_flag("--vault-deny", serve_options.vault_deny,
                  "Key Vault answers 403 Forbidden to every authenticated request");
  serve->add_flag("--graph-forbidden", serve_options.graph_forbidden,
                  "Graph answers the audit log query routes 403 Authorization_RequestDenied to "
                  "valid tokens (no admin consent for AuditLogsQuery.Read.All)");
  serve->add_flag("--managed-identity", serve_options.managed_identity,
                  "Answer the managed identity token endpoints (IMDS, and /msi/token with "
                  "--identity-header-file)");
  serve->add_option("--identity-header-file", identity_header_file,
                    "File holding the X-IDENTITY-HEADER value /msi/token requires");
  serve->add_option("--client-certificate", client_certificate_file,
                    "PEM certificate (RSA) whose key signs client assertions (RS256 or PS256)");
  serve->add_option("--federated-issuer", serve_options.federated_issuer,
                    "Issuer (iss) of the federated credential, e.g. a cluster's OIDC issuer URL");
  serve->add_option("--federated-subject", serve_options.federated_subject,
                    "Subject (sub) of the federated credential, e.g. "
                    "system:serviceaccount:NAMESPACE:NAME");
  serve->add_option("--federated-issuer-key", federated_issuer_key_file,
                    "PEM public key (or certificate) of the issuer's RS256 signing key");
  std::string subscription = "enabled";
  serve
      ->add_option("--subscription", subscription,
                   "Management Activity API: the Audit.General subscription at start (enabled, "
                   "none: AF20022 until a client starts it, disabled: AF20023)")
      ->check(CLI::IsMember({"enabled", "none", "disabled"}))
      ->capture_default_str();
  serve
      ->add_option("--first-content-delay", serve_options.first_content_delay,
                   "Seconds (emulator time) after a subscription starts before its content is "
                   "listed")
      ->capture_default_str();
  serve
      ->add_option("--content-page-size", serve_options.content_page_size,
                   "Blobs per content listing page")
      ->capture_default_str();
  serve
      ->add_option("--expired-blobs", serve_options.expired_blobs,
                   "Fraction of blobs that answer AF20051 (expired) whatever their age")
      ->capture_default_str();
  serve
      ->add_option("--management-rate", serve_options.management_rate,
                   "Management Activity API requests per minute per tenant (AF429 beyond; 0: no "
                   "limit)")
      ->capture_default_str();
  serve
      ->add_option("--next-page-header", serve_options.next_page_header,
                   "Name of the listing's next-page header: NextPageUri or NextPageUrl")
      ->capture_default_str();
  serve
      ->add_option("--blob-latency-ms", serve_options.blob_latency_ms,
                   "Real time each content blob takes before it is sent (the service's latency)")
      ->capture_default_str();
  bool without_activity_feed_read = false;
  serve->add_flag("--without-activity-feed-read", without_activity_feed_read,
                  "Management Activity API tokens lack ActivityFeed.Read (AF10001)");
  serve->add_option("--log-level", log_level, "trace, debug, info, warn, error or off")
      ->capture_default_str();

  serve
      ->add_option("--graph-roles", serve_options.graph_roles,
                   "Application roles of issued Graph tokens (comma-separated)")
      ->delimiter(',')
      ->capture_default_str();
  serve->add_option("--batch-item-faults", serve_options.batch_item_faults,
                    "Faults of single $batch items, e.g. 429=0.2,503=0.05");

  CLI::App* directory = app.add_subcommand(
      "directory", "Print every user's profile as Graph /users gives it (deleted ones included)");
  AddTenantOptions(*directory, tenant);

  std::string from_text;
  std::string to_text;
  bool summary = false;
  CLI::App* truth =
      app.add_subcommand("truth", "Print the ground-truth apps report for [from, to)");
  AddTenantOptions(*truth, tenant);
  truth->add_option("--from", from_text, "Window start (ISO 8601, inclusive)")->required();
  truth->add_option("--to", to_text, "Window end (ISO 8601, exclusive)")->required();
  truth->add_flag("--summary", summary, "Print record counts instead of the apps report");
  bool content = false;
  truth->add_flag("--content", content,
                  "With --summary: also the Management Activity API's Audit.General content of "
                  "the hours of the window (blobs, and records of every workload)");
  std::string as_of_text;
  truth->add_option("--as-of", as_of_text,
                    "Count only records a query created at this time sees (default: all records "
                    "created by now, however late they are published)");

  std::string export_format = "new";
  std::string export_output;
  int broken_rows = 0;
  CLI::App* purview_export = app.add_subcommand(
      "purview-export",
      "Write the audit log of [from, to) as a Microsoft Purview audit search export (CSV) and "
      "print what it holds");
  AddTenantOptions(*purview_export, tenant);
  purview_export->add_option("--from", from_text, "Window start (ISO 8601, inclusive)")->required();
  purview_export->add_option("--to", to_text, "Window end (ISO 8601, exclusive)")->required();
  purview_export
      ->add_option("--format", export_format,
                   "Header version: new (RecordId, CreationDate, RecordType, Operation, UserId, "
                   "AuditData, ...) or old (CreationDate, UserIds, Operations, AuditData)")
      ->check(CLI::IsMember({"new", "old"}))
      ->capture_default_str();
  purview_export
      ->add_option("--broken-rows", broken_rows,
                   "Rows no reader can use, spread through the file (a field missing, AuditData "
                   "cut short or not JSON, text after a closing quote)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  purview_export->add_option("--output", export_output, "The CSV file to write")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help exits 0; every usage error exits 2, like an invalid option value.
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }

  if (const std::string error = emulator::ValidateTenantConfig(tenant); !error.empty()) {
    std::cerr << "auditsync-emulator: " << error << "\n";
    return 2;
  }

  if (directory->parsed()) {
    std::cout << emulator::Directory(emulator::Tenant(tenant)).ToJson().dump(2) << "\n";
    return 0;
  }

  // The window of `truth` and `purview-export`.
  const auto from = ParseInstant(from_text);
  const auto to = ParseInstant(to_text);
  if ((truth->parsed() || purview_export->parsed()) && (!from || !to)) {
    std::cerr << "auditsync-emulator: --from and --to must be ISO 8601 times\n";
    return 2;
  }

  if (purview_export->parsed()) {
    std::ofstream out(export_output, std::ios::binary);
    if (!out) {
      std::cerr << "auditsync-emulator: cannot write --output " << export_output << "\n";
      return 2;
    }
    emulator::PurviewExportOptions options;
    options.from = *from;
    options.to = *to;
    options.now = auditsync::NowUtc().time_since_epoch().count();
    options.format =
        export_format == "old" ? emulator::ExportFormat::kOld : emulator::ExportFormat::kNew;
    options.broken_rows = broken_rows;
    const auto stats = emulator::WritePurviewExport(emulator::Tenant(tenant), options, out);
    out.close();
    if (!out) {
      std::cerr << "auditsync-emulator: cannot write --output " << export_output << "\n";
      return 1;
    }
    std::cout << emulator::PurviewExportStatsToJson(stats).dump(2) << "\n";
    return 0;
  }

  if (truth->parsed()) {
    auto snapshot = emulator::Snapshot::Settled(auditsync::NowUtc().time_since_epoch().count());
    if (!as_of_text.empty()) {
      const auto as_of = ParseInstant(as_of_text);
      if (!as_of) {
        std::cerr << "auditsync-emulator: --as-of must be an ISO 8601 time\n";
        return 2;
      }
      snapshot = emulator::Snapshot::At(*as_of);
    }
    const emulator::Tenant model(tenant);
    nlohmann::json out =
        summary ? emulator::SummaryToJson(emulator::ComputeSummary(model, *from, *to, snapshot))
                : emulator::TruthToJson(emulator::ComputeTruth(model, *from, *to, snapshot));
    if (summary && content) {
      out["content"] =
          emulator::ContentSummaryToJson(emulator::ComputeContentSummary(model, *from, *to));
    }
    std::cout << out.dump(2) << "\n";
    return 0;
  }

  const auto level = spdlog::level::from_str(log_level);
  if (level == spdlog::level::off && log_level != "off") {
    std::cerr << "auditsync-emulator: unknown --log-level " << log_level << "\n";
    return 2;
  }

  // serve. Signals first: every thread started from here on inherits the mask.
  emulator::BlockShutdownSignals();
  auto logger = spdlog::stderr_color_mt("emulator");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(level);

  if (!secret_file.empty()) {
    const auto secret = ReadSecretFile(secret_file);
    if (!secret) {
      std::cerr << "auditsync-emulator: cannot read --client-secret-file " << secret_file << "\n";
      return 2;
    }
    serve_options.client_secret = *secret;
  } else if (const char* value = std::getenv(kSecretVariable)) {
    serve_options.client_secret = value;
  }
  // An empty secret or header would match nothing, while an empty certificate or key is left
  // for ValidateServeOptions to name.
  if (!ReadOptionFile("--expired-secret-file", expired_secret_file, serve_options.expired_secret,
                      false) ||
      !ReadVaultSecrets(vault_secret_specs, serve_options.vault_secrets) ||
      !ReadOptionFile("--identity-header-file", identity_header_file, serve_options.identity_header,
                      false) ||
      !ReadOptionFile("--client-certificate", client_certificate_file,
                      serve_options.client_certificate, true) ||
      !ReadOptionFile("--federated-issuer-key", federated_issuer_key_file,
                      serve_options.federated_issuer_key, true)) {
    return 2;
  }
  serve_options.subscription = subscription == "none"       ? emulator::SubscriptionState::kNone
                               : subscription == "disabled" ? emulator::SubscriptionState::kDisabled
                                                            : emulator::SubscriptionState::kEnabled;
  serve_options.activity_feed_read = !without_activity_feed_read;
  if (!now_text.empty()) {
    serve_options.simulated_now = ParseInstant(now_text);
    if (!serve_options.simulated_now) {
      std::cerr << "auditsync-emulator: --now must be an ISO 8601 time\n";
      return 2;
    }
  }
  if (const std::string error = emulator::ValidateServeOptions(serve_options); !error.empty()) {
    std::cerr << "auditsync-emulator: " << error << "\n";
    return 2;
  }
  try {
    return emulator::Serve(tenant, serve_options);
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
}
