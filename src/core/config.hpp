// Every setting of auditsync, defined once (kSettings), read from a TOML file, overridden by
// environment variables, overridden by command-line flags, and resolved into one typed Config.
// docs/configuration.md and `--help` are written from the same table.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/keyvault_reference.hpp"
#include "core/secret.hpp"

namespace auditsync {

struct SettingSpec {
  std::string_view key;           // TOML key
  std::string_view env;           // environment variable
  std::string_view flag;          // command-line flag, empty when the setting has none
  std::string_view default_text;  // textual default, empty when there is none
  std::string_view meaning;
  std::string_view coe_variable;  // the CoE Starter Kit environment variable it replaces, if any
  bool secret = false;            // never printed, never accepted as a flag
};

// The one table of settings.
std::span<const SettingSpec> Settings();
const SettingSpec* FindSetting(std::string_view key);

// The settings table as Markdown, for docs/configuration.md (a test keeps the two identical).
std::string SettingsMarkdown();

// Where a raw value came from, so that errors name the place to fix.
enum class SettingSource { kDefault, kFile, kTenantTable, kEnvironment, kFlag, kStdin };
std::string DescribeSource(const SettingSpec& spec, SettingSource source);

// Settings as text, before typing. Later layers override earlier ones.
class RawSettings {
 public:
  void Set(std::string_view key, std::string value, SettingSource source);
  std::optional<std::string> Get(std::string_view key) const;
  SettingSource SourceOf(std::string_view key) const;
  // The configuration file the kFile values came from (set by LoadTomlFile); empty when none.
  void SetConfigFile(std::string path) { config_file_ = std::move(path); }
  const std::string& ConfigFile() const { return config_file_; }

  // A [[tenant]] table of the configuration file: its name and its settings, as text.
  struct Tenant {
    std::string name;
    std::vector<std::pair<std::string, std::string>> values;
  };
  void AddTenant(Tenant tenant) { tenants_.push_back(std::move(tenant)); }
  const std::vector<Tenant>& Tenants() const { return tenants_; }
  // These settings with `tenant`'s table layered over the file's top level (the environment and
  // the flags still override it), for that tenant alone.
  RawSettings ForTenant(const Tenant& tenant) const;
  // The tenant ForTenant made these settings for; empty for the configuration's own.
  const std::string& TenantName() const { return tenant_name_; }

 private:
  struct Entry {
    std::string value;
    SettingSource source;
  };
  std::map<std::string, Entry, std::less<>> entries_;
  std::string config_file_;
  std::vector<Tenant> tenants_;
  std::string tenant_name_;
};

// Reads a TOML file into `raw`. Unknown keys and wrong types are ConfigErrors naming the line.
void LoadTomlFile(const std::string& path, RawSettings& raw);
// Reads the AUDITSYNC_* environment variables of the table through `getenv`.
void LoadEnvironment(RawSettings& raw, char* (*getenv_fn)(const char*));

// What use_graph_api says, even of settings that ResolveConfig refuses (to name what a command
// would have done): true unless it is set to no; a value that is neither counts as yes.
bool UsesGraphApi(const RawSettings& raw);

// How auditsync signs in: to Graph (`credential`) or to Key Vault (`keyvault_credential`).
enum class CredentialKind { kSecret, kCertificate, kManagedIdentity, kWorkloadIdentity };
// The setting value that names a kind: secret, certificate, managed_identity, workload_identity.
std::string_view CredentialName(CredentialKind kind);

// Where the client secret came from: kConfigFile is `client_secret` written in the configuration
// file, kSetting is AUDITSYNC_CLIENT_SECRET.
enum class SecretOrigin { kNone, kSetting, kConfigFile, kFile, kStdin, kKeyVault };

// How a certificate client assertion is signed (reference §3.3).
enum class AssertionAlgorithm { kPs256, kRs256 };

struct CertificateConfig {
  std::string path;           // PEM (key and certificate) or PKCS#12
  Secret password;            // empty when the file needs none
  std::string password_file;  // the file the password came from, if any
  AssertionAlgorithm algorithm = AssertionAlgorithm::kPs256;
};

struct ManagedIdentityConfig {
  // The token endpoint: IMDS (`{imds_endpoint}/metadata/identity/oauth2/token`), or the App
  // Service / Container Apps IDENTITY_ENDPOINT when IDENTITY_HEADER comes with it.
  std::string endpoint;
  Secret identity_header;  // App Service's X-IDENTITY-HEADER; empty for IMDS
  std::string client_id;   // a user-assigned identity; empty for the system-assigned one
  bool AppService() const { return !identity_header.Empty(); }
};

struct WorkloadIdentityConfig {
  std::string token_file;  // AZURE_FEDERATED_TOKEN_FILE, re-read for each sign-in
  std::string client_id;   // AZURE_CLIENT_ID, else client_id
  std::string tenant_id;   // AZURE_TENANT_ID, else tenant_id
};

struct Config {
  std::string tenant_id;
  std::string client_id;
  CredentialKind credential = CredentialKind::kSecret;
  Secret client_secret;  // from client_secret, client_secret_file or standard input
  SecretOrigin client_secret_origin = SecretOrigin::kNone;
  std::string client_secret_file;  // the file it came from, if any
  std::string config_file;         // the configuration file read, if any
  // The secret lives in Key Vault: read at sign-in with a token of `keyvault_credential` for
  // `keyvault_resource`.
  std::optional<KeyVaultReference> client_secret_keyvault;
  CredentialKind keyvault_credential = CredentialKind::kManagedIdentity;
  std::string keyvault_resource;  // e.g. https://vault.azure.net
  CertificateConfig certificate;
  ManagedIdentityConfig managed_identity;
  WorkloadIdentityConfig workload_identity;
  std::string cloud;
  std::string authority;       // without trailing slash
  std::string graph_url;       // without trailing slash
  std::string management_url;  // without trailing slash
  std::string keyvault_suffix;
  std::string graph_api_version;
  // true: the Graph audit log query API; false: the Office 365 Management Activity API.
  bool use_graph_api = true;
  std::string publisher_identifier;  // a tenant GUID; tenant_id when unset
  int blob_concurrency = 0;
  int management_requests_per_minute = 0;
  // The [[tenant]] table this configuration is for; empty without tables.
  std::string tenant_name;
  std::string database;  // a SQLite file, or a PostgreSQL URL (store/store.hpp)
  // PostgreSQL: the schema of the tenant's tables (auditsync_NAME), so that tenants sharing one
  // database keep apart; empty: the role's default (public).
  std::string database_schema;
  std::optional<Secret> database_password;  // from database_password_file
  std::string ca_bundle;
  std::string proxy;  // empty: HTTPS_PROXY, if set
  std::vector<std::string> operations;
  std::vector<std::string> service_filters;
  std::chrono::seconds window{};
  std::vector<std::chrono::seconds> settle_after;  // ascending; empty: no re-scans
  int query_budget = 0;
  int max_unfinished_queries = 0;
  std::chrono::seconds initial_lookback{};
  int page_size = 0;
  int max_queries_in_flight = 0;
  std::chrono::milliseconds poll_interval{};
  std::chrono::seconds query_timeout{};
  std::chrono::seconds lease_duration{};  // of a window leased by a collecting process
  bool enrich_users = false;              // read user profiles from Graph /users after each sync
  std::chrono::seconds user_refresh_after{};
  std::chrono::milliseconds http_timeout{};
  int http_attempts = 0;
  std::chrono::milliseconds retry_base_delay{};
  std::chrono::milliseconds retry_max_delay{};
  std::string log_level;

  // Whether some credential signs in through the managed identity endpoint.
  bool UsesManagedIdentity() const;
  // Whether Microsoft Graph serves the audit log query API in `cloud` (not GCC High or DoD).
  bool GraphServesAuditQueries() const;
};

// Where the `database` setting points: a PostgreSQL URL (postgresql:// or postgres://) or, for
// anything else, the path of a SQLite file.
bool IsPostgresUrl(std::string_view database);

// Types and validates every setting. Credentials (and that the cloud serves the Graph audit log
// query API, or, with use_graph_api = no, that tenant_id is a GUID) are checked and secret files
// read only when `need_credentials`: a report reads the
// database and needs no tenant. `management_api`: the command calls the Office 365 Management
// Activity API whatever use_graph_api says (`subscription`), so tenant_id must be a GUID and
// publisher_identifier is resolved (default: tenant_id) all the same. Throws ConfigError naming
// the setting, where it came from, and the fix.
Config ResolveConfig(const RawSettings& raw, bool need_credentials, bool management_api = false);

}  // namespace auditsync
