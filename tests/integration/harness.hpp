// Runs the real `auditsync` binary against a real `auditsync-emulator` on loopback, over HTTPS
// with the emulator's own CA, and reads the emulator's ground truth.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/subprocess.hpp"
#include "core/time.hpp"

namespace auditsync::testing {

// A fresh directory per test, removed at the end.
class Workspace {
 public:
  Workspace();
  ~Workspace();
  std::string Path(const std::string& name) const { return (root_ / name).string(); }

 private:
  std::filesystem::path root_;
};

class Emulator {
 public:
  // `tenant` flags describe the synthetic tenant (shared by serve and truth); `serve` flags
  // tune the server (faults, caps, timing).
  Emulator(const Workspace& workspace, std::vector<std::string> tenant,
           std::vector<std::string> serve = {});
  ~Emulator();

  const std::string& BaseUrl() const { return base_url_; }
  // The Management Activity API's root: the same server under the name manage.localhost, so
  // that its tokens are for an audience of their own.
  std::string ManagementUrl() const;
  const std::string& CaFile() const { return ca_file_; }
  const std::string& SecretFile() const { return secret_file_; }

  nlohmann::json Truth(const std::string& from, const std::string& to) const;
  // GET /_emulator/stats: requests, faults injected, queries created, tokens issued.
  nlohmann::json Stats() const;
  nlohmann::json Summary(const std::string& from, const std::string& to) const;
  // The Management Activity API content of the hours in [from, to): {"blobs", "records"}.
  nlohmann::json ContentSummary(const std::string& from, const std::string& to) const;
  // `auditsync-emulator purview-export`: writes the window's audit log as a Purview export to
  // `output` and returns what it holds (rows, power_apps_rows, second_copies, other_operations,
  // malformed_rows, bad_lines, broken_lines).
  nlohmann::json PurviewExport(const std::string& from, const std::string& to,
                               const std::string& output,
                               std::vector<std::string> options = {}) const;
  // `auditsync-emulator directory`: every user's profile as Graph /users gives it.
  nlohmann::json Directory() const;
  // POST /_emulator/clock: the emulator's time becomes `now` (frozen until set again).
  void SetClock(Instant now) const;

 private:
  // Runs `auditsync-emulator COMMAND ...` with the tenant flags and parses what it prints.
  nlohmann::json RunTenantCommand(const std::string& command,
                                  std::vector<std::string> extra = {}) const;

  const Workspace& workspace_;
  std::vector<std::string> tenant_;
  std::string base_url_, ca_file_, secret_file_;
  std::unique_ptr<Subprocess> process_;
};

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// The environment that points auditsync at the emulator, with short delays for tests.
std::vector<std::string> ClientEnvironment(const Emulator& emulator, const std::string& database);

// ClientEnvironment for the Management Activity API path (use_graph_api = no), running as if it
// were `now` (the emulator's clock must say the same: `serve --now` or SetClock).
std::vector<std::string> ManagementEnvironment(const Emulator& emulator,
                                               const std::string& database, const std::string& now);

// Replaces (or adds) one NAME=value entry of an environment.
void Override(std::vector<std::string>& environment, const std::string& entry);

// Runs auditsync with `args` and `environment`; waits up to `timeout`.
RunResult RunAuditsync(const Workspace& workspace, const std::vector<std::string>& args,
                       const std::vector<std::string>& environment,
                       std::chrono::seconds timeout = std::chrono::seconds(120));

// Runs auditsync like RunAuditsync, with standard input read from the file `input_path`.
RunResult RunAuditsyncWithInput(const Workspace& workspace, const std::vector<std::string>& args,
                                std::vector<std::string> environment,
                                const std::string& input_path);

// Starts auditsync without waiting, for tests that interrupt it. Its output goes to NAME.out
// and NAME.err in the workspace.
std::unique_ptr<Subprocess> StartAuditsync(const Workspace& workspace,
                                           const std::vector<std::string>& args,
                                           const std::vector<std::string>& environment,
                                           const std::string& name = "auditsync");

// Runs `sync --from from --to to` until it succeeds, at most `max_runs` times; every run must
// succeed or say it was partial (exit 5). Each run is a day after the one before
// (AUDITSYNC_TEST_NOW), as a daily schedule, so that a window that keeps failing is past its
// backoff (at most a day) for the next. Returns every run's result, the last one last.
std::vector<RunResult> SyncUntilComplete(const Workspace& workspace,
                                         std::vector<std::string> environment,
                                         const std::string& from, const std::string& to,
                                         int max_runs = 20);

// The figure of `name` in the summary line that ends a sync's log ("N already stored"), or the
// last line that holds `marker` ("imported " for an import's).
long long SummaryFigure(const std::string& log, const std::string& name,
                        const std::string& marker = " finished: ");

// The records of the emulator's summary that a client stores (launches and deletions).
long long StorableRecords(const nlohmann::json& summary);

// Every record of the emulator's summary stored once, every malformed one quarantined once.
void ExpectStoredCountsMatch(const std::string& database, const nlohmann::json& summary);

// `report apps --format json` over [from, to); expects success.
nlohmann::json ReportApps(const Workspace& workspace, const std::vector<std::string>& environment,
                          const std::string& from, const std::string& to);

// Reads one integer from the SQLite database (read-only, safe while a sync writes).
long long QueryCount(const std::string& database, const std::string& sql);

std::string ReadFile(const std::string& path);

// Waits until `predicate` holds (checked every 20 ms), up to `timeout`. False on timeout.
bool WaitUntil(const std::function<bool()>& predicate,
               std::chrono::milliseconds timeout = std::chrono::seconds(60));

}  // namespace auditsync::testing

namespace auditsync::testing {
// Reads rows of text from the SQLite database (NULL as "").
std::vector<std::vector<std::string>> QueryRows(const std::string& database,
                                                const std::string& sql);
}  // namespace auditsync::testing
