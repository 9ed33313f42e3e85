// The backends of the store conformance suite: every storage test runs once on SQLite (a file of
// its own) and once on PostgreSQL (a database of its own on the throw-away cluster that ctest's
// fixture `pg_cluster` starts: tests/pg/pg_cluster.sh, which names it in AUDITSYNC_TEST_PG).
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "store/postgres/pg_connection.hpp"
#include "store/store.hpp"
#include "unit/store_support.hpp"

namespace auditsync::testing {

enum class Backend { kSqlite, kPostgres };

inline std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kSqlite ? "Sqlite" : "Postgres";
}

// The cluster of the test run: its URL (of the maintenance database `postgres`, without a
// password) and its superuser's password. nullopt outside the fixture.
struct TestCluster {
  std::string url;
  std::string password;

  static std::optional<TestCluster> Find() {
    const char* state = std::getenv("AUDITSYNC_TEST_PG");
    if (state == nullptr) return std::nullopt;
    std::ifstream url_file(std::string(state) + "/url");
    std::ifstream password_file(std::string(state) + "/password");
    TestCluster cluster;
    if (!std::getline(url_file, cluster.url) || !std::getline(password_file, cluster.password)) {
      return std::nullopt;
    }
    return cluster;
  }

  // The URL of database `name` on the cluster.
  std::string UrlOf(const std::string& name) const {
    return url.substr(0, url.rfind('/') + 1) + name;
  }
  postgres::ConnectionTarget Target(const std::string& name) const {
    return {UrlOf(name), Secret(password), {}};
  }
};

// A new, empty database of one backend for one test, dropped at the end.
class TestDatabase {
 public:
  TestDatabase(Backend backend, std::string_view name) : backend_(backend), file_(name) {
    if (backend_ == Backend::kSqlite) return;
    cluster_ = TestCluster::Find();
    if (!cluster_) {
      // Under ctest the fixture names the cluster: a cluster named but unusable is a failure.
      if (std::getenv("AUDITSYNC_TEST_PG") != nullptr)
        ADD_FAILURE() << "AUDITSYNC_TEST_PG unusable";
      return;
    }
    static std::atomic<int> counter = 0;
    name_ = std::string("t_") + std::string(name) + "_" + std::to_string(::getpid()) + "_" +
            std::to_string(counter++);
    for (auto& c : name_)
      c = c == '-' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    Admin().Exec("CREATE DATABASE " + name_);
  }
  ~TestDatabase() {
    if (cluster_ && !name_.empty()) {
      try {
        Admin().Exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
      } catch (const std::exception&) {
        // The cluster is stopped and removed at the end of the run all the same.
      }
    }
  }
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  // Whether the backend can be tested here: PostgreSQL needs the cluster of the fixture.
  bool Available() const { return backend_ == Backend::kSqlite || cluster_.has_value(); }

  // Opens the database (again: a restart of the process).
  std::unique_ptr<Store> Open() const {
    if (backend_ == Backend::kSqlite) return OpenStore(file_.Path());
    return OpenStore(cluster_->UrlOf(name_), Secret(cluster_->password));
  }

  // The URL of this test's PostgreSQL database (no password).
  std::string Url() const { return cluster_->UrlOf(name_); }

  // A connection to this test's PostgreSQL database, to look at or change it behind the store.
  std::unique_ptr<postgres::Connection> Connect() const {
    return std::make_unique<postgres::Connection>(cluster_->Target(name_));
  }

  // The rows of a query as text, NULL as "NULL", read behind the store's back.
  std::vector<std::vector<std::string>> Rows(const std::string& sql) const {
    std::vector<std::vector<std::string>> rows;
    if (backend_ == Backend::kPostgres) {
      const auto result = Connect()->Exec(sql);
      for (int at = 0; at < result.Rows(); ++at) {
        auto& row = rows.emplace_back();
        for (int column = 0; column < result.Columns(); ++column) {
          row.push_back(result.OptionalText(at, column).value_or("NULL"));
        }
      }
      return rows;
    }
    sqlite3* db = nullptr;
    sqlite3_open_v2(file_.Path().c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) == SQLITE_OK) {
      while (sqlite3_step(statement) == SQLITE_ROW) {
        auto& row = rows.emplace_back();
        for (int i = 0; i < sqlite3_column_count(statement); ++i) {
          const auto* text = sqlite3_column_text(statement, i);
          row.emplace_back(text ? reinterpret_cast<const char*>(text) : "NULL");
        }
      }
    } else {
      ADD_FAILURE() << sqlite3_errmsg(db) << " in " << sql;
    }
    sqlite3_finalize(statement);
    sqlite3_close(db);
    return rows;
  }

  // One row of a query as text, NULL as "NULL" (none: no row), read behind the store's back.
  std::vector<std::string> Row(const std::string& sql) const {
    auto rows = Rows(sql);
    return rows.empty() ? std::vector<std::string>{} : std::move(rows.front());
  }

  Backend Kind() const { return backend_; }
  const std::string& SqlitePath() const { return file_.Path(); }

 private:
  postgres::Connection Admin() const { return postgres::Connection(cluster_->Target("postgres")); }

  Backend backend_;
  TempDatabase file_;
  std::optional<TestCluster> cluster_;
  std::string name_;
};

// A test of the conformance suite: `store_` is an empty store of the test's backend (a database
// of its own). A fixture deriving from it calls BackendTest::SetUp() first and returns when
// IsSkipped().
class BackendTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kPostgres && !TestCluster::Find()) {
      if (std::getenv("AUDITSYNC_TEST_PG") != nullptr) FAIL() << "AUDITSYNC_TEST_PG unusable";
      GTEST_SKIP() << "no PostgreSQL test cluster: run through ctest (fixture pg_cluster)";
    }
    FreshStore();
  }
  // Replaces the store with an empty one, in a new database.
  void FreshStore() {
    store_.reset();
    database_.reset();
    std::string name = ::testing::UnitTest::GetInstance()->current_test_suite()->name();
    for (auto& c : name) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    database_ = std::make_unique<TestDatabase>(GetParam(), name);
    store_ = database_->Open();
  }
  void TearDown() override {
    store_.reset();
    database_.reset();
  }

  std::unique_ptr<TestDatabase> database_;
  std::unique_ptr<Store> store_;
};

// Runs every test of `suite` (a BackendTest) on each backend.
#define AUDITSYNC_ON_EVERY_BACKEND(suite)                                               \
  INSTANTIATE_TEST_SUITE_P(Backends, suite,                                             \
                           ::testing::Values(::auditsync::testing::Backend::kSqlite,    \
                                             ::auditsync::testing::Backend::kPostgres), \
                           ::auditsync::testing::BackendName)

// Skips a PostgreSQL test outside the ctest fixture (a unit test binary run by hand); under
// ctest the fixture is always there, so nothing is skipped.
#define AUDITSYNC_REQUIRE_BACKEND(database)                                               \
  if (!(database).Available()) {                                                          \
    GTEST_SKIP() << "no PostgreSQL test cluster: run through ctest (fixture pg_cluster)"; \
  }

}  // namespace auditsync::testing
