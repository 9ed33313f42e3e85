// `auditsync demo`: what a newcomer sees first. Starts the emulator with a synthetic tenant,
// syncs the last 7 days into a fresh demo database and prints the apps report. Everything it
// writes stays in ./auditsync-demo/.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>

#include "cli/collector.hpp"
#include "cli/commands.hpp"
#include "core/log.hpp"
#include "core/subprocess.hpp"
#include "report/render.hpp"
#include "report/usage_reports.hpp"
#include "store/store.hpp"

namespace auditsync {
namespace {

struct DemoOptions {
  std::string directory = "auditsync-demo";
  int launches_per_hour = 120;
};

// The demo tenant's app registration, as the emulator knows it by default.
constexpr const char* kDemoTenant = "11111111-2222-3333-4444-555555555555";
constexpr const char* kDemoClient = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";

std::string RandomSecret() {
  std::random_device random;
  std::string secret;
  const char* alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789~._-";
  for (int i = 0; i < 40; ++i) secret += alphabet[random() % 66];
  return secret;
}

ExitCode RunDemo(const DemoOptions& options, const std::string& log_level) {
  namespace fs = std::filesystem;
  const fs::path directory = fs::absolute(options.directory);
  // The demo starts afresh, but it only ever deletes a directory it made itself (marked).
  const fs::path marker = directory / ".auditsync-demo";
  if (fs::exists(directory) && !fs::is_empty(directory) && !fs::exists(marker)) {
    throw ConfigError("the demo directory " + directory.string() +
                      " exists and was not made by `auditsync demo`; it is left untouched. "
                      "Choose another --directory.");
  }
  fs::remove_all(directory);
  fs::create_directories(directory);
  std::ofstream(marker) << "Made by `auditsync demo`; deleted and recreated by each demo run.\n";
  // A fresh secret per run, in a file only this user can read; the emulator and the client both
  // read it from there, so it never appears on a command line.
  const auto secret_path = (directory / "client-secret").string();
  {
    std::ofstream file(secret_path);
    fs::permissions(secret_path, fs::perms::owner_read | fs::perms::owner_write);
    file << RandomSecret() << '\n';
  }

  const auto port_path = (directory / "emulator.port").string();
  const auto ca_path = (directory / "emulator-ca.pem").string();
  const auto emulator_path = ExecutableDirectory() + "/auditsync-emulator";
  if (!fs::exists(emulator_path)) {
    throw ConfigError("the emulator is not at " + emulator_path +
                      ". Build it with `make` (it lands beside auditsync).");
  }
  std::cout << "Starting the emulator (a synthetic tenant standing in for Entra ID and "
               "Microsoft Graph)...\n";
  Subprocess emulator({emulator_path, "serve", "--port", "0", "--port-file", port_path, "--ca-file",
                       ca_path, "--client-secret-file", secret_path, "--launches-per-hour",
                       std::to_string(options.launches_per_hour)},
                      (directory / "emulator.log").string());
  const auto port_text = WaitForFile(port_path, std::chrono::seconds(30));
  if (!port_text) {
    throw Error(ExitCode::kInternal, "the emulator did not start within 30 s; see " +
                                         (directory / "emulator.log").string());
  }
  const std::string base = "https://127.0.0.1:" + std::to_string(std::stoi(*port_text));

  // The demo's settings go through the same table and resolver as a real configuration; only
  // the endpoints, the secret and the short waits suited to a local emulator are its own.
  RawSettings raw;
  const std::pair<const char*, std::string> demo_settings[] = {
      {"tenant_id", kDemoTenant},
      {"client_id", kDemoClient},
      {"client_secret_file", secret_path},
      {"authority", base},
      {"graph_url", base},
      {"ca_bundle", ca_path},
      {"database", (directory / "auditsync-demo.db").string()},
      {"poll_interval", "200ms"},
      {"retry_base_delay", "100ms"},
      {"retry_max_delay", "5s"},
      {"log_level", log_level},
  };
  for (const auto& [key, value] : demo_settings) raw.Set(key, value, SettingSource::kFlag);
  const Config config = ResolveConfig(raw, /*need_credentials=*/true);

  std::cout << "Syncing the last 7 days of Power Apps launches into " << config.database << "...\n";
  const auto code = CollectOnce(config, SyncRequest{});
  emulator.Terminate();

  const auto store = OpenStore(config);
  const auto rows = store->QueryAppUsage({});
  std::cout << "\nPower Apps launches and unique users per app, last 7 days:\n\n";
  RenderReport(AppsReport(rows), ReportFormat::kTable, std::cout);
  std::cout << "\n"
            << store->CountRecords() << " audit records stored, " << store->CountQuarantined()
            << " quarantined (unreadable).\n"
            << "Try: ./build/release/auditsync report apps --database " << config.database
            << " --format json\n"
            << "To collect from a real tenant, see \"Using it on a real tenant\" in README.md.\n";
  return code;
}

}  // namespace

void SetupDemoCommand(CLI::App& app, GlobalFlags& flags, CommandAction& action) {
  auto options = std::make_shared<DemoOptions>();
  auto* command = app.add_subcommand(
      "demo", "Run a sync against the built-in emulator and print the apps report");
  command->add_option("--directory", options->directory,
                      "Where the demo database and emulator files go (recreated)");
  command->add_option("--launches-per-hour", options->launches_per_hour,
                      "Size of the synthetic tenant");
  command->callback([&flags, &action, options] {
    action = [&flags, options] {
      const auto level_flag = flags.values.find("log_level");
      const std::string level = level_flag != flags.values.end() && !level_flag->second.empty()
                                    ? level_flag->second
                                    : "error";  // the summary says what the log would
      InitLogging(level);
      return RunDemo(*options, level);
    };
  });
}

}  // namespace auditsync
