// User enrichment end to end: `sync` with enrich_users reads the profiles of the users who
// launched apps from the emulator's directory (JSON batches, throttled items, guests' #EXT# UPNs,
// UPNs starting with '$', deleted users), stores exactly what the directory holds, asks nothing
// again within user_refresh_after, and without User.Read.All warns once while the audit records are
// collected all the same.
#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "integration/harness.hpp"

namespace auditsync::testing {
namespace {

constexpr char kFrom[] = "2026-11-10T00:00:00Z";
constexpr char kTo[] = "2026-11-10T06:00:00Z";
constexpr char kNull[] = "<null>";

const std::vector<std::string> kTenant = {"--seed",
                                          "5",
                                          "--users",
                                          "40",
                                          "--guest-rate",
                                          "0.25",
                                          "--dollar-rate",
                                          "0.2",
                                          "--launches-per-hour",
                                          "30"};

std::string Lower(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string Text(const nlohmann::json& value) {
  return value.is_string() ? value.get<std::string>() : kNull;
}

// The users table: upn -> display_name, department, job_title, city, country, user_type,
// enriched_at (NULL as kNull).
std::map<std::string, std::vector<std::string>> Users(const std::string& database) {
  std::map<std::string, std::vector<std::string>> users;
  for (auto& row : QueryRows(database,
                             "SELECT upn, coalesce(display_name, '<null>'), "
                             "coalesce(department, '<null>'), coalesce(job_title, '<null>'), "
                             "coalesce(city, '<null>'), coalesce(country, '<null>'), "
                             "coalesce(user_type, '<null>'), coalesce(enriched_at, '<null>') "
                             "FROM users")) {
    users[row[0]] = std::vector<std::string>(row.begin() + 1, row.end());
  }
  return users;
}

// Syncs into `database` with enrich_users on.
std::vector<std::string> Enriching(const Emulator& emulator, const std::string& database) {
  auto environment = ClientEnvironment(emulator, database);
  Override(environment, "AUDITSYNC_ENRICH_USERS=yes");
  return environment;
}

long long Count(const nlohmann::json& stats, const char* group, const char* key) {
  const auto& counters = stats[group];
  return counters.contains(key) ? counters[key].get<long long>() : 0;
}

TEST(Enrichment, SyncStoresTheDirectoryProfilesAndAsksNothingAgainWithinTheRefreshAge) {
  Workspace workspace;
  Emulator emulator(workspace, kTenant, {"--batch-item-faults", "429=0.15,503=0.05"});
  const auto database = workspace.Path("audit.db");
  auto environment = Enriching(emulator, database);
  Override(environment, "AUDITSYNC_HTTP_ATTEMPTS=10");  // item faults at 20% clear in time

  const auto first = RunAuditsync(workspace, {"sync", "--from", kFrom, "--to", kTo}, environment);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  ExpectStoredCountsMatch(database, emulator.Summary(kFrom, kTo));

  // Every user of the records, enriched exactly as the directory defines them.
  std::map<std::string, nlohmann::json> directory;
  for (const auto& user : emulator.Directory()) {
    directory[Lower(user["userPrincipalName"])] = user;
  }
  const auto users = Users(database);
  ASSERT_GT(users.size(), 10u);
  int guests = 0;
  int deleted = 0;
  int dollars = 0;
  for (const auto& [upn, row] : users) {
    ASSERT_TRUE(directory.contains(upn)) << upn;
    const auto& expected = directory[upn];
    EXPECT_NE(row[6], kNull) << upn << " was not enriched";
    if (expected["deleted"].get<bool>()) {
      ++deleted;
      EXPECT_EQ(std::vector<std::string>(row.begin(), row.begin() + 6),
                std::vector<std::string>(6, kNull))
          << upn;
      continue;
    }
    guests += expected["userType"] == "Guest" ? 1 : 0;
    dollars += upn.starts_with('$') ? 1 : 0;
    EXPECT_EQ(row, (std::vector<std::string>{
                       Text(expected["displayName"]), Text(expected["department"]),
                       Text(expected["jobTitle"]), Text(expected["city"]),
                       Text(expected["country"]), Text(expected["userType"]), row[6]}))
        << upn;
  }
  EXPECT_GT(guests, 0);   // #EXT# UPNs were read whole, percent-encoded
  EXPECT_GT(deleted, 0);  // 404s are stored, so they are not asked again
  EXPECT_GT(dollars, 0);  // '$' UPNs were read as users('$…'): Graph refuses /users/$…
  const auto stats = emulator.Stats();
  EXPECT_GT(Count(stats, "faults", "batch-item-429"), 0);
  const auto batches = Count(stats, "requests", "POST /{v}/$batch");
  EXPECT_GE(batches, static_cast<long long>((users.size() + 19) / 20));
  EXPECT_NE(first.err.find("user profiles: " + std::to_string(users.size() - deleted) + " read, " +
                           std::to_string(deleted) + " not in the directory, 0"),
            std::string::npos)
      << first.err;

  // The users report names them.
  const auto report = RunAuditsync(workspace, {"report", "users", "--format", "json"}, environment);
  ASSERT_EQ(report.exit_code, 0) << report.err;
  const auto rows = nlohmann::json::parse(report.out);
  EXPECT_EQ(rows.size(), users.size());
  for (const auto& row : rows) {
    const auto& expected = directory[row["user_upn"].get<std::string>()];
    const bool gone = expected["deleted"].get<bool>();
    EXPECT_EQ(row["display_name"], gone ? nlohmann::json() : expected["displayName"]) << row;
    EXPECT_EQ(row["department"], gone ? nlohmann::json() : expected["department"]) << row;
    EXPECT_EQ(row["job_title"], gone ? nlohmann::json() : expected["jobTitle"]) << row;
    EXPECT_EQ(row["city"], gone ? nlohmann::json() : expected["city"]) << row;
    EXPECT_EQ(row["country"], gone ? nlohmann::json() : expected["country"]) << row;
    EXPECT_EQ(row["user_type"], gone ? nlohmann::json() : expected["userType"]) << row;
  }

  // Within user_refresh_after (7 days): not one request to the directory.
  const auto second = RunAuditsync(workspace, {"sync", "--from", kFrom, "--to", kTo}, environment);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(Count(emulator.Stats(), "requests", "POST /{v}/$batch"), batches);
  EXPECT_EQ(Users(database), users);

  // Eight days later every profile is read again.
  Override(environment, "AUDITSYNC_TEST_NOW=" + FormatIso8601(NowUtc() + std::chrono::days(8)));
  const auto later = RunAuditsync(workspace, {"sync", "--from", kFrom, "--to", kTo}, environment);
  ASSERT_EQ(later.exit_code, 0) << later.err;
  EXPECT_GT(Count(emulator.Stats(), "requests", "POST /{v}/$batch"), batches);
  for (const auto& [upn, row] : Users(database)) EXPECT_NE(row[6], users.at(upn)[6]) << upn;
}

TEST(Enrichment, WithoutUserReadAllOneWarningAndTheRecordsAreCollected) {
  Workspace workspace;
  Emulator emulator(workspace, kTenant, {"--graph-roles", "AuditLogsQuery.Read.All"});
  const auto database = workspace.Path("audit.db");
  const auto environment = Enriching(emulator, database);

  const auto result = RunAuditsync(workspace, {"sync", "--from", kFrom, "--to", kTo}, environment);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  ExpectStoredCountsMatch(database, emulator.Summary(kFrom, kTo));
  // One warning line, naming the permission and the fix.
  size_t lines = 0;
  std::istringstream log(result.err);
  for (std::string line; std::getline(log, line);) {
    lines += line.find("User.Read.All") != std::string::npos ? 1 : 0;
  }
  EXPECT_EQ(lines, 1u) << result.err;
  EXPECT_NE(result.err.find("grant admin consent"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("The audit records were collected all the same"), std::string::npos);
  // The first batch was refused and no other was sent; nothing was stored as enriched.
  const auto stats = emulator.Stats();
  EXPECT_EQ(Count(stats, "requests", "POST /{v}/$batch"), 1);
  EXPECT_GT(Count(stats, "user_reads", "403"), 0);
  EXPECT_EQ(QueryCount(database, "SELECT count(*) FROM users WHERE enriched_at IS NOT NULL"), 0);
  EXPECT_GT(QueryCount(database, "SELECT count(*) FROM users"), 0);
}

}  // namespace
}  // namespace auditsync::testing
