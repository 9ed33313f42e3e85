// Helpers shared by the tenant, publication and Graph tests: fixed instants, reading every page
// of a query, and what a careful client makes of the records it was served.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ids.hpp"
#include "query.hpp"
#include "render.hpp"
#include "tenant.hpp"
#include "truth.hpp"

namespace emulator::test_support {

// 2026-11-01T00:00:00Z and one day.
inline constexpr std::int64_t kStart = 1793491200;
inline constexpr std::int64_t kDay = 86400;
// "Now" for these tests: well after every window, so nothing is in the future.
inline constexpr std::int64_t kNow = kStart + 60 * kDay;

inline std::string Render(const Tenant& tenant, const Slot& slot) {
  std::string out;
  AppendRecord(tenant, slot, out);
  return out;
}

inline QueryFilters PowerAppsFilters(std::int64_t start, std::int64_t end) {
  QueryFilters filters;
  filters.start = start;
  filters.end = end;
  filters.operations = {"LaunchPowerApp", "DeletePowerApp"};
  return filters;
}

// Every record a query serves, page by page, following the cursors as a client follows
// @odata.nextLink (through the encoded skiptoken).
inline std::vector<nlohmann::json> ReadAll(const Tenant& tenant, const QueryFilters& filters,
                                           const Snapshot& snapshot, std::size_t page_size,
                                           std::uint64_t total, std::size_t* pages = nullptr) {
  std::vector<nlohmann::json> records;
  Cursor cursor = StartCursor(filters);
  std::size_t count = 0;
  while (true) {
    const Page page = ReadPage(tenant, filters, snapshot, cursor, page_size, total);
    ++count;
    const auto values = nlohmann::json::parse(page.values);
    EXPECT_EQ(values.size(), page.count);
    EXPECT_LE(page.count, page_size);
    for (const auto& value : values) records.push_back(value);
    if (!page.next) break;
    EXPECT_EQ(page.count, page_size) << "only the last page may be short";
    const auto token = DecodeSkipToken(EncodeSkipToken("q-1", *page.next));
    EXPECT_TRUE(token.has_value());
    if (!token) break;
    EXPECT_EQ(token->query_id, "q-1");
    cursor = token->cursor;
  }
  if (pages != nullptr) *pages = count;
  return records;
}

// The app id a careful client extracts from a record; empty when it has none.
inline std::string ClientAppId(const nlohmann::json& record) {
  const auto& data = record["auditData"];
  if (data.value("RecordType", 0) == 45) return ToLower(data.value("AppName", ""));
  for (const auto& property : data["PropertyCollection"]) {
    if (ToLower(property["Name"].get<std::string>()) ==
        "powerplatform.analytics.resource.power_app.id") {
      std::string value = property["Value"].get<std::string>();
      value = value.substr(value.rfind('/') + 1);
      return ToLower(value);
    }
  }
  return {};
}

// What a careful client derives from the records of a query: quarantined records, repeated ids
// and, per app, the distinct launches, users and the latest launch.
struct ClientView {
  struct App {
    std::set<std::string> ids;
    std::set<std::string> users;
    std::string last_time;
    std::string last_id;
    std::string last_user;
  };
  std::map<std::string, App> apps;
  std::uint64_t malformed = 0;
  std::uint64_t duplicates = 0;
};

inline ClientView ViewOf(const std::vector<nlohmann::json>& records) {
  ClientView view;
  std::set<std::string> all_ids;
  for (const auto& record : records) {
    const std::string id = record.value("id", "");
    const auto data = record.find("auditData");
    const std::string created = record["createdDateTime"].get<std::string>();
    if (id.empty() || data == record.end() || !data->is_object() || created.size() != 20 ||
        created.substr(0, 2) != "20" || created.substr(5, 2) > "12") {
      ++view.malformed;
      continue;
    }
    const std::string app = ClientAppId(record);
    if (app.empty()) {
      ++view.malformed;
      continue;
    }
    if (!all_ids.insert(id).second) {
      ++view.duplicates;
      continue;
    }
    if (record["operation"] != "LaunchPowerApp") continue;
    ClientView::App& seen = view.apps[app];
    seen.ids.insert(id);
    const std::string user = ToLower(record["userPrincipalName"].get<std::string>());
    seen.users.insert(user);
    if (created > seen.last_time || (created == seen.last_time && id > seen.last_id)) {
      seen.last_time = created;
      seen.last_id = id;
      seen.last_user = user;
    }
  }
  return view;
}

// The records served for [from, to) under `snapshot` make the truth for the same snapshot.
inline void ExpectServedRecordsMatchTruth(const Tenant& tenant, std::int64_t from, std::int64_t to,
                                          const Snapshot& snapshot) {
  const QueryFilters filters = PowerAppsFilters(from, to);
  const std::uint64_t total = CountMatches(tenant, filters, snapshot);
  const auto records = ReadAll(tenant, filters, snapshot, 500, total);
  ASSERT_EQ(records.size(), total);
  ClientView view = ViewOf(records);

  const TruthSummary summary = ComputeSummary(tenant, from, to, snapshot);
  EXPECT_EQ(summary.total_served, total);
  EXPECT_EQ(view.malformed, summary.malformed_records);
  EXPECT_EQ(view.duplicates, summary.duplicate_deliveries);
  const auto truth = TruthToJson(ComputeTruth(tenant, from, to, snapshot));
  ASSERT_EQ(truth.size(), view.apps.size());
  for (const auto& app : truth) {
    const std::string app_id = app["app_id"].get<std::string>();
    ASSERT_TRUE(view.apps.count(app_id)) << app_id;
    const ClientView::App& seen = view.apps[app_id];
    EXPECT_EQ(app["launches"].get<std::uint64_t>(), seen.ids.size());
    EXPECT_EQ(app["unique_users"].get<std::uint64_t>(), seen.users.size());
    EXPECT_EQ(app["last_launched_on"].get<std::string>(), seen.last_time);
    EXPECT_EQ(app["last_launched_by"].get<std::string>(), seen.last_user);
  }
}

}  // namespace emulator::test_support
