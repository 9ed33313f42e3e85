#include "sync/content_sync.hpp"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_set>

#include "core/log.hpp"
#include "core/stop.hpp"
#include "sync/content_planner.hpp"

namespace auditsync {
namespace {

// Failures that every blob and listing would meet end the run at once instead of failing them one
// by one: a refused token, an unreachable sign-in, a tenant set up wrongly (exit 3), a bug (1).
bool StopsTheRun(const Error& error) {
  return error.Code() == ExitCode::kAuthentication || error.Code() == ExitCode::kConfiguration ||
         error.Code() == ExitCode::kInternal || error.Code() == ExitCode::kInterrupted ||
         dynamic_cast<const SignInUnavailable*>(&error) != nullptr;
}

// Finished blobs are committed at least this often, so that a restart finds them done.
constexpr std::chrono::seconds kCommitInterval{1};
constexpr size_t kFinishedPerCommit = 64;
// How long the store's thread waits for deliveries before it looks at stop requests again.
constexpr std::chrono::milliseconds kDeliveryWait{200};
// A download's waits are slept in slices of this at most, its cancellation checked in between.
constexpr std::chrono::milliseconds kWaitSlice{100};
// More pages than a day of any tenant's content fills: the server's links go on forever.
constexpr size_t kMostListingPages = 100'000;

}  // namespace

// The hand-over from the download threads to the store's thread: a bounded queue (downloads wait
// when it is full, so memory holds at most `capacity` batches) and the end of the downloads.
struct ContentSyncEngine::Downloads {
  struct Delivery {
    size_t blob = 0;
    RecordPage page;
    bool finished = false;  // the blob's last delivery: read to its end, expired, or failed
    bool expired = false;
    std::string error;  // why it failed or expired
    int64_t records_read = 0;
  };
  struct Taken {
    std::deque<Delivery> deliveries;
    bool all_done = false;  // every download thread has ended and nothing is left
    std::exception_ptr fatal;
  };

  Downloads(size_t queue_capacity, int threads) : capacity(queue_capacity), running(threads) {}

  // From a download thread; waits while the queue is full. Dropped once the downloads stop.
  void Push(Delivery delivery) {
    std::unique_lock lock(mutex);
    space.wait(lock, [this] { return queue.size() < capacity || stopping; });
    if (stopping) return;
    queue.push_back(std::move(delivery));
    ready.notify_one();
  }

  // Ends the downloads: their transfers are abandoned and what they deliver is dropped. `error`,
  // the first failure that ends the run, is rethrown by the store's thread.
  void Stop(const std::exception_ptr& error = nullptr) {
    std::lock_guard lock(mutex);
    stopping = true;
    cancelled = true;
    if (error && !fatal) fatal = error;
    space.notify_all();
    ready.notify_all();
  }

  void ThreadEnded() {
    std::lock_guard lock(mutex);
    --running;
    ready.notify_all();
  }

  Taken Take() {
    std::unique_lock lock(mutex);
    ready.wait_for(lock, kDeliveryWait,
                   [this] { return !queue.empty() || running == 0 || fatal != nullptr; });
    Taken taken{std::move(queue), running == 0, fatal};
    queue.clear();
    space.notify_all();
    return taken;
  }

  const size_t capacity;
  std::mutex mutex;
  std::condition_variable space;
  std::condition_variable ready;
  std::deque<Delivery> queue;
  int running;
  bool stopping = false;
  std::exception_ptr fatal;
  std::atomic<bool> cancelled{false};  // polled by the transfers, without the lock
  std::atomic<size_t> next{0};         // the next blob to download
};

ContentSyncEngine::ContentSyncEngine(ContentStore& store, ManagementClient& control,
                                     ClientFactory blob_clients,
                                     std::vector<std::string> operations,
                                     ContentSyncOptions options, SyncClock clock)
    : store_(store),
      control_(control),
      blob_clients_(std::move(blob_clients)),
      operations_(std::move(operations)),
      options_(options),
      clock_(std::move(clock)) {
  if (!clock_.sleep) {
    clock_.sleep = [](std::chrono::milliseconds delay) { std::this_thread::sleep_for(delay); };
  }
}

ContentSyncSummary ContentSyncEngine::Run(const SyncRequest& request) {
  ContentSyncSummary summary;
  started_ = clock_.steady();
  progress_ = SyncProgress{0, 0, 0, {}, "blobs"};
  const auto plan = PlanContent(
      {clock_.now(), store_.ContentCursor(), request.from, request.to, options_.initial_lookback});
  summary.from = plan.listings.empty() ? plan.readable_from : plan.listings.front().first;
  summary.to = plan.listings.empty() ? summary.from : plan.listings.back().second;
  if (plan.gap) {
    store_.RecordContentGap(*plan.gap);
    summary.gap = plan.gap;
    spdlog::error("{}.", DescribeContentGap(*plan.gap, options_.graph_audit_queries));
  }
  // Blobs already stored are skipped (all of them with --rescan, which reads them again).
  auto seen = request.rescan ? std::unordered_set<std::string>() : store_.BlobsSince(summary.from);
  spdlog::info("sync of content created {}..{}: {} listing(s) of Audit.General",
               FormatIso8601(summary.from), FormatIso8601(summary.to), plan.listings.size());

  auto frontier = plan.frontier;
  bool contiguous = true;  // every listing so far is complete: the cursor may follow
  for (const auto& [start, end] : plan.listings) {
    if (clock_.stop_requested()) throw Interrupted();
    const auto blobs = ListWindow(start, end, summary);
    if (!blobs) {
      contiguous = false;
      continue;
    }
    ++summary.listings;
    summary.blobs_listed += static_cast<int64_t>(blobs->size());
    std::vector<ContentBlob> todo;
    for (const auto& blob : *blobs) {
      if (seen.insert(blob.content_id).second) {
        todo.push_back(blob);
      } else {
        ++summary.blobs_skipped;
      }
    }
    progress_.windows_total += static_cast<int>(todo.size());
    ReportProgress();
    if (FetchAll(todo, summary) > 0) contiguous = false;
    if (contiguous && frontier && start <= *frontier && end > *frontier) {
      frontier = end;
      store_.CommitBlobs({}, {}, frontier);
    }
  }
  summary.blobs_unfinished = summary.blobs_listed - summary.blobs_skipped - summary.blobs_stored -
                             summary.blobs_failed - summary.blobs_expired;
  summary.cursor = store_.ContentCursor();
  return summary;
}

std::optional<std::vector<ContentBlob>> ContentSyncEngine::ListWindow(Instant start, Instant end,
                                                                      ContentSyncSummary& summary) {
  std::vector<ContentBlob> blobs;
  std::string url = control_.ContentListingUrl(start, end);
  // The pages asked for: a server whose links lead back to one of them would list forever. (A
  // link may add PublisherIdentifier to the first page's URL: the loop is then caught one lap
  // later.)
  std::unordered_set<std::string> visited{url};
  try {
    while (!url.empty()) {
      if (clock_.stop_requested()) throw Interrupted();
      ContentListingPage page;
      try {
        page = control_.ListContent(url);
      } catch (const SubscriptionMissing& error) {
        if (summary.subscription_started) throw;
        // The CoE kit leaves this to a separate flow run by hand; a sync can do it itself.
        spdlog::warn("{}", error.what());
        const auto subscription = control_.StartSubscription();
        summary.subscription_started = true;
        spdlog::warn(
            "started the {} subscription (status {}). Microsoft makes the first content available "
            "up to 12 hours after a subscription starts: until then syncs find nothing to collect",
            subscription.content_type, subscription.status);
        continue;  // the same page again
      }
      for (auto& blob : page.blobs) blobs.push_back(std::move(blob));
      url = std::move(page.next_page);
      if (!url.empty() && (!visited.insert(url).second || visited.size() > kMostListingPages)) {
        throw ServiceError("the content listing's NextPageUri leads back to a page already read (" +
                               std::to_string(visited.size()) +
                               " pages), so it would never end; the next sync lists it again",
                           {200, "RepeatingNextPage", "", RedactUrl(url)});
      }
    }
  } catch (const Error& error) {
    if (StopsTheRun(error)) throw;
    ++summary.listings_failed;
    spdlog::error("listing content created {}..{} failed: {}; the next sync lists it again",
                  FormatIso8601(start), FormatIso8601(end), error.what());
    return std::nullopt;
  }
  return blobs;
}

int64_t ContentSyncEngine::FetchAll(const std::vector<ContentBlob>& blobs,
                                    ContentSyncSummary& summary) {
  if (blobs.empty()) return 0;
  const int threads =
      static_cast<int>(std::min<size_t>(static_cast<size_t>(options_.concurrency), blobs.size()));
  Downloads downloads(2 * static_cast<size_t>(threads), threads);
  // The downloads' hooks, declared before the Joiner: the threads use them until joined.
  const auto cancelled = [this, &downloads] {
    return downloads.cancelled.load() || clock_.stop_requested();
  };
  // A retry's backoff or a Retry-After (up to 15 minutes) would otherwise keep the run waiting
  // after another thread's failure has ended it.
  const auto sleep = [this, cancelled](std::chrono::milliseconds delay) {
    for (;;) {
      if (cancelled()) throw Interrupted();
      if (delay <= std::chrono::milliseconds(0)) return;
      const auto slice = std::min(delay, kWaitSlice);
      clock_.sleep(slice);
      delay -= slice;
    }
  };
  std::vector<std::thread> workers;
  // Whatever ends this function, the downloads end first: no thread outlives what it uses.
  struct Joiner {
    Downloads& downloads;
    std::vector<std::thread>& workers;
    ~Joiner() {
      downloads.Stop();
      for (auto& worker : workers) worker.join();
    }
  } joiner{downloads, workers};

  const auto download = [&] {
    try {
      auto client = blob_clients_(ConnectionHooks{.cancelled = cancelled, .sleep = sleep});
      BlobReader reader(operations_);
      for (size_t k = downloads.next++; k < blobs.size() && !downloads.cancelled;
           k = downloads.next++) {
        Downloads::Delivery last;
        last.blob = k;
        last.finished = true;
        try {
          last.records_read = client->FetchBlob(blobs[k], reader, options_.batch_records,
                                                [&downloads, k](RecordPage page) {
                                                  Downloads::Delivery batch;
                                                  batch.blob = k;
                                                  batch.page = std::move(page);
                                                  downloads.Push(std::move(batch));
                                                });
        } catch (const ContentExpired& error) {
          last.expired = true;
          last.error = error.what();
        } catch (const Error& error) {
          if (StopsTheRun(error)) throw;
          last.error = error.what();
        }
        downloads.Push(std::move(last));
      }
    } catch (const Interrupted&) {
      // A stop request, or the downloads were stopped: the store's thread knows why.
    } catch (...) {
      downloads.Stop(std::current_exception());
    }
    downloads.ThreadEnded();
  };
  for (int i = 0; i < threads; ++i) workers.emplace_back(download);

  auto unfinished = static_cast<int64_t>(blobs.size());
  RecordPage pending;
  std::vector<StoredBlob> finished;
  auto last_commit = clock_.steady();
  const auto commit = [&] {
    if (pending.records.empty() && pending.quarantined.empty() && finished.empty()) return;
    const auto outcome = store_.CommitBlobs(pending, finished, std::nullopt);
    // content_blobs forgets blobs after 8 days, and `status` would stop showing what expired
    // unread: what the expired blobs held is kept as a gap, as a checkpoint too old would be.
    for (const auto& blob : finished) {
      if (blob.expired) {
        store_.RecordContentGap(
            {blob.content_created, blob.content_created + std::chrono::seconds(1), clock_.now()});
      }
    }
    summary.inserted += outcome.inserted;
    summary.duplicates += outcome.duplicates;
    summary.quarantined += outcome.quarantined;
    unfinished -= static_cast<int64_t>(finished.size());
    pending = RecordPage{};
    finished.clear();
    last_commit = clock_.steady();
  };
  for (bool all_done = false; !all_done;) {
    if (clock_.stop_requested()) {
      commit();  // what is complete is kept
      throw Interrupted();
    }
    auto taken = downloads.Take();
    if (taken.fatal) {
      commit();
      std::rethrow_exception(taken.fatal);
    }
    all_done = taken.all_done;
    for (auto& delivery : taken.deliveries) {
      pending.Append(std::move(delivery.page));
      if (!delivery.finished) continue;
      const auto& blob = blobs[delivery.blob];
      ++progress_.windows_done;
      if (delivery.expired) {
        ++summary.blobs_expired;
        auto& range = summary.expired_range;
        range = range ? TimeRange(std::min(range->first, blob.created),
                                  std::max(range->second, blob.created + std::chrono::seconds(1)))
                      : TimeRange(blob.created, blob.created + std::chrono::seconds(1));
        spdlog::error("content blob {} (created {}): {}", blob.content_id,
                      FormatIso8601(blob.created), delivery.error);
      } else if (!delivery.error.empty()) {
        ++summary.blobs_failed;
        spdlog::error("content blob {} (created {}): {}; the next sync reads it again",
                      blob.content_id, FormatIso8601(blob.created), delivery.error);
        continue;
      } else {
        ++summary.blobs_stored;
        summary.records_read += delivery.records_read;
        progress_.records += delivery.records_read;
      }
      finished.push_back(
          StoredBlob{blob.content_id, blob.created, delivery.records_read, delivery.expired});
    }
    if (all_done || pending.records.size() >= options_.commit_records ||
        finished.size() >= kFinishedPerCommit ||
        (!finished.empty() && clock_.steady() - last_commit >= kCommitInterval)) {
      commit();
    }
    ReportProgress();
  }
  // Downloads cut short by the stop request end without a word for their blobs, so every thread
  // can end (and this loop with them) before the check above saw the request.
  if (clock_.stop_requested()) throw Interrupted();
  return unfinished;
}

void ContentSyncEngine::ReportProgress() {
  if (!on_progress_) return;
  progress_.elapsed = clock_.steady() - started_;
  on_progress_(progress_);
}

}  // namespace auditsync
