#include "sync/content_sync.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "core/error.hpp"
#include "core/stop.hpp"
#include "sync/content_planner.hpp"
#include "unit/fake_transport.hpp"
#include "unit/store_backends.hpp"

namespace auditsync {
namespace {

using namespace std::chrono_literals;

const Instant kNow = *ParseIso8601("2026-11-20T10:30:00Z");
constexpr const char* kRoot = "https://manage.test";
constexpr const char* kTenant = "11111111-2222-3333-4444-555555555555";

std::string Launch(const std::string& id, Instant at) {
  auto time = FormatIso8601(at);
  time.pop_back();
  return R"({"Id":")" + id + R"(","RecordType":45,"CreationTime":")" + time +
         R"(","Operation":"LaunchPowerApp","Workload":"PowerApps","UserId":"amy@contoso.com",)"
         R"("AppName":"app-)" +
         id.substr(0, 2) + R"("})";
}

std::string Noise(int i) {
  return R"({"Id":"noise-)" + std::to_string(i) +
         R"(","RecordType":20,"CreationTime":"2026-11-18T00:00:00","Operation":"ViewReport"})";
}

// The value of a query parameter of `url`; empty when absent.
std::string Param(const std::string& url, const std::string& name) {
  const auto at = url.find(name + "=");
  if (at == std::string::npos) return {};
  const auto start = at + name.size() + 1;
  return url.substr(start, url.find('&', start) - start);
}

// A Management Activity API in memory: blobs listed by contentCreated, `page_size` per page with
// a NextPageUri; chosen blobs fail or have expired. Thread-safe: every download thread calls it.
class FakeFeed {
 public:
  struct Blob {
    std::string id;
    Instant created;
    std::vector<std::string> records;
  };

  HttpResponse Answer(const HttpRequest& request) {
    std::lock_guard lock(mutex_);
    if (!refusal.empty()) return {401, {}, R"({"error":{"code":")" + refusal + R"("}})"};
    const std::string feed = std::string(kRoot) + "/api/v1.0/" + kTenant + "/activity/feed/";
    if (request.url.starts_with(feed + "subscriptions/start")) {
      ++starts;
      subscribed = true;
      return {200, {}, R"({"contentType":"Audit.General","status":"enabled","webhook":null})"};
    }
    if (request.url.starts_with(feed + "subscriptions/content")) {
      if (!subscribed) return {400, {}, R"({"error":{"code":"AF20022","message":"none"}})"};
      const auto start = ParseIso8601(Param(request.url, "startTime"));
      const auto end = ParseIso8601(Param(request.url, "endTime"));
      if (!start || !end || *end - *start > 24h || *start < kNow - 168h) {
        return {400, {}, R"({"error":{"code":"AF20055"}})"};
      }
      listed.emplace_back(*start, *end);
      std::vector<const Blob*> in_window;
      for (const auto& blob : blobs) {
        if (blob.created >= *start && blob.created < *end) in_window.push_back(&blob);
      }
      const size_t first =
          Param(request.url, "nextPage").empty() ? 0 : std::stoul(Param(request.url, "nextPage"));
      std::string body = "[";
      for (size_t i = first; i < std::min(first + page_size, in_window.size()); ++i) {
        const auto& blob = *in_window[i];
        body += std::string(i > first ? "," : "") +
                R"({"contentType":"Audit.General","contentId":")" + blob.id +
                R"(","contentUri":")" + feed + "audit/" + blob.id + R"(","contentCreated":")" +
                FormatIso8601(blob.created) + R"("})";
      }
      body += "]";
      HttpHeaders headers;
      auto next = request.url.substr(0, request.url.find("&PublisherIdentifier"));
      next = next.substr(0, next.find("&nextPage"));
      if (first + page_size < in_window.size()) {
        headers.emplace_back("NextPageUri",
                             next + "&nextPage=" + std::to_string(first + page_size));
      } else if (looping_listings > 0) {
        --looping_listings;  // the last page names the first one again
        headers.emplace_back("NextPageUri", next + "&nextPage=0");
      }
      return {200, std::move(headers), std::move(body)};
    }
    const auto id = request.url.substr(feed.size() + 6, request.url.find('?') - feed.size() - 6);
    ++gets[id];
    if (stop_after_gets > 0 && --stop_after_gets == 0) stop = true;
    if (failing.contains(id)) return {500, {}, R"({"error":{"code":"AF50000"}})"};
    if (id == throttled && gets[id] == 1) {
      return {429, {{"Retry-After", "900"}}, R"({"error":{"code":"AF429"}})"};
    }
    if (id == unauthorized) return {401, {}, R"({"error":{"code":"AF10001"}})"};
    if (expired.contains(id)) return {400, {}, R"({"error":{"code":"AF20051"}})"};
    for (const auto& blob : blobs) {
      if (blob.id != id) continue;
      std::string body = "[";
      for (size_t i = 0; i < blob.records.size(); ++i) body += (i ? "," : "") + blob.records[i];
      return {200, {}, body + "]"};
    }
    return {400, {}, R"({"error":{"code":"AF20050"}})"};
  }

  // Whether this request is the blob GET that `interrupt_at_get` names: it is cut short by a
  // stop request, as a transfer is on Ctrl-C.
  bool Interrupts(const HttpRequest& request) {
    std::lock_guard lock(mutex_);
    if (request.url.find("/activity/feed/audit/") == std::string::npos) return false;
    return interrupt_at_get > 0 && --interrupt_at_get == 0;
  }

  int TotalGets() {
    std::lock_guard lock(mutex_);
    int total = 0;
    for (const auto& [id, count] : gets) total += count;
    return total;
  }

  std::vector<Blob> blobs;
  size_t page_size = 2;
  bool subscribed = true;
  std::string refusal;  // an AF code every call answers with HTTP 401
  std::set<std::string> failing;
  std::string throttled;             // a blob answered 429 with Retry-After: 900 the first time
  std::string unauthorized;          // a blob answered 401 AF10001 (a token refused)
  std::atomic<bool> waiting{false};  // a download has slept
  std::set<std::string> expired;
  std::map<std::string, int> gets;
  std::vector<TimeRange> listed;
  int starts = 0;
  int looping_listings = 0;  // last pages that name the first page as their next
  int stop_after_gets = 0;   // the stop is requested when the GET that makes it 0 comes in
  int interrupt_at_get = 0;  // the same, and that GET is cut short by it
  std::atomic<bool> stop{false};

 private:
  std::mutex mutex_;
};

// The engine on each backend: its blobs, cursor and records are the store's.
class ContentSyncTest : public testing::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped()) return;
    // Three days of blobs, four a day; each has five launches (one of them also in the next
    // blob: the API duplicates records), and noise of other workloads.
    int noise = 0;
    for (int b = 0; b < 12; ++b) {
      FakeFeed::Blob blob;
      blob.id = "blob-" + std::to_string(b) + "$audit_general";
      blob.created = kNow - 72h + b * 6h;
      for (int r = 0; r < 5; ++r) {
        blob.records.push_back(Noise(noise++));
        blob.records.push_back(Launch(Id(b, r), blob.created - 1h - std::chrono::minutes(r)));
        blob.records.push_back(Noise(noise++));
      }
      if (b > 0) blob.records.push_back(Launch(Id(b - 1, 0), blob.created - 7h));
      feed_.blobs.push_back(std::move(blob));
    }
  }
  static std::string Id(int blob, int record) {
    return std::to_string(10 + blob) + "-record-" + std::to_string(record);
  }

  ContentSyncSummary Run(int concurrency = 4, SyncRequest request = {}) {
    http_ = testing::MakeFakeHttpClient(control_transport_, 2);
    control_transport_->responder = [this](const HttpRequest& r) { return feed_.Answer(r); };
    ManagementOptions options{kRoot, kTenant, kTenant, "Audit.General"};
    control_ = std::make_unique<ManagementClient>(*http_, credential_, options);
    ContentSyncOptions sync;
    sync.concurrency = concurrency;
    sync.batch_records = 2;
    sync.commit_records = 3;
    SyncClock clock;
    clock.now = [this] { return now_; };
    clock.sleep = [this](std::chrono::milliseconds delay) {
      feed_.waiting = true;
      slept_ += delay.count();
      // A moment of real time, so that a thread waiting in slices lets the others run.
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    };
    clock.stop_requested = [this] { return feed_.stop.load(); };
    ContentSyncEngine engine(
        *store_, *control_,
        [this, options](ConnectionHooks hooks) {
          auto owned = std::make_unique<testing::FakeTransport>();
          auto* transport = owned.get();
          RetryEnvironment environment;
          environment.sleep = hooks.sleep;  // the engine's: it ends when the downloads do
          auto http = std::make_unique<HttpClient>(std::move(owned), RetryOptions{2, 1ms, 1ms},
                                                   environment);
          transport->responder = [this, cancelled = hooks.cancelled](const HttpRequest& r) {
            // As CurlTransport: a cancelled client abandons its transfers.
            if (cancelled()) throw Interrupted();
            if (!feed_.unauthorized.empty() &&
                r.url.find(feed_.unauthorized) != std::string::npos) {
              // Refused only once the other blob's download waits out its Retry-After.
              for (int i = 0; i < 5000 && !feed_.waiting; ++i) std::this_thread::sleep_for(1ms);
            }
            if (feed_.Interrupts(r)) {
              // Long enough for the store's thread to be waiting for deliveries meanwhile.
              std::this_thread::sleep_for(50ms);
              feed_.stop = true;
              throw Interrupted();
            }
            return feed_.Answer(r);
          };
          return std::make_unique<ManagementClient>(std::move(http), credential_, options);
        },
        {"LaunchPowerApp", "DeletePowerApp"}, sync, clock);
    return engine.Run(request);
  }

  Instant now_ = kNow;               // the engine's clock
  std::atomic<long long> slept_{0};  // milliseconds the downloads slept, all threads together
  FakeFeed feed_;
  testing::NumberedCredential credential_;
  testing::FakeTransport* control_transport_ = nullptr;
  std::unique_ptr<HttpClient> http_;
  std::unique_ptr<ManagementClient> control_;
};

AUDITSYNC_ON_EVERY_BACKEND(ContentSyncTest);

TEST_P(ContentSyncTest, StoresEveryWantedRecordOnceWhateverTheConcurrency) {
  for (const int concurrency : {1, 4, 8}) {
    FreshStore();
    feed_.gets.clear();
    const auto summary = Run(concurrency);
    EXPECT_EQ(summary.blobs_listed, 12);
    EXPECT_EQ(summary.blobs_stored, 12);
    EXPECT_EQ(summary.blobs_unfinished, 0);
    EXPECT_EQ(summary.records_read, 12 * 15 + 11);
    EXPECT_EQ(store_->CountRecords(), 60);  // five launches a blob, duplicates stored once
    EXPECT_EQ(summary.inserted, 60);
    EXPECT_EQ(summary.duplicates, 11);
    EXPECT_FALSE(summary.gap);
    EXPECT_EQ(store_->ContentCursor(), kNow);
    EXPECT_EQ(store_->BlobsSince(kNow - 168h).size(), 12u);
    for (const auto& [id, count] : feed_.gets) EXPECT_EQ(count, 1) << id;
    // The launches reach the apps table and the rollups like a Graph page's.
    UsageFilter filter;
    const auto from_rollups = store_->QueryAppUsage(filter);
    store_->ReadUsageFromRecordsOnly(true);
    EXPECT_EQ(store_->QueryAppUsage(filter), from_rollups);
    store_->ReadUsageFromRecordsOnly(false);
    ASSERT_EQ(from_rollups.size(), 12u);
    for (const auto& app : from_rollups) EXPECT_EQ(app.launches, 5);
  }
  // Listings: the last seven days in windows of a day at most, none more than 7 days back.
  for (const auto& [start, end] : feed_.listed) {
    EXPECT_LE(end - start, 24h);
    EXPECT_GE(start, kNow - 168h);
  }
}

TEST_P(ContentSyncTest, ALaterSyncListsFromItsCursorAndFetchesNoStoredBlob) {
  Run();
  feed_.gets.clear();
  feed_.listed.clear();
  feed_.blobs.push_back({"blob-new", kNow - 10min, {Launch("99-record-0", kNow - 2h)}});
  const auto summary = Run();
  EXPECT_EQ(summary.blobs_stored, 1);
  EXPECT_EQ(summary.blobs_skipped, 0);
  EXPECT_EQ(feed_.gets, (std::map<std::string, int>{{"blob-new", 1}}));
  ASSERT_EQ(feed_.listed.size(), 1u);
  EXPECT_EQ(feed_.listed[0], TimeRange(kNow - 1h, kNow));
  EXPECT_EQ(store_->CountRecords(), 61);
}

TEST_P(ContentSyncTest, AFailingBlobHoldsTheCursorBackAndOnlyItIsFetchedAgain) {
  feed_.failing = {feed_.blobs[5].id};
  auto summary = Run();
  EXPECT_EQ(summary.blobs_failed, 1);
  EXPECT_EQ(summary.blobs_stored, 11);
  EXPECT_EQ(summary.blobs_unfinished, 0);
  // The cursor stays at the start of the listing that holds the failed blob.
  ASSERT_TRUE(store_->ContentCursor());
  EXPECT_LE(*store_->ContentCursor(), feed_.blobs[5].created);
  feed_.failing.clear();
  feed_.gets.clear();
  summary = Run();
  EXPECT_EQ(summary.blobs_stored, 1);
  EXPECT_EQ(feed_.gets, (std::map<std::string, int>{{feed_.blobs[5].id, 1}}));
  EXPECT_EQ(store_->CountRecords(), 60);
  EXPECT_EQ(store_->ContentCursor(), kNow);
}

TEST_P(ContentSyncTest, AStopKeepsWhatIsCommittedAndTheNextSyncNeitherRefetchesNorSkips) {
  feed_.stop_after_gets = 5;
  EXPECT_THROW(Run(3), Interrupted);
  const auto done = store_->BlobsSince(kNow - 168h);
  EXPECT_LT(done.size(), 12u);
  feed_.stop = false;
  feed_.gets.clear();
  const auto summary = Run(3);
  EXPECT_EQ(summary.blobs_stored + static_cast<int64_t>(done.size()), 12);
  for (const auto& id : done) EXPECT_FALSE(feed_.gets.contains(id)) << id << " fetched again";
  EXPECT_EQ(feed_.gets.size(), 12u - done.size());
  EXPECT_EQ(store_->CountRecords(), 60);
  EXPECT_EQ(store_->ContentCursor(), kNow);
}

TEST_P(ContentSyncTest, AStopDuringTheOnlyListingWindowIsAnInterruptionNotASuccess) {
  // One listing window of three blobs, read one at a time: the stop cuts the second one's
  // transfer short, and the download thread ends without an outcome for it or the third.
  const SyncRequest last_day{kNow - 20h, kNow, false};
  feed_.interrupt_at_get = 2;
  EXPECT_THROW(Run(1, last_day), Interrupted);
  EXPECT_EQ(store_->BlobsSince(kNow - 168h).size(), 1u);  // the first blob is kept
  feed_.stop = false;
  feed_.gets.clear();
  const auto summary = Run(1, last_day);
  EXPECT_EQ(summary.blobs_listed, 3);
  EXPECT_EQ(summary.blobs_skipped, 1);
  EXPECT_EQ(summary.blobs_stored, 2);
  EXPECT_EQ(summary.blobs_unfinished, 0);
  EXPECT_EQ(feed_.gets.size(), 2u);
}

TEST_P(ContentSyncTest, AListingWhoseLinksGoRoundInCirclesFailsItsWindow) {
  // Three blobs in two pages, and the last page leads back to the first (a bounded number of
  // times, so that a client without the guard ends too, having listed blobs again and again).
  const SyncRequest last_day{kNow - 20h, kNow, false};
  feed_.looping_listings = 50;
  auto summary = Run(2, last_day);
  EXPECT_EQ(summary.listings_failed, 1);
  EXPECT_EQ(summary.blobs_listed, 0);
  EXPECT_TRUE(feed_.gets.empty());
  EXPECT_FALSE(store_->ContentCursor());
  EXPECT_LE(feed_.listed.size(), 4u);  // found on the first page asked for twice
  // Once the server behaves, the next sync reads the window.
  feed_.looping_listings = 0;
  summary = Run(2, last_day);
  EXPECT_EQ(summary.listings_failed, 0);
  EXPECT_EQ(summary.blobs_stored, 3);
}

TEST_P(ContentSyncTest, WithoutASubscriptionItStartsOneAndSaysContentTakesHours) {
  feed_.subscribed = false;
  const auto summary = Run();
  EXPECT_TRUE(summary.subscription_started);
  EXPECT_EQ(feed_.starts, 1);
  EXPECT_EQ(summary.blobs_stored, 12);
}

TEST_P(ContentSyncTest, AnExpiredBlobIsLostOnceAndTheCursorMovesOn) {
  feed_.expired = {feed_.blobs[2].id};
  auto summary = Run();
  EXPECT_EQ(summary.blobs_expired, 1);
  EXPECT_EQ(summary.blobs_stored, 11);
  EXPECT_EQ(store_->ContentCursor(), kNow);
  EXPECT_EQ(store_->CountBlobs().expired, 1);
  // Kept as a gap too: content_blobs forgets it after 8 days, status must not.
  const auto gaps = store_->ContentGaps();
  ASSERT_EQ(gaps.size(), 1u);
  EXPECT_EQ(gaps[0].start, feed_.blobs[2].created);
  EXPECT_EQ(gaps[0].end, feed_.blobs[2].created + 1s);
  ASSERT_TRUE(summary.expired_range);
  EXPECT_EQ(*summary.expired_range, TimeRange(gaps[0].start, gaps[0].end));
  feed_.gets.clear();
  summary = Run(4, SyncRequest{kNow - 80h, std::nullopt, false});
  EXPECT_TRUE(feed_.gets.empty());  // neither the stored blobs nor the expired one again
}

TEST_P(ContentSyncTest, ACheckpointOlderThanSevenDaysIsAGapReportedAndKept) {
  store_->CommitBlobs({}, {}, kNow - 240h);
  const auto summary = Run();
  ASSERT_TRUE(summary.gap);
  EXPECT_EQ(summary.gap->start, kNow - 240h);
  EXPECT_EQ(summary.gap->end, kNow - 168h + kRetentionMargin);
  const auto gaps = store_->ContentGaps();
  ASSERT_EQ(gaps.size(), 1u);
  EXPECT_EQ(gaps[0].start, kNow - 240h);
  EXPECT_EQ(store_->ContentCursor(), kNow);  // the next sync starts after the gap
  EXPECT_EQ(summary.blobs_stored, 12);
}

TEST_P(ContentSyncTest, ACursorHeldBackPastSevenDaysIsOneGapThatGrowsNotARowPerSync) {
  // A blob that keeps failing holds the cursor back until the 7-day limit passes it; each sync
  // meanwhile finds the gap from that cursor a little longer.
  const Instant cursor = kNow - 160h;
  store_->CommitBlobs({}, {}, cursor);
  feed_.blobs.push_back({"blob-stuck", cursor + 1h, {Launch("98-record-0", cursor)}});
  feed_.failing = {"blob-stuck"};
  Run();
  EXPECT_EQ(store_->ContentCursor(), cursor);
  std::optional<Instant> gap_end;
  for (const auto later : {8h + 15min, 8h + 30min, 8h + 45min, 9h + 15min}) {
    now_ = kNow + later;
    const auto summary = Run();
    ASSERT_TRUE(summary.gap) << FormatIso8601(now_);
    EXPECT_EQ(summary.gap->start, cursor);
    gap_end = summary.gap->end;
  }
  // The stuck blob is past the limit now: the cursor moved on, and no gap is found any more.
  EXPECT_GT(store_->ContentCursor(), cursor + 1h);
  now_ += 1h;
  EXPECT_FALSE(Run().gap);
  const auto gaps = store_->ContentGaps();
  ASSERT_EQ(gaps.size(), 1u);
  EXPECT_EQ(gaps[0].start, cursor);
  EXPECT_EQ(gaps[0].end, gap_end);
  EXPECT_EQ(gaps[0].end, kNow + 9h + 15min - 168h + kRetentionMargin);
  EXPECT_EQ(gaps[0].found_at, kNow + 8h + 15min);
}

TEST_P(ContentSyncTest, ARefusedTokenEndsTheRunAtOnce) {
  feed_.refusal = "AF10001";
  EXPECT_THROW(Run(), AuthError);
  EXPECT_FALSE(store_->ContentCursor());
}

TEST_P(ContentSyncTest, AFatalErrorEndsTheRunWithoutWaitingForAnotherDownloadsRetryAfter) {
  // One download is told to come back in 15 minutes; the other one's token is refused meanwhile.
  const SyncRequest last_half_day{kNow - 14h, kNow, false};
  feed_.throttled = feed_.blobs[10].id;
  feed_.unauthorized = feed_.blobs[11].id;
  try {
    Run(2, last_half_day);
    ADD_FAILURE() << "the refused token did not end the run";
  } catch (const AuthError& error) {
    EXPECT_EQ(error.Code(), ExitCode::kAuthentication);
    EXPECT_NE(std::string(error.what()).find("AF10001"), std::string::npos) << error.what();
  }
  // The waiting download ended within a slice or two of its 900 s, and fetched nothing more.
  EXPECT_TRUE(feed_.waiting);
  EXPECT_LT(slept_.load(), 10'000);
  EXPECT_EQ(feed_.gets[feed_.blobs[10].id], 1);
  EXPECT_TRUE(store_->BlobsSince(kNow - 168h).empty());
}

TEST_P(ContentSyncTest, ATenantSetUpWrongEndsTheRunWithAConfigurationError) {
  feed_.refusal = "AF20012";
  try {
    Run();
    FAIL();
  } catch (const ServiceError& error) {
    EXPECT_EQ(error.Code(), ExitCode::kConfiguration);
  }
}

}  // namespace
}  // namespace auditsync
