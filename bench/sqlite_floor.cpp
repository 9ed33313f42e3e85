// The least CPU SQLite itself needs to keep records the way issue 2 asks, with nothing of
// auditsync around it but the store's connection (sqlite::Database): no parsing, no network, no
// columns for reports, no apps, users or rollups. Each record is its 16-byte key, its creation time
// and its raw auditData, inserted into a table with the dedupe index (created_at, key), 50 rows per
// statement and 1000 records per transaction (a Graph page; also 4000, to show what larger
// transactions save), in the order the emulator serves them (random within each hour), with the
// store's settings: 64 KiB pages, a 32 MiB page cache, synchronous=NORMAL, its WAL checkpoints.
//
//   sqlite_floor DIRECTORY [RECORDS] [RAW_BYTES] [RECORDS_PER_HOUR]
//
// Prints the CPU time (user + system) per record for: WAL, as auditsync keeps it (readers never
// wait for the writer); a rollback journal (TRUNCATE: readers wait for each commit); no journal at
// all (OFF: a crash can corrupt the database, so no product could ship it, but nothing is cheaper);
// and, in WAL, without the raw text and without the index, to show what each costs.
// RAW_BYTES defaults to 1,658, the mean auditData of the emulator's records (the ingest bench);
// RECORDS_PER_HOUR to a day's worth (RECORDS / 24). A larger tenant has more records an hour, and
// each commit rewrites every leaf of the dedupe index that covers the hour.
#include <sys/resource.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "store/sqlite/sqlite_db.hpp"

namespace {

constexpr int kRowsPerStatement = 50;

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& time) {
    return static_cast<double>(time.tv_sec) + static_cast<double>(time.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

struct Record {
  std::array<uint64_t, 2> key;
  int64_t created_at;
};

// `count` records, `per_hour` to an hour, each hour's records at random seconds of the hour.
std::vector<Record> MakeRecords(int64_t count, int64_t per_hour) {
  std::mt19937_64 random(20261129);
  std::vector<Record> records(static_cast<size_t>(count));
  constexpr int64_t kDay = 1793577600;  // 2026-11-02T00:00:00Z
  for (size_t i = 0; i < records.size(); ++i) {
    records[i].key = {random(), random()};
    records[i].created_at =
        kDay + static_cast<int64_t>(i) / per_hour * 3600 + static_cast<int64_t>(random() % 3600);
  }
  return records;
}

struct Variant {
  const char* journal_mode;
  bool raw;
  bool index;
  size_t per_transaction;  // records; a multiple of kRowsPerStatement
};

double MicrosecondsPerRecord(const std::string& path, const Variant& variant,
                             const std::vector<Record>& records, size_t raw_bytes) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    std::filesystem::remove(path + suffix);
  }
  // The store's own connection: its open flags and its WAL hook (a checkpoint every 1000 frames,
  // then the database file's pages dropped from the OS cache).
  auditsync::sqlite::Database db(path);
  db.Execute("PRAGMA page_size=65536");
  db.Execute(std::string("PRAGMA journal_mode=") + variant.journal_mode);
  db.Execute("PRAGMA synchronous=NORMAL; PRAGMA cache_size=-32768");
  db.Execute(
      "CREATE TABLE records (seq INTEGER PRIMARY KEY, record_key BLOB NOT NULL, "
      "created_at INTEGER NOT NULL, raw TEXT NOT NULL)");
  if (variant.index) {
    db.Execute("CREATE UNIQUE INDEX identity ON records(created_at, record_key)");
  }
  std::string sql = "INSERT OR IGNORE INTO records (record_key, created_at, raw) VALUES (?,?,?)";
  for (int row = 1; row < kRowsPerStatement; ++row) sql += ",(?,?,?)";
  auditsync::sqlite::Statement insert(db, sql);
  // Each record's own text: the same bytes but for its key, so that no two are equal.
  std::vector<std::string> texts(kRowsPerStatement, std::string(variant.raw ? raw_bytes : 0, 'x'));

  const double started = CpuSeconds();
  // Whole statements only: the record count is rounded down to a multiple of 50.
  const size_t usable = records.size() / kRowsPerStatement * kRowsPerStatement;
  for (size_t first = 0; first < usable; first += kRowsPerStatement) {
    if (first % variant.per_transaction == 0) db.Execute("BEGIN");
    for (int row = 0; row < kRowsPerStatement; ++row) {
      const Record& record = records[first + static_cast<size_t>(row)];
      std::string& text = texts[static_cast<size_t>(row)];
      if (text.size() >= sizeof record.key) {
        std::memcpy(text.data(), &record.key, sizeof record.key);
      }
      insert.BindBlobView(row * 3 + 1, &record.key, sizeof record.key)
          .Bind(row * 3 + 2, record.created_at)
          .BindView(row * 3 + 3, text);
    }
    insert.Run();
    const size_t next = first + kRowsPerStatement;
    if (next % variant.per_transaction == 0 || next == usable) db.Execute("COMMIT");
  }
  return (CpuSeconds() - started) / static_cast<double>(usable) * 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr,
                 "usage: sqlite_floor DIRECTORY [RECORDS] [RAW_BYTES] [RECORDS_PER_HOUR]\n");
    return 2;
  }
  const std::string path = std::string(argv[1]) + "/floor.db";
  const int64_t count = argc > 2 ? std::stoll(argv[2]) : 1'000'000;
  const size_t raw_bytes = argc > 3 ? std::stoul(argv[3]) : 1658;
  const int64_t per_hour = argc > 4 ? std::stoll(argv[4]) : (count + 23) / 24;
  const auto records = MakeRecords(count, per_hour);
  std::printf(
      "\nSQLite alone, %lld records of %zu raw bytes, %lld an hour (CPU per record, user + "
      "system)\n",
      static_cast<long long>(count), raw_bytes, static_cast<long long>(per_hour));
  std::printf("%-10s %-5s %-6s %-12s %10s\n", "journal", "raw", "index", "records/txn",
              "us/record");
  for (const Variant& variant :
       {Variant{"WAL", true, true, 1000}, Variant{"WAL", true, true, 4000},
        Variant{"TRUNCATE", true, true, 1000}, Variant{"OFF", true, true, 1000},
        Variant{"WAL", false, true, 1000}, Variant{"WAL", true, false, 1000}}) {
    const double micros = MicrosecondsPerRecord(path, variant, records, raw_bytes);
    std::printf("%-10s %-5s %-6s %-12zu %10.2f\n", variant.journal_mode, variant.raw ? "yes" : "no",
                variant.index ? "yes" : "no", variant.per_transaction, micros);
  }
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    std::filesystem::remove(path + suffix);
  }
  return 0;
}
