#include "store/sqlite/launch_rollup.hpp"

#include <algorithm>
#include <chrono>
#include <climits>
#include <unordered_map>

namespace auditsync::sqlite {
namespace {

constexpr std::string_view kLaunch = "LaunchPowerApp";

using Groups = LaunchBatch::Groups;

void AddLaunch(Groups& groups, int64_t start, int64_t app_key, int64_t user_key, int64_t at,
               std::string_view record) {
  auto [it, inserted] = groups.try_emplace(LaunchBatch::Key{start, app_key, user_key});
  auto& group = it->second;
  if (inserted) {
    group = store::LaunchGroup{start, app_key, user_key, 1, at, at, std::string(record)};
    return;
  }
  ++group.launches;
  group.first_at = std::min(group.first_at, at);
  if (store::IsLater(at, record, group.last_at, group.last_record)) {
    group.last_at = at;
    group.last_record = record;
  }
}

// The upsert adds a batch's groups to the rows already there.
void Upsert(Database& db, std::string_view table, std::string_view period_column,
            const Groups& groups) {
  const std::string period(period_column);
  Statement upsert(db, "INSERT INTO " + std::string(table) + " (" + period +
                           ", app_key, user_key, launches, first_at, last_at, last_record) "
                           "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (" +
                           period + R"sql(, app_key, user_key) DO UPDATE SET
  launches = launches + excluded.launches,
  first_at = min(first_at, excluded.first_at),
  last_record = CASE WHEN (excluded.last_at, excluded.last_record) > (last_at, last_record)
                     THEN excluded.last_record ELSE last_record END,
  last_at = max(last_at, excluded.last_at))sql");
  for (const auto& [key, group] : groups) {
    upsert.Bind(1, group.start)
        .Bind(2, group.app_key)
        .Bind(3, group.user_key)
        .Bind(4, group.launches)
        .Bind(5, group.first_at)
        .Bind(6, group.last_at)
        .BindBlobView(7, group.last_record.data(), group.last_record.size())
        .Run();
  }
}

}  // namespace

int64_t ReadRollupSeq(Database& db) {
  Statement query(db, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'rollup_seq'");
  return query.Step() ? query.Int(0) : 0;
}

store::RecordOrder RecordOrderOf(const Statement& row, int column) {
  return {row.Bytes(column), row.Type(column) == SQLITE_BLOB};
}

size_t LaunchBatch::KeyHash::operator()(const Key& key) const {
  uint64_t hash = static_cast<uint64_t>(key.start) * 0x9E3779B97F4A7C15ULL;
  hash ^= static_cast<uint64_t>(key.app_key) + 0x7F4A7C159E3779B9ULL + (hash << 6) + (hash >> 2);
  hash ^= static_cast<uint64_t>(key.user_key) + 0x94D049BB133111EBULL + (hash << 6) + (hash >> 2);
  return static_cast<size_t>(hash);
}

void LaunchBatch::Add(int64_t at, int64_t app_key, int64_t user_key,
                      std::string_view record_order) {
  AddLaunch(days_, at / 86400 * 86400, app_key, user_key, at, record_order);
  AddLaunch(months_, store::MonthStart(at), app_key, user_key, at, record_order);
}

void LaunchBatch::Clear() {
  days_.clear();
  months_.clear();
  records_ = 0;
}

int64_t MaxSeq(Database& db) {
  // Plain max(seq), not wrapped in coalesce(): only then does SQLite read it off the end of the
  // table instead of scanning every record. No records: NULL, which reads as 0.
  Statement query(db, "SELECT max(seq) FROM audit_records");
  query.Step();
  return query.Int(0);
}

int64_t UnfoldedRecords(Database& db) { return MaxSeq(db) - ReadRollupSeq(db); }

namespace {

void AddLaunchesBetween(Database& db, int64_t after_seq, int64_t through_seq, LaunchBatch& batch) {
  Statement query(db, R"sql(
SELECT created_at, app_key, user_key, record_key FROM audit_records
WHERE seq > ?1 AND seq <= ?3 AND operation = ?2)sql");
  query.Bind(1, after_seq).BindView(2, kLaunch).Bind(3, through_seq);
  while (query.Step()) {
    batch.Add(query.Int(0), query.Int(1), query.Int(2), RecordOrderOf(query, 3).View());
  }
}

}  // namespace

void AddLaunchesAfter(Database& db, int64_t seq, LaunchBatch& batch) {
  AddLaunchesBetween(db, seq, INT64_MAX, batch);
}

void CatchUpRollups(Database& db, int64_t chunk) {
  for (;;) {
    Transaction transaction(db);
    const int64_t from_seq = ReadRollupSeq(db);
    if (MaxSeq(db) - from_seq <= chunk) return;
    LaunchBatch batch;
    AddLaunchesBetween(db, from_seq, from_seq + chunk, batch);
    WriteFold(db, batch, from_seq + chunk);
    transaction.Commit();
  }
}

LaunchBatch ReadUnfolded(Database& db) {
  const int64_t from_seq = ReadRollupSeq(db);
  LaunchBatch batch;
  AddLaunchesAfter(db, from_seq, batch);
  batch.CountRecords(MaxSeq(db) - from_seq);
  return batch;
}

void WriteFold(Database& db, const LaunchBatch& batch, int64_t through_seq) {
  Upsert(db, "launch_days", "day", batch.Days());
  Upsert(db, "launch_months", "month", batch.Months());
  Statement advance(db, "UPDATE meta SET value = ?1 WHERE key = 'rollup_seq'");
  advance.Bind(1, std::to_string(through_seq)).Run();
}

}  // namespace auditsync::sqlite
