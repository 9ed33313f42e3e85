// The `serve` command: an HTTPS server that hosts the fake Entra and Graph routes, injects
// faults, and exposes the /_emulator control routes. Runs until SIGINT or SIGTERM.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "management.hpp"
#include "tenant.hpp"

namespace emulator {

struct ServeOptions {
  std::string bind = "127.0.0.1";
  int port = 0;  // 0: an ephemeral port, reported through port_file
  std::string port_file;
  std::string ca_file;
  std::string client_secret;  // from --client-secret-file or the environment; never logged
  std::optional<std::string> expired_secret;
  int token_lifetime_seconds = 3599;
  int query_polls = 2;
  int query_delay_ms = 0;
  std::uint64_t record_cap = 1'000'000;
  int default_page_size = 100;
  int max_page_size = 1000;
  double fail_queries = 0;
  double stuck_queries = 0;
  bool inclusive_end = false;
  int query_budget = 200;
  int max_unfinished = 50;
  std::optional<std::int64_t> simulated_now;  // --now, Unix seconds; else the real time
  std::string faults;
  std::string create_reply_faults;  // e.g. "drop,truncate": the replies of the first creations
  std::uint64_t fault_seed = 7;
  double retry_after_seconds = 0.05;
  int threads = 32;
  std::map<std::string, std::string> vault_secrets;  // --vault-secret NAME=FILE; never logged
  bool vault_deny = false;
  // Graph refuses the audit log query routes with 403, as when the application permission
  // AuditLogsQuery.Read.All has no admin consent (or audit search is off in the tenant).
  bool graph_forbidden = false;
  bool managed_identity = false;
  std::optional<std::string> identity_header;     // --identity-header-file; never logged
  std::optional<std::string> client_certificate;  // --client-certificate: PEM
  // --federated-issuer, --federated-subject and --federated-issuer-key (PEM): a federated
  // identity credential of the application; registered when the key is given.
  std::string federated_issuer;
  std::string federated_subject;
  std::optional<std::string> federated_issuer_key;
  // The Management Activity API (management.hpp).
  SubscriptionState subscription = SubscriptionState::kEnabled;
  std::int64_t first_content_delay = 0;  // seconds
  int content_page_size = 100;
  double expired_blobs = 0;
  int management_rate = 2000;  // requests per minute; 0: no limit
  std::string next_page_header = "NextPageUri";
  int blob_latency_ms = 0;
  bool activity_feed_read = true;
  // --graph-roles: the application roles of issued Graph tokens. The audit log query routes
  // require AuditLogsQuery.Read.All, the users routes User.Read.All (or Directory.Read.All).
  std::vector<std::string> graph_roles = {"AuditLogsQuery.Read.All", "User.Read.All"};
  // --batch-item-faults: faults of single items of a JSON batch (429, 429-no-retry-after, 503).
  std::string batch_item_faults;
};

// Empty when valid, else a message for the command line.
std::string ValidateServeOptions(const ServeOptions& options);

// Blocks until SIGINT/SIGTERM; returns the process exit code. The caller must have blocked
// SIGINT and SIGTERM in every thread (see BlockShutdownSignals) before any thread started.
int Serve(const TenantConfig& tenant, const ServeOptions& options);

// Blocks SIGINT and SIGTERM in the calling thread (and so in every thread it starts later), so
// that Serve can wait for them synchronously and shut down cleanly.
void BlockShutdownSignals();

}  // namespace emulator
