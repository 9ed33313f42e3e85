// The store's facts from outside the audit log: imported app inventories and user profiles.
#include <gtest/gtest.h>

#include "unit/store_backends.hpp"
#include "unit/store_support.hpp"

namespace auditsync {
namespace {

using testing::At;
using testing::Launch;

InventoryApp Listed(std::string id, std::string name) {
  return InventoryApp{std::move(id),       std::move(name),     "env-2",
                      "Env from the list", "owner@contoso.com", At("2026-01-15T08:00:00Z")};
}

class DirectoryFactsTest : public testing::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped()) return;
    window_ = store_->PlanWindow(ScanKind::kInitial, At("2026-11-01"), At("2026-11-02"),
                                 At("2026-11-03"));
  }
  void Commit(std::vector<AuditRecord> records) {
    RecordPage page;
    page.records = std::move(records);
    store_->CommitPage(window_, page);
  }

  // One row of a table as text, NULL as "NULL".
  std::vector<std::string> Row(const std::string& sql) { return database_->Row(sql); }

  SyncWindow window_;
};

AUDITSYNC_ON_EVERY_BACKEND(DirectoryFactsTest);

constexpr char kAppColumns[] =
    "SELECT display_name, name_seen_at, environment_id, environment_name, environment_seen_at, "
    "first_seen, last_launched_on, last_launched_by, deleted_on, owner, created_on FROM apps "
    "WHERE app_id = ";

TEST_P(DirectoryFactsTest, NeverLaunchedInventoryAppsAreUnusedWithZeroLaunches) {
  Commit({Launch("r1", "2026-11-01T10:00:00Z", "app-a", "amy")});
  const auto outcome =
      store_->ImportInventory({Listed("app-a", "Listed name"), Listed("app-b", "Never launched")},
                              At("2026-11-20T00:00:00Z"));
  EXPECT_EQ(outcome.added, 1);
  EXPECT_EQ(outcome.updated, 1);

  const auto apps = store_->QueryAppUsage({});
  ASSERT_EQ(apps.size(), 2u);
  EXPECT_EQ(apps[0].app_id, "app-a");
  EXPECT_EQ(apps[0].launches, 1);
  EXPECT_EQ(apps[1], (AppUsage{"app-b", "Never launched", "env-2", "Env from the list", 0, 0,
                               std::nullopt, std::nullopt}));

  // Unused since the 10th: the never-launched app first, then the one launched before.
  const auto unused = store_->QueryUnusedApps(At("2026-11-10T00:00:00Z"), {});
  ASSERT_EQ(unused.size(), 2u);
  EXPECT_EQ(unused[0].app_id, "app-b");
  EXPECT_EQ(unused[0].last_launched_on, std::nullopt);
  EXPECT_EQ(unused[1].app_id, "app-a");
  EXPECT_EQ(unused[1].last_launched_on, At("2026-11-01T10:00:00Z"));
  // Since the 1st, only the never-launched one.
  ASSERT_EQ(store_->QueryUnusedApps(At("2026-11-01T00:00:00Z"), {}).size(), 1u);
}

// An app deleted and then restored (same id, launched again) is alive: once abandoned, it is
// unused like any other. One deleted after its last launch stays out of the list.
TEST_P(DirectoryFactsTest, AnAppLaunchedAfterItsDeletionCanBeUnusedAgain) {
  auto deletion = [](std::string id, const char* time, std::string app) {
    auto record = Launch(std::move(id), time, std::move(app), "amy");
    record.operation = "DeletePowerApp";
    return record;
  };
  Commit({Launch("r1", "2026-11-01T01:00:00Z", "app-restored", "amy"),
          deletion("d1", "2026-11-01T02:00:00Z", "app-restored"),
          Launch("r2", "2026-11-01T03:00:00Z", "app-restored", "bob"),
          Launch("r3", "2026-11-01T01:00:00Z", "app-deleted", "amy"),
          deletion("d2", "2026-11-01T04:00:00Z", "app-deleted")});
  const auto unused = store_->QueryUnusedApps(At("2026-11-10T00:00:00Z"), {});
  ASSERT_EQ(unused.size(), 1u);
  EXPECT_EQ(unused[0].app_id, "app-restored");
  EXPECT_EQ(unused[0].last_launched_on, At("2026-11-01T03:00:00Z"));
}

TEST_P(DirectoryFactsTest, AnInventoryNeverOverridesWhatRecordsSaid) {
  Commit({Launch("r1", "2026-11-01T10:00:00Z", "app-a", "amy")});
  const auto before = Row(std::string(kAppColumns) + "'app-a'");
  store_->ImportInventory({Listed("app-a", "Listed name")}, At("2026-11-20T00:00:00Z"));
  auto after = Row(std::string(kAppColumns) + "'app-a'");
  // Name, environment, first seen, last launch: the records'. Owner and creation: the list's.
  EXPECT_EQ(std::vector(after.begin(), after.begin() + 9),
            std::vector(before.begin(), before.begin() + 9));
  EXPECT_EQ(after[9], "owner@contoso.com");
  EXPECT_EQ(after[10], std::to_string(At("2026-01-15T08:00:00Z").time_since_epoch().count()));
}

TEST_P(DirectoryFactsTest, ListedNamesStandUntilARecordNamesTheApp) {
  store_->ImportInventory({Listed("app-a", "Listed name")}, At("2026-11-20T00:00:00Z"));
  EXPECT_EQ(Row(std::string(kAppColumns) + "'app-a'")[5], "NULL");  // first_seen
  auto record = Launch("r1", "2026-11-01T10:00:00Z", "app-a", "amy");
  record.environment_id = "env-2";
  record.environment_name.clear();  // the same environment, without its name
  Commit({record});
  const auto row = Row(std::string(kAppColumns) + "'app-a'");
  EXPECT_EQ(row[0], "App app-a");
  EXPECT_EQ(row[2], "env-2");
  EXPECT_EQ(row[3], "Env from the list");  // kept: the record did not name the environment
  EXPECT_NE(row[5], "NULL");
}

TEST_P(DirectoryFactsTest, ImportingTheSameListTwiceChangesOnlyTheInventoryTime) {
  Commit({Launch("r1", "2026-11-01T10:00:00Z", "app-a", "amy")});
  const std::vector<InventoryApp> list = {Listed("app-a", "A"), Listed("app-b", "B"),
                                          Listed("app-b", "B")};
  // Every column but the inventory time, of both apps (portable SQL: both backends answer it).
  const auto all = [&] {
    return std::vector{Row(std::string(kAppColumns) + "'app-a'"),
                       Row(std::string(kAppColumns) + "'app-b'")};
  };
  const auto first = store_->ImportInventory(list, At("2026-11-20T00:00:00Z"));
  EXPECT_EQ(first.added, 1);
  EXPECT_EQ(first.updated, 1);  // app-b, listed twice, is one app
  const auto snapshot = all();
  const auto second = store_->ImportInventory(list, At("2026-11-21T00:00:00Z"));
  EXPECT_EQ(second.added, 0);
  EXPECT_EQ(second.updated, 2);
  EXPECT_EQ(all(), snapshot);
  EXPECT_EQ(Row("SELECT DISTINCT inventory_at FROM apps"),
            std::vector<std::string>{
                std::to_string(At("2026-11-21T00:00:00Z").time_since_epoch().count())});
  // A list without owners keeps the owner an earlier list gave.
  store_->ImportInventory(
      {InventoryApp{"app-b", std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt}},
      At("2026-11-22T00:00:00Z"));
  EXPECT_EQ(Row("SELECT owner FROM apps WHERE app_id = 'app-b'")[0], "owner@contoso.com");
}

TEST_P(DirectoryFactsTest, UsersToEnrichAreTheUnreadThenTheStalest) {
  Commit({Launch("r1", "2026-11-01T10:00:00Z", "app-a", "amy"),
          Launch("r2", "2026-11-01T10:00:01Z", "app-a", "bob"),
          Launch("r3", "2026-11-01T10:00:02Z", "app-a", "cat"),
          Launch("r4", "2026-11-01T10:00:03Z", "app-a", "dan")});
  EXPECT_EQ(store_->UsersToEnrich(At("2026-11-10"), 10),
            (std::vector<std::string>{"amy", "bob", "cat", "dan"}));
  UserProfile amy{"amy", true, "Amy Lee", "Sales", "Analyst", "Zürich", "Switzerland", "Member"};
  UserProfile bob{"bob",        false,        std::nullopt, std::nullopt,
                  std::nullopt, std::nullopt, std::nullopt, std::nullopt};
  store_->SaveUserProfiles({amy}, At("2026-11-02T00:00:00Z"));
  store_->SaveUserProfiles({bob}, At("2026-11-05T00:00:00Z"));
  // Stale before the 3rd: amy (read on the 2nd) after the two never read; bob is fresh.
  EXPECT_EQ(store_->UsersToEnrich(At("2026-11-03"), 10),
            (std::vector<std::string>{"cat", "dan", "amy"}));
  EXPECT_EQ(store_->UsersToEnrich(At("2026-11-03"), 1), (std::vector<std::string>{"cat"}));
  EXPECT_EQ(store_->UsersToEnrich(At("2026-11-10"), 10),
            (std::vector<std::string>{"cat", "dan", "amy", "bob"}));
  EXPECT_EQ(store_->UsersToEnrich(At("2026-11-02"), 10), (std::vector<std::string>{"cat", "dan"}));
}

TEST_P(DirectoryFactsTest, ProfilesAreStoredOncePerUserAndADeletedUserKeepsItsLastProfile) {
  Commit({Launch("r1", "2026-11-01T10:00:00Z", "app-a", "amy"),
          Launch("r2", "2026-11-01T11:00:00Z", "app-b", "amy")});
  UserProfile amy{"amy", true, "Amy Lée", "R&D", std::nullopt, "東京", "Japan", "Member"};
  store_->SaveUserProfiles({amy}, At("2026-11-02T00:00:00Z"));
  const auto users = store_->QueryUserUsage({});
  ASSERT_EQ(users.size(), 1u);
  EXPECT_EQ(users[0].display_name, "Amy Lée");
  EXPECT_EQ(users[0].department, "R&D");
  const std::string columns =
      "SELECT display_name, department, job_title, city, country, user_type, enriched_at FROM "
      "users WHERE upn = 'amy'";
  EXPECT_EQ(Row(columns), (std::vector<std::string>{"Amy Lée", "R&D", "NULL", "東京", "Japan",
                                                    "Member", "1793577600"}));
  UserProfile gone = amy;
  gone.found = false;
  gone.display_name.reset();
  store_->SaveUserProfiles({gone}, At("2026-11-12T00:00:00Z"));
  EXPECT_EQ(Row(columns), (std::vector<std::string>{"Amy Lée", "R&D", "NULL", "東京", "Japan",
                                                    "Member", "1794441600"}));
  // Profiles are not copied into records.
  EXPECT_EQ(Row("SELECT count(*) FROM audit_records WHERE raw LIKE '%Lée%'")[0], "0");
}

}  // namespace
}  // namespace auditsync
