// What only the PostgreSQL backend has: its schema versioning on a server, its connection errors,
// its collection lock, and the URL's password kept out of every message. The store's behaviour
// itself is the conformance suite's (store_test.cpp and the other Backends/ suites).
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <latch>
#include <thread>

#include "core/config.hpp"
#include "core/error.hpp"
#include "store/postgres/pg_connection.hpp"
#include "unit/store_backends.hpp"

namespace auditsync {
namespace {

using testing::Backend;
using testing::TestCluster;
using testing::TestDatabase;

// The message of what `open` throws, checked to be of type E.
template <typename E, typename F>
std::string MessageOf(F open) {
  try {
    open();
  } catch (const E& error) {
    return error.what();
  } catch (const std::exception& error) {
    ADD_FAILURE() << "unexpected error type: " << error.what();
    return error.what();
  }
  ADD_FAILURE() << "no error";
  return {};
}

TEST(DatabaseUrl, PasswordsNeverShow) {
  EXPECT_EQ(RedactDatabaseUrl("postgresql://amy:s3cret@db:5432/audit?sslmode=require"),
            "postgresql://amy@db:5432/audit?sslmode=require");
  EXPECT_EQ(RedactDatabaseUrl("postgres://amy:p%40ss@db/audit"), "postgres://amy@db/audit");
  EXPECT_EQ(RedactDatabaseUrl("postgresql://db/audit?user=amy&password=s3cret&sslmode=require"),
            "postgresql://db/audit?user=amy&password=***&sslmode=require");
  EXPECT_EQ(RedactDatabaseUrl("postgresql://amy@db/audit"), "postgresql://amy@db/audit");
  EXPECT_EQ(RedactDatabaseUrl("./auditsync.db"), "./auditsync.db");
  EXPECT_TRUE(IsPostgresUrl("postgres://db/audit"));
  EXPECT_FALSE(IsPostgresUrl("./postgresql.db"));
}

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { AUDITSYNC_REQUIRE_BACKEND(database_); }
  TestDatabase database_{Backend::kPostgres, "pg-test"};
};

TEST_F(PostgresStoreTest, RefusesADatabaseFromANewerVersionNamingBoth) {
  database_.Open();
  database_.Connect()->Exec("UPDATE schema_version SET version = 999");
  const auto message = MessageOf<StorageError>([&] { database_.Open(); });
  EXPECT_NE(message.find("schema version 999, newer than this auditsync (8)"), std::string::npos)
      << message;
  EXPECT_EQ(database_.Row("SELECT version FROM schema_version"), std::vector<std::string>{"999"});
}

// The schema is created under an advisory lock: processes starting together never race.
TEST_F(PostgresStoreTest, StoresOpenedAtOnceOnANewDatabaseAllSucceed) {
  std::vector<std::thread> threads;
  std::atomic<int> opened = 0;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      try {
        database_.Open()->InstallationId();
        ++opened;
      } catch (const std::exception& error) {
        ADD_FAILURE() << error.what();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(opened, 4);
  EXPECT_EQ(database_.Row("SELECT count(*), max(version) FROM schema_version"),
            (std::vector<std::string>{"1", "8"}));
}

TEST_F(PostgresStoreTest, ConnectionErrorsNameTheCauseAndTheFixButNeverThePassword) {
  const auto cluster = *TestCluster::Find();
  const std::string wrong = "not-the-password-4711";
  auto message =
      MessageOf<ConfigError>([&] { OpenStore(cluster.UrlOf("postgres"), Secret(wrong)); });
  EXPECT_NE(message.find("refused the sign-in"), std::string::npos) << message;
  EXPECT_NE(message.find("database_password_file"), std::string::npos) << message;
  EXPECT_EQ(message.find(wrong), std::string::npos) << message;
  // In the URL, too.
  const auto in_url =
      "postgresql://auditsync:" + wrong + "@" + cluster.url.substr(cluster.url.find('@') + 1);
  message = MessageOf<ConfigError>([&] { OpenStore(in_url); });
  EXPECT_EQ(message.find(wrong), std::string::npos) << message;
  EXPECT_NE(message.find("postgresql://auditsync@127.0.0.1"), std::string::npos) << message;

  message = MessageOf<ConfigError>(
      [&] { OpenStore(cluster.UrlOf("no_such_database"), Secret(cluster.password)); });
  EXPECT_NE(message.find("\"no_such_database\" does not exist"), std::string::npos) << message;
  EXPECT_NE(message.find("CREATE DATABASE"), std::string::npos) << message;

  // Port 1 on loopback: nothing listens there.
  message = MessageOf<StorageError>(
      [&] { OpenStore("postgresql://auditsync@127.0.0.1:1/postgres", Secret(cluster.password)); });
  EXPECT_NE(message.find("cannot reach the PostgreSQL server"), std::string::npos) << message;
}

// Graph syncs and imports share the database (their windows through leases); the Management
// Activity API's sync, whose checkpoint is one cursor, collects alone.
TEST_F(PostgresStoreTest, GraphSyncsShareTheDatabaseAndTheManagementSyncCollectsAlone) {
  const auto cluster = *TestCluster::Find();
  Config config;
  config.database = cluster.UrlOf("postgres");
  config.database_password = Secret(cluster.password);
  const auto refused = [&](Collection kind) {
    try {
      LockForCollection(config, kind);
      return std::string();
    } catch (const Error& error) {
      EXPECT_EQ(error.Code(), ExitCode::kLocked) << error.what();
      return std::string(error.what());
    }
  };
  {
    const auto first = LockForCollection(config, Collection::kShared);
    EXPECT_FALSE(first->Sole());
    const auto second = LockForCollection(config, Collection::kShared);
    EXPECT_FALSE(second->Sole());
    EXPECT_NE(refused(Collection::kExclusive).find("collects alone"), std::string::npos);
  }
  {
    const auto alone = LockForCollection(config, Collection::kExclusive);
    EXPECT_TRUE(alone->Sole());
    EXPECT_NE(refused(Collection::kShared).find("use_graph_api = no"), std::string::npos);
    EXPECT_NE(refused(Collection::kExclusive), "");
  }
  EXPECT_NO_THROW(LockForCollection(config, Collection::kExclusive));  // released with the first
}

// Two processes committing pages at once can deadlock; the server rolls one back with 40P01,
// which the connection reports as a TransactionConflict (the store then runs that page's
// transaction again) rather than as a storage failure.
TEST_F(PostgresStoreTest, ADeadlockIsReportedAsATransactionConflictToRunAgain) {
  database_.Connect()->Exec(
      "CREATE TABLE rows (k integer PRIMARY KEY, v integer); INSERT INTO rows VALUES (1, 0), "
      "(2, 0)");
  auto first = database_.Connect();
  auto second = database_.Connect();
  first->Exec("BEGIN");
  second->Exec("BEGIN");
  first->Exec("UPDATE rows SET v = 1 WHERE k = 1");
  second->Exec("UPDATE rows SET v = 1 WHERE k = 2");
  std::atomic<int> conflicts = 0;
  std::atomic<int> other_errors = 0;
  const auto cross = [&](postgres::Connection& connection, int key) {
    try {
      connection.Exec("UPDATE rows SET v = 2 WHERE k = " + std::to_string(key));
      connection.Exec("COMMIT");
    } catch (const postgres::TransactionConflict&) {
      ++conflicts;
      connection.Exec("ROLLBACK");  // frees the other
    } catch (const std::exception&) {
      ++other_errors;
      connection.Exec("ROLLBACK");
    }
  };
  std::thread one([&] { cross(*first, 2); });
  std::thread two([&] { cross(*second, 1); });
  one.join();
  two.join();
  EXPECT_EQ(conflicts, 1);
  EXPECT_EQ(other_errors, 0);
}

// Pages of two processes that hold the same records in opposite orders (a settle scan and a
// first scan of one hour, say), committed at the same moment: stored in key order they wait for
// each other instead of deadlocking (and a deadlock would run the losing page again); every
// record is stored once, and neither commit fails.
TEST_F(PostgresStoreTest, PagesOfTheSameRecordsCommittedAtOnceByTwoProcessesAreStoredOnce) {
  constexpr int kRounds = 3;
  constexpr int kUsers = 3000;  // enough for the two inserts of users to overlap
  auto stores = std::array{database_.Open(), database_.Open()};
  const Instant day = testing::At("2026-11-01");
  std::array<SyncWindow, 2> windows;
  for (int i = 0; i < 2; ++i) {
    const Instant start = day + std::chrono::days(i);
    windows[i] = stores[i]->PlanWindow(ScanKind::kInitial, start, start + std::chrono::days(1),
                                       day + std::chrono::days(4));
  }
  std::atomic<int> failures = 0;
  for (int round = 0; round < kRounds; ++round) {
    std::latch start(2);
    std::vector<std::thread> threads;
    for (int i = 0; i < 2; ++i) {
      threads.emplace_back([&, i, round] {
        RecordPage page;
        for (int n = 0; n < kUsers; ++n) {
          const int user = i == 0 ? n : kUsers - 1 - n;  // opposite orders
          // Appended piece by piece: GCC 12 takes a chain of operator+ here for an overlapping
          // memcpy (a false -Wrestrict).
          const auto name = [](std::string text, int a, int b) {
            text += std::to_string(a);
            text += '-';
            text += std::to_string(b);
            return text;
          };
          page.records.push_back(testing::Launch(name("r", round, user), "2026-11-01T10:00:00Z",
                                                 name("app-", i, n),
                                                 name("user", i, user) + "@contoso.com"));
        }
        start.arrive_and_wait();
        try {
          stores[i]->CommitPage(windows[i], page);
        } catch (const std::exception& error) {
          ++failures;
          ADD_FAILURE() << error.what();
        }
      });
    }
    for (auto& thread : threads) thread.join();
  }
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(stores[0]->CountRecords(), kRounds * kUsers);
  EXPECT_EQ(windows[0].record_count + windows[1].record_count, kRounds * kUsers);
}

// Text that a UTF8 database refuses (invalid UTF-8, NUL) is stored as reports render it.
TEST_F(PostgresStoreTest, InvalidUtf8IsStoredAsReplacementCharacters) {
  auto store = database_.Open();
  auto window = store->PlanWindow(ScanKind::kInitial, testing::At("2026-11-01"),
                                  testing::At("2026-11-02"), testing::At("2026-11-03"));
  RecordPage page;
  page.records = {testing::Launch("r1", "2026-11-01T10:00:00Z", "app-a", "amy")};
  page.records[0].app_name = std::string("Bad \xff name\0!", 12);
  store->CommitPage(window, page);
  const auto apps = store->QueryAppUsage({});
  ASSERT_EQ(apps.size(), 1u);
  EXPECT_EQ(apps[0].app_name, "Bad \xEF\xBF\xBD name\xEF\xBF\xBD!");
}

}  // namespace
}  // namespace auditsync
