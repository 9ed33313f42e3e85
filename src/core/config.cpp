#include "core/config.hpp"

#include <toml++/toml.h>

#include <sys/stat.h>
#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <sstream>

#include "core/cloud.hpp"
#include "core/error.hpp"
#include "core/file_access.hpp"
#include "core/guid.hpp"
#include "core/log.hpp"
#include "core/text.hpp"
#include "core/time.hpp"

namespace auditsync {
namespace {

constexpr std::array<SettingSpec, 51> kSettingTable = {{
    {"tenant_id", "AUDITSYNC_TENANT_ID", "--tenant-id", "", "Tenant GUID or verified domain",
     "TenantID", false},
    {"client_id", "AUDITSYNC_CLIENT_ID", "--client-id", "", "App registration (client) id",
     "Audit Logs - ClientID", false},
    {"credential", "AUDITSYNC_CREDENTIAL", "--credential", "auto",
     "How auditsync signs in (to Graph and the Management Activity API): secret, certificate, "
     "managed_identity or "
     "workload_identity; auto: secret when a client secret source is set, else certificate when "
     "certificate_path is",
     "", false},
    {"client_secret", "AUDITSYNC_CLIENT_SECRET", "", "",
     "Client secret value (no flag: a flag would show in `ps` and shell history; "
     "--client-secret-stdin reads it from standard input)",
     "Audit Logs - Client Secret", true},
    {"client_secret_file", "AUDITSYNC_CLIENT_SECRET_FILE", "--client-secret-file", "",
     "File holding the client secret (trailing newline ignored)", "", false},
    {"client_secret_keyvault", "AUDITSYNC_CLIENT_SECRET_KEYVAULT", "--client-secret-keyvault", "",
     "The client secret in Azure Key Vault: /subscriptions/{id}/resourceGroups/{group}/providers/"
     "Microsoft.KeyVault/vaults/{vault}/secrets/{name}[/{version}] or "
     "https://{vault}.vault.azure.net/secrets/{name}[/{version}]; read with keyvault_credential "
     "and kept in memory only",
     "Audit Logs - Client Azure Secret", false},
    {"keyvault_credential", "AUDITSYNC_KEYVAULT_CREDENTIAL", "--keyvault-credential",
     "managed_identity",
     "How auditsync signs in to Key Vault: managed_identity, workload_identity or certificate "
     "(that identity needs the Key Vault Secrets User role on the vault)",
     "", false},
    {"certificate_path", "AUDITSYNC_CERTIFICATE_PATH", "--certificate-path", "",
     "Certificate of the app registration with its RSA private key: PEM (key and certificate in "
     "one file) or PKCS#12 (.pfx, .p12)",
     "", false},
    {"certificate_password_file", "AUDITSYNC_CERTIFICATE_PASSWORD_FILE",
     "--certificate-password-file", "",
     "File holding the password of a PKCS#12 file or of an encrypted PEM key", "", false},
    {"certificate_password", "AUDITSYNC_CERTIFICATE_PASSWORD", "", "",
     "Password of the certificate file (no flag; certificate_password_file is preferred)", "",
     true},
    {"assertion_algorithm", "AUDITSYNC_ASSERTION_ALGORITHM", "--assertion-algorithm", "PS256",
     "Signature of certificate client assertions: PS256 (header x5t#S256, Entra's current form) "
     "or RS256 (header x5t, the older form)",
     "", false},
    {"managed_identity_client_id", "AUDITSYNC_MANAGED_IDENTITY_CLIENT_ID",
     "--managed-identity-client-id", "",
     "Client id of a user-assigned managed identity (empty: the system-assigned one)", "", false},
    {"imds_endpoint", "AUDITSYNC_IMDS_ENDPOINT", "--imds-endpoint", "http://169.254.169.254",
     "Azure Instance Metadata Service root, where a VM's managed identity gets tokens", "", false},
    {"identity_endpoint", "IDENTITY_ENDPOINT", "", "",
     "Managed identity endpoint of App Service and Container Apps (set by the platform); used "
     "instead of IMDS when identity_header is set too",
     "", false},
    {"identity_header", "IDENTITY_HEADER", "", "",
     "The X-IDENTITY-HEADER value that identity_endpoint requires (set by the platform)", "", true},
    {"federated_token_file", "AZURE_FEDERATED_TOKEN_FILE", "--federated-token-file", "",
     "Workload identity: file holding the federated token (set by AKS; read for each sign-in, "
     "so a rotated token is used)",
     "", false},
    {"workload_client_id", "AZURE_CLIENT_ID", "--workload-client-id", "",
     "Workload identity: client id of the app or managed identity that trusts the token "
     "(default: client_id)",
     "", false},
    {"workload_tenant_id", "AZURE_TENANT_ID", "--workload-tenant-id", "",
     "Workload identity: its tenant (default: tenant_id)", "", false},
    {"cloud", "AUDITSYNC_CLOUD", "--cloud", "commercial",
     "commercial, gcc, gcchigh or dod: sets authority, graph_url, management_url and "
     "keyvault_suffix",
     "", false},
    {"authority", "AUDITSYNC_AUTHORITY", "--authority", "",
     "Entra authority root, e.g. https://login.microsoftonline.com (default: from cloud; "
     "https://login.windows.net is read as its alias)",
     "Audit Logs - Authority", false},
    {"graph_url", "AUDITSYNC_GRAPH_URL", "--graph-url", "",
     "Microsoft Graph root, e.g. https://graph.microsoft.com (default: from cloud)",
     "Graph URL Environment Variable; Audit Logs - Audience (Graph)", false},
    {"management_url", "AUDITSYNC_MANAGEMENT_URL", "--management-url", "",
     "Office 365 Management Activity API root, e.g. https://manage.office.com (default: from "
     "cloud); with use_graph_api = no, tokens are for {management_url}/.default",
     "Audit Logs - Audience", false},
    {"keyvault_suffix", "AUDITSYNC_KEYVAULT_SUFFIX", "--keyvault-suffix", "",
     "Key Vault host suffix, e.g. vault.azure.net: a vault is https://{vault}.{suffix} (default: "
     "from cloud)",
     "", false},
    {"graph_api_version", "AUDITSYNC_GRAPH_API_VERSION", "--graph-api-version", "v1.0",
     "Graph version segment: v1.0 or beta", "", false},
    {"use_graph_api", "AUDITSYNC_USE_GRAPH_API", "--use-graph-api", "yes",
     "yes: read audit logs through the Microsoft Graph audit log query API (filtered by the "
     "service); no: through the Office 365 Management Activity API, which delivers every "
     "Audit.General record to filter here (the only way in GCC High and DoD)",
     "Audit Logs - Use Graph API", false},
    {"publisher_identifier", "AUDITSYNC_PUBLISHER_IDENTIFIER", "--publisher-identifier", "",
     "PublisherIdentifier sent on every Management Activity API call: a tenant GUID that gives "
     "the calls a throttling pool of their own (default: tenant_id)",
     "", false},
    {"blob_concurrency", "AUDITSYNC_BLOB_CONCURRENCY", "--blob-concurrency", "8",
     "Management Activity API content blobs downloaded at once (1: one at a time, as the CoE "
     "flow does)",
     "", false},
    {"management_requests_per_minute", "AUDITSYNC_MANAGEMENT_REQUESTS_PER_MINUTE",
     "--management-requests-per-minute", "1800",
     "Most requests per minute sent to the Management Activity API (a tenant may send 2,000, all "
     "its tools together, and is throttled with AF429 beyond)",
     "", false},
    {"database", "AUDITSYNC_DATABASE", "--database", "./auditsync.db",
     "SQLite database file, or a PostgreSQL URL such as "
     "postgresql://auditsync@db.contoso.com:5432/auditsync?sslmode=verify-full",
     "", false},
    {"database_password_file", "AUDITSYNC_DATABASE_PASSWORD_FILE", "--database-password-file", "",
     "File holding the password of the PostgreSQL role in `database` (libpq's PGPASSWORD and "
     "~/.pgpass work too; never put it in the URL)",
     "", false},
    {"ca_bundle", "AUDITSYNC_CA_BUNDLE", "--ca-bundle", "",
     "PEM file of extra trusted CAs (TLS-inspecting proxies, tests); the system store stays "
     "trusted",
     "", false},
    {"proxy", "AUDITSYNC_PROXY", "--proxy", "",
     "Proxy for every connection to Microsoft, e.g. http://proxy.contoso.com:8080 (default: "
     "HTTPS_PROXY); NO_PROXY still applies",
     "", false},
    {"operations", "AUDITSYNC_OPERATIONS", "--operations", "LaunchPowerApp,DeletePowerApp",
     "Audit operations to collect (comma-separated)", "", false},
    {"service_filters", "AUDITSYNC_SERVICE_FILTERS", "--service-filters", "",
     "Graph serviceFilters, e.g. PowerPlatform (comma-separated; empty: none)", "", false},
    {"window", "AUDITSYNC_WINDOW", "--window", "1h",
     "Time span of one audit log query, whole hours; a backfill queries whole days at once, and a "
     "query over its record cap is split in halves",
     "", false},
    {"settle_after", "AUDITSYNC_SETTLE_AFTER", "--settle-after", "1d,2d,7d",
     "When each window is scanned again for records published late, after its end "
     "(comma-separated; `none`: never). Offsets of a day or more re-scan a whole day with one "
     "query; shorter ones (2h, for fresher reports) re-scan hour by hour",
     "", false},
    {"query_budget", "AUDITSYNC_QUERY_BUDGET", "--query-budget", "200",
     "Audit log queries that may be submitted per rolling 24 hours (the tenant's allocation; "
     "other tools of the tenant share it)",
     "", false},
    {"max_unfinished_queries", "AUDITSYNC_MAX_UNFINISHED_QUERIES", "--max-unfinished-queries", "50",
     "The tenant's limit of queries queued or running at once; caps max_queries_in_flight", "",
     false},
    {"initial_lookback", "AUDITSYNC_INITIAL_LOOKBACK", "--initial-lookback", "7d",
     "How far back the first sync starts when there is no checkpoint",
     "Audit Logs - Minutes to Look Back", false},
    {"page_size", "AUDITSYNC_PAGE_SIZE", "--page-size", "1000", "Records per page ($top)", "",
     false},
    {"max_queries_in_flight", "AUDITSYNC_MAX_QUERIES_IN_FLIGHT", "--max-queries-in-flight", "4",
     "Audit log queries submitted ahead, so that the service runs them in parallel", "", false},
    {"poll_interval", "AUDITSYNC_POLL_INTERVAL", "--poll-interval", "60s",
     "Longest wait between two status checks of a query (checks start at 5s and back off)", "",
     false},
    {"query_timeout", "AUDITSYNC_QUERY_TIMEOUT", "--query-timeout", "6h",
     "How long a query may stay unfinished before its window is reported failed", "", false},
    {"lease_duration", "AUDITSYNC_LEASE_DURATION", "--lease-duration", "5m",
     "With several `auditsync run` on one PostgreSQL database: how long a window stays with a "
     "process that stopped renewing its lease (it died) before another takes it over",
     "", false},
    {"enrich_users", "AUDITSYNC_ENRICH_USERS", "--enrich-users", "no",
     "After each sync, read the display name, department, job title, city, country and "
     "member/guest type of users who launched apps from Microsoft Graph /users (yes or no; needs "
     "the application permission User.Read.All)",
     "", false},
    {"user_refresh_after", "AUDITSYNC_USER_REFRESH_AFTER", "--user-refresh-after", "7d",
     "How old a user's profile may get before enrich_users reads it again (users the directory "
     "does not know are asked again after as long)",
     "", false},
    {"http_timeout", "AUDITSYNC_HTTP_TIMEOUT", "--http-timeout", "120s",
     "Timeout of one HTTP request", "", false},
    {"http_attempts", "AUDITSYNC_HTTP_ATTEMPTS", "--http-attempts", "8",
     "Attempts per HTTP request on transient failures (408, 429, 5xx, network)", "", false},
    {"retry_base_delay", "AUDITSYNC_RETRY_BASE_DELAY", "--retry-base-delay", "1s",
     "First backoff delay when the server gives no Retry-After; doubles per attempt", "", false},
    {"retry_max_delay", "AUDITSYNC_RETRY_MAX_DELAY", "--retry-max-delay", "60s",
     "Longest backoff delay", "", false},
    {"log_level", "AUDITSYNC_LOG_LEVEL", "--log-level", "info",
     "trace, debug, info, warn, error or off", "", false},
}};

std::vector<std::string> SplitList(std::string_view text) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start <= text.size()) {
    const auto comma = text.find(',', start);
    const auto item =
        Trim(text.substr(start, comma == std::string_view::npos ? text.npos : comma - start));
    if (!item.empty()) items.emplace_back(item);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return items;
}

std::string TrimTrailingSlashes(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

// A duration setting: "250ms" (the short delays tests use), a plain number of seconds, or a
// duration such as 30s, 5m, 2h, 1d. Anything negative or beyond ten years is refused: it is a
// typo, and refusing it keeps later arithmetic far from overflow.
std::optional<std::chrono::milliseconds> ParseSettingDuration(std::string_view text) {
  constexpr std::chrono::milliseconds kLongest = std::chrono::days(3660);
  std::optional<std::chrono::milliseconds> value;
  const bool in_ms = text.ends_with("ms");
  const auto digits = in_ms ? text.substr(0, text.size() - 2) : text;
  long long number = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), number);
  if (!digits.empty() && ec == std::errc() && end == digits.data() + digits.size()) {
    if (number >= 0 && number <= kLongest.count()) {
      value = in_ms ? std::chrono::milliseconds(number)
                    : std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::duration<double>(static_cast<double>(number)));
    }
  } else if (const auto parsed = ParseDuration(text)) {
    value = *parsed;
  }
  if (!value || *value < std::chrono::milliseconds(0) || *value > kLongest) return std::nullopt;
  return value;
}

// yes/true/on/1 or no/false/off/0, in lowercase; nullopt for anything else.
std::optional<bool> ParseYesNo(std::string_view text) {
  if (text == "yes" || text == "true" || text == "on" || text == "1") return true;
  if (text == "no" || text == "false" || text == "off" || text == "0") return false;
  return std::nullopt;
}

class Resolver {
 public:
  explicit Resolver(const RawSettings& raw) : raw_(raw) {}

  std::string Text(std::string_view key) const {
    if (auto value = raw_.Get(key)) return std::string(Trim(*value));
    return std::string(FindSetting(key)->default_text);
  }

  // "default", "from the configuration file", "from AUDITSYNC_...", ...
  std::string Where(std::string_view key) const {
    return DescribeSource(*FindSetting(key), raw_.SourceOf(key));
  }

  [[noreturn]] void Fail(std::string_view key, const std::string& problem,
                         const std::string& fix) const {
    throw ConfigError("setting `" + std::string(key) + "` (" + Where(key) + ") " + problem + ". " +
                      fix);
  }

  long long Integer(std::string_view key, long long min, long long max) const {
    const auto text = Text(key);
    long long value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
      Fail(key,
           "is `" + text + "`, not a whole number from " + std::to_string(min) + " to " +
               std::to_string(max),
           "Use a number in that range.");
    }
    return value;
  }

  // yes/no (also true/false, on/off, 1/0, in any case).
  bool YesNo(std::string_view key) const {
    const auto text = Lowercase(Text(key));
    if (const auto value = ParseYesNo(text)) return *value;
    Fail(key, "is `" + text + "`, not yes or no", "Write yes or no.");
  }

  // An https:// root without trailing slashes; `fallback` (the cloud's) when unset.
  std::string HttpsUrl(std::string_view key, std::string_view fallback) const {
    auto url = TrimTrailingSlashes(Text(key));
    if (url.empty()) url = std::string(fallback);
    if (!url.starts_with("https://")) {
      Fail(key, "is `" + url + "`, which is not an https:// URL",
           "Give the full root, e.g. https://login.microsoftonline.com or "
           "https://graph.microsoft.com.");
    }
    return url;
  }

  std::chrono::milliseconds Duration(std::string_view key, std::chrono::milliseconds min) const {
    const auto text = Text(key);
    const auto value = ParseSettingDuration(text);
    if (!value || *value < min) {
      Fail(key, "is `" + text + "`, not a valid duration",
           "Write it like 30s, 5m, 2h, 1d or 250ms (at least " + std::to_string(min.count()) +
               "ms, at most ten years).");
    }
    return *value;
  }

 private:
  const RawSettings& raw_;
};

// Reads the secret in the file that setting `key` names (SecretFromText's rule: without its
// trailing line ends), and warns when others may read the file.
Secret ReadSecretFile(std::string_view key, const std::string& path, const Resolver& resolve,
                      const std::string& what) {
  auto secret = SecretFromFile(path);
  if (!secret) {
    resolve.Fail(key, "names `" + path + "`, which cannot be read",
                 "Check the path and that this user may read it.");
  }
  if (secret->Blank()) {
    resolve.Fail(key, "names `" + path + "`, which is empty", "Put " + what + " in the file.");
  }
  if (OthersCanAccess(path)) {
    spdlog::warn("{} {} can be read by other users of this machine; run chmod 600 {}", key, path,
                 path);
  }
  return std::move(*secret);
}

constexpr std::array<std::pair<CredentialKind, std::string_view>, 4> kCredentialNames = {{
    {CredentialKind::kSecret, "secret"},
    {CredentialKind::kCertificate, "certificate"},
    {CredentialKind::kManagedIdentity, "managed_identity"},
    {CredentialKind::kWorkloadIdentity, "workload_identity"},
}};

// The kind a setting names, among `allowed`.
CredentialKind CredentialSetting(const Resolver& resolve, std::string_view key,
                                 std::initializer_list<CredentialKind> allowed) {
  const auto text = Lowercase(resolve.Text(key));
  std::string names;
  for (const auto kind : allowed) {
    if (text == CredentialName(kind)) return kind;
    names += (names.empty() ? "" : ", ") + std::string(CredentialName(kind));
  }
  resolve.Fail(key, "is `" + text + "`", "Use one of: " + names + ".");
}

// IMDS (169.254.169.254) and the App Service endpoint (localhost) speak plain HTTP on the machine
// itself. Plain HTTP to anywhere else would carry tokens over the network, so it is refused. The
// URL is taken apart, not matched by prefix: http://127.0.0.1@evil.example has the host
// evil.example, and http://127.evil.example is no loopback address. Only an exact host (one of
// kLocalHosts), an optional port, then the path pass.
bool IsMachineLocalHttp(std::string_view url) {
  constexpr std::string_view kHttp = "http://";
  constexpr std::string_view kLocalHosts[] = {"127.0.0.1", "[::1]", "localhost", "169.254.169.254"};
  if (url.size() < kHttp.size() || !EqualsIgnoreCase(url.substr(0, kHttp.size()), kHttp)) {
    return false;
  }
  // Spaces, control characters and backslashes have no place in such a URL, and parsers
  // disagree about them.
  if (std::any_of(url.begin(), url.end(), [](char c) {
        return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '\\';
      })) {
    return false;
  }
  const auto rest = url.substr(kHttp.size());
  const auto authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.find('@') != std::string_view::npos) return false;  // user info
  // An IPv6 address is bracketed ([::1]:8080); the port follows the host after a colon.
  const auto bracket = authority.starts_with('[') ? authority.find(']') : 0;
  if (bracket == std::string_view::npos) return false;
  const auto host = authority.substr(0, authority.find(':', bracket));
  if (host.size() < authority.size()) {
    const auto port = authority.substr(host.size());
    if (port.size() < 2 || port.size() > 6 ||
        !std::all_of(port.begin() + 1, port.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
        std::stoi(std::string(port.substr(1))) > 65535) {
      return false;
    }
  }
  return std::any_of(std::begin(kLocalHosts), std::end(kLocalHosts),
                     [host](std::string_view local) { return EqualsIgnoreCase(host, local); });
}

void ResolveEndpoints(const Resolver& resolve, const CloudEndpoints& cloud, Config& config) {
  config.authority = CanonicalAuthority(resolve.HttpsUrl("authority", cloud.authority));
  config.graph_url = resolve.HttpsUrl("graph_url", cloud.graph_url);
  config.management_url = resolve.HttpsUrl("management_url", cloud.management_url);
  config.keyvault_suffix = Lowercase(resolve.Text("keyvault_suffix"));
  if (config.keyvault_suffix.empty()) config.keyvault_suffix = std::string(cloud.keyvault_suffix);
  if (config.keyvault_suffix.front() == '.' ||
      config.keyvault_suffix.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789.-:") !=
          std::string::npos) {
    resolve.Fail("keyvault_suffix", "is `" + config.keyvault_suffix + "`, not a host suffix",
                 "Give the part after the vault name, e.g. vault.azure.net.");
  }
  // Sign-in and an API of two clouds can never work together: tokens are not interchangeable.
  const auto signs_in_at = CloudOfAuthority(config.authority);
  const auto refuse_mix = [&](std::string_view key, const std::string& url,
                              const std::optional<CloudEndpoints>& api_of, std::string_view api) {
    if (!signs_in_at || !api_of || signs_in_at->authority == api_of->authority) return;
    resolve.Fail(key,
                 "is " + url + ", the " + std::string(api) + " of the " +
                     std::string(api_of->name) + " cloud, but authority " + config.authority +
                     " signs in to the " + std::string(signs_in_at->name) + " cloud",
                 "Set `cloud` to the tenant's cloud instead of overriding the URLs one by one.");
  };
  refuse_mix("graph_url", config.graph_url, CloudOfGraph(config.graph_url), "Microsoft Graph");
  refuse_mix("management_url", config.management_url, CloudOfManagement(config.management_url),
             "Management Activity API");
}

// The client secret from whichever one source is set; the Key Vault reference is only parsed
// here (it is read at sign-in).
void ResolveClientSecret(const Resolver& resolve, const RawSettings& raw, Config& config) {
  const auto value = raw.Get("client_secret");
  const bool has_value = value && !Trim(*value).empty();
  const std::pair<std::string_view, bool> sources[] = {
      {"client_secret", has_value},
      {"client_secret_file", !resolve.Text("client_secret_file").empty()},
      {"client_secret_keyvault", config.client_secret_keyvault.has_value()},
  };
  std::string_view first;
  for (const auto& [key, set] : sources) {
    if (!set) continue;
    if (!first.empty()) {
      resolve.Fail(
          key, "is set together with `" + std::string(first) + "` (" + resolve.Where(first) + ")",
          "Keep only one of them, so that it is clear which secret is used.");
    }
    first = key;
  }
  if (has_value) {
    config.client_secret = SecretFromText(std::string(*value));
    const auto source = raw.SourceOf("client_secret");
    config.client_secret_origin =
        source == SettingSource::kStdin ? SecretOrigin::kStdin
        : source == SettingSource::kFile || source == SettingSource::kTenantTable
            ? SecretOrigin::kConfigFile
            : SecretOrigin::kSetting;
  } else if (first == "client_secret_file") {
    config.client_secret_file = resolve.Text("client_secret_file");
    config.client_secret = ReadSecretFile("client_secret_file", config.client_secret_file, resolve,
                                          "the client secret value (not its id)");
    config.client_secret_origin = SecretOrigin::kFile;
  } else if (first == "client_secret_keyvault") {
    config.client_secret_origin = SecretOrigin::kKeyVault;
  }
}

void RequireAppIdentity(const Resolver& resolve, const Config& config) {
  if (config.tenant_id.empty()) {
    resolve.Fail("tenant_id", "is missing",
                 "Set tenant_id in the configuration file or AUDITSYNC_TENANT_ID to the tenant "
                 "GUID or its domain (e.g. contoso.onmicrosoft.com).");
  }
  if (config.client_id.empty()) {
    resolve.Fail("client_id", "is missing",
                 "Set client_id or AUDITSYNC_CLIENT_ID to the app registration's Application "
                 "(client) ID.");
  }
}

void RequireCertificate(const Resolver& resolve, const RawSettings& raw, Config& config) {
  RequireAppIdentity(resolve, config);
  if (config.certificate.path.empty()) {
    resolve.Fail("certificate_path", "is missing",
                 "Set it to the PEM or PKCS#12 file of the certificate uploaded to the app "
                 "registration (Certificates & secrets > Certificates).");
  }
  const auto password = raw.Get("certificate_password");
  config.certificate.password_file = resolve.Text("certificate_password_file");
  if (password && !password->empty()) {
    if (!config.certificate.password_file.empty()) {
      resolve.Fail("certificate_password_file", "is set together with `certificate_password`",
                   "Keep only one of them.");
    }
    config.certificate.password = SecretFromText(std::string(*password));
  } else if (!config.certificate.password_file.empty()) {
    config.certificate.password =
        ReadSecretFile("certificate_password_file", config.certificate.password_file, resolve,
                       "the certificate file's password");
  }
}

void RequireManagedIdentity(const Resolver& resolve, const RawSettings& raw, Config& config) {
  auto& identity = config.managed_identity;
  const auto endpoint = resolve.Text("identity_endpoint");
  auto header = SecretFromText(raw.Get("identity_header").value_or(""));
  if (endpoint.empty() != header.Blank()) {
    resolve.Fail(endpoint.empty() ? "identity_endpoint" : "identity_header", "is missing",
                 "App Service and Container Apps set IDENTITY_ENDPOINT and IDENTITY_HEADER "
                 "together; unset the other one on a VM, where IMDS is used.");
  }
  const std::string_view key = endpoint.empty() ? "imds_endpoint" : "identity_endpoint";
  identity.endpoint = endpoint.empty() ? TrimTrailingSlashes(resolve.Text("imds_endpoint")) +
                                             "/metadata/identity/oauth2/token"
                                       : endpoint;
  if (!header.Blank()) identity.identity_header = std::move(header);
  if (!identity.endpoint.starts_with("https://") && !IsMachineLocalHttp(identity.endpoint)) {
    resolve.Fail(key, "is `" + identity.endpoint + "`",
                 "Give an https:// URL, or http:// to this machine (169.254.169.254, localhost, "
                 "127.0.0.1 or [::1], with an optional port): a token must not cross the network "
                 "in plain text.");
  }
}

void RequireWorkloadIdentity(const Resolver& resolve, const Config& config) {
  const auto& workload = config.workload_identity;
  if (workload.token_file.empty()) {
    resolve.Fail("federated_token_file", "is missing",
                 "On AKS, label the pod azure.workload.identity/use: \"true\" so that the webhook "
                 "sets AZURE_FEDERATED_TOKEN_FILE; elsewhere name the file of the federated "
                 "token.");
  }
  if (workload.client_id.empty()) {
    resolve.Fail("workload_client_id", "is missing",
                 "Set AZURE_CLIENT_ID (or client_id) to the client id of the identity whose "
                 "federated credential trusts the token.");
  }
  if (workload.tenant_id.empty()) {
    resolve.Fail("workload_tenant_id", "is missing",
                 "Set AZURE_TENANT_ID (or tenant_id) to the tenant of that identity.");
  }
}

// The Management Activity API addresses the tenant by its GUID in every URL (AF20013 otherwise),
// and PublisherIdentifier is a tenant GUID too. `management_api`: a command that calls it.
void ResolvePublisher(const Resolver& resolve, bool management_api, Config& config) {
  config.publisher_identifier = resolve.Text("publisher_identifier");
  if (!config.publisher_identifier.empty() && !ParseGuid(config.publisher_identifier)) {
    resolve.Fail(
        "publisher_identifier", "is `" + config.publisher_identifier + "`, not a GUID",
        "Give the tenant GUID of whoever runs auditsync, or leave it unset for tenant_id.");
  }
  if (!management_api) return;
  if (!ParseGuid(config.tenant_id)) {
    resolve.Fail("tenant_id",
                 config.tenant_id.empty() ? std::string("is missing")
                                          : "is `" + config.tenant_id + "`, not a GUID",
                 "The Office 365 Management Activity API (use_graph_api = no, and `auditsync "
                 "subscription`) addresses the tenant by its GUID: give the Directory (tenant) ID "
                 "from the app registration's Overview page.");
  }
  if (config.publisher_identifier.empty()) config.publisher_identifier = config.tenant_id;
}

void RequireKind(CredentialKind kind, const Resolver& resolve, const RawSettings& raw,
                 Config& config) {
  switch (kind) {
    case CredentialKind::kSecret:
      RequireAppIdentity(resolve, config);
      break;
    case CredentialKind::kCertificate:
      RequireCertificate(resolve, raw, config);
      break;
    case CredentialKind::kManagedIdentity:
      RequireManagedIdentity(resolve, raw, config);
      break;
    case CredentialKind::kWorkloadIdentity:
      RequireWorkloadIdentity(resolve, config);
      break;
  }
}

// Types the credential settings; with `need_credentials`, checks that the chosen kinds have
// what they need and reads their secret files.
void ResolveCredentials(const Resolver& resolve, const RawSettings& raw,
                        const CloudEndpoints& cloud, bool need_credentials, Config& config) {
  using enum CredentialKind;
  const bool automatic = Lowercase(resolve.Text("credential")) == "auto";
  if (!automatic) {
    config.credential = CredentialSetting(
        resolve, "credential", {kSecret, kCertificate, kManagedIdentity, kWorkloadIdentity});
  }
  config.keyvault_credential = CredentialSetting(
      resolve, "keyvault_credential", {kManagedIdentity, kWorkloadIdentity, kCertificate});
  const auto algorithm = resolve.Text("assertion_algorithm");
  if (EqualsIgnoreCase(algorithm, "PS256") || EqualsIgnoreCase(algorithm, "RS256")) {
    config.certificate.algorithm = EqualsIgnoreCase(algorithm, "PS256")
                                       ? AssertionAlgorithm::kPs256
                                       : AssertionAlgorithm::kRs256;
  } else {
    resolve.Fail("assertion_algorithm", "is `" + algorithm + "`", "Use PS256 or RS256.");
  }
  if (const auto reference = resolve.Text("client_secret_keyvault"); !reference.empty()) {
    std::string problem;
    config.client_secret_keyvault =
        ParseKeyVaultReference(reference, config.keyvault_suffix, problem);
    if (!config.client_secret_keyvault) {
      resolve.Fail("client_secret_keyvault", "is not a Key Vault secret reference: " + problem,
                   "Copy the secret's identifier from the vault (Secrets > the secret > Secret "
                   "Identifier), or give the Power Platform reference.");
    }
    config.keyvault_resource = KeyVaultResource(config.client_secret_keyvault->suffix, cloud);
  }
  config.certificate.path = resolve.Text("certificate_path");
  config.managed_identity.client_id = resolve.Text("managed_identity_client_id");
  auto& workload = config.workload_identity;
  workload.token_file = resolve.Text("federated_token_file");
  workload.client_id = resolve.Text("workload_client_id");
  if (workload.client_id.empty()) workload.client_id = config.client_id;
  workload.tenant_id = resolve.Text("workload_tenant_id");
  if (workload.tenant_id.empty()) workload.tenant_id = config.tenant_id;
  if (!need_credentials) return;

  ResolveClientSecret(resolve, raw, config);
  if (automatic) {
    config.credential =
        config.client_secret_origin == SecretOrigin::kNone && !config.certificate.path.empty()
            ? kCertificate
            : kSecret;
  }
  RequireKind(config.credential, resolve, raw, config);
  if (config.credential == kSecret && config.client_secret_origin == SecretOrigin::kNone) {
    resolve.Fail("client_secret", "is missing",
                 "Set client_secret_file (recommended), client_secret_keyvault or "
                 "AUDITSYNC_CLIENT_SECRET to the client secret value from the app registration's "
                 "Certificates & secrets page, or sign in another way (certificate_path, or "
                 "credential = managed_identity or workload_identity).");
  }
  if (config.credential == kSecret && config.client_secret_origin == SecretOrigin::kKeyVault) {
    RequireKind(config.keyvault_credential, resolve, raw, config);
  }
}

}  // namespace

std::span<const SettingSpec> Settings() { return kSettingTable; }

const SettingSpec* FindSetting(std::string_view key) {
  for (const auto& spec : kSettingTable) {
    if (spec.key == key) return &spec;
  }
  return nullptr;
}

std::string DescribeSource(const SettingSpec& spec, SettingSource source) {
  switch (source) {
    case SettingSource::kDefault:
      return "default";
    case SettingSource::kFile:
      return "from the configuration file";
    case SettingSource::kTenantTable:
      return "from the tenant's [[tenant]] table in the configuration file";
    case SettingSource::kEnvironment:
      return "from " + std::string(spec.env);
    case SettingSource::kFlag:
      return "from " + std::string(spec.flag);
    case SettingSource::kStdin:
      return "from standard input (--client-secret-stdin)";
  }
  return "unknown";
}

std::string SettingsMarkdown() {
  std::string text =
      "| key | environment variable | flag | default | meaning | CoE environment variable |\n"
      "|---|---|---|---|---|---|\n";
  auto cell = [](std::string_view value) {
    std::string escaped;
    for (const char c : value) {
      if (c == '|') escaped += '\\';
      escaped += c;
    }
    return escaped.empty() ? std::string("—") : escaped;
  };
  for (const auto& spec : kSettingTable) {
    text += "| `" + std::string(spec.key) + "` | `" + std::string(spec.env) + "` | " +
            (spec.flag.empty() ? std::string("—") : "`" + std::string(spec.flag) + "`") + " | " +
            (spec.default_text.empty() ? std::string("—")
                                       : "`" + std::string(spec.default_text) + "`") +
            " | " + cell(spec.meaning) + " | " + cell(spec.coe_variable) + " |\n";
  }
  return text;
}

void RawSettings::Set(std::string_view key, std::string value, SettingSource source) {
  entries_[std::string(key)] = Entry{std::move(value), source};
}

std::optional<std::string> RawSettings::Get(std::string_view key) const {
  const auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  return it->second.value;
}

SettingSource RawSettings::SourceOf(std::string_view key) const {
  const auto it = entries_.find(key);
  return it == entries_.end() ? SettingSource::kDefault : it->second.source;
}

namespace {

// A setting's TOML value as the text the other sources give: strings as they are, numbers in
// decimal, booleans as yes/no, lists of strings comma-separated.
std::string SettingText(const toml::node& node, std::string_view key, const std::string& where) {
  if (const auto* string_value = node.as_string()) return string_value->get();
  if (const auto* integer = node.as_integer()) return std::to_string(integer->get());
  if (const auto* boolean = node.as_boolean()) return boolean->get() ? "yes" : "no";
  if (const auto* array = node.as_array()) {
    std::string text;
    for (const auto& element : *array) {
      const auto* item = element.as_string();
      if (item == nullptr) {
        throw ConfigError(where + ": `" + std::string(key) + "` must be a list of strings.");
      }
      if (!text.empty()) text += ",";
      text += item->get();
    }
    return text;
  }
  throw ConfigError(where + ": `" + std::string(key) +
                    "` has an unsupported type; use a string, number or list of strings.");
}

// The setting of `key`, or a ConfigError that names where it was met.
const SettingSpec& KnownSetting(std::string_view key, const std::string& where) {
  const auto* spec = FindSetting(key);
  if (spec == nullptr) {
    throw ConfigError(where + ": unknown setting `" + std::string(key) +
                      "`. See docs/configuration.md for the list of settings.");
  }
  return *spec;
}

void WarnIfSecretReadable(const SettingSpec& spec, const std::string& path) {
  if (!spec.secret || !OthersCanAccess(path)) return;
  spdlog::warn(
      "configuration file {} holds `{}` and can be read by other users of this machine; run "
      "chmod 600 {}, or move the secret to a file of its own (client_secret_file, "
      "certificate_password_file)",
      path, spec.key, path);
}

bool IsTenantName(std::string_view name) {
  return !name.empty() && name.size() <= 40 && std::ranges::all_of(name, [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

// The [[tenant]] tables of the file into `raw`: each named, of known settings only.
void LoadTenantTables(const toml::node& node, const std::string& path, RawSettings& raw) {
  const auto* tables = node.as_array();
  const std::string at =
      "configuration file " + path + " line " + std::to_string(node.source().begin.line);
  if (tables == nullptr || !tables->is_array_of_tables()) {
    throw ConfigError(at +
                      ": `tenant` must be tables written [[tenant]], one per tenant, each with "
                      "a name and the settings of that tenant (a tenant's id is tenant_id).");
  }
  for (const auto& element : *tables) {
    const auto& table = *element.as_table();
    const std::string where =
        "configuration file " + path + " line " + std::to_string(table.source().begin.line);
    RawSettings::Tenant tenant;
    for (const auto& [key, value] : table) {
      const std::string line_where =
          "configuration file " + path + " line " + std::to_string(value.source().begin.line);
      if (key.str() == "name") {
        const auto* name = value.as_string();
        tenant.name = name == nullptr ? "" : name->get();
        if (!IsTenantName(tenant.name)) {
          throw ConfigError(line_where +
                            ": a tenant's `name` is a string of 1 to 40 lowercase letters, "
                            "digits, - and _ (it names the tenant's database and its --tenant).");
        }
        continue;
      }
      const auto& spec = KnownSetting(key.str(), line_where);
      WarnIfSecretReadable(spec, path);
      tenant.values.emplace_back(spec.key, SettingText(value, key.str(), line_where));
    }
    if (tenant.name.empty()) {
      throw ConfigError(where +
                        ": this [[tenant]] table has no `name`. Give each tenant a name, "
                        "such as name = \"contoso\".");
    }
    for (const auto& other : raw.Tenants()) {
      if (other.name == tenant.name) {
        throw ConfigError(where + ": a second [[tenant]] is named `" + tenant.name +
                          "`. Give each tenant a name of its own.");
      }
    }
    raw.AddTenant(std::move(tenant));
  }
}

}  // namespace

void LoadTomlFile(const std::string& path, RawSettings& raw) {
  toml::table table;
  raw.SetConfigFile(path);
  try {
    table = toml::parse_file(path);
  } catch (const toml::parse_error& error) {
    std::ostringstream message;
    message << "configuration file " << path << " is not valid TOML at line "
            << error.source().begin.line << ", column " << error.source().begin.column << ": "
            << error.description() << ". Fix the syntax there (strings need quotes).";
    throw ConfigError(message.str());
  }
  for (const auto& [key, node] : table) {
    if (key.str() == "tenant") {
      LoadTenantTables(node, path, raw);
      continue;
    }
    const std::string where =
        "configuration file " + path + " line " + std::to_string(node.source().begin.line);
    const auto& spec = KnownSetting(key.str(), where);
    WarnIfSecretReadable(spec, path);
    raw.Set(spec.key, SettingText(node, key.str(), where), SettingSource::kFile);
  }
}

bool IsPostgresUrl(std::string_view database) {
  return database.starts_with("postgresql://") || database.starts_with("postgres://");
}

RawSettings RawSettings::ForTenant(const Tenant& tenant) const {
  RawSettings layered = *this;
  layered.tenants_.clear();
  layered.tenant_name_ = tenant.name;
  for (const auto& [key, value] : tenant.values) {
    if (SourceOf(key) <= SettingSource::kFile) layered.Set(key, value, SettingSource::kTenantTable);
  }
  return layered;
}

void LoadEnvironment(RawSettings& raw, char* (*getenv_fn)(const char*)) {
  for (const auto& spec : kSettingTable) {
    if (const char* value = getenv_fn(std::string(spec.env).c_str())) {
      raw.Set(spec.key, value, SettingSource::kEnvironment);
    }
  }
}

std::string_view CredentialName(CredentialKind kind) {
  for (const auto& [known, name] : kCredentialNames) {
    if (known == kind) return name;
  }
  return "unknown";
}

bool UsesGraphApi(const RawSettings& raw) {
  return ParseYesNo(Lowercase(raw.Get("use_graph_api").value_or("yes"))).value_or(true);
}

bool Config::GraphServesAuditQueries() const {
  const auto preset = FindCloud(cloud);
  return !preset || preset->graph_audit_queries;
}

bool Config::UsesManagedIdentity() const {
  return credential == CredentialKind::kManagedIdentity ||
         (credential == CredentialKind::kSecret &&
          client_secret_origin == SecretOrigin::kKeyVault &&
          keyvault_credential == CredentialKind::kManagedIdentity);
}

Config ResolveConfig(const RawSettings& raw, bool need_credentials, bool management_api) {
  const Resolver resolve(raw);
  Config config;
  config.config_file = raw.ConfigFile();
  config.tenant_id = resolve.Text("tenant_id");
  config.client_id = resolve.Text("client_id");
  config.cloud = Lowercase(resolve.Text("cloud"));
  const auto cloud = FindCloud(config.cloud);
  if (!cloud) {
    resolve.Fail("cloud", "is `" + config.cloud + "`, which is not a known cloud",
                 "Use one of: " + CloudNames() + ".");
  }
  ResolveEndpoints(resolve, *cloud, config);
  config.graph_api_version = resolve.Text("graph_api_version");
  if (config.graph_api_version != "v1.0" && config.graph_api_version != "beta") {
    resolve.Fail("graph_api_version", "is `" + config.graph_api_version + "`", "Use v1.0 or beta.");
  }
  config.database = resolve.Text("database");
  if (config.database.empty()) {
    resolve.Fail("database", "is empty", "Give a file path such as ./auditsync.db.");
  }
  config.tenant_name = raw.TenantName();
  if (!config.tenant_name.empty()) {
    // Each tenant keeps its own windows, checkpoints and records: a schema of its own in a
    // shared PostgreSQL database, or a SQLite file of its own beside the configured one (unless
    // its table names one).
    if (IsPostgresUrl(config.database)) {
      // The name as it is (quoted wherever SQL names the schema): a-b and a_b stay apart.
      config.database_schema = "auditsync_" + config.tenant_name;
    } else if (raw.SourceOf("database") != SettingSource::kTenantTable) {
      std::filesystem::path file(config.database);
      const auto extension = file.extension().string();
      file.replace_extension();
      config.database = file.string() + "." + config.tenant_name + extension;
    }
  }
  if (const auto password_file = resolve.Text("database_password_file"); !password_file.empty()) {
    config.database_password =
        ReadSecretFile("database_password_file", password_file, resolve, "the role's password");
  }
  config.ca_bundle = resolve.Text("ca_bundle");
  if (!config.ca_bundle.empty()) {
    struct stat info {};
    if (stat(config.ca_bundle.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) {
      resolve.Fail("ca_bundle", "names `" + config.ca_bundle + "`, which is not a readable file",
                   "Give the path of a PEM file of CA certificates.");
    }
  }
  config.proxy = resolve.Text("proxy");
  if (!config.proxy.empty() && !config.proxy.starts_with("http://") &&
      !config.proxy.starts_with("https://") && !config.proxy.starts_with("socks5://") &&
      !config.proxy.starts_with("socks5h://")) {
    // The value is not repeated: a proxy URL may hold a password.
    resolve.Fail("proxy", "is not a proxy URL",
                 "Give it like http://proxy.contoso.com:8080 (http, https, socks5 or socks5h).");
  }
  config.operations = SplitList(resolve.Text("operations"));
  if (config.operations.empty()) {
    resolve.Fail("operations", "is empty", "List at least one, e.g. LaunchPowerApp.");
  }
  config.service_filters = SplitList(resolve.Text("service_filters"));
  config.window = std::chrono::duration_cast<std::chrono::seconds>(
      resolve.Duration("window", std::chrono::hours(1)));
  if (config.window % std::chrono::hours(1) != std::chrono::seconds(0)) {
    resolve.Fail("window", "is not a whole number of hours",
                 "Give 1h, 2h, 6h, 1d or another whole number of hours: completeness is tracked "
                 "per hour.");
  }
  config.settle_after.clear();
  if (const auto text = resolve.Text("settle_after"); text != "none") {
    for (const auto& item : SplitList(text)) {
      const auto offset = ParseSettingDuration(item);
      if (!offset || *offset < std::chrono::hours(1)) {
        resolve.Fail("settle_after", "has `" + item + "`, which is not a duration of 1h or more",
                     "List durations such as 1d,2d,7d, or write none.");
      }
      config.settle_after.push_back(std::chrono::duration_cast<std::chrono::seconds>(*offset));
    }
    std::sort(config.settle_after.begin(), config.settle_after.end());
  }
  config.query_budget = static_cast<int>(resolve.Integer("query_budget", 1, 100000));
  config.max_unfinished_queries =
      static_cast<int>(resolve.Integer("max_unfinished_queries", 1, 10000));
  config.initial_lookback = std::chrono::duration_cast<std::chrono::seconds>(
      resolve.Duration("initial_lookback", std::chrono::minutes(1)));
  config.page_size = static_cast<int>(resolve.Integer("page_size", 1, 10000));
  config.max_queries_in_flight =
      std::min(static_cast<int>(resolve.Integer("max_queries_in_flight", 1, 10000)),
               config.max_unfinished_queries);
  config.poll_interval = resolve.Duration("poll_interval", std::chrono::milliseconds(1));
  config.query_timeout = std::chrono::duration_cast<std::chrono::seconds>(
      resolve.Duration("query_timeout", std::chrono::seconds(1)));
  config.lease_duration = std::chrono::duration_cast<std::chrono::seconds>(
      resolve.Duration("lease_duration", std::chrono::seconds(3)));
  config.enrich_users = resolve.YesNo("enrich_users");
  config.user_refresh_after = std::chrono::duration_cast<std::chrono::seconds>(
      resolve.Duration("user_refresh_after", std::chrono::minutes(1)));
  config.http_timeout = resolve.Duration("http_timeout", std::chrono::seconds(1));
  config.http_attempts = static_cast<int>(resolve.Integer("http_attempts", 1, 100));
  config.retry_base_delay = resolve.Duration("retry_base_delay", std::chrono::milliseconds(1));
  config.retry_max_delay = resolve.Duration("retry_max_delay", std::chrono::milliseconds(1));
  config.log_level = resolve.Text("log_level");

  config.use_graph_api = resolve.YesNo("use_graph_api");
  config.blob_concurrency = static_cast<int>(resolve.Integer("blob_concurrency", 1, 64));
  config.management_requests_per_minute =
      static_cast<int>(resolve.Integer("management_requests_per_minute", 1, 100000));
  if (need_credentials && config.use_graph_api && !cloud->graph_audit_queries) {
    resolve.Fail("cloud",
                 "is " + config.cloud +
                     ", where Microsoft Graph has no audit log query API (it exists only in the "
                     "worldwide service, which commercial and GCC tenants use)",
                 "GCC High and DoD audit logs come from the Office 365 Management Activity API "
                 "(" +
                     config.management_url +
                     "): set `use_graph_api = no` (AUDITSYNC_USE_GRAPH_API=no) to collect from "
                     "it.");
  }
  ResolveCredentials(resolve, raw, *cloud, need_credentials, config);
  ResolvePublisher(resolve, need_credentials && (management_api || !config.use_graph_api), config);
  return config;
}

}  // namespace auditsync
