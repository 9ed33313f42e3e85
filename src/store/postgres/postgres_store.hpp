// The shared store: a PostgreSQL database, for several machines or for tools (Power BI) that read
// the data live. The same contract as the SQLite store (store/store.hpp), the same schema
// (pg_schema.hpp), migrated on open inside a transaction under an advisory lock. A page is copied
// into a temporary staging table and stored with set-based SQL in the transaction of its
// checkpoint: records with INSERT ... ON CONFLICT DO NOTHING on their key, the apps, users and
// launch rollups updated from what was new.
#pragma once

#include <memory>
#include <string>

#include "store/store.hpp"

namespace auditsync {

namespace postgres {
struct ConnectionTarget;
}

class PostgresStore final : public Store {
 public:
  // Connects and migrates the schema. Throws ConfigError (refused sign-in, missing database, bad
  // URL) or StorageError (server unreachable, newer schema); never with the password.
  explicit PostgresStore(const postgres::ConnectionTarget& target);
  ~PostgresStore() override;
  PostgresStore(const PostgresStore&) = delete;
  PostgresStore& operator=(const PostgresStore&) = delete;

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
  // Every page updates the rollups in its own transaction: nothing is ever left to fold.
  void FoldLaunches() override {}

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
