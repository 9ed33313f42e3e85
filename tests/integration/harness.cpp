#include "integration/harness.hpp"

#include "net/curl_transport.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <sstream>
#include <thread>

namespace auditsync::testing {

Workspace::Workspace() {
  static int counter = 0;
  root_ = std::filesystem::temp_directory_path() /
          ("auditsync-it-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  std::filesystem::remove_all(root_);
  std::filesystem::create_directories(root_);
}

Workspace::~Workspace() {
  if (!::testing::Test::HasFailure()) std::filesystem::remove_all(root_);
}

std::string ReadFile(const std::string& path) {
  std::ifstream file(path);
  std::stringstream content;
  content << file.rdbuf();
  return content.str();
}

Emulator::Emulator(const Workspace& workspace, std::vector<std::string> tenant,
                   std::vector<std::string> serve)
    : workspace_(workspace), tenant_(std::move(tenant)) {
  secret_file_ = workspace.Path("client-secret");
  std::random_device random;
  std::ofstream(secret_file_) << "test-secret-" << random() << random() << '\n';
  std::filesystem::permissions(
      secret_file_, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  ca_file_ = workspace.Path("emulator-ca.pem");
  const auto port_file = workspace.Path("emulator.port");
  std::vector<std::string> argv = {EMULATOR_BINARY,        "serve",     "--port",    "0",
                                   "--port-file",          port_file,   "--ca-file", ca_file_,
                                   "--client-secret-file", secret_file_};
  argv.insert(argv.end(), tenant_.begin(), tenant_.end());
  argv.insert(argv.end(), serve.begin(), serve.end());
  process_ = std::make_unique<Subprocess>(argv, workspace.Path("emulator.log"));
  const auto port = WaitForFile(port_file, std::chrono::seconds(30));
  if (!port)
    throw std::runtime_error("emulator did not start: " + ReadFile(workspace.Path("emulator.log")));
  base_url_ = "https://127.0.0.1:" + std::to_string(std::stoi(*port));
}

Emulator::~Emulator() { process_->Terminate(); }

nlohmann::json Emulator::RunTenantCommand(const std::string& command,
                                          std::vector<std::string> extra) const {
  std::vector<std::string> argv = {EMULATOR_BINARY, command};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.insert(argv.end(), tenant_.begin(), tenant_.end());
  const auto out = workspace_.Path("truth.json");
  std::filesystem::remove(out);
  Subprocess truth(argv, out, workspace_.Path("truth.err"));
  const auto code = truth.Wait(std::chrono::seconds(120));
  if (code != 0)
    throw std::runtime_error("emulator " + command +
                             " failed: " + ReadFile(workspace_.Path("truth.err")));
  return nlohmann::json::parse(ReadFile(out));
}

nlohmann::json Emulator::Truth(const std::string& from, const std::string& to) const {
  return RunTenantCommand("truth", {"--from", from, "--to", to});
}

nlohmann::json Emulator::Stats() const {
  CurlOptions options;
  options.extra_ca_file = ca_file_;
  CurlTransport transport(options);
  const auto response = transport.Send(HttpRequest{"GET", base_url_ + "/_emulator/stats", {}, ""});
  return nlohmann::json::parse(response.body);
}

void Emulator::SetClock(Instant now) const {
  CurlOptions options;
  options.extra_ca_file = ca_file_;
  CurlTransport transport(options);
  const auto response =
      transport.Send(HttpRequest{"POST",
                                 base_url_ + "/_emulator/clock",
                                 {{"Content-Type", "application/json"}},
                                 nlohmann::json{{"now", FormatIso8601(now)}}.dump()});
  if (response.status != 200) {
    throw std::runtime_error("setting the emulator's clock failed: " + response.body);
  }
}

nlohmann::json Emulator::Summary(const std::string& from, const std::string& to) const {
  return RunTenantCommand("truth", {"--summary", "--from", from, "--to", to});
}

nlohmann::json Emulator::ContentSummary(const std::string& from, const std::string& to) const {
  return RunTenantCommand("truth",
                          {"--summary", "--content", "--from", from, "--to", to})["content"];
}

nlohmann::json Emulator::PurviewExport(const std::string& from, const std::string& to,
                                       const std::string& output,
                                       std::vector<std::string> options) const {
  options.insert(options.end(), {"--from", from, "--to", to, "--output", output});
  return RunTenantCommand("purview-export", options);
}

nlohmann::json Emulator::Directory() const { return RunTenantCommand("directory"); }

std::vector<std::string> ClientEnvironment(const Emulator& emulator, const std::string& database) {
  return {"AUDITSYNC_TENANT_ID=11111111-2222-3333-4444-555555555555",
          "AUDITSYNC_CLIENT_ID=aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
          "AUDITSYNC_CLIENT_SECRET_FILE=" + emulator.SecretFile(),
          "AUDITSYNC_AUTHORITY=" + emulator.BaseUrl(),
          "AUDITSYNC_GRAPH_URL=" + emulator.BaseUrl(),
          "AUDITSYNC_CA_BUNDLE=" + emulator.CaFile(),
          "AUDITSYNC_DATABASE=" + database,
          "AUDITSYNC_POLL_INTERVAL=20ms",
          "AUDITSYNC_RETRY_BASE_DELAY=10ms",
          "AUDITSYNC_RETRY_MAX_DELAY=200ms",
          "AUDITSYNC_HTTP_TIMEOUT=20s",
          "AUDITSYNC_LOG_LEVEL=info"};
}

std::string Emulator::ManagementUrl() const {
  return "https://manage.localhost:" + base_url_.substr(base_url_.rfind(':') + 1);
}

std::vector<std::string> ManagementEnvironment(const Emulator& emulator,
                                               const std::string& database,
                                               const std::string& now) {
  auto environment = ClientEnvironment(emulator, database);
  environment.push_back("AUDITSYNC_USE_GRAPH_API=no");
  environment.push_back("AUDITSYNC_MANAGEMENT_URL=" + emulator.ManagementUrl());
  environment.push_back("AUDITSYNC_TEST_NOW=" + now);
  return environment;
}

void Override(std::vector<std::string>& environment, const std::string& entry) {
  const auto name = entry.substr(0, entry.find('=') + 1);
  std::erase_if(environment, [&name](const std::string& e) { return e.starts_with(name); });
  environment.push_back(entry);
}

namespace {

// Starts `argv` with its output in NAME.out and NAME.err of the workspace.
std::unique_ptr<Subprocess> StartInWorkspace(const Workspace& workspace,
                                             const std::vector<std::string>& argv,
                                             const std::vector<std::string>& environment,
                                             const std::string& name) {
  std::filesystem::remove(workspace.Path(name + ".out"));
  std::filesystem::remove(workspace.Path(name + ".err"));
  return std::make_unique<Subprocess>(argv, workspace.Path(name + ".out"),
                                      workspace.Path(name + ".err"), environment);
}

RunResult WaitForAuditsync(const Workspace& workspace, Subprocess& process,
                           std::chrono::seconds timeout) {
  RunResult result;
  result.exit_code = process.Wait(timeout).value_or(-1);
  if (result.exit_code == -1) process.Terminate();
  result.out = ReadFile(workspace.Path("auditsync.out"));
  result.err = ReadFile(workspace.Path("auditsync.err"));
  return result;
}

}  // namespace

std::unique_ptr<Subprocess> StartAuditsync(const Workspace& workspace,
                                           const std::vector<std::string>& args,
                                           const std::vector<std::string>& environment,
                                           const std::string& name) {
  std::vector<std::string> argv = {AUDITSYNC_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return StartInWorkspace(workspace, argv, environment, name);
}

RunResult RunAuditsyncWithInput(const Workspace& workspace, const std::vector<std::string>& args,
                                std::vector<std::string> environment,
                                const std::string& input_path) {
  // The shell only points standard input at the file, then becomes auditsync.
  std::vector<std::string> argv = {"/bin/sh", "-c", R"(exec "$0" "$@" < "$AUDITSYNC_TEST_INPUT")",
                                   AUDITSYNC_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  environment.push_back("AUDITSYNC_TEST_INPUT=" + input_path);
  const auto process = StartInWorkspace(workspace, argv, environment, "auditsync");
  return WaitForAuditsync(workspace, *process, std::chrono::seconds(120));
}

std::vector<RunResult> SyncUntilComplete(const Workspace& workspace,
                                         std::vector<std::string> environment,
                                         const std::string& from, const std::string& to,
                                         int max_runs) {
  std::vector<RunResult> runs;
  const Instant start = NowUtc();
  while (static_cast<int>(runs.size()) < max_runs) {
    Override(environment,
             "AUDITSYNC_TEST_NOW=" + FormatIso8601(start + std::chrono::days(runs.size())));
    runs.push_back(RunAuditsync(workspace, {"sync", "--from", from, "--to", to}, environment));
    const auto& result = runs.back();
    EXPECT_TRUE(result.exit_code == 0 || result.exit_code == 5) << result.err;
    if (result.exit_code != 5) break;
  }
  return runs;
}

long long SummaryFigure(const std::string& log, const std::string& name,
                        const std::string& marker) {
  const auto line = log.rfind(marker);
  const auto at = log.find(" " + name, line);
  if (line == std::string::npos || at == std::string::npos) return -1;
  const auto start = log.find_last_of(' ', at - 1) + 1;
  return std::stoll(log.substr(start, at - start));
}

long long StorableRecords(const nlohmann::json& summary) {
  return summary["launch_records"].get<long long>() + summary["delete_records"].get<long long>();
}

void ExpectStoredCountsMatch(const std::string& database, const nlohmann::json& summary) {
  EXPECT_EQ(QueryCount(database, "SELECT count(*) FROM audit_records"), StorableRecords(summary));
  EXPECT_EQ(QueryCount(database, "SELECT count(*) FROM quarantine"),
            summary["malformed_records"].get<long long>());
}

nlohmann::json ReportApps(const Workspace& workspace, const std::vector<std::string>& environment,
                          const std::string& from, const std::string& to) {
  const auto result = RunAuditsync(
      workspace, {"report", "apps", "--from", from, "--to", to, "--format", "json"}, environment);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  return nlohmann::json::parse(result.out);
}

RunResult RunAuditsync(const Workspace& workspace, const std::vector<std::string>& args,
                       const std::vector<std::string>& environment, std::chrono::seconds timeout) {
  const auto process = StartAuditsync(workspace, args, environment);
  return WaitForAuditsync(workspace, *process, timeout);
}

long long QueryCount(const std::string& database, const std::string& sql) {
  sqlite3* db = nullptr;
  long long value = -1;
  if (sqlite3_open_v2(database.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_busy_timeout(db, 5000);
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) == SQLITE_OK &&
        sqlite3_step(statement) == SQLITE_ROW) {
      value = sqlite3_column_int64(statement, 0);
    }
    sqlite3_finalize(statement);
  }
  sqlite3_close(db);
  return value;
}

}  // namespace auditsync::testing

namespace auditsync::testing {
std::vector<std::vector<std::string>> QueryRows(const std::string& database,
                                                const std::string& sql) {
  std::vector<std::vector<std::string>> rows;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(database.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) == SQLITE_OK) {
      while (sqlite3_step(statement) == SQLITE_ROW) {
        auto& row = rows.emplace_back();
        for (int i = 0; i < sqlite3_column_count(statement); ++i) {
          const auto* text = sqlite3_column_text(statement, i);
          row.emplace_back(text ? reinterpret_cast<const char*>(text) : "");
        }
      }
    }
    sqlite3_finalize(statement);
  }
  sqlite3_close(db);
  return rows;
}

bool WaitUntil(const std::function<bool()>& predicate, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!predicate()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

}  // namespace auditsync::testing
