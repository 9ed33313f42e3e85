// The embedded store: one SQLite file in WAL mode. Records are upserted idempotently on their
// id; each page's records, its quarantined records, the "update data" step on the apps table and
// the window's next link are committed in one transaction, so a killed sync resumes without loss
// or duplicates. Launches are folded into the rollups in batches (launch_rollup.hpp).
#pragma once

#include <memory>
#include <string>

#include "store/store.hpp"

namespace auditsync {
namespace sqlite {
class ReadSnapshot;
}

class SqliteStore final : public Store {
 public:
  // Opens (creating if needed) and migrates the schema. Throws StorageError.
  explicit SqliteStore(const std::string& path);
  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  std::vector<SyncWindow> UnfinishedWindows() override;
  int64_t CountCompleteWindows() override;
  SyncWindow PlanWindow(ScanKind kind, Instant start, Instant end, Instant now) override;
  bool RestartWindow(SyncWindow& window, Instant now) override;
  void SaveWindow(const SyncWindow& window) override;
  std::vector<SyncWindow> SplitWindow(
      SyncWindow& window, const std::vector<std::pair<Instant, Instant>>& halves) override;
  std::string InstallationId() override;

  std::optional<Instant> Frontier() override;

  std::vector<CoveredHour> UnsettledHours(std::chrono::seconds settled_after) override;
  std::vector<CoveredHour> Coverage(Instant from, Instant to) override;

  int64_t SubmissionsSince(Instant since) override;
  std::vector<Instant> SubmissionTimesSince(Instant since) override;
  SubmissionGrant ReserveSubmission(const SyncWindow& window, Instant at,
                                    const SubmissionLimits& limits) override;
  std::vector<SyncWindow> LeaseWindows(const LeaseRequest& request) override;
  void RenewLeases(const std::string& owner, Instant until) override;
  void ReleaseLease(const SyncWindow& window) override;
  void ReleaseLeases(const std::string& owner) override;
  std::optional<Instant> ForeignLeaseExpiry(const std::string& owner, Instant now) override;

  PageOutcome CommitPage(SyncWindow& window, const RecordPage& page) override;

  PageOutcome CommitBlobs(const RecordPage& page, const std::vector<StoredBlob>& blobs,
                          std::optional<Instant> cursor) override;
  PageOutcome CommitImported(const RecordPage& page) override;
  std::optional<Instant> ContentCursor() override;
  std::unordered_set<std::string> BlobsSince(Instant since) override;
  ContentTally CountBlobs() override;
  void RecordContentGap(const ContentGap& gap) override;
  std::vector<ContentGap> ContentGaps() override;

  std::unique_ptr<Snapshot> HoldSnapshot() override;
  std::vector<AppUsage> QueryAppUsage(const UsageFilter& filter) override;
  std::vector<UsagePoint> QueryUsage(const UsageFilter& filter, UsagePeriod period) override;
  std::vector<UserUsage> QueryUserUsage(const UsageFilter& filter) override;
  UsageSummary QuerySummary(const UsageFilter& filter) override;
  std::vector<UnusedApp> QueryUnusedApps(Instant since, const UsageFilter& filter) override;
  void ReadUsageFromRecordsOnly(bool records_only) override { use_rollups_ = !records_only; }
  void FoldLaunches() override;

  std::vector<std::string> UsersToEnrich(Instant stale_before, size_t limit) override;
  void SaveUserProfiles(const std::vector<UserProfile>& profiles, Instant at) override;

  InventoryOutcome ImportInventory(const std::vector<InventoryApp>& apps, Instant at) override;

  int64_t CountRecords() override;
  int64_t CountQuarantined() override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  bool use_rollups_ = true;
};

}  // namespace auditsync
