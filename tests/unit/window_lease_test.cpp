// The conformance suite of window leases and tenant-wide submission limits (store/store.hpp),
// on every backend: several collecting processes share one database's windows, each through a
// store of its own.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <thread>

#include "unit/store_backends.hpp"

namespace auditsync {
namespace {

using namespace std::chrono_literals;
using testing::At;
using testing::Launch;

const Instant kNow = At("2026-11-20T12:00:00Z");
constexpr SubmissionLimits kNoLimits{1000, 1000};

class WindowLeaseTest : public testing::BackendTest {
 protected:
  // Planned first scans of the days from 2026-11-01, one window each.
  std::vector<SyncWindow> PlanDays(int days) {
    std::vector<SyncWindow> windows;
    for (int day = 0; day < days; ++day) {
      const Instant start = At("2026-11-01") + std::chrono::days(day);
      windows.push_back(
          store_->PlanWindow(ScanKind::kInitial, start, start + std::chrono::days(1), kNow));
    }
    return windows;
  }
  static std::vector<int64_t> Ids(const std::vector<SyncWindow>& windows) {
    std::vector<int64_t> ids;
    for (const auto& window : windows) ids.push_back(window.id);
    return ids;
  }
  // Another process's connection to the same database.
  std::unique_ptr<Store> OtherProcess() const { return database_->Open(); }
};

AUDITSYNC_ON_EVERY_BACKEND(WindowLeaseTest);

TEST_P(WindowLeaseTest, EachWindowGoesToOneOwnerInTheOrderWorkIsDone) {
  auto windows = PlanDays(4);  // ids in day order
  auto settle = store_->PlanWindow(ScanKind::kSettle, At("2026-10-31"), At("2026-11-01"), kNow);
  // Work already paid for comes first: a window being paged, then one whose query is submitted.
  windows[0].state = WindowState::kPaging;
  windows[0].query_id = "q0";
  windows[0].next_link = "https://graph/next";
  store_->SaveWindow(windows[0]);
  windows[1].state = WindowState::kQueued;
  windows[1].query_id = "q1";
  store_->SaveWindow(windows[1]);

  const auto first = store_->LeaseWindows({"a", 3, true, true, kNow, kNow + 5min});
  // Then first scans, newest first; the settle scan last.
  EXPECT_EQ(Ids(first), (std::vector<int64_t>{windows[0].id, windows[1].id, windows[3].id}));
  for (const auto& window : first) EXPECT_EQ(window.lease_owner, "a");
  const auto other = OtherProcess();
  const auto second = other->LeaseWindows({"b", 10, true, true, kNow, kNow + 5min});
  EXPECT_EQ(Ids(second), (std::vector<int64_t>{windows[2].id, settle.id}));
  EXPECT_TRUE(other->LeaseWindows({"c", 10, true, true, kNow, kNow + 5min}).empty());
  // What an owner holds is not handed to it again.
  EXPECT_TRUE(store_->LeaseWindows({"a", 10, true, true, kNow, kNow + 5min}).empty());
}

TEST_P(WindowLeaseTest, WithoutNewQueriesOnlyWindowsWithAQueryAreLeased) {
  auto windows = PlanDays(3);
  windows[0].query_name =
      "auditsync x 2026-11-01 #1.1";  // named before a POST whose reply was lost
  store_->SaveWindow(windows[0]);
  windows[2].state = WindowState::kFailed;
  windows[2].query_id = "q2";
  store_->SaveWindow(windows[2]);
  const auto leased = store_->LeaseWindows({"a", 10, false, true, kNow, kNow + 5min});
  EXPECT_EQ(Ids(leased), (std::vector<int64_t>{windows[2].id, windows[0].id}));
}

TEST_P(WindowLeaseTest, AProcessWithAWindowToPageLeavesTheOthersReadyToPageToIdleOnes) {
  auto windows = PlanDays(3);
  for (auto* window : {&windows[0], &windows[1]}) {
    window->state = WindowState::kPaging;
    window->query_id = "q";
    window->next_link = "https://graph/next";
    store_->SaveWindow(*window);
  }
  EXPECT_EQ(Ids(store_->LeaseWindows({"busy", 10, true, false, kNow, kNow + 5min})),
            std::vector<int64_t>{windows[2].id});
  EXPECT_EQ(Ids(store_->LeaseWindows({"idle", 10, true, true, kNow, kNow + 5min})),
            (std::vector<int64_t>{windows[1].id, windows[0].id}));
}

TEST_P(WindowLeaseTest, AWindowWaitingForItsRetryIsNotLeasedBeforeIt) {
  auto windows = PlanDays(1);
  windows[0].state = WindowState::kFailed;
  windows[0].failures = 3;
  windows[0].retry_at = kNow + 1h;
  store_->SaveWindow(windows[0]);
  EXPECT_TRUE(store_->LeaseWindows({"a", 10, true, true, kNow, kNow + 5min}).empty());
  EXPECT_EQ(store_->LeaseWindows({"a", 10, true, true, kNow + 1h, kNow + 2h}).size(), 1u);
}

TEST_P(WindowLeaseTest, AnExpiredLeaseIsTakenOverAndTheOldOwnerCanNoLongerWrite) {
  PlanDays(1);
  auto mine = store_->LeaseWindows({"a", 1, true, true, kNow, kNow + 5min}).at(0);
  const auto other = OtherProcess();
  EXPECT_TRUE(other->LeaseWindows({"b", 1, true, true, kNow + 4min, kNow + 9min}).empty());
  // Renewed, it stays; not renewed, it expires and "b" takes it over.
  store_->RenewLeases("a", kNow + 10min);
  EXPECT_TRUE(other->LeaseWindows({"b", 1, true, true, kNow + 9min, kNow + 14min}).empty());
  auto taken = other->LeaseWindows({"b", 1, true, true, kNow + 10min, kNow + 15min});
  ASSERT_EQ(taken.size(), 1u);
  EXPECT_EQ(taken[0].id, mine.id);
  EXPECT_EQ(taken[0].lease_owner, "b");

  // "a" wakes up: none of its writes land, records included.
  RecordPage page;
  page.records = {Launch("r1", "2026-11-01T10:00:00Z", "app-a", "amy")};
  mine.state = WindowState::kComplete;
  EXPECT_THROW(store_->CommitPage(mine, page), LeaseLost);
  EXPECT_EQ(store_->CountRecords(), 0);
  EXPECT_THROW(store_->SaveWindow(mine), LeaseLost);
  EXPECT_THROW(
      store_->SplitWindow(mine, {{mine.start, mine.start + 12h}, {mine.start + 12h, mine.end}}),
      LeaseLost);
  EXPECT_THROW(store_->ReserveSubmission(mine, kNow, kNoLimits), LeaseLost);
  EXPECT_EQ(store_->SubmissionsSince(kNow - 24h), 0);
  EXPECT_EQ(store_->UnfinishedWindows().size(), 1u);
  EXPECT_EQ(store_->UnfinishedWindows()[0].state, WindowState::kPending);
  // Its new owner's do.
  taken[0].state = WindowState::kComplete;
  EXPECT_EQ(other->CommitPage(taken[0], page).inserted, 1);
  EXPECT_TRUE(store_->UnfinishedWindows().empty());
}

TEST_P(WindowLeaseTest, TheHalvesOfASplitWindowStayWithItsOwner) {
  PlanDays(1);
  auto mine = store_->LeaseWindows({"a", 1, true, true, kNow, kNow + 5min}).at(0);
  const auto halves =
      store_->SplitWindow(mine, {{mine.start, mine.start + 12h}, {mine.start + 12h, mine.end}});
  ASSERT_EQ(halves.size(), 2u);
  for (auto half : halves) {
    EXPECT_EQ(half.lease_owner, "a");
    half.state = WindowState::kQueued;
    half.query_id = "q";
    EXPECT_NO_THROW(store_->SaveWindow(half));
  }
  EXPECT_TRUE(OtherProcess()->LeaseWindows({"b", 10, true, true, kNow, kNow + 5min}).empty());
  // Both expire with the window's lease.
  EXPECT_EQ(OtherProcess()->LeaseWindows({"b", 10, true, true, kNow + 5min, kNow + 10min}).size(),
            2u);
}

TEST_P(WindowLeaseTest, ReleasedWindowsAreFreeForAnyone) {
  auto windows = PlanDays(3);
  auto leased = store_->LeaseWindows({"a", 3, true, true, kNow, kNow + 5min});
  store_->ReleaseLease(leased[0]);
  EXPECT_EQ(Ids(OtherProcess()->LeaseWindows({"b", 10, true, true, kNow, kNow + 5min})),
            std::vector<int64_t>{leased[0].id});
  store_->ReleaseLeases("a");
  EXPECT_EQ(OtherProcess()->LeaseWindows({"c", 10, true, true, kNow, kNow + 5min}).size(), 2u);
  // With "", everyone's: what a crashed process left behind, for a process collecting alone.
  store_->ReleaseLeases("");
  EXPECT_EQ(store_->LeaseWindows({"a", 10, true, true, kNow, kNow + 5min}).size(), 3u);
}

TEST_P(WindowLeaseTest, ANewScanOfAWindowIsNobodysUntilLeased) {
  auto windows = PlanDays(1);
  auto mine = store_->LeaseWindows({"a", 1, true, true, kNow, kNow + 5min}).at(0);
  mine.state = WindowState::kComplete;
  store_->CommitPage(mine, RecordPage{});
  auto again = store_->PlanWindow(ScanKind::kInitial, mine.start, mine.end, kNow + 1h);
  ASSERT_TRUE(store_->RestartWindow(again, kNow + 1h));
  EXPECT_EQ(again.lease_owner, "");
  EXPECT_EQ(OtherProcess()->LeaseWindows({"b", 1, true, true, kNow + 1h, kNow + 2h}).size(), 1u);
}

TEST_P(WindowLeaseTest, ForeignLeasesAreWaitedForOnlyOnWindowsStillBeingWorkedOn) {
  auto windows = PlanDays(3);
  EXPECT_EQ(store_->ForeignLeaseExpiry("a", kNow), std::nullopt);
  const auto other = OtherProcess();
  auto theirs = other->LeaseWindows({"b", 2, true, true, kNow, kNow + 5min});
  store_->LeaseWindows({"a", 1, true, true, kNow, kNow + 7min});
  EXPECT_EQ(store_->ForeignLeaseExpiry("a", kNow), kNow + 5min);
  EXPECT_EQ(store_->ForeignLeaseExpiry("b", kNow), kNow + 7min);  // its own never count
  // A window its owner failed waits for the next sync, not for a process that may die.
  theirs[0].state = WindowState::kFailed;
  other->SaveWindow(theirs[0]);
  theirs[1].state = WindowState::kComplete;
  other->CommitPage(theirs[1], RecordPage{});
  EXPECT_EQ(store_->ForeignLeaseExpiry("a", kNow), std::nullopt);
  EXPECT_EQ(store_->ForeignLeaseExpiry("b", kNow + 7min), std::nullopt);  // expired
}

TEST_P(WindowLeaseTest, SubmissionsStayWithinTheAllocationAcrossProcesses) {
  auto windows = PlanDays(3);
  const auto other = OtherProcess();
  const SubmissionLimits limits{2, 10};
  windows[0].query_name = "auditsync x #1.1";
  EXPECT_EQ(store_->ReserveSubmission(windows[0], kNow - 23h, limits), SubmissionGrant::kGranted);
  EXPECT_EQ(other->ReserveSubmission(windows[1], kNow, limits), SubmissionGrant::kGranted);
  EXPECT_EQ(store_->ReserveSubmission(windows[2], kNow, limits), SubmissionGrant::kAllocationSpent);
  EXPECT_EQ(store_->SubmissionsSince(kNow - 24h), 2);
  // The granted reservation saved the window's query name with it.
  EXPECT_EQ(other->UnfinishedWindows()[0].query_name, "auditsync x #1.1");
  // An hour later the first has aged out of the rolling 24 hours.
  EXPECT_EQ(store_->ReserveSubmission(windows[2], kNow + 1h, limits), SubmissionGrant::kGranted);
}

TEST_P(WindowLeaseTest, UnfinishedQueriesOfEveryProcessCountAgainstTheTenantsLimit) {
  auto windows = PlanDays(4);
  const auto other = OtherProcess();
  const SubmissionLimits limits{100, 2};
  windows[0].state = WindowState::kQueued;  // another process's query, queued server-side
  windows[0].query_id = "q0";
  other->SaveWindow(windows[0]);
  windows[1].query_name = "named before its POST";  // about to be submitted
  EXPECT_EQ(other->ReserveSubmission(windows[1], kNow, limits), SubmissionGrant::kGranted);
  EXPECT_EQ(store_->ReserveSubmission(windows[2], kNow, limits), SubmissionGrant::kTooManyInFlight);
  // A refused reservation counts and saves nothing.
  EXPECT_EQ(store_->SubmissionsSince(kNow - 24h), 1);
  // A window's own query is not counted against it (it resubmits after a lost reply).
  EXPECT_EQ(other->ReserveSubmission(windows[1], kNow, limits), SubmissionGrant::kGranted);
  // A window that failed while its query may still run (a status read failed) keeps its place.
  windows[3].state = WindowState::kFailed;
  windows[3].query_id = "q3";
  other->SaveWindow(windows[3]);
  windows[0].state = WindowState::kPaging;
  windows[0].next_link = "https://graph/next";
  other->SaveWindow(windows[0]);
  EXPECT_EQ(store_->ReserveSubmission(windows[2], kNow, limits), SubmissionGrant::kTooManyInFlight);
  // A finished query frees its place.
  windows[3].state = WindowState::kPaging;
  windows[3].next_link = "https://graph/next";
  other->SaveWindow(windows[3]);
  EXPECT_EQ(store_->ReserveSubmission(windows[2], kNow, limits), SubmissionGrant::kGranted);
}

// Processes leasing at the same moment never get the same window.
TEST_P(WindowLeaseTest, ConcurrentLeasesNeverShareAWindow) {
  PlanDays(60);
  std::vector<std::vector<int64_t>> leased(4);
  std::vector<std::thread> workers;
  for (size_t worker = 0; worker < leased.size(); ++worker) {
    workers.emplace_back([&, worker] {
      try {
        const auto store = OtherProcess();
        const std::string owner = "w" + std::to_string(worker);
        for (;;) {
          const auto batch = store->LeaseWindows({owner, 2, true, true, kNow, kNow + 5min});
          if (batch.empty()) break;
          for (const auto& window : batch) leased[worker].push_back(window.id);
        }
      } catch (const std::exception& error) {
        ADD_FAILURE() << error.what();
      }
    });
  }
  for (auto& worker : workers) worker.join();
  std::multiset<int64_t> all;
  for (const auto& ids : leased) all.insert(ids.begin(), ids.end());
  EXPECT_EQ(all.size(), 60u);
  EXPECT_EQ(std::set<int64_t>(all.begin(), all.end()).size(), 60u);
}

}  // namespace
}  // namespace auditsync
