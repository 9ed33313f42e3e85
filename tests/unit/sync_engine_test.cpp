// The sync engine against a real SQLite store and a scripted Graph, with a fake clock: the paths
// that the end-to-end tests cannot reach on cue (a crash between saving a query's name and its
// POST, queries that never finish).
#include "sync/sync_engine.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "unit/fake_transport.hpp"

namespace auditsync {
namespace {

using namespace std::chrono_literals;
using testing::FakeTransport;

class StaticCredential : public TokenCredential {
 public:
  std::string GetToken(std::string_view) override { return "token"; }
  void Invalidate(std::string_view) override {}
};

const Instant kDay = *ParseIso8601("2026-11-10T00:00:00Z");
const Instant kNextDay = *ParseIso8601("2026-11-11T00:00:00Z");
constexpr const char* kQueries = "https://graph.test/v1.0/security/auditLog/queries";

std::string Record(const std::string& id) {
  return R"({"id":")" + id +
         R"(","createdDateTime":"2026-11-10T10:00:00Z","operation":"LaunchPowerApp",)"
         R"("userPrincipalName":"amy@contoso.com","auditData":{"RecordType":45,"AppName":"app-1"}})";
}

class SyncEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() /
             ("auditsync-engine-test-" + std::to_string(::getpid()) + ".db"))
                .string();
    std::filesystem::remove(path_);
    store_ = std::make_unique<SqliteStore>(path_);
    http_ = testing::MakeFakeHttpClient(transport_, 2);
    graph_ = std::make_unique<GraphAuditClient>(
        *http_, credential_,
        GraphOptions{"https://graph.test", "v1.0", 100, {"LaunchPowerApp"}, {}});
  }
  void TearDown() override {
    store_.reset();
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + suffix);
  }

  SyncSummary Run(SyncRequest request = {kDay, kNextDay, false},
                  Instant now = kNextDay + std::chrono::hours(48), int budget = 200) {
    SyncOptions options;
    options.poll_interval = 1s;
    options.query_timeout = 10s;
    options.query_budget = budget;
    SyncClock clock;
    clock.now = [now] { return now; };
    clock.steady = [this] { return std::chrono::steady_clock::time_point(elapsed_); };
    clock.sleep = [this](std::chrono::milliseconds delay) { elapsed_ += delay; };
    SyncEngine engine(*store_, *graph_, options, clock);
    return engine.Run(request);
  }

  // A Graph whose every query succeeds at once with one record; `windows` gets each query's
  // filter range.
  void AnswerEveryQuery(std::vector<std::string>& windows) {
    transport_->responder = [this, &windows](const HttpRequest& request) -> HttpResponse {
      if (request.method == "POST") {
        const auto body = nlohmann::json::parse(request.body);
        windows.push_back(body["filterStartDateTime"].get<std::string>() + ".." +
                          body["filterEndDateTime"].get<std::string>());
        return {201, {}, R"({"id":"q-)" + std::to_string(windows.size()) + R"("})"};
      }
      if (request.url.find("/records") != std::string::npos) {
        return {200, {}, R"({"value":[)" + Record("r1") + "]}"};
      }
      return {200, {}, R"({"id":"q","status":"succeeded"})"};
    };
  }

  int Posts() const {
    int posts = 0;
    for (const auto& request : transport_->requests) posts += request.method == "POST";
    return posts;
  }

  std::string path_;
  std::unique_ptr<SqliteStore> store_;
  FakeTransport* transport_ = nullptr;
  StaticCredential credential_;
  std::unique_ptr<HttpClient> http_;
  std::unique_ptr<GraphAuditClient> graph_;
  std::chrono::milliseconds elapsed_{0};
};

TEST_F(SyncEngineTest, AQueryWhoseNameWasSavedBeforeACrashIsFoundNotCreatedAgain) {
  // The previous run saved the name, then died before (or during) its POST; the POST went through.
  auto window = store_->PlanWindow(ScanKind::kInitial, kDay, kNextDay, kNextDay);
  window.query_name = "auditsync 0123 2026-11-10T00:00:00Z..2026-11-11T00:00:00Z #1.1";
  window.attempts = 1;
  store_->SaveWindow(window);
  transport_->responder = [&](const HttpRequest& request) -> HttpResponse {
    if (request.method == "GET" && request.url == kQueries) {
      return {200,
              {},
              R"({"value":[{"id":"q-1","displayName":")" + window.query_name +
                  R"(","filterStartDateTime":"2026-11-10T00:00:00Z",)"
                  R"("filterEndDateTime":"2026-11-11T00:00:00Z"}]})"};
    }
    if (request.url == std::string(kQueries) + "/q-1") {
      return {200, {}, R"({"id":"q-1","status":"succeeded"})"};
    }
    if (request.url.starts_with(std::string(kQueries) + "/q-1/records")) {
      return {200, {}, R"({"value":[)" + Record("r1") + "]}"};
    }
    return {404, {}, "{}"};
  };
  const auto summary = Run();
  EXPECT_EQ(summary.windows_complete, 1);
  EXPECT_EQ(summary.inserted, 1);
  EXPECT_EQ(Posts(), 0);
}

TEST_F(SyncEngineTest, AQueryStuckPastTheTimeoutInTwoRunsIsReplaced) {
  int created = 0;
  transport_->responder = [&](const HttpRequest& request) -> HttpResponse {
    if (request.method == "POST") {
      ++created;
      return {201, {}, R"({"id":"q-)" + std::to_string(created) + R"(","status":"notStarted"})"};
    }
    if (request.url == std::string(kQueries) + "/q-1") {
      return {200, {}, R"({"id":"q-1","status":"running"})"};  // never finishes
    }
    if (request.url == std::string(kQueries) + "/q-2") {
      return {200, {}, R"({"id":"q-2","status":"succeeded"})"};
    }
    if (request.url.starts_with(std::string(kQueries) + "/q-2/records")) {
      return {200, {}, R"({"value":[)" + Record("r1") + "]}"};
    }
    return {404, {}, "{}"};
  };
  EXPECT_EQ(Run().windows_failed, 1);  // waits for q-1, which stays running
  EXPECT_EQ(created, 1);
  EXPECT_EQ(Run().windows_failed, 1);  // waits for q-1 once more, then gives it up
  EXPECT_EQ(created, 1);
  const auto third = Run();  // submits a new query
  EXPECT_EQ(created, 2);
  EXPECT_EQ(third.windows_complete, 1);
  EXPECT_EQ(third.inserted, 1);
}

TEST_F(SyncEngineTest, AFailedQueryIsSubmittedOnceMoreThenTheWindowFails) {
  transport_->responder = [&](const HttpRequest& request) -> HttpResponse {
    if (request.method == "POST") return {201, {}, R"({"id":"q","status":"notStarted"})"};
    return {200, {}, R"({"id":"q","status":"failed"})"};
  };
  const auto summary = Run();
  EXPECT_EQ(summary.windows_failed, 1);
  EXPECT_EQ(Posts(), 2);
  const auto windows = store_->UnfinishedWindows();
  ASSERT_EQ(windows.size(), 1u);
  EXPECT_EQ(windows[0].state, WindowState::kFailed);
  EXPECT_NE(windows[0].last_error.find("ended failed"), std::string::npos) << windows[0].last_error;
}

TEST_F(SyncEngineTest, WindowsAreScannedAgainOnTheSettleScheduleADayPerQuery) {
  std::vector<std::string> queries;
  AnswerEveryQuery(queries);
  // The scheduled sync right after the day: a first scan of each closed hour since the frontier.
  const Instant day_end = kNextDay;
  ASSERT_EQ(Run({kDay, std::nullopt, false}, day_end).windows_complete, 1);
  ASSERT_EQ(queries.size(), 1u);  // a whole closed day: one query
  EXPECT_EQ(queries[0], "2026-11-10T00:00:00Z..2026-11-11T00:00:00Z");

  // Nothing is due again before a day has passed since the day ended.
  EXPECT_EQ(Run({}, day_end + 12h).settle_scans, 0);
  const size_t hourly = queries.size();  // the hours of the next day, one query each
  EXPECT_EQ(hourly, 1u + 12u);

  // A day after the day ended, it is scanned again: one query for the whole day.
  const auto first_settle = Run({}, day_end + 24h);
  EXPECT_EQ(first_settle.settle_scans, 1);
  EXPECT_EQ(queries[hourly + 12], "2026-11-10T00:00:00Z..2026-11-11T00:00:00Z");
  // Each pass of the schedule scans it once more, and a pass never repeats.
  const size_t after_first = queries.size();
  EXPECT_EQ(Run({}, day_end + 24h).submissions, 0);
  EXPECT_EQ(queries.size(), after_first);
  Run({}, day_end + 48h);
  int day_scans = 0;
  for (const auto& query : queries) {
    day_scans += query == "2026-11-10T00:00:00Z..2026-11-11T00:00:00Z";
  }
  EXPECT_EQ(day_scans, 3);  // first scan, after 1 day, after 2 days
  // A sync that comes back after a long pause scans once for every offset that passed.
  Run({}, day_end + std::chrono::days(30));
  day_scans = 0;
  for (const auto& query : queries) {
    day_scans += query == "2026-11-10T00:00:00Z..2026-11-11T00:00:00Z";
  }
  EXPECT_EQ(day_scans, 4);
  EXPECT_EQ(Run({}, day_end + std::chrono::days(30)).submissions, 0);
}

TEST_F(SyncEngineTest, WorkBeyondTheQueryAllocationWaitsForALaterRunNewestFirst) {
  std::vector<std::string> queries;
  AnswerEveryQuery(queries);
  const Instant now = kDay + 5h;
  const auto summary = Run({kDay, std::nullopt, false}, now, /*budget=*/2);
  EXPECT_EQ(summary.submissions, 2);
  EXPECT_EQ(summary.windows_complete, 2);
  EXPECT_EQ(summary.windows_deferred, 3);
  EXPECT_EQ(summary.windows_failed, 0);
  // The freshest hours first.
  EXPECT_EQ(queries, (std::vector<std::string>{"2026-11-10T04:00:00Z..2026-11-10T05:00:00Z",
                                               "2026-11-10T03:00:00Z..2026-11-10T04:00:00Z"}));
  // A day later the allocation is free again and the older hours are collected.
  const auto later = Run({}, now + 24h, 200);
  EXPECT_EQ(later.windows_deferred, 0);
  EXPECT_EQ(store_->Coverage(kDay, kDay + 5h).size(), 5u);
}

}  // namespace
}  // namespace auditsync
