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
#include <vector>

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
enum class SettingSource { kDefault, kFile, kEnvironment, kFlag };
std::string DescribeSource(const SettingSpec& spec, SettingSource source);

// Settings as text, before typing. Later layers override earlier ones.
class RawSettings {
 public:
  void Set(std::string_view key, std::string value, SettingSource source);
  std::optional<std::string> Get(std::string_view key) const;
  SettingSource SourceOf(std::string_view key) const;

 private:
  struct Entry {
    std::string value;
    SettingSource source;
  };
  std::map<std::string, Entry, std::less<>> entries_;
};

// Reads a TOML file into `raw`. Unknown keys and wrong types are ConfigErrors naming the line.
void LoadTomlFile(const std::string& path, RawSettings& raw);
// Reads the AUDITSYNC_* environment variables of the table through `getenv`.
void LoadEnvironment(RawSettings& raw, char* (*getenv_fn)(const char*));

struct Config {
  std::string tenant_id;
  std::string client_id;
  Secret client_secret;            // from client_secret or client_secret_file
  std::string client_secret_file;  // the file it came from, if any
  std::string cloud;
  std::string authority;  // without trailing slash
  std::string graph_url;  // without trailing slash
  std::string graph_api_version;
  std::string database;
  std::string ca_bundle;
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
  std::chrono::milliseconds http_timeout{};
  int http_attempts = 0;
  std::chrono::milliseconds retry_base_delay{};
  std::chrono::milliseconds retry_max_delay{};
  std::string log_level;
};

// Types and validates every setting. Credentials are checked only when `need_credentials`
// (a report reads the database and needs no tenant). Throws ConfigError naming the setting, where
// it came from, and the fix.
Config ResolveConfig(const RawSettings& raw, bool need_credentials);

}  // namespace auditsync
