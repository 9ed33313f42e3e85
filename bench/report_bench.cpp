// Report speed over a year of a large tenant: generates N launch records (default 10,000,000)
// straight into a fresh store through the same CommitPage path a sync uses (rollups included),
// then times the usage reports over the whole range. The auditsync binary's own `report` commands
// are timed by bench/report.sh on the same database.
//
//   report_bench DATABASE [RECORDS]
//
// The tenant: 365 days from 2025-12-01, 5,000 users and 500 apps. Users have habits, as real ones
// do: each uses a handful of apps (1 to 8, the popular apps more often), launches them on most
// working days, some several times a day. Records carry a compact auditData (about 200 bytes)
// so that ten million fit on a small disk; the raw text's size does not change report speed.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "report/render.hpp"
#include "report/usage_reports.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using auditsync::Instant;

constexpr int kUsers = 5000;
constexpr int kApps = 500;
constexpr int kDays = 365;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

std::string Guid(std::mt19937_64& random) {
  const uint64_t a = random();
  const uint64_t b = random();
  char text[37];
  std::snprintf(text, sizeof text, "%08x-%04x-4%03x-8%03x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>(a >> 16) & 0xFFFF, static_cast<unsigned>(a) & 0xFFF,
                static_cast<unsigned>(b >> 48) & 0xFFF,
                static_cast<unsigned long long>(b & 0xFFFFFFFFFFFFULL));
  return text;
}

struct Tenant {
  std::vector<std::string> app_ids;
  std::vector<std::string> upns;
  std::vector<std::vector<int>> apps_of_user;
  std::vector<double> user_weight;
};

Tenant MakeTenant(std::mt19937_64& random) {
  Tenant tenant;
  for (int app = 0; app < kApps; ++app) tenant.app_ids.push_back(Guid(random));
  // App popularity ~ 1/rank: a few apps everyone uses, a long tail.
  std::vector<double> app_weight;
  for (int app = 0; app < kApps; ++app) app_weight.push_back(1.0 / (app + 1));
  std::discrete_distribution<int> popular_app(app_weight.begin(), app_weight.end());
  for (int user = 0; user < kUsers; ++user) {
    tenant.upns.push_back("user" + std::to_string(user) + "@contoso.onmicrosoft.com");
    std::vector<int> apps;
    const int count = 1 + static_cast<int>(random() % 8);
    while (static_cast<int>(apps.size()) < count) {
      const int app = popular_app(random);
      if (std::find(apps.begin(), apps.end(), app) == apps.end()) apps.push_back(app);
    }
    tenant.apps_of_user.push_back(std::move(apps));
    tenant.user_weight.push_back(1.0 / std::sqrt(user + 1.0));  // some users are heavy users
  }
  return tenant;
}

// A launch record, its raw text kept in `texts` (its page's).
auditsync::AuditRecord Launch(const Tenant& tenant, int user, int app, Instant at,
                              std::mt19937_64& random, auditsync::TextArena& texts) {
  auditsync::AuditRecord record;
  record.id = Guid(random);
  record.created = at;
  record.operation = "LaunchPowerApp";
  record.record_type = 256;
  record.workload = "PowerPlatform";
  record.app_id = tenant.app_ids[static_cast<size_t>(app)];
  record.app_name = "App " + std::to_string(app);
  record.environment_id = "env-" + std::to_string(app % 12);
  record.environment_name = "Environment " + std::to_string(app % 12);
  record.user_upn = tenant.upns[static_cast<size_t>(user)];
  record.raw = texts.Keep(R"({"Id":")" + record.id +
                          R"(","RecordType":256,"Operation":"LaunchPowerApp","UserId":")" +
                          record.user_upn + R"(","AppId":")" + record.app_id + R"("})");
  return record;
}

void Generate(const std::string& path, int64_t records) {
  std::mt19937_64 random(20261129);
  const auto tenant = MakeTenant(random);
  std::discrete_distribution<int> pick_user(tenant.user_weight.begin(), tenant.user_weight.end());
  auditsync::SqliteStore store(path);
  const Instant start = *auditsync::ParseIso8601("2025-12-01T00:00:00Z");
  const int64_t per_day = records / kDays;
  const auto started = Clock::now();
  int64_t written = 0;
  for (int day = 0; day < kDays && written < records; ++day) {
    const Instant day_start = start + std::chrono::days(day);
    auto window =
        store.PlanWindow(auditsync::ScanKind::kInitial, day_start, day_start + std::chrono::days(1),
                         day_start + std::chrono::days(2));
    const int64_t today = day + 1 == kDays ? records - written : per_day;
    auditsync::RecordPage page;
    for (int64_t i = 0; i < today; ++i) {
      const int user = pick_user(random);
      const auto& apps = tenant.apps_of_user[static_cast<size_t>(user)];
      const int app = apps[random() % apps.size()];
      const Instant at = day_start + std::chrono::seconds(random() % 86400);
      page.records.push_back(Launch(tenant, user, app, at, random, page.texts));
      if (page.records.size() == 1000 || i + 1 == today) {
        if (i + 1 == today) window.state = auditsync::WindowState::kComplete;
        store.CommitPage(window, page);
        written += static_cast<int64_t>(page.records.size());
        page = {};
      }
    }
  }
  std::printf("generated %lld launch records in %.1f s (%.0f records/s), database %.2f GB\n",
              static_cast<long long>(written), Seconds(started),
              static_cast<double>(written) / Seconds(started),
              static_cast<double>(std::filesystem::file_size(path)) / 1e9);
}

template <typename Query>
void Time(const char* name, Query query) {
  const auto started = Clock::now();
  const auto rows = query();
  std::printf("%-40s %8.3f s  (%zu rows)\n", name, Seconds(started), rows);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: report_bench DATABASE [RECORDS]\n");
    return 2;
  }
  const std::string path = argv[1];
  const int64_t records = argc > 2 ? std::stoll(argv[2]) : 10'000'000;
  if (!std::filesystem::exists(path)) Generate(path, records);
  auditsync::SqliteStore store(path);
  using auditsync::UsagePeriod;
  Time("apps, whole range", [&] { return store.QueryAppUsage({}).size(); });
  Time("usage by month, whole range",
       [&] { return store.QueryUsage({}, UsagePeriod::kMonth).size(); });
  Time("usage by week, whole range",
       [&] { return store.QueryUsage({}, UsagePeriod::kWeek).size(); });
  Time("usage by day, whole range", [&] { return store.QueryUsage({}, UsagePeriod::kDay).size(); });
  Time("users, whole range", [&] { return store.QueryUserUsage({}).size(); });
  Time("summary, whole range", [&] { return store.QuerySummary({}).production_apps.size(); });
  // The HTML page as `auditsync report NAME --format html` builds it (table, charts, one read
  // snapshot), rendered into memory.
  auto page = [&](auditsync::ReportName name, UsagePeriod period) {
    std::ostringstream out;
    auditsync::RenderReport(
        auditsync::BuildReport(store, {.name = name, .period = period, .charts = true}),
        auditsync::ReportFormat::kHtml, out);
    return out.str().size();
  };
  Time("apps as an HTML page (bytes)", [&] { return page(auditsync::ReportName::kApps, {}); });
  Time("usage by month as an HTML page (bytes)",
       [&] { return page(auditsync::ReportName::kUsage, UsagePeriod::kMonth); });
  const auto from = *auditsync::ParseIso8601("2026-10-01T13:45:00Z");
  const auto to = *auditsync::ParseIso8601("2026-11-30T00:00:00Z");
  Time("apps, -60d (partial first day)",
       [&] { return store.QueryAppUsage({.from = from, .to = to}).size(); });
  // One app's report (`--app`): the most launched app, and one of the long tail.
  const auto apps = store.QueryAppUsage({});
  for (const auto& [name, app] : {std::pair{"top app", apps.front().app_id},
                                  std::pair{"tail app", apps[apps.size() / 2].app_id}}) {
    const std::string apps_name = std::string("apps --app (") + name + ")";
    const std::string usage_name = std::string("usage by month --app (") + name + ")";
    Time(apps_name.c_str(), [&] { return store.QueryAppUsage({.app_id = app}).size(); });
    Time(usage_name.c_str(),
         [&] { return store.QueryUsage({.app_id = app}, UsagePeriod::kMonth).size(); });
  }
  return 0;
}
