#include "core/config.hpp"

#include <toml++/toml.h>

#include <sys/stat.h>
#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <fstream>
#include <sstream>

#include "core/cloud.hpp"
#include "core/error.hpp"
#include "core/file_access.hpp"
#include "core/log.hpp"
#include "core/text.hpp"
#include "core/time.hpp"

namespace auditsync {
namespace {

constexpr std::array<SettingSpec, 26> kSettingTable = {{
    {"tenant_id", "AUDITSYNC_TENANT_ID", "--tenant-id", "", "Tenant GUID or verified domain",
     "TenantID", false},
    {"client_id", "AUDITSYNC_CLIENT_ID", "--client-id", "", "App registration (client) id",
     "Audit Logs - ClientID", false},
    {"client_secret", "AUDITSYNC_CLIENT_SECRET", "", "",
     "Client secret value (no flag: a flag would show in `ps` and shell history)",
     "Audit Logs - Client Secret", true},
    {"client_secret_file", "AUDITSYNC_CLIENT_SECRET_FILE", "--client-secret-file", "",
     "File holding the client secret (trailing newline ignored)", "", false},
    {"cloud", "AUDITSYNC_CLOUD", "--cloud", "commercial",
     "commercial, gcc, gcchigh or dod: sets authority and graph_url", "", false},
    {"authority", "AUDITSYNC_AUTHORITY", "--authority", "",
     "Entra authority root, e.g. https://login.microsoftonline.com (default: from cloud)",
     "Audit Logs - Authority", false},
    {"graph_url", "AUDITSYNC_GRAPH_URL", "--graph-url", "",
     "Microsoft Graph root, e.g. https://graph.microsoft.com (default: from cloud)",
     "Graph URL Environment Variable; Audit Logs - Audience (Graph)", false},
    {"graph_api_version", "AUDITSYNC_GRAPH_API_VERSION", "--graph-api-version", "v1.0",
     "Graph version segment: v1.0 or beta", "", false},
    {"database", "AUDITSYNC_DATABASE", "--database", "./auditsync.db", "SQLite database file", "",
     false},
    {"ca_bundle", "AUDITSYNC_CA_BUNDLE", "--ca-bundle", "",
     "PEM file of extra trusted CAs (TLS-inspecting proxies, tests); the system store stays "
     "trusted",
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

class Resolver {
 public:
  explicit Resolver(const RawSettings& raw) : raw_(raw) {}

  std::string Text(std::string_view key) const {
    if (auto value = raw_.Get(key)) return std::string(Trim(*value));
    return std::string(FindSetting(key)->default_text);
  }

  [[noreturn]] void Fail(std::string_view key, const std::string& problem,
                         const std::string& fix) const {
    const auto* spec = FindSetting(key);
    throw ConfigError("setting `" + std::string(key) + "` (" +
                      DescribeSource(*spec, raw_.SourceOf(key)) + ") " + problem + ". " + fix);
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

std::string ReadSecretFile(const std::string& path, const Resolver& resolver) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    resolver.Fail("client_secret_file", "names `" + path + "`, which cannot be read",
                  "Check the path and that this user may read it.");
  }
  std::stringstream content;
  content << file.rdbuf();
  std::string secret = content.str();
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  if (secret.empty()) {
    resolver.Fail("client_secret_file", "names `" + path + "`, which is empty",
                  "Put the client secret value (not its id) in the file.");
  }
  if (OthersCanAccess(path)) {
    spdlog::warn(
        "client_secret_file {} can be read by other users of this machine; run chmod 600 {}", path,
        path);
  }
  return secret;
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
    case SettingSource::kEnvironment:
      return "from " + std::string(spec.env);
    case SettingSource::kFlag:
      return "from " + std::string(spec.flag);
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

void LoadTomlFile(const std::string& path, RawSettings& raw) {
  toml::table table;
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
    const auto* spec = FindSetting(key.str());
    const auto line = std::to_string(node.source().begin.line);
    if (spec == nullptr) {
      throw ConfigError("configuration file " + path + " line " + line + ": unknown setting `" +
                        std::string(key.str()) +
                        "`. See docs/configuration.md for the list of settings.");
    }
    std::string text;
    if (const auto* string_value = node.as_string()) {
      text = string_value->get();
    } else if (const auto* integer = node.as_integer()) {
      text = std::to_string(integer->get());
    } else if (const auto* boolean = node.as_boolean()) {
      text = boolean->get() ? "yes" : "no";
    } else if (const auto* array = node.as_array()) {
      for (const auto& element : *array) {
        const auto* item = element.as_string();
        if (item == nullptr) {
          throw ConfigError("configuration file " + path + " line " + line + ": `" +
                            std::string(key.str()) + "` must be a list of strings.");
        }
        if (!text.empty()) text += ",";
        text += item->get();
      }
    } else {
      throw ConfigError("configuration file " + path + " line " + line + ": `" +
                        std::string(key.str()) +
                        "` has an unsupported type; use a string, number or list of strings.");
    }
    if (spec->secret && OthersCanAccess(path)) {
      spdlog::warn(
          "configuration file {} holds `{}` and can be read by other users of this machine; run "
          "chmod 600 {}, or move the secret to client_secret_file",
          path, spec->key, path);
    }
    raw.Set(spec->key, std::move(text), SettingSource::kFile);
  }
}

void LoadEnvironment(RawSettings& raw, char* (*getenv_fn)(const char*)) {
  for (const auto& spec : kSettingTable) {
    if (const char* value = getenv_fn(std::string(spec.env).c_str())) {
      raw.Set(spec.key, value, SettingSource::kEnvironment);
    }
  }
}

Config ResolveConfig(const RawSettings& raw, bool need_credentials) {
  const Resolver resolve(raw);
  Config config;
  config.tenant_id = resolve.Text("tenant_id");
  config.client_id = resolve.Text("client_id");
  config.cloud = resolve.Text("cloud");
  config.cloud = Lowercase(config.cloud);
  const auto cloud = FindCloud(config.cloud);
  if (!cloud) {
    resolve.Fail("cloud", "is `" + config.cloud + "`, which is not a known cloud",
                 "Use one of: " + CloudNames() + ".");
  }
  config.authority = TrimTrailingSlashes(resolve.Text("authority"));
  if (config.authority.empty()) config.authority = std::string(cloud->authority);
  config.graph_url = TrimTrailingSlashes(resolve.Text("graph_url"));
  if (config.graph_url.empty()) config.graph_url = std::string(cloud->graph_url);
  for (const auto key : {"authority", "graph_url"}) {
    const auto& url = std::string_view(key) == "authority" ? config.authority : config.graph_url;
    if (!url.starts_with("https://")) {
      resolve.Fail(key, "is `" + url + "`, which is not an https:// URL",
                   "Give the full root, e.g. https://login.microsoftonline.com or "
                   "https://graph.microsoft.com.");
    }
  }
  config.graph_api_version = resolve.Text("graph_api_version");
  if (config.graph_api_version != "v1.0" && config.graph_api_version != "beta") {
    resolve.Fail("graph_api_version", "is `" + config.graph_api_version + "`", "Use v1.0 or beta.");
  }
  config.database = resolve.Text("database");
  if (config.database.empty()) {
    resolve.Fail("database", "is empty", "Give a file path such as ./auditsync.db.");
  }
  config.ca_bundle = resolve.Text("ca_bundle");
  if (!config.ca_bundle.empty()) {
    struct stat info {};
    if (stat(config.ca_bundle.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) {
      resolve.Fail("ca_bundle", "names `" + config.ca_bundle + "`, which is not a readable file",
                   "Give the path of a PEM file of CA certificates.");
    }
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
  config.http_timeout = resolve.Duration("http_timeout", std::chrono::seconds(1));
  config.http_attempts = static_cast<int>(resolve.Integer("http_attempts", 1, 100));
  config.retry_base_delay = resolve.Duration("retry_base_delay", std::chrono::milliseconds(1));
  config.retry_max_delay = resolve.Duration("retry_max_delay", std::chrono::milliseconds(1));
  config.log_level = resolve.Text("log_level");

  const auto secret_text = raw.Get("client_secret");
  const auto secret_file = resolve.Text("client_secret_file");
  if (secret_text && !Trim(*secret_text).empty() && !secret_file.empty()) {
    resolve.Fail("client_secret_file", "is set together with `client_secret`",
                 "Keep only one of them, so that it is clear which secret is used.");
  }
  if (secret_text && !Trim(*secret_text).empty()) {
    config.client_secret = Secret(std::string(Trim(*secret_text)));
  } else if (!secret_file.empty()) {
    config.client_secret = Secret(ReadSecretFile(secret_file, resolve));
    config.client_secret_file = secret_file;
  }

  if (need_credentials) {
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
    if (config.client_secret.Empty()) {
      resolve.Fail("client_secret", "is missing",
                   "Set client_secret_file (recommended) or AUDITSYNC_CLIENT_SECRET to the client "
                   "secret value from the app registration's Certificates & secrets page.");
    }
  }
  return config;
}

}  // namespace auditsync
