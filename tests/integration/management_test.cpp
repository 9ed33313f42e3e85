// End to end through the Office 365 Management Activity API (use_graph_api = no): the real
// auditsync binary against the real emulator on a simulated clock. Reports are compared with the
// emulator's ground truth exactly.
#include <gtest/gtest.h>
#include <signal.h>

#include <map>
#include <regex>
#include <thread>

#include "core/time.hpp"
#include "integration/harness.hpp"

namespace auditsync::testing {
namespace {

constexpr const char* kNow = "2026-11-12T06:00:00Z";
// The records of the hours [kFrom, kTo), and the content that holds them: each hour's blobs are
// published during the hour after it.
constexpr const char* kFrom = "2026-11-10T00:00:00Z";
constexpr const char* kTo = "2026-11-12T00:00:00Z";
constexpr const char* kContentFrom = "2026-11-10T01:00:00Z";
constexpr const char* kContentTo = "2026-11-12T01:00:00Z";

std::vector<std::string> Tenant(int launches_per_hour = 30, std::vector<std::string> more = {}) {
  std::vector<std::string> tenant = {"--seed", "4", "--launches-per-hour",
                                     std::to_string(launches_per_hour)};
  tenant.insert(tenant.end(), more.begin(), more.end());
  return tenant;
}

std::vector<std::string> Serve(std::vector<std::string> more = {}) {
  std::vector<std::string> serve = {"--now", kNow};
  serve.insert(serve.end(), more.begin(), more.end());
  return serve;
}

RunResult SyncContent(const Workspace& workspace, const std::vector<std::string>& environment) {
  return RunAuditsync(workspace, {"sync", "--from", kContentFrom, "--to", kContentTo}, environment);
}

// Occurrences of `what` in `text`.
size_t Count(const std::string& text, const std::string& what) {
  size_t count = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++count;
  return count;
}

TEST(Management, StoresExactlyTheGroundTruthWithDuplicatedRecords) {
  Workspace workspace;
  // A quarter of the records delivered twice, in other blobs; small listing pages, and the next
  // page named by the header's other spelling.
  Emulator emulator(workspace, Tenant(30, {"--duplicate-rate", "0.25"}),
                    Serve({"--content-page-size", "7", "--next-page-header", "NextPageUrl"}));
  const auto database = workspace.Path("audit.db");
  const auto environment = ManagementEnvironment(emulator, database, kNow);
  const auto result = SyncContent(workspace, environment);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto truth = emulator.Truth(kFrom, kTo);
  ASSERT_GT(truth.size(), 10u);
  EXPECT_EQ(ReportApps(workspace, environment, kFrom, kTo), truth);
  const auto summary = emulator.Summary(kFrom, kTo);
  ExpectStoredCountsMatch(database, summary);
  // Every duplicate delivery was recognised by its record id, and nothing else was.
  ASSERT_GT(summary["duplicate_deliveries"].get<long long>(), 100);
  EXPECT_EQ(SummaryFigure(result.err, "already stored"), summary["duplicate_deliveries"]);
  // Every blob of those hours was read once, all their records (noise included) with them, and
  // every call carried PublisherIdentifier.
  const auto content = emulator.ContentSummary(kFrom, kTo);
  const auto stats = emulator.Stats();
  EXPECT_EQ(stats["management"]["blobs_served"], content["blobs"]) << stats.dump();
  EXPECT_EQ(stats["management"]["blob_records_served"], content["records"]);
  EXPECT_EQ(stats["management"].value("management_requests_without_publisher", 0), 0);
  // Paged: two days of about a blob an hour, seven blobs a page.
  EXPECT_GE(stats["management"]["listings_served"].get<int>(), 2 * 4);
  EXPECT_NE(result.err.find(content["records"].dump() + " records of every workload"),
            std::string::npos)
      << result.err;
  // A sync from the checkpoint adds nothing for those hours, and fetches no stored blob again.
  const auto again = RunAuditsync(workspace, {"sync"}, environment);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(ReportApps(workspace, environment, kFrom, kTo), truth);
  const auto status = RunAuditsync(workspace, {"status"}, environment);
  EXPECT_NE(status.out.find("Office 365 Management Activity API"), std::string::npos);
  EXPECT_NE(status.out.find("content published before 2026-11-12T06:00:00Z is stored"),
            std::string::npos)
      << status.out;
}

// A sync under `faults`; the report and the stored counts must equal the truth. Returns the
// emulator's stats.
nlohmann::json SyncUnderFaults(const std::string& faults, const std::string& concurrency) {
  Workspace workspace;
  Emulator emulator(
      workspace, Tenant(30, {"--blob-records", "120"}),
      Serve({"--faults", faults, "--token-lifetime", "30", "--content-page-size", "20"}));
  const auto database = workspace.Path("audit.db");
  auto environment = ManagementEnvironment(emulator, database, kNow);
  Override(environment, "AUDITSYNC_BLOB_CONCURRENCY=" + concurrency);
  const auto result = SyncContent(workspace, environment);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(ReportApps(workspace, environment, kFrom, kTo), emulator.Truth(kFrom, kTo));
  ExpectStoredCountsMatch(database, emulator.Summary(kFrom, kTo));
  EXPECT_EQ(QueryCount(database, "SELECT count(*) FROM content_blobs WHERE state = 'stored'"),
            emulator.ContentSummary(kFrom, kTo)["blobs"].get<long long>());
  // AF429 came as HTTP 403 too, and was waited for like a 429.
  const auto log = ReadFile(workspace.Path("emulator.log"));
  EXPECT_NE(log.find(" 403 fault=429-no-retry-after"), std::string::npos);
  return emulator.Stats();
}

TEST(Management, SurvivesEveryKindOfFault) {
  // One download at a time: the requests, and so the faults drawn, come in the same order on
  // every run (a token revoked twice in a row, which no retry survives, never happens here).
  const auto stats = SyncUnderFaults(
      "429=0.04,429-no-retry-after=0.04,503=0.03,504=0.03,drop=0.04,truncate=0.04,"
      "token-expiry=0.03",
      "1");
  for (const char* kind :
       {"429", "429-no-retry-after", "503", "504", "drop", "truncate", "token-expiry"}) {
    EXPECT_GE(stats["faults"].value(kind, 0), 1) << kind;
  }
}

TEST(Management, ConcurrentDownloadsSurviveFaults) {
  const auto stats = SyncUnderFaults(
      "429=0.05,429-no-retry-after=0.05,503=0.04,504=0.04,drop=0.05,truncate=0.05", "8");
  for (const char* kind : {"429", "429-no-retry-after", "503", "504", "drop", "truncate"}) {
    EXPECT_GE(stats["faults"].value(kind, 0), 1) << kind;
  }
}

TEST(Management, ASyncKilledMidwayResumesWithoutRefetchingFinishedBlobsOrSkippingAny) {
  Workspace workspace;
  Emulator emulator(workspace, Tenant(200, {"--blob-records", "300"}), Serve());
  const auto database = workspace.Path("audit.db");
  auto environment = ManagementEnvironment(emulator, database, kNow);
  Override(environment, "AUDITSYNC_BLOB_CONCURRENCY=4");
  const long long blobs = emulator.ContentSummary(kFrom, kTo)["blobs"];
  auto sync =
      StartAuditsync(workspace, {"sync", "--from", kContentFrom, "--to", kContentTo}, environment);
  long long done = 0;
  for (int i = 0; i < 600 && done < blobs / 4; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    done = QueryCount(database, "SELECT count(*) FROM content_blobs");
  }
  sync->Signal(SIGKILL);
  ASSERT_EQ(sync->Wait(std::chrono::seconds(10)), 128 + SIGKILL);
  const auto finished = QueryRows(database, "SELECT content_id FROM content_blobs");
  ASSERT_GT(finished.size(), 0u);
  ASSERT_LT(static_cast<long long>(finished.size()), blobs) << "the sync ended before the kill";

  const auto resumed = SyncContent(workspace, environment);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_EQ(ReportApps(workspace, environment, kFrom, kTo), emulator.Truth(kFrom, kTo));
  ExpectStoredCountsMatch(database, emulator.Summary(kFrom, kTo));
  EXPECT_EQ(QueryCount(database, "SELECT count(*) FROM content_blobs"), blobs);
  // Each blob finished (committed) before the kill was served once in all; only those read but
  // not yet committed when the sync died were read again.
  const auto log = ReadFile(workspace.Path("emulator.log"));
  for (const auto& row : finished) {
    EXPECT_EQ(Count(log, "/audit/" + row[0] + " 200"), 1u) << row[0];
  }
  const long long served = emulator.Stats()["management"]["blobs_served"];
  EXPECT_GE(served, blobs);
  EXPECT_LE(served - blobs, blobs - static_cast<long long>(finished.size()));
}

TEST(Management, ACheckpointOlderThanSevenDaysIsAGapReportedLoudlyBySyncAndStatus) {
  Workspace workspace;
  Emulator emulator(workspace, Tenant(5, {"--general-noise", "2"}), Serve());
  const auto database = workspace.Path("audit.db");
  auto environment = ManagementEnvironment(emulator, database, kNow);
  ASSERT_EQ(RunAuditsync(workspace, {"sync"}, environment).exit_code, 0);
  // Ten days later: the content of the first three can no longer be read.
  const char* later = "2026-11-22T06:00:00Z";
  emulator.SetClock(*ParseIso8601(later));
  Override(environment, std::string("AUDITSYNC_TEST_NOW=") + later);
  auto status = RunAuditsync(workspace, {"status"}, environment);
  EXPECT_NE(status.out.find("GAP AHEAD"), std::string::npos) << status.out;
  const auto result = RunAuditsync(workspace, {"sync"}, environment);
  EXPECT_EQ(result.exit_code, 5) << result.err;
  for (const char* part :
       {"GAP: the audit records Microsoft published from 2026-11-12T06:00:00Z",
        "to 2026-11-15T06:01:00Z can no longer be read",
        // Backfills select by creation time: from a day before the publication gap.
        "export the audit log for 2026-11-11T06:00:00Z..2026-11-15T06:01:00Z from Microsoft "
        "Purview and load it with `auditsync import purview FILE.csv`",
        "or run `auditsync sync --from 2026-11-11T06:00:00Z --to 2026-11-15T06:01:00Z` with "
        "use_graph_api = yes"}) {
    EXPECT_NE(result.err.find(part), std::string::npos) << part << "\n" << result.err;
  }
  status = RunAuditsync(workspace, {"status"}, environment);
  EXPECT_NE(status.out.find("GAPS: content that could no longer be read"), std::string::npos)
      << status.out;
  EXPECT_EQ(status.out.find("GAP AHEAD"), std::string::npos);  // the sync caught up
  status = RunAuditsync(workspace, {"status", "--format", "json"}, environment);
  const auto json = nlohmann::json::parse(status.out);
  EXPECT_EQ(json["source"], "management");
  ASSERT_EQ(json["management"]["gaps"].size(), 1u);
  EXPECT_EQ(json["management"]["gaps"][0]["start"], kNow);
  EXPECT_EQ(json["management"]["gaps"][0]["end"], "2026-11-15T06:01:00Z");
  EXPECT_EQ(json["management"]["cursor"], later);
  // The records published since the gap are all there.
  EXPECT_EQ(ReportApps(workspace, environment, "2026-11-15T07:00:00Z", "2026-11-22T05:00:00Z"),
            emulator.Truth("2026-11-15T07:00:00Z", "2026-11-22T05:00:00Z"));
}

// One emulator setup and one sync: its exit code and log.
RunResult SyncAgainst(const std::vector<std::string>& serve, std::vector<std::string> settings = {},
                      std::vector<std::string> args = {"sync", "--from", kContentFrom, "--to",
                                                       kContentTo}) {
  Workspace workspace;
  Emulator emulator(workspace, Tenant(5, {"--general-noise", "2"}), Serve(serve));
  auto environment = ManagementEnvironment(emulator, workspace.Path("audit.db"), kNow);
  for (const auto& setting : settings) Override(environment, setting);
  return RunAuditsync(workspace, args, environment);
}

void ExpectSays(const RunResult& result, int exit_code, std::initializer_list<const char*> parts) {
  EXPECT_EQ(result.exit_code, exit_code) << result.err;
  for (const char* part : parts) {
    EXPECT_NE(result.err.find(part), std::string::npos) << part << "\n" << result.err;
  }
}

TEST(Management, EachAfErrorIsExplainedWithItsFix) {
  ExpectSays(SyncAgainst({"--without-activity-feed-read"}), 4,
             {"AF10001", "ActivityFeed.Read", "admin consent"});
  ExpectSays(SyncAgainst({"--subscription", "disabled"}), 4,
             {"AF20023", "a tenant administrator disabled", "auditsync subscription start"});
  ExpectSays(SyncAgainst({"--expired-blobs", "0.3"}), 5,
             {"AF20051", "more than 7 days old", "expired before they could be read",
              "auditsync import purview FILE.csv", "with use_graph_api = yes"});
  // Throttled beyond the retries: AF429 (as HTTP 403) named, and what to lower.
  ExpectSays(SyncAgainst({"--management-rate", "3"},
                         {"AUDITSYNC_HTTP_ATTEMPTS=2", "AUDITSYNC_RETRY_MAX_DELAY=20ms"}),
             5, {"AF429", "management_requests_per_minute", "PublisherIdentifier"});
}

TEST(Management, WithoutASubscriptionSyncStartsItAndSaysContentTakesHours) {
  Workspace workspace;
  Emulator emulator(workspace, Tenant(5, {"--general-noise", "2"}),
                    Serve({"--subscription", "none", "--first-content-delay", "43200"}));
  const auto database = workspace.Path("audit.db");
  auto environment = ManagementEnvironment(emulator, database, kNow);
  auto list = RunAuditsync(workspace, {"subscription", "list"}, environment);
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find("No subscription"), std::string::npos) << list.out;
  const auto result = RunAuditsync(workspace, {"sync"}, environment);
  ExpectSays(result, 0, {"AF20022", "started the Audit.General subscription", "up to 12 hours"});
  EXPECT_EQ(emulator.Stats()["management"]["subscriptions_started"], 1);
  list = RunAuditsync(workspace, {"subscription", "list", "--format", "json"}, environment);
  EXPECT_EQ(nlohmann::json::parse(list.out),
            nlohmann::json::parse(
                R"([{"content_type":"Audit.General","status":"enabled","webhook":false}])"));
  // Thirteen hours later the first content is there, and the next sync reads it.
  const char* later = "2026-11-12T19:00:00Z";
  emulator.SetClock(*ParseIso8601(later));
  Override(environment, std::string("AUDITSYNC_TEST_NOW=") + later);
  ASSERT_EQ(RunAuditsync(workspace, {"sync"}, environment).exit_code, 0);
  EXPECT_EQ(ReportApps(workspace, environment, "2026-11-12T06:00:00Z", "2026-11-12T18:00:00Z"),
            emulator.Truth("2026-11-12T06:00:00Z", "2026-11-12T18:00:00Z"));
  EXPECT_EQ(ReportApps(workspace, environment, kFrom, "2026-11-12T05:00:00Z"),
            nlohmann::json::array());  // published before the subscription: never available
  // stop, then start again.
  EXPECT_EQ(RunAuditsync(workspace, {"subscription", "stop"}, environment).exit_code, 0);
  list = RunAuditsync(workspace, {"subscription", "list"}, environment);
  EXPECT_NE(list.out.find("Audit.General  disabled"), std::string::npos) << list.out;
  auto start = RunAuditsync(workspace, {"subscription", "start"}, environment);
  EXPECT_EQ(start.exit_code, 0) << start.err;
  EXPECT_NE(start.out.find("Audit.General  enabled"), std::string::npos) << start.out;
  EXPECT_NE(start.out.find("up to 12 hours"), std::string::npos) << start.out;
  start = RunAuditsync(workspace, {"subscription", "start"}, environment);
  EXPECT_EQ(start.exit_code, 0) << start.err;
  EXPECT_NE(start.out.find("already enabled: nothing changed"), std::string::npos) << start.out;
}

TEST(Management, SubscriptionCallsCarryThePublisherAndNeedATenantGuidWhateverUseGraphApiSays) {
  Workspace workspace;
  Emulator emulator(workspace, Tenant(5), Serve());
  auto environment = ManagementEnvironment(emulator, workspace.Path("audit.db"), kNow);
  // Syncs read Graph, but `subscription` still calls the Management Activity API.
  Override(environment, "AUDITSYNC_USE_GRAPH_API=yes");
  for (const char* verb : {"start", "list", "stop"}) {
    const auto result = RunAuditsync(workspace, {"subscription", verb}, environment);
    EXPECT_EQ(result.exit_code, 0) << verb << "\n" << result.err;
  }
  const auto stats = emulator.Stats();
  EXPECT_EQ(stats["management"].value("management_requests_without_publisher", 0), 0)
      << stats.dump();
  // A domain is refused by the configuration, before the API answers AF20013.
  Override(environment, "AUDITSYNC_TENANT_ID=contoso.onmicrosoft.com");
  const auto result = RunAuditsync(workspace, {"subscription", "list"}, environment);
  ExpectSays(result, 3, {"setting `tenant_id`", "not a GUID", "Directory (tenant) ID"});
  EXPECT_EQ(result.err.find("AF20013"), std::string::npos) << result.err;
}

TEST(Management, GccHighAndDodCollectWithUseGraphApiNo) {
  // With Graph (the default) the clouds without the audit log query API are refused by name...
  Workspace workspace;
  Emulator emulator(workspace, Tenant(), Serve());
  const auto database = workspace.Path("audit.db");
  auto environment = ManagementEnvironment(emulator, database, kNow);
  Override(environment, "AUDITSYNC_CLOUD=gcchigh");
  Override(environment, "AUDITSYNC_USE_GRAPH_API=yes");
  ExpectSays(RunAuditsync(workspace, {"sync"}, environment), 3,
             {"no audit log query API", "use_graph_api = no"});
  // ...and collect through the Management Activity API with use_graph_api = no (the endpoints of
  // the emulator stand in for the cloud's).
  Override(environment, "AUDITSYNC_USE_GRAPH_API=no");
  const auto result = SyncContent(workspace, environment);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(ReportApps(workspace, environment, kFrom, kTo), emulator.Truth(kFrom, kTo));
  // There a gap can only be backfilled from Purview: the advice names no Graph sync.
  const auto gap = RunAuditsync(workspace, {"sync", "--from", "2026-11-01T00:00:00Z"}, environment);
  ExpectSays(gap, 5, {"GAP: ", "auditsync import purview FILE.csv"});
  EXPECT_EQ(gap.err.find("use_graph_api = yes"), std::string::npos) << gap.err;
}

}  // namespace
}  // namespace auditsync::testing
