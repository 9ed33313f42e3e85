// The views that mirror the CoE Starter Kit's Dataverse tables (schema 7, docs/powerbi.md): the
// same rows, values and column names on every backend, from a new database and from one
// migrated from version 6.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "store/postgres/pg_schema.hpp"
#include "store/sqlite/schema.hpp"
#include "unit/store_backends.hpp"
#include "unit/store_support.hpp"

namespace auditsync {
namespace {

using testing::At;
using testing::Backend;
using Rows = std::vector<std::vector<std::string>>;

// The backends share their version numbers: a migration is added to both or to neither.
static_assert(sqlite::kMigrations.size() == static_cast<size_t>(postgres::kLatestVersion));

// The column names docs/powerbi.md documents, in order.
const std::vector<std::string> kAuditLogColumns = {
    "admin_auditlogid",        "admin_title",          "admin_creationtime",
    "admin_operation",         "admin_appid",          "admin_applookup",
    "admin_appname",           "admin_appenvironment", "admin_appispremium",
    "admin_userupn",           "admin_userid",         "admin_username",
    "admin_usercity",          "admin_usercountry",    "admin_userdepartment",
    "admin_userjobtitle",      "admin_userisguest",    "admin_workload",
    "auditsync_environmentid", "auditsync_recordtype"};
const std::vector<std::string> kAppColumns = {"admin_appid",
                                              "admin_displayname",
                                              "admin_appenvironmentid",
                                              "admin_appenvironmentdisplayname",
                                              "admin_appcreatedon",
                                              "admin_appdeleted",
                                              "admin_appdeletedon",
                                              "admin_applastlaunchedon",
                                              "auditsync_applastlaunchedby",
                                              "auditsync_appfirstseen",
                                              "auditsync_appowner"};

std::string Epoch(const char* time) { return std::to_string(At(time).time_since_epoch().count()); }

AuditRecord Record(std::string id, const char* time, std::string app, std::string user,
                   const char* operation = "LaunchPowerApp") {
  auto record = testing::Launch(std::move(id), time, std::move(app), std::move(user));
  record.operation = operation;
  record.workload = "PowerApps";
  return record;
}

// The admin_auditlog row of a launch of SetUp, as AuditLog() reads it: amy's profile was read
// (a guest), bob's never was.
std::vector<std::string> LaunchRow(std::string id, const char* time, const std::string& app,
                                   const std::string& user) {
  std::vector<std::string> row = {std::move(id), "Power App Launch " + app + " - " + time,
                                  Epoch(time),   "LaunchPowerApp",
                                  app,           app,
                                  "App " + app,  "Default",
                                  "NULL",        user,
                                  "NULL"};
  const std::vector<std::string> profile =
      user == "amy"
          ? std::vector<std::string>{"Amy Lee", "Zürich", "Switzerland", "Sales", "Analyst", "1"}
          : std::vector<std::string>(6, "NULL");
  row.insert(row.end(), profile.begin(), profile.end());
  row.insert(row.end(), {"PowerApps", "env-1", "256"});
  return row;
}

class CoeViewsTest : public testing::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped()) return;
    auto window = store_->PlanWindow(ScanKind::kInitial, At("2026-11-01"), At("2026-11-04"),
                                     At("2026-11-05"));
    RecordPage page;
    page.records = {
        Record("r1", "2026-11-01T10:00:00Z", "app-a", "amy"),
        Record("6F1C2A3B-0000-4D5E-8F90-AABBCCDDEEFF", "2026-11-01T11:00:00Z", "app-a", "bob"),
        Record("r3", "2026-11-02T09:30:00Z", "app-b", "amy"),
        // app-b deleted after its last launch; app-d deleted, then restored and launched.
        Record("d1", "2026-11-03T00:00:00Z", "app-b", "amy", "DeletePowerApp"),
        Record("d2", "2026-11-01T12:00:00Z", "app-d", "bob", "DeletePowerApp"),
        Record("r4", "2026-11-01T13:00:00Z", "app-d", "bob")};
    store_->CommitPage(window, page);
    store_->ImportInventory({{"app-a", "Listed name", "env-2", "Env from the list",
                              "owner@contoso.com", At("2026-01-15T08:00:00Z")},
                             {"app-c", "Never launched", "env-2", "Env from the list",
                              "owner@contoso.com", At("2026-01-15T08:00:00Z")}},
                            At("2026-11-20T00:00:00Z"));
    store_->SaveUserProfiles(
        {{"amy", true, "Amy Lee", "Sales", "Analyst", "Zürich", "Switzerland", "Guest"}},
        At("2026-11-20T00:00:00Z"));
  }

  bool Postgres() const { return GetParam() == Backend::kPostgres; }
  // A time column as Unix seconds, a flag as 0 or 1: the engines print them differently.
  std::string Time(const std::string& column) const {
    return Postgres() ? "extract(epoch FROM " + column + ")::bigint"
                      : "CAST(strftime('%s', " + column + ") AS INTEGER)";
  }
  std::string Flag(const std::string& column) const {
    return Postgres() ? column + "::int" : column;
  }

  Rows AuditLog() const {
    return database_->Rows(
        "SELECT admin_auditlogid, admin_title, " + Time("admin_creationtime") +
        ", admin_operation, admin_appid, admin_applookup, admin_appname, admin_appenvironment, " +
        Flag("admin_appispremium") +
        ", admin_userupn, admin_userid, admin_username, admin_usercity, admin_usercountry, "
        "admin_userdepartment, admin_userjobtitle, " +
        Flag("admin_userisguest") +
        ", admin_workload, auditsync_environmentid, auditsync_recordtype FROM admin_auditlog "
        "ORDER BY admin_creationtime");
  }
  Rows Apps() const {
    return database_->Rows(
        "SELECT admin_appid, admin_displayname, admin_appenvironmentid, "
        "admin_appenvironmentdisplayname, " +
        Time("admin_appcreatedon") + ", " + Flag("admin_appdeleted") + ", " +
        Time("admin_appdeletedon") + ", " + Time("admin_applastlaunchedon") +
        ", auditsync_applastlaunchedby, " + Time("auditsync_appfirstseen") +
        ", auditsync_appowner FROM admin_app ORDER BY admin_appid");
  }
  std::vector<std::string> Columns(const std::string& view) const {
    const auto rows = database_->Rows(
        Postgres() ? "SELECT column_name FROM information_schema.columns WHERE table_name = '" +
                         view + "' ORDER BY ordinal_position"
                   : "SELECT name FROM pragma_table_info('" + view + "') ORDER BY cid");
    std::vector<std::string> names;
    for (const auto& row : rows) names.push_back(row.at(0));
    return names;
  }

  void ExpectTheViews() const {
    const Rows audit_log = {
        LaunchRow("r1", "2026-11-01T10:00:00Z", "app-a", "amy"),
        LaunchRow("6f1c2a3b-0000-4d5e-8f90-aabbccddeeff", "2026-11-01T11:00:00Z", "app-a", "bob"),
        LaunchRow("r4", "2026-11-01T13:00:00Z", "app-d", "bob"),
        LaunchRow("r3", "2026-11-02T09:30:00Z", "app-b", "amy")};
    EXPECT_EQ(AuditLog(), audit_log);
    const Rows apps = {
        // The inventory names no app a record named, but gives the owner and creation time.
        {"app-a", "App app-a", "env-1", "Default", Epoch("2026-01-15T08:00:00Z"), "0", "NULL",
         Epoch("2026-11-01T11:00:00Z"), "bob", Epoch("2026-11-01T10:00:00Z"), "owner@contoso.com"},
        {"app-b", "App app-b", "env-1", "Default", "NULL", "1", Epoch("2026-11-03T00:00:00Z"),
         Epoch("2026-11-02T09:30:00Z"), "amy", Epoch("2026-11-02T09:30:00Z"), "NULL"},
        {"app-c", "Never launched", "env-2", "Env from the list", Epoch("2026-01-15T08:00:00Z"),
         "0", "NULL", "NULL", "NULL", "NULL", "owner@contoso.com"},
        {"app-d", "App app-d", "env-1", "Default", "NULL", "0", Epoch("2026-11-01T12:00:00Z"),
         Epoch("2026-11-01T13:00:00Z"), "bob", Epoch("2026-11-01T12:00:00Z"), "NULL"}};
    EXPECT_EQ(Apps(), apps);
    EXPECT_EQ(Columns("admin_auditlog"), kAuditLogColumns);
    EXPECT_EQ(Columns("admin_app"), kAppColumns);
  }
};

AUDITSYNC_ON_EVERY_BACKEND(CoeViewsTest);

TEST_P(CoeViewsTest, MirrorTheCoeTablesWithLaunchesOnlyAndTheAppsFacts) { ExpectTheViews(); }

// Times are what each engine reads as a time: timestamptz in PostgreSQL, ISO 8601 UTC text in
// SQLite (Power BI's ODBC import parses it); flags are boolean and 0/1.
TEST_P(CoeViewsTest, TimesAndFlagsHaveTheEnginesTypes) {
  if (Postgres()) {
    EXPECT_EQ(database_->Row("SELECT pg_typeof(admin_creationtime)::text, "
                             "pg_typeof(admin_userisguest)::text, "
                             "pg_typeof(admin_appispremium)::text FROM admin_auditlog LIMIT 1"),
              (std::vector<std::string>{"timestamp with time zone", "boolean", "boolean"}));
    EXPECT_EQ(database_->Row("SELECT pg_typeof(admin_applastlaunchedon)::text, "
                             "pg_typeof(admin_appdeleted)::text FROM admin_app LIMIT 1"),
              (std::vector<std::string>{"timestamp with time zone", "boolean"}));
  } else {
    EXPECT_EQ(database_->Row("SELECT admin_creationtime FROM admin_auditlog WHERE "
                             "admin_auditlogid = 'r1'"),
              std::vector<std::string>{"2026-11-01T10:00:00Z"});
    EXPECT_EQ(database_->Row("SELECT admin_applastlaunchedon, admin_appdeletedon FROM admin_app "
                             "WHERE admin_appid = 'app-b'"),
              (std::vector<std::string>{"2026-11-02T09:30:00Z", "2026-11-03T00:00:00Z"}));
  }
}

// A database of version 6 (the views dropped, the version set back) gains them on open, over
// the data it holds.
TEST_P(CoeViewsTest, AVersionSixDatabaseIsMigratedToTheViews) {
  store_.reset();
  // Migration 8's columns go too: a version 6 database never had them.
  const std::string back_to_six =
      "DROP VIEW admin_auditlog; DROP VIEW admin_app; ALTER TABLE sync_windows DROP COLUMN "
      "lease_owner; ALTER TABLE sync_windows DROP COLUMN lease_expires; ";
  if (Postgres()) {
    database_->Connect()->Exec(back_to_six + "UPDATE schema_version SET version = 6");
  } else {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(database_->SqlitePath().c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, (back_to_six + "PRAGMA user_version = 6").c_str(), nullptr, nullptr,
                           nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  EXPECT_TRUE(database_
                  ->Rows(Postgres() ? "SELECT 1 FROM pg_views WHERE viewname = 'admin_app'"
                                    : "SELECT 1 FROM sqlite_schema WHERE name = 'admin_app'")
                  .empty());
  store_ = database_->Open();
  ExpectTheViews();
  EXPECT_EQ(
      database_->Row(Postgres() ? "SELECT version FROM schema_version" : "PRAGMA user_version"),
      std::vector<std::string>{"8"});
}

// docs/operations.md's reader role: default privileges on TABLES cover views, so a role made
// before auditsync creates its schema (or migrates to 7) may read the views, and write nothing.
TEST(CoeViewsOnPostgres, TheReaderRoleOfTheDocsReadsTheViewsAndWritesNothing) {
  testing::TestDatabase database(Backend::kPostgres, "coe-views-reader");
  AUDITSYNC_REQUIRE_BACKEND(database);
  const std::string role = "reader_" + std::to_string(::getpid());
  auto admin = database.Connect();
  admin->Exec("CREATE ROLE " + role + " LOGIN; GRANT USAGE ON SCHEMA public TO " + role +
              "; ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO " + role);
  auto store = database.Open();
  auto window =
      store->PlanWindow(ScanKind::kInitial, At("2026-11-01"), At("2026-11-02"), At("2026-11-03"));
  RecordPage page;
  page.records = {Record("r1", "2026-11-01T10:00:00Z", "app-a", "amy")};
  store->CommitPage(window, page);
  admin->Exec("SET ROLE " + role);
  EXPECT_EQ(admin->Exec("SELECT count(*) FROM admin_auditlog").Int(0, 0), 1);
  EXPECT_EQ(admin->Exec("SELECT count(*) FROM admin_app").Int(0, 0), 1);
  EXPECT_ANY_THROW(admin->Exec("DELETE FROM apps"));
  admin->Exec("RESET ROLE");
  admin->Exec("DROP OWNED BY " + role + "; DROP ROLE " + role);
}

}  // namespace
}  // namespace auditsync
