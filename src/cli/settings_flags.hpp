// Puts every setting of the table on the command line and layers the sources in one place:
// defaults < TOML file < environment < flags.
#pragma once

#include <CLI/CLI.hpp>

#include <map>
#include <string>
#include <vector>

#include "core/config.hpp"

namespace auditsync {

struct GlobalFlags {
  std::string config_path;                    // --config; default ./auditsync.toml when present
  std::map<std::string, std::string> values;  // setting key -> flag value
  std::string refused_secret;                 // --client-secret is parsed only to be refused
  bool secret_from_stdin = false;             // --client-secret-stdin
  std::string tenant;                         // --tenant: one [[tenant]] table of the file
};

void AddSettingFlags(CLI::App& app, GlobalFlags& flags);

// Reads the file, the environment, the flags and, with --client-secret-stdin, the secret on
// standard input, layered, untyped. Throws ConfigError (an unreadable file, --client-secret).
RawSettings LoadRawSettings(CLI::App& app, const GlobalFlags& flags);

// The same into a typed Config (ResolveConfig says what `need_credentials` and
// `management_api` check), for one tenant: the configuration's own, or, with [[tenant]] tables,
// the one --tenant names (needed when there are several). Throws ConfigError.
Config LoadConfig(CLI::App& app, const GlobalFlags& flags, bool need_credentials,
                  bool management_api = false);

// The configurations of every tenant a collecting command works for, in the file's order: each
// [[tenant]] table layered over the file's top level (or the one --tenant names), or, without
// tables, the configuration's own. Throws ConfigError.
std::vector<Config> LoadTenantConfigs(CLI::App& app, const GlobalFlags& flags,
                                      bool need_credentials, bool management_api = false);

}  // namespace auditsync
