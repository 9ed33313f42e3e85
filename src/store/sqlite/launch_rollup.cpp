#include "store/sqlite/launch_rollup.hpp"

#include <algorithm>
#include <chrono>
#include <unordered_map>

namespace auditsync::sqlite {
namespace {

constexpr int64_t kDay = 86400;
// Bounds that every stored time lies within, so that aligning a window's open ends to days and
// months cannot overflow: 1970-01-01 and 9999-12-31.
constexpr int64_t kEarliest = 0;
constexpr int64_t kLatest = 253402214400;

constexpr std::string_view kLaunch = "LaunchPowerApp";

RecordOrder RecordOrderOf(const Statement& row, int column) {
  return RecordOrder(row.Bytes(column), row.Type(column) == SQLITE_BLOB);
}

int64_t ReadRollupSeq(Database& db) {
  Statement query(db, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'rollup_seq'");
  return query.Step() ? query.Int(0) : 0;
}

using Groups = LaunchBatch::Groups;

void AddLaunch(Groups& groups, int64_t start, int64_t app_key, int64_t user_key, int64_t at,
               std::string_view record) {
  auto [it, inserted] = groups.try_emplace(LaunchBatch::Key{start, app_key, user_key});
  auto& group = it->second;
  if (inserted) {
    group = LaunchGroup{start, app_key, user_key, 1, at, at, std::string(record)};
    return;
  }
  ++group.launches;
  group.first_at = std::min(group.first_at, at);
  if (IsLater(at, record, group.last_at, group.last_record)) {
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

void VisitRecords(Statement& query, const std::function<void(const LaunchGroup&)>& visit) {
  LaunchGroup group;
  group.launches = 1;
  while (query.Step()) {
    group.start = group.first_at = group.last_at = query.Int(0);
    group.app_key = query.Int(1);
    group.user_key = query.Int(2);
    group.last_record = RecordOrderOf(query, 3).View();
    visit(group);
  }
}

// Folded launches created in [from, to), read from the records (through the identity index on
// created_at; `+seq` keeps SQLite from walking the whole table by seq instead).
void VisitFoldedRecords(Database& db, int64_t rollup_seq, int64_t from, int64_t to,
                        const std::function<void(const LaunchGroup&)>& visit) {
  if (from >= to) return;
  Statement query(db, R"sql(
SELECT created_at, app_key, user_key, record_key FROM audit_records
WHERE created_at >= ?1 AND created_at < ?2 AND +seq <= ?3 AND operation = 'LaunchPowerApp')sql");
  query.Bind(1, from).Bind(2, to).Bind(3, rollup_seq);
  VisitRecords(query, visit);
}

// Reading only the counts when the report needs no first and last launch makes a scan of
// millions of rollup rows a third faster.
void VisitRollup(Database& db, std::string_view table, std::string_view period_column, int64_t from,
                 int64_t to, LaunchDetail detail,
                 const std::function<void(const LaunchGroup&)>& visit) {
  if (from >= to) return;
  const std::string period(period_column);
  const bool latest = detail == LaunchDetail::kWithLatest;
  Statement query(db, "SELECT " + period + ", app_key, user_key, launches" +
                          (latest ? ", first_at, last_at, last_record" : "") + " FROM " +
                          std::string(table) + " WHERE " + period + " >= ?1 AND " + period +
                          " < ?2");
  query.Bind(1, from).Bind(2, to);
  LaunchGroup group;
  while (query.Step()) {
    group.start = query.Int(0);
    group.app_key = query.Int(1);
    group.user_key = query.Int(2);
    group.launches = query.Int(3);
    if (latest) {
      group.first_at = query.Int(4);
      group.last_at = query.Int(5);
      group.last_record.assign(query.Bytes(6));
    }
    visit(group);
  }
}

int64_t AlignDownToDay(int64_t seconds) { return seconds / kDay * kDay; }  // seconds >= 0
int64_t AlignUpToDay(int64_t seconds) { return AlignDownToDay(seconds + kDay - 1); }

}  // namespace

int64_t MonthStart(int64_t seconds) {
  using namespace std::chrono;
  const year_month_day date{floor<days>(sys_seconds(std::chrono::seconds(seconds)))};
  return sys_seconds(sys_days(date.year() / date.month() / 1)).time_since_epoch().count();
}

int64_t NextMonthStart(int64_t month_start) {
  using namespace std::chrono;
  const year_month_day date{floor<days>(sys_seconds(std::chrono::seconds(month_start)))};
  const year_month next = date.year() / date.month() + months(1);
  return sys_seconds(sys_days(next / 1)).time_since_epoch().count();
}

RecordOrder::RecordOrder(std::string_view key, bool is_blob) {
  const char kind = is_blob ? '\x02' : '\x01';
  if (key.size() + 1 <= inline_.size()) {
    inline_[0] = kind;
    std::copy(key.begin(), key.end(), inline_.begin() + 1);
    size_ = key.size() + 1;
  } else {
    long_.reserve(key.size() + 1);
    long_ += kind;
    long_.append(key);
  }
}

size_t LaunchBatch::KeyHash::operator()(const Key& key) const {
  uint64_t hash = static_cast<uint64_t>(key.start) * 0x9E3779B97F4A7C15ULL;
  hash ^= static_cast<uint64_t>(key.app_key) + 0x7F4A7C159E3779B9ULL + (hash << 6) + (hash >> 2);
  hash ^= static_cast<uint64_t>(key.user_key) + 0x94D049BB133111EBULL + (hash << 6) + (hash >> 2);
  return static_cast<size_t>(hash);
}

void LaunchBatch::Add(int64_t at, int64_t app_key, int64_t user_key,
                      std::string_view record_order) {
  AddLaunch(days_, AlignDownToDay(at), app_key, user_key, at, record_order);
  AddLaunch(months_, MonthStart(at), app_key, user_key, at, record_order);
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

void AddLaunchesAfter(Database& db, int64_t seq, LaunchBatch& batch) {
  Statement query(db, R"sql(
SELECT created_at, app_key, user_key, record_key FROM audit_records
WHERE seq > ?1 AND operation = ?2)sql");
  query.Bind(1, seq).BindView(2, kLaunch);
  while (query.Step()) {
    batch.Add(query.Int(0), query.Int(1), query.Int(2), RecordOrderOf(query, 3).View());
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

void ForEachLaunchGroup(Database& db, int64_t from, int64_t to, LaunchGrain coarsest,
                        LaunchDetail detail, bool use_rollups,
                        const std::function<void(const LaunchGroup&)>& visit) {
  from = std::max(from, kEarliest);
  to = std::min(to, kLatest);
  if (from >= to) return;
  const int64_t rollup_seq = use_rollups ? ReadRollupSeq(db) : 0;
  // Records not folded yet, wherever they fall in the window. `+created_at` keeps SQLite on the
  // short range of `seq` instead of the window's (possibly years of) records by time.
  {
    Statement query(db, R"sql(
SELECT created_at, app_key, user_key, record_key FROM audit_records
WHERE seq > ?1 AND +created_at >= ?2 AND +created_at < ?3 AND operation = 'LaunchPowerApp')sql");
    query.Bind(1, rollup_seq).Bind(2, from).Bind(3, to);
    VisitRecords(query, visit);
  }
  if (rollup_seq == 0) return;
  // Folded records: partial days from the records, whole days and months from the rollups.
  const int64_t first_day = AlignUpToDay(from);
  const int64_t end_day = AlignDownToDay(to);
  if (first_day >= end_day) {
    VisitFoldedRecords(db, rollup_seq, from, to, visit);
    return;
  }
  VisitFoldedRecords(db, rollup_seq, from, first_day, visit);
  VisitFoldedRecords(db, rollup_seq, end_day, to, visit);
  int64_t first_month = first_day;
  int64_t end_month = first_day;  // no whole months unless the grain allows them
  if (coarsest == LaunchGrain::kMonth) {
    first_month =
        MonthStart(first_day) == first_day ? first_day : NextMonthStart(MonthStart(first_day));
    end_month = MonthStart(end_day);
  }
  if (first_month >= end_month) {
    VisitRollup(db, "launch_days", "day", first_day, end_day, detail, visit);
    return;
  }
  VisitRollup(db, "launch_days", "day", first_day, first_month, detail, visit);
  VisitRollup(db, "launch_months", "month", first_month, end_month, detail, visit);
  VisitRollup(db, "launch_days", "day", end_month, end_day, detail, visit);
}

}  // namespace auditsync::sqlite
