#include "cli/settings_flags.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "core/error.hpp"
#include "core/secret.hpp"

namespace auditsync {
namespace {

// The whole of standard input by the rule of secret text (without its trailing line ends): what
// `secret-tool lookup ... |` or `vault kv get -field=... |` pipes in.
Secret ReadSecretFromStdin() {
  if (::isatty(STDIN_FILENO) != 0) {
    throw ConfigError(
        "--client-secret-stdin reads the secret from standard input, which is a terminal here (it "
        "would echo what you type). Pipe the secret in, e.g. `secret-tool lookup auditsync "
        "client-secret | auditsync --client-secret-stdin sync`.");
  }
  auto secret = SecretFromStream(std::cin);
  if (secret.Blank()) {
    throw ConfigError(
        "--client-secret-stdin found nothing on standard input. Pipe the client secret value in.");
  }
  return secret;
}

}  // namespace

void AddSettingFlags(CLI::App& app, GlobalFlags& flags) {
  app.add_option("--config", flags.config_path,
                 "TOML configuration file (default: ./auditsync.toml when present)")
      ->group("Configuration");
  for (const auto& spec : Settings()) {
    if (spec.flag.empty()) continue;
    auto* option = app.add_option(std::string(spec.flag), flags.values[std::string(spec.key)],
                                  std::string(spec.meaning) + " [" + std::string(spec.env) + "]");
    option->group("Settings");
    if (!spec.default_text.empty()) option->default_str(std::string(spec.default_text));
  }
  // Accepted only to refuse it with the reason, instead of an "unknown option" error.
  app.add_option("--client-secret", flags.refused_secret,
                 "Refused: a secret on the command line shows in `ps` and shell history")
      ->group("")
      ->expected(0, 1);
  app.add_flag("--client-secret-stdin", flags.secret_from_stdin,
               "Read the client secret from standard input (piped from a secret manager)")
      ->group("Configuration");
  app.add_option("--tenant", flags.tenant,
                 "The [[tenant]] of the configuration file to act on (sync, run and status: "
                 "every one when not given)")
      ->group("Configuration");
}

RawSettings LoadRawSettings(CLI::App& app, const GlobalFlags& flags) {
  if (app.get_option("--client-secret")->count() > 0) {
    throw ConfigError(
        "--client-secret is not accepted: a secret on the command line shows in `ps` and in "
        "shell history. Put it in a file named by client_secret_file (mode 0600), pipe it in with "
        "--client-secret-stdin, or use AUDITSYNC_CLIENT_SECRET.");
  }
  RawSettings raw;
  std::string path = flags.config_path;
  if (path.empty() && std::filesystem::exists("auditsync.toml")) path = "auditsync.toml";
  if (!path.empty()) {
    if (!std::filesystem::exists(path)) {
      throw ConfigError("configuration file " + path + " does not exist. Check the --config path.");
    }
    LoadTomlFile(path, raw);
  }
  LoadEnvironment(raw, std::getenv);
  for (const auto& spec : Settings()) {
    if (spec.flag.empty()) continue;
    if (app.get_option(std::string(spec.flag))->count() > 0) {
      raw.Set(spec.key, flags.values.at(std::string(spec.key)), SettingSource::kFlag);
    }
  }
  if (flags.secret_from_stdin) {
    raw.Set("client_secret", ReadSecretFromStdin().Reveal(), SettingSource::kStdin);
  }
  return raw;
}

std::vector<Config> LoadTenantConfigs(CLI::App& app, const GlobalFlags& flags,
                                      bool need_credentials, bool management_api) {
  const auto raw = LoadRawSettings(app, flags);
  const auto& tenants = raw.Tenants();
  if (tenants.empty()) {
    if (!flags.tenant.empty()) {
      throw ConfigError("--tenant " + flags.tenant +
                        ": the configuration has no [[tenant]] tables. Leave --tenant out, or "
                        "add a [[tenant]] table named " +
                        flags.tenant + ".");
    }
    return {ResolveConfig(raw, need_credentials, management_api)};
  }
  // A tenant id common to every tenant is a mistake: each table names its own.
  if (const auto source = raw.SourceOf("tenant_id"); source != SettingSource::kDefault) {
    throw ConfigError("tenant_id is set " + DescribeSource(*FindSetting("tenant_id"), source) +
                      " while the configuration file has [[tenant]] tables. Set tenant_id in "
                      "each [[tenant]] table instead.");
  }
  std::string names;
  for (const auto& tenant : tenants) names += (names.empty() ? "" : ", ") + tenant.name;
  std::vector<Config> configs;
  for (const auto& tenant : tenants) {
    if (!flags.tenant.empty() && tenant.name != flags.tenant) continue;
    try {
      configs.push_back(ResolveConfig(raw.ForTenant(tenant), need_credentials, management_api));
    } catch (const ConfigError& error) {
      throw ConfigError("tenant " + tenant.name + ": " + error.what());
    }
  }
  if (configs.empty()) {
    throw ConfigError("--tenant " + flags.tenant + " names no [[tenant]] table of " +
                      raw.ConfigFile() + ". Its tenants are: " + names + ".");
  }
  return configs;
}

Config LoadConfig(CLI::App& app, const GlobalFlags& flags, bool need_credentials,
                  bool management_api) {
  auto configs = LoadTenantConfigs(app, flags, need_credentials, management_api);
  if (configs.size() > 1) {
    std::string names;
    for (const auto& config : configs) names += (names.empty() ? "" : ", ") + config.tenant_name;
    throw ConfigError("the configuration has several tenants (" + names +
                      "): name the one to act on with --tenant NAME.");
  }
  return std::move(configs.front());
}

}  // namespace auditsync
