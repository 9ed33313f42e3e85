// The sync engine against a real SQLite store and a scripted Graph, with a fake clock: the paths
// that the end-to-end tests cannot reach on cue (a crash between saving a query's name and its
// POST, queries that never finish).
#include "sync/sync_engine.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <optional>
#include <sstream>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "core/stop.hpp"
#include "sync/status.hpp"
#include "unit/fake_transport.hpp"
#include "unit/store_backends.hpp"

namespace auditsync {
namespace {

using namespace std::chrono_literals;
using testing::FakeTransport;

class StaticCredential : public TokenCredential {
 public:
  std::string GetToken(std::string_view) override { return "token"; }
  void Invalidate(std::string_view, std::string_view) override {}
};

const Instant kDay = *ParseIso8601("2026-11-10T00:00:00Z");
const Instant kNextDay = *ParseIso8601("2026-11-11T00:00:00Z");
constexpr const char* kQueries = "https://graph.test/v1.0/security/auditLog/queries";

std::string Record(const std::string& id) {
  return R"({"id":")" + id +
         R"(","createdDateTime":"2026-11-10T10:00:00Z","operation":"LaunchPowerApp",)"
         R"("userPrincipalName":"amy@contoso.com","auditData":{"RecordType":45,"AppName":"app-1"}})";
}

// A Graph whose queries meet the fate their window gives them. It counts the queries submitted
// and not yet seen finished (by a status read), as Graph's limit of unfinished queries does, and
// notes when each window's records were read.
struct FakeGraph {
  // kThrottled: every submission gets 429 with no Retry-After, and no query.
  enum class Fate { kSucceeds, kFails, kNeverFinishes, kOverTheCap, kThrottled };
  struct Query {
    std::string window;  // "start..end"
    int polls = 0;
    bool finished = false;
  };

  HttpResponse Answer(const HttpRequest& request, std::chrono::milliseconds now) {
    const std::string queries_url = kQueries;
    if (request.method == "POST") {
      const auto body = nlohmann::json::parse(request.body);
      const auto window = body["filterStartDateTime"].get<std::string>() + ".." +
                          body["filterEndDateTime"].get<std::string>();
      if (fate(window) == Fate::kThrottled) {
        return {429, {}, R"({"error":{"code":"TooManyRequests","message":"Slow down"}})"};
      }
      const std::string id = "q-" + std::to_string(queries.size() + 1);
      queries[id] = {window};
      max_outstanding = std::max(max_outstanding, ++outstanding);
      return {201, {}, R"({"id":")" + id + R"(","status":"notStarted"})"};
    }
    const auto rest = request.url.substr(queries_url.size() + 1);
    const auto id = rest.substr(0, rest.find_first_of("/?"));
    auto& query = queries.at(id);
    if (rest.find("/records") != std::string::npos) {
      paged.emplace_back(query.window, now);
      return {200, {}, R"({"value":[)" + Record("record-" + id) + "]}"};
    }
    const Fate query_fate = fate(query.window);
    std::string status = "succeeded";
    if (query_fate == Fate::kNeverFinishes || ++query.polls < 2) {
      status = "running";
    } else if (query_fate == Fate::kFails) {
      status = "failed";
    }
    if (status != "running" && !query.finished) {
      query.finished = true;
      --outstanding;
    }
    return {200,
            {},
            R"({"id":")" + id + R"(","status":")" + status + R"(","isRecordCountLimitExceeded":)" +
                (query_fate == Fate::kOverTheCap ? "true" : "false") + "}"};
  }

  // Every query of `window` meets `fate`; the others succeed.
  void Only(const std::string& window, Fate fate_of_window) {
    fate = [window, fate_of_window](const std::string& query_window) {
      return query_window == window ? fate_of_window : Fate::kSucceeds;
    };
  }

  std::function<Fate(const std::string& window)> fate = [](const std::string&) {
    return Fate::kSucceeds;
  };
  std::map<std::string, Query> queries;
  int outstanding = 0;
  int max_outstanding = 0;
  std::vector<std::pair<std::string, std::chrono::milliseconds>> paged;
};

std::string Window(Instant start, Instant end) {
  return FormatIso8601(start) + ".." + FormatIso8601(end);
}

// The engine on each backend: its windows, splits, coverage and checkpoints are the store's.
class SyncEngineTest : public testing::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped()) return;
    http_ = testing::MakeFakeHttpClient(transport_, 2);
    graph_ = std::make_unique<GraphAuditClient>(
        *http_, credential_,
        GraphOptions{"https://graph.test", "v1.0", 100, {"LaunchPowerApp"}, {}});
  }

  static SyncOptions Options(int budget = 200) {
    SyncOptions options;
    options.poll_interval = 1s;
    options.query_timeout = 10s;
    options.query_budget = budget;
    return options;
  }

  SyncSummary Run(SyncRequest request = {kDay, kNextDay, false},
                  Instant now = kNextDay + std::chrono::hours(48), int budget = 200) {
    return RunWith(Options(budget), request, now);
  }

  SyncSummary RunWith(const SyncOptions& options, SyncRequest request, Instant now) {
    SyncClock clock;
    clock.now = [now] { return now; };
    clock.steady = [this] { return std::chrono::steady_clock::time_point(elapsed_); };
    clock.sleep = [this](std::chrono::milliseconds delay) { elapsed_ += delay; };
    clock.stop_requested = [this] { return stop_; };
    SyncEngine engine(*store_, *graph_, options, clock);
    return engine.Run(request);
  }

  // A run as one of several processes collecting into the database ("me"), leases of 5
  // minutes, with a clock whose now advances as the run sleeps (so that leases expire).
  // `on_sleep` runs after each sleep.
  SyncSummary RunSharing(Instant now, std::function<void()> on_sleep = nullptr,
                         std::function<void(SyncOptions&)> adjust = nullptr) {
    auto options = Options();
    options.sole_collector = false;
    options.worker_id = "me";
    options.lease_duration = 5min;
    if (adjust) adjust(options);
    SyncClock clock;
    clock.now = [this, now] {
      return now + std::chrono::duration_cast<std::chrono::seconds>(elapsed_);
    };
    clock.steady = [this] { return std::chrono::steady_clock::time_point(elapsed_); };
    clock.sleep = [this, on_sleep](std::chrono::milliseconds delay) {
      elapsed_ += delay;
      if (on_sleep) on_sleep();
    };
    SyncEngine engine(*store_, *graph_, options, clock);
    return engine.Run({kDay, kNextDay, false});
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

  void Serve(FakeGraph& graph) {
    transport_->responder = [this, &graph](const HttpRequest& request) {
      return graph.Answer(request, elapsed_);
    };
  }

  int Posts() const {
    int posts = 0;
    for (const auto& request : transport_->requests) posts += request.method == "POST";
    return posts;
  }

  FakeTransport* transport_ = nullptr;
  StaticCredential credential_;
  std::unique_ptr<HttpClient> http_;
  std::unique_ptr<GraphAuditClient> graph_;
  std::chrono::milliseconds elapsed_{0};
  bool stop_ = false;
};

AUDITSYNC_ON_EVERY_BACKEND(SyncEngineTest);

TEST_P(SyncEngineTest, AQueryWhoseNameWasSavedBeforeACrashIsFoundNotCreatedAgain) {
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

TEST_P(SyncEngineTest, AQueryStuckPastTheTimeoutInTwoRunsIsReplaced) {
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

TEST_P(SyncEngineTest, AFailedQueryIsSubmittedOnceMoreThenTheWindowFails) {
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

TEST_P(SyncEngineTest, WindowsAreScannedAgainOnTheSettleScheduleADayPerQuery) {
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
  // A sync that comes back after a long pause scans it once more, not once for every offset that
  // passed meanwhile (the 7-day one).
  Run({}, day_end + std::chrono::days(30));
  day_scans = 0;
  for (const auto& query : queries) {
    day_scans += query == "2026-11-10T00:00:00Z..2026-11-11T00:00:00Z";
  }
  EXPECT_EQ(day_scans, 4);
  EXPECT_EQ(Run({}, day_end + std::chrono::days(30)).submissions, 0);
}

TEST_P(SyncEngineTest, WorkBeyondTheQueryAllocationWaitsForALaterRunNewestFirst) {
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

TEST_P(SyncEngineTest, ARunThatFindsTheAllocationSpentCountsEveryWindowAsDeferred) {
  std::vector<std::string> queries;
  AnswerEveryQuery(queries);
  const Instant now = kDay + 5h;
  Run({kDay, std::nullopt, false}, now, /*budget=*/2);
  const auto again = Run({}, now + 1h, /*budget=*/2);  // the same 24 hours: nothing left
  EXPECT_EQ(again.submissions, 0);
  EXPECT_EQ(again.windows_deferred, 4);  // the three left, and the hour closed since
  EXPECT_EQ(again.windows_failed, 0);
}

// A window that failed while its pages were read goes on paging at the next run whatever its
// backoff says: the backoff holds back new queries only.
TEST_P(SyncEngineTest, AWindowFailedWhilePagingIsPagedAgainDespiteItsBackoff) {
  std::vector<std::string> queries;
  AnswerEveryQuery(queries);
  const Instant now = kNextDay + 48h;
  auto window = store_->PlanWindow(ScanKind::kInitial, kDay, kNextDay, now);
  window.state = WindowState::kFailed;
  window.query_id = "q-1";
  window.next_link = std::string(kQueries) + "/q-1/records?$skiptoken=2";
  window.failures = 3;
  window.retry_at = now + 1h;
  store_->SaveWindow(window);
  const auto summary = Run({kDay, kNextDay, false}, now);
  EXPECT_EQ(summary.windows_complete, 1);
  EXPECT_EQ(summary.windows_waiting, 0);
  EXPECT_TRUE(queries.empty());  // no new query: the pages were read from where they stopped
}

TEST_P(SyncEngineTest, AResubmissionAfterAFailedQueryStaysWithinTheQueryBudget) {
  FakeGraph graph;
  graph.fate = [](const std::string&) { return FakeGraph::Fate::kFails; };
  Serve(graph);
  // Two hourly windows and an allocation of two: both first queries go out and fail; the
  // resubmissions would be the third and fourth.
  const Instant now = kDay + 2h + 30min;
  const auto summary = Run({kDay, kDay + 2h, false}, now, /*budget=*/2);
  EXPECT_EQ(Posts(), 2);
  EXPECT_EQ(summary.submissions, 2);
  EXPECT_EQ(store_->SubmissionsSince(now - 24h), 2);
  EXPECT_EQ(summary.windows_deferred, 2);
  EXPECT_EQ(summary.windows_failed, 0);
  for (const auto& window : store_->UnfinishedWindows()) {
    EXPECT_EQ(window.state, WindowState::kPending);
    EXPECT_EQ(window.query_id, "");
  }
}

TEST_P(SyncEngineTest, AResubmissionThatGraphRefusesWithA429IsDeferredNotFailed) {
  int posts = 0;
  transport_->responder = [&](const HttpRequest& request) -> HttpResponse {
    if (request.method == "POST") {
      if (++posts == 1) return {201, {}, R"({"id":"q-1","status":"notStarted"})"};
      // The allocation is spent: Graph asks to wait an hour.
      return {429,
              {{"Retry-After", "3600"}},
              R"({"error":{"code":"TooManyRequests","message":"Query budget exceeded"}})"};
    }
    return {200, {}, R"({"id":"q-1","status":"failed"})"};
  };
  const auto summary = Run({kDay, kDay + 1h, false}, kDay + 2h);
  EXPECT_EQ(posts, 2);
  EXPECT_EQ(summary.windows_deferred, 1);
  EXPECT_EQ(summary.windows_failed, 0);
  const auto windows = store_->UnfinishedWindows();
  ASSERT_EQ(windows.size(), 1u);
  EXPECT_EQ(windows[0].state, WindowState::kPending);
  EXPECT_EQ(windows[0].query_name, "");  // refused: nothing to look for
}

TEST_P(SyncEngineTest, AThrottlingStormOnASubmissionFailsTheWindowInsteadOfEndingTheRun) {
  // 429s with short waits through every attempt: throttling, not a spent allocation. The window
  // fails (the next sync retries it), and the other windows are still submitted.
  FakeGraph graph;
  graph.Only(Window(kDay + 1h, kDay + 2h), FakeGraph::Fate::kThrottled);
  Serve(graph);
  const auto summary = Run({kDay, kDay + 2h, false}, kDay + 3h);
  EXPECT_EQ(summary.windows_failed, 1);
  EXPECT_EQ(summary.windows_deferred, 0);
  EXPECT_EQ(summary.windows_complete, 1);
  const auto windows = store_->UnfinishedWindows();
  ASSERT_EQ(windows.size(), 1u);
  EXPECT_EQ(windows[0].state, WindowState::kFailed);
  EXPECT_NE(windows[0].last_error.find("HTTP 429"), std::string::npos) << windows[0].last_error;
}

TEST_P(SyncEngineTest, NeverMoreQueriesInFlightThanAllowedEvenAfterASplit) {
  FakeGraph graph;
  // The freshest hour is over the record cap: it is split while three older hours are in flight.
  graph.Only(Window(kDay + 5h, kDay + 6h), FakeGraph::Fate::kOverTheCap);
  Serve(graph);
  const auto summary = Run({kDay, kDay + 6h, false}, kDay + 6h + 30min);
  EXPECT_EQ(graph.max_outstanding, 4);  // max_queries_in_flight
  EXPECT_EQ(graph.outstanding, 0);
  EXPECT_EQ(summary.windows_complete, 5 + 2);
  EXPECT_EQ(summary.submissions, 6 + 2);
  EXPECT_EQ(summary.windows_failed, 0);
}

TEST_P(SyncEngineTest, AStuckQueryDoesNotHoldBackTheOthers) {
  FakeGraph graph;
  graph.Only(Window(kDay + 5h, kDay + 6h), FakeGraph::Fate::kNeverFinishes);
  Serve(graph);
  auto options = Options();
  options.poll_interval = 60s;
  options.query_timeout = 6h;
  const auto summary = RunWith(options, {kDay, kDay + 6h, false}, kDay + 6h + 30min);
  EXPECT_EQ(summary.windows_complete, 5);
  EXPECT_EQ(summary.windows_failed, 1);
  // The five others were paged within seconds, not after the stuck one's six hours.
  ASSERT_EQ(graph.paged.size(), 5u);
  for (const auto& [window, when] : graph.paged) EXPECT_LE(when, 30s) << window;
  // The stuck one was given up after its query_timeout, once the others were long done.
  EXPECT_GE(elapsed_, 6h - 60s);
  EXPECT_LE(elapsed_, 6h);
  EXPECT_EQ(graph.max_outstanding, 4);
}

TEST_P(SyncEngineTest, AOneSecondWindowOverTheCapFailsAndItsHourStaysUncovered) {
  FakeGraph graph;
  // Every window that holds 10:00:00 is over the cap, down to that very second.
  const Instant crowded = kDay + 10h;
  graph.fate = [crowded](const std::string& window) {
    const auto start = *ParseIso8601(window.substr(0, window.find("..")));
    const auto end = *ParseIso8601(window.substr(window.find("..") + 2));
    return start <= crowded && crowded < end ? FakeGraph::Fate::kOverTheCap
                                             : FakeGraph::Fate::kSucceeds;
  };
  Serve(graph);
  const Instant now = kDay + 11h + 30min;
  const auto summary = Run({kDay + 10h, kDay + 11h, false}, now);
  EXPECT_EQ(summary.windows_truncated, 1);
  EXPECT_EQ(summary.windows_failed, 1);
  // Halving an hour down to one second takes 11 splits (3600, 1800, ... 7, 3, 1 s), and the
  // other half of each split completes.
  EXPECT_EQ(summary.windows_complete, 11);
  EXPECT_EQ(summary.submissions, 1 + 2 * 11);
  // What that second's query returned is stored all the same.
  EXPECT_EQ(summary.inserted, 11 + 1);
  EXPECT_TRUE(store_->Coverage(kDay, kNextDay).empty());
  const auto status = ReadSyncStatus(*store_, Options(), now);
  EXPECT_EQ(status.windows_failing, 1);
  ASSERT_EQ(status.failing.size(), 1u);
  EXPECT_EQ(status.failing[0].start, crowded);
  EXPECT_EQ(status.failing[0].end, crowded + 1s);
  EXPECT_NE(status.failing[0].last_error.find("record cap"), std::string::npos);
  EXPECT_EQ(status.covered_hours, 0);
}

TEST_P(SyncEngineTest, AWindowThatKeepsFailingWaitsLongerAndLongerForItsNextQuery) {
  EXPECT_EQ(FailureBackoff(1), 0s);
  EXPECT_EQ(FailureBackoff(2), 0s);
  EXPECT_EQ(FailureBackoff(3), 1h);
  EXPECT_EQ(FailureBackoff(4), 2h);
  EXPECT_EQ(FailureBackoff(7), 16h);
  EXPECT_EQ(FailureBackoff(8), 24h);
  EXPECT_EQ(FailureBackoff(40), 24h);

  FakeGraph graph;
  graph.fate = [](const std::string&) { return FakeGraph::Fate::kFails; };
  Serve(graph);
  const SyncRequest request{kDay, kDay + 1h, false};
  const Instant now = kDay + 2h;
  // Each attempt costs two submissions (the query and its resubmission). The first two failures
  // are retried by the next sync at once.
  EXPECT_EQ(Run(request, now).windows_failed, 1);
  EXPECT_EQ(Run(request, now).windows_failed, 1);
  EXPECT_EQ(Run(request, now).windows_failed, 1);
  EXPECT_EQ(Posts(), 6);
  // After the third, the window waits an hour: a sync meanwhile still reports it failing.
  const auto waiting = Run(request, now + 59min);
  EXPECT_EQ(waiting.windows_failed, 1);
  EXPECT_EQ(waiting.windows_waiting, 1);
  EXPECT_EQ(waiting.submissions, 0);
  EXPECT_EQ(Posts(), 6);
  auto windows = store_->UnfinishedWindows();
  ASSERT_EQ(windows.size(), 1u);
  EXPECT_EQ(windows[0].failures, 3);
  EXPECT_EQ(windows[0].retry_at, now + 1h);
  // Then two hours after the fourth failure.
  EXPECT_EQ(Run(request, now + 1h).submissions, 2);
  EXPECT_EQ(Run(request, now + 2h + 59min).submissions, 0);
  EXPECT_EQ(Run(request, now + 3h).submissions, 2);
  EXPECT_EQ(Posts(), 10);
  // A window that completes starts with a clean record.
  graph.fate = [](const std::string&) { return FakeGraph::Fate::kSucceeds; };
  EXPECT_EQ(Run(request, now + 7h).windows_complete, 1);
  EXPECT_TRUE(store_->UnfinishedWindows().empty());
}

TEST_P(SyncEngineTest, AStopRequestedBeforeTheFirstSubmissionSubmitsNothing) {
  std::vector<std::string> queries;
  AnswerEveryQuery(queries);
  stop_ = true;
  EXPECT_THROW(Run({kDay, kDay + 3h, false}, kDay + 4h), Interrupted);
  EXPECT_EQ(Posts(), 0);
  EXPECT_EQ(store_->SubmissionsSince(kDay), 0);
}

// A Graph whose one query succeeds at once with ten pages of one record each ("p1" to "p10");
// `on_page(k)` may answer page k instead (nullopt: the page as usual).
void ServeTenPages(FakeTransport& transport,
                   std::function<std::optional<HttpResponse>(int page)> on_page) {
  transport.responder = [on_page](const HttpRequest& request) -> HttpResponse {
    if (request.method == "POST") return {201, {}, R"({"id":"q-1","status":"notStarted"})"};
    if (request.url.find("/records") == std::string::npos) {
      return {200, {}, R"({"id":"q-1","status":"succeeded"})"};
    }
    const auto token = request.url.find("$skiptoken=");
    const int page = token == std::string::npos ? 1 : std::stoi(request.url.substr(token + 11));
    if (auto answer = on_page(page)) return *answer;
    const std::string next = page < 10 ? R"("@odata.nextLink":")" + std::string(kQueries) +
                                             "/q-1/records?$skiptoken=" + std::to_string(page + 1) +
                                             R"(",)"
                                       : "";
    return {200, {}, "{" + next + R"("value":[)" + Record("p" + std::to_string(page)) + "]}"};
  };
}

int RequestsOfPage(const FakeTransport& transport, int page) {
  int count = 0;
  const std::string token = "$skiptoken=" + std::to_string(page);
  for (const auto& request : transport.requests) {
    const bool first = page == 1 && request.url.find("/records") != std::string::npos &&
                       request.url.find("$skiptoken=") == std::string::npos;
    count += first || request.url.ends_with(token);
  }
  return count;
}

// Pages are committed four at a time (fewer rewrites of the dedupe index per record); a failure
// to fetch a page keeps the pages fetched before it, and the next run goes on from there.
TEST_P(SyncEngineTest, PagesAreCommittedInBatchesAndAFailedFetchKeepsThePagesBeforeIt) {
  const Instant now = kDay + 2h;
  std::map<int, int64_t> stored_when_fetched;
  bool failing = true;
  ServeTenPages(*transport_, [&](int page) -> std::optional<HttpResponse> {
    stored_when_fetched.emplace(page, store_->CountRecords());
    if (page == 7 && failing) return HttpResponse{503, {}, "unavailable"};
    return std::nullopt;
  });
  const auto first = Run({kDay, kDay + 1h, false}, now);
  EXPECT_EQ(first.windows_failed, 1);
  EXPECT_EQ(stored_when_fetched[4], 0);  // pages 1 to 3 still in the batch
  EXPECT_EQ(stored_when_fetched[5], 4);  // pages 1 to 4 committed together
  EXPECT_EQ(store_->CountRecords(), 6);  // pages 5 and 6 kept when page 7 failed
  const auto windows = store_->UnfinishedWindows();
  ASSERT_EQ(windows.size(), 1u);
  EXPECT_TRUE(windows[0].next_link.ends_with("$skiptoken=7")) << windows[0].next_link;

  failing = false;
  const auto second = Run({kDay, kDay + 1h, false}, now);
  EXPECT_EQ(second.windows_complete, 1);
  EXPECT_EQ(store_->CountRecords(), 10);
  for (int page = 1; page <= 6; ++page) EXPECT_EQ(RequestsOfPage(*transport_, page), 1) << page;
  EXPECT_EQ(Posts(), 1);  // the same query, paged on from its checkpoint
}

// Pages that come slowly are committed within seconds of their fetch, however few they are.
TEST_P(SyncEngineTest, PagesFetchedSlowlyAreCommittedWithoutWaitingForABatch) {
  std::map<int, int64_t> stored_when_fetched;
  ServeTenPages(*transport_, [&](int page) -> std::optional<HttpResponse> {
    stored_when_fetched.emplace(page, store_->CountRecords());
    if (page == 2) elapsed_ += 6s;  // a page that took six seconds
    return std::nullopt;
  });
  EXPECT_EQ(Run({kDay, kDay + 1h, false}, kDay + 2h).windows_complete, 1);
  EXPECT_EQ(stored_when_fetched[3], 2);  // pages 1 and 2, committed after the slow one
  EXPECT_EQ(stored_when_fetched[7], 6);  // then a batch of four
  EXPECT_EQ(store_->CountRecords(), 10);
}

// A one-second window whose query hit the record cap stays truncated when a page fails: the next
// run pages on from the checkpoint without the query's status, and must still fail the window
// rather than mark its hour covered.
TEST_P(SyncEngineTest, ATruncatedWindowThatFailsWhilePagingStaysTruncated) {
  // Every query whose window starts at 10:00:00 is over the cap, so the hour is split down to
  // [10:00:00, 10:00:01); that one's page 2 of 3 fails in the first run.
  const std::string second = FormatIso8601(kDay + 10h);
  std::map<std::string, std::string> starts;  // query id -> filterStartDateTime
  std::map<std::string, std::string> ends;
  bool failing = true;
  transport_->responder = [&](const HttpRequest& request) -> HttpResponse {
    if (request.method == "POST") {
      const auto body = nlohmann::json::parse(request.body);
      const std::string id = "q-" + std::to_string(starts.size() + 1);
      starts[id] = body["filterStartDateTime"].get<std::string>();
      ends[id] = body["filterEndDateTime"].get<std::string>();
      return {201, {}, R"({"id":")" + id + R"(","status":"notStarted"})"};
    }
    const auto rest = request.url.substr(std::string(kQueries).size() + 1);
    const auto id = rest.substr(0, rest.find_first_of("/?"));
    if (rest.find("/records") == std::string::npos) {
      return {200,
              {},
              R"({"id":")" + id + R"(","status":"succeeded","isRecordCountLimitExceeded":)" +
                  (starts[id] == second ? "true}" : "false}")};
    }
    const bool one_second = starts[id] == second && ends[id] == FormatIso8601(kDay + 10h + 1s);
    const int page = rest.ends_with("$skiptoken=2") ? 2 : rest.ends_with("$skiptoken=3") ? 3 : 1;
    if (one_second && page == 2 && failing) return {503, {}, "unavailable"};
    const std::string next = page < 3
                                 ? R"("@odata.nextLink":")" + std::string(kQueries) + "/" + id +
                                       "/records?$skiptoken=" + std::to_string(page + 1) + R"(",)"
                                 : "";
    return {200, {}, "{" + next + R"("value":[)" + Record(id + "-p" + std::to_string(page)) + "]}"};
  };
  const SyncRequest hour{kDay + 10h, kDay + 11h, false};
  EXPECT_EQ(Run(hour, kDay + 12h).windows_failed, 1);
  failing = false;
  const auto again = Run(hour, kDay + 12h);
  EXPECT_EQ(again.windows_complete, 0);
  EXPECT_EQ(again.windows_failed, 1);
  const auto windows = store_->UnfinishedWindows();
  ASSERT_EQ(windows.size(), 1u);
  EXPECT_EQ(windows[0].end - windows[0].start, 1s);
  EXPECT_EQ(windows[0].state, WindowState::kFailed);
  EXPECT_TRUE(windows[0].last_error.starts_with("more records in one second"))
      << windows[0].last_error;
  EXPECT_TRUE(windows[0].query_id.empty());  // a new query next time
}

// A stop request between pages commits the pages fetched so far before the run ends.
TEST_P(SyncEngineTest, AStopRequestedWhilePagingKeepsThePagesFetched) {
  ServeTenPages(*transport_, [&](int page) -> std::optional<HttpResponse> {
    if (page == 3) stop_ = true;
    return std::nullopt;
  });
  EXPECT_THROW(Run({kDay, kDay + 1h, false}, kDay + 2h), Interrupted);
  EXPECT_EQ(store_->CountRecords(), 3);
  const auto windows = store_->UnfinishedWindows();
  ASSERT_EQ(windows.size(), 1u);
  EXPECT_TRUE(windows[0].next_link.ends_with("$skiptoken=4")) << windows[0].next_link;
}

// Another process leased the day's window and died: this one waits for the lease to expire,
// then takes the window over.
TEST_P(SyncEngineTest, AWindowAnotherProcessHoldsIsTakenOverWhenItsLeaseExpires) {
  const Instant now = kNextDay + 48h;
  store_->PlanWindow(ScanKind::kInitial, kDay, kNextDay, now);
  database_->Open()->LeaseWindows({"dead", 1, true, true, now, now + 5min});
  FakeGraph graph;
  Serve(graph);
  const auto summary = RunSharing(now);
  EXPECT_EQ(summary.windows_complete, 1);
  EXPECT_EQ(store_->CountRecords(), 1);
  EXPECT_GE(elapsed_, 5min);  // not before the lease expired
  EXPECT_LT(elapsed_, 7min);
}

// A process that collects alone (it holds the database's lock alone) takes over at once what a
// crashed run left leased.
TEST_P(SyncEngineTest, AProcessCollectingAloneTakesOverLeftLeasesAtOnce) {
  const Instant now = kNextDay + 48h;
  store_->PlanWindow(ScanKind::kInitial, kDay, kNextDay, now);
  store_->LeaseWindows({"crashed", 1, true, true, now, now + 5min});
  FakeGraph graph;
  Serve(graph);
  const auto alone = [](SyncOptions& options) { options.sole_collector = true; };
  EXPECT_EQ(RunSharing(now, nullptr, alone).windows_complete, 1);
  EXPECT_LT(elapsed_, 1min);
}

// A process of this machine that held the window no longer runs (the service restarted after a
// crash): its leases are freed at once, not waited out.
TEST_P(SyncEngineTest, WindowsOfAProcessKnownToBeGoneAreTakenOverAtOnce) {
  const Instant now = kNextDay + 48h;
  store_->PlanWindow(ScanKind::kInitial, kDay, kNextDay, now);
  database_->Open()->LeaseWindows({"host/4242/dead", 1, true, true, now, now + 5min});
  FakeGraph graph;
  Serve(graph);
  std::vector<std::string> asked;
  const auto summary = RunSharing(now, nullptr, [&](SyncOptions& options) {
    options.worker_gone = [&](const std::string& worker) {
      asked.push_back(worker);
      return worker == "host/4242/dead";
    };
  });
  EXPECT_EQ(summary.windows_complete, 1);
  EXPECT_LT(elapsed_, 1min);
  EXPECT_EQ(asked, std::vector<std::string>{"host/4242/dead"});
}

// While this process waited for its query, its lease lapsed and another process took the window:
// this one stores nothing more of it and leaves it to its new owner.
TEST_P(SyncEngineTest, AWindowTakenOverMidRunIsLeftToItsNewOwner) {
  const Instant now = kNextDay + 48h;
  FakeGraph graph;
  Serve(graph);
  const auto other = database_->Open();
  std::vector<SyncWindow> stolen;
  const auto summary = RunSharing(now, [&] {
    if (stolen.empty()) {
      // As if this process had stalled past its lease: the other one takes the window over.
      other->ReleaseLeases("me");
      stolen = other->LeaseWindows({"thief", 1, true, true, now, now + 1h});
    } else if (stolen[0].state != WindowState::kComplete) {
      stolen[0].state = WindowState::kComplete;  // and finishes it, while this one waits
      other->CommitPage(stolen[0], RecordPage{});
    }
  });
  ASSERT_EQ(stolen.size(), 1u);
  EXPECT_EQ(summary.windows_lost, 1);
  EXPECT_EQ(summary.windows_complete, 0);
  EXPECT_EQ(store_->CountRecords(), 0);  // nothing stored after the lease was lost
  EXPECT_TRUE(store_->UnfinishedWindows().empty());
  EXPECT_LT(elapsed_, 1h);  // waited for the thief's work, not for its lease to expire
}

// The lease lapsed while a batch of pages waited and the next page failed: the batch is not stored
// (the window's new owner pages it again), and the page's failure is still logged.
TEST_P(SyncEngineTest, ABatchWhoseLeaseWasLostIsNotStoredAndTheFetchFailureIsLogged) {
  const Instant now = kNextDay + 48h;
  const auto other = database_->Open();
  std::vector<SyncWindow> stolen;
  ServeTenPages(*transport_, [&](int page) -> std::optional<HttpResponse> {
    if (page != 7) return std::nullopt;
    if (stolen.empty()) {
      other->ReleaseLeases("me");  // as if this process had stalled past its lease
      stolen = other->LeaseWindows({"thief", 1, true, true, now, now + 1h});
    }
    return HttpResponse{503, {}, "unavailable"};
  });
  std::ostringstream log;
  const auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log);
  spdlog::default_logger()->sinks().push_back(sink);
  const auto summary = RunSharing(now, [&] {
    if (!stolen.empty() && stolen[0].state != WindowState::kComplete) {
      stolen[0].state = WindowState::kComplete;  // the thief finishes it, while this one waits
      other->CommitPage(stolen[0], RecordPage{});
    }
  });
  spdlog::default_logger()->sinks().pop_back();
  ASSERT_EQ(stolen.size(), 1u);
  EXPECT_EQ(summary.windows_lost, 1);
  EXPECT_EQ(store_->CountRecords(), 4);  // the first batch; pages 5 and 6 were not stored
  EXPECT_NE(log.str().find("503"), std::string::npos) << log.str();
}

// The tenant's limit of unfinished queries counts every process's: with another process's query
// queued and a limit of one, this process submits only once that query has finished.
TEST_P(SyncEngineTest, AnotherProcesssUnfinishedQueryHoldsBackASubmissionAtTheTenantsLimit) {
  const Instant now = kNextDay + 48h;
  const auto other = database_->Open();
  auto theirs = other->PlanWindow(ScanKind::kInitial, kDay - 24h, kDay, now);
  theirs = other->LeaseWindows({"other", 1, true, true, now, now + 1h}).at(0);
  theirs.state = WindowState::kQueued;
  theirs.query_id = "their-query";
  other->SaveWindow(theirs);
  FakeGraph graph;
  std::optional<std::chrono::milliseconds> submitted_at;
  transport_->responder = [&](const HttpRequest& request) {
    if (request.method == "POST") submitted_at = elapsed_;
    return graph.Answer(request, elapsed_);
  };
  std::optional<std::chrono::milliseconds> theirs_finished;
  const auto summary = RunSharing(
      now,
      [&] {
        if (!theirs_finished && elapsed_ >= 30s) {
          theirs.state = WindowState::kComplete;
          other->CommitPage(theirs, RecordPage{});
          theirs_finished = elapsed_;
        }
      },
      [](SyncOptions& options) { options.max_unfinished_queries = 1; });
  EXPECT_EQ(summary.windows_complete, 1);
  ASSERT_TRUE(theirs_finished);
  ASSERT_TRUE(submitted_at);
  EXPECT_GE(*submitted_at, *theirs_finished);  // not while theirs held the tenant's one place
  EXPECT_EQ(graph.queries.size(), 1u);
}

}  // namespace
}  // namespace auditsync
