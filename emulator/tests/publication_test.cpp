// Late publication (--late-publication), the truth as of a time (--as-of) and records on the
// hour (--boundary-rate), without HTTP.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "query.hpp"
#include "tenant.hpp"
#include "tenant_support.hpp"
#include "truth.hpp"

namespace emulator {
namespace {

using namespace test_support;  // NOLINT(google-build-using-namespace): shared test helpers

constexpr std::int64_t kHour = 3600;

TenantConfig LateConfig() {
  TenantConfig config;
  config.late_publication = true;
  return config;
}

// Every delivery of the hours [first, first + hours): base slots, app deletions and the second
// copies of duplicates, in serving order.
std::vector<Slot> Deliveries(const Tenant& tenant, std::int64_t first, std::int64_t hours) {
  std::vector<Slot> slots;
  for (std::int64_t hour = first; hour < first + hours; ++hour) {
    for (std::uint32_t i = 0; i < tenant.BaseCount(hour); ++i) {
      slots.push_back(tenant.DecodeBase(hour, i));
    }
    const Tenant::HourExtras extras = tenant.Extras(hour);
    slots.insert(slots.end(), extras.deletions.begin(), extras.deletions.end());
    for (const std::uint32_t index : extras.duplicates) {
      Slot copy = tenant.DecodeBase(hour, index);
      copy.copy = true;
      slots.push_back(copy);
    }
  }
  return slots;
}

TEST(LatePublication, DelaysFollowTheMeasuredCurve) {
  const Tenant tenant(LateConfig());
  const auto slots = Deliveries(tenant, kStart / kHour, 24 * 14);
  ASSERT_GT(slots.size(), 35000u);
  std::size_t within_hour = 0;
  std::size_t within_day = 0;
  std::size_t within_two_days = 0;
  for (const Slot& slot : slots) {
    const std::int64_t delay = tenant.PublicationDelay(slot);
    ASSERT_GE(delay, 1);
    ASSERT_LE(delay, 7 * kDay);
    EXPECT_EQ(tenant.PublishedAt(slot), slot.time + delay);
    within_hour += delay <= kHour ? 1 : 0;
    within_day += delay <= kDay ? 1 : 0;
    within_two_days += delay <= 2 * kDay ? 1 : 0;
  }
  const auto share = [&](std::size_t count) {
    return static_cast<double>(count) / static_cast<double>(slots.size());
  };
  EXPECT_NEAR(share(within_hour), 0.80, 0.01);
  EXPECT_NEAR(share(within_day), 0.95, 0.005);
  EXPECT_NEAR(share(within_two_days), 0.998, 0.001);
  EXPECT_LT(within_two_days, slots.size()) << "some records take more than two days";

  const Tenant prompt(TenantConfig{});
  for (std::size_t i = 0; i < slots.size(); i += 97) {
    EXPECT_EQ(prompt.PublicationDelay(slots[i]), 0);
  }
}

TEST(LatePublication, ChangesNoOtherDraw) {
  const Tenant late(LateConfig());
  const Tenant prompt(TenantConfig{});
  const std::int64_t first = kStart / kHour;
  for (std::int64_t hour = first; hour < first + 24 * 20; ++hour) {
    ASSERT_EQ(late.BaseCount(hour), prompt.BaseCount(hour));
    for (std::uint32_t i = 0; i < late.BaseCount(hour); i += 5) {
      EXPECT_EQ(Render(late, late.DecodeBase(hour, i)), Render(prompt, prompt.DecodeBase(hour, i)));
    }
    const auto late_deletions = late.AppDeletions(hour);
    const auto prompt_deletions = prompt.AppDeletions(hour);
    ASSERT_EQ(late_deletions.size(), prompt_deletions.size());
    for (std::size_t k = 0; k < late_deletions.size(); ++k) {
      EXPECT_EQ(Render(late, late_deletions[k]), Render(prompt, prompt_deletions[k]));
    }
  }
  // Fully settled, the tenant is the one without late publication.
  const auto settled = Snapshot::Settled(kNow);
  EXPECT_EQ(TruthToJson(ComputeTruth(late, kStart, kStart + 3 * kDay, settled)),
            TruthToJson(ComputeTruth(prompt, kStart, kStart + 3 * kDay, settled)));
  EXPECT_EQ(SummaryToJson(ComputeSummary(late, kStart, kStart + 3 * kDay, settled)),
            SummaryToJson(ComputeSummary(prompt, kStart, kStart + 3 * kDay, settled)));
}

TEST(LatePublication, AQuerySeesExactlyTheDeliveriesPublishedByItsSnapshot) {
  const Tenant tenant(LateConfig());
  const std::int64_t from = kStart;
  const std::int64_t to = kStart + kDay;
  // Deliveries of each record id, by the model: when each copy is published.
  std::map<std::string, std::vector<std::int64_t>> published;
  for (const Slot& slot : Deliveries(tenant, from / kHour, 24)) {
    if (!slot.IsValid()) continue;  // noise is filtered out; malformed ones may lack an id
    published[tenant.RecordId(slot)].push_back(tenant.PublishedAt(slot));
  }

  bool saw_one_copy_of_a_duplicate = false;
  for (const std::int64_t at : {from + 6 * kHour, to - 1, to + kHour, to + kDay, to + 3 * kDay}) {
    const Snapshot snapshot = Snapshot::At(at);
    const QueryFilters filters = PowerAppsFilters(from, to);
    const auto records =
        ReadAll(tenant, filters, snapshot, 1000, CountMatches(tenant, filters, snapshot));
    std::map<std::string, std::size_t> served;
    for (const auto& record : records) {
      const std::string id = record.value("id", "");
      if (published.count(id) != 0) ++served[id];
    }
    for (const auto& [id, times] : published) {
      std::size_t expected = 0;
      for (const std::int64_t time : times) expected += time <= at ? 1 : 0;
      EXPECT_EQ(served.count(id) != 0 ? served[id] : 0, expected) << id << " at " << at;
      if (times.size() == 2 && expected == 1) saw_one_copy_of_a_duplicate = true;
    }
    ExpectServedRecordsMatchTruth(tenant, from, to, snapshot);
  }
  EXPECT_TRUE(saw_one_copy_of_a_duplicate) << "copies of a duplicate are published apart";
}

TEST(LatePublication, TheTruthGrowsUntilItSettlesAfterAWeek) {
  const Tenant tenant(LateConfig());
  const std::int64_t from = kStart;
  const std::int64_t to = kStart + 2 * kDay;
  const TruthSummary settled = ComputeSummary(tenant, from, to, Snapshot::Settled(kNow));
  std::uint64_t previous = 0;
  for (std::int64_t at = from; at <= to + 8 * kDay; at += 6 * kHour) {
    const TruthSummary summary = ComputeSummary(tenant, from, to, Snapshot::At(at));
    EXPECT_GE(summary.total_served, previous) << at;
    EXPECT_LE(summary.total_served, settled.total_served) << at;
    EXPECT_EQ(summary.total_served, summary.launch_records + summary.delete_records +
                                        summary.duplicate_deliveries + summary.malformed_records);
    previous = summary.total_served;
  }
  const TruthSummary at_end = ComputeSummary(tenant, from, to, Snapshot::At(to));
  const double share =
      static_cast<double>(at_end.total_served) / static_cast<double>(settled.total_served);
  EXPECT_GT(share, 0.85);
  EXPECT_LT(share, 0.97);
  const auto week_later = Snapshot::At(to + 7 * kDay);
  EXPECT_EQ(SummaryToJson(ComputeSummary(tenant, from, to, week_later)), SummaryToJson(settled));
  EXPECT_EQ(TruthToJson(ComputeTruth(tenant, from, to, week_later)),
            TruthToJson(ComputeTruth(tenant, from, to, Snapshot::Settled(kNow))));
}

TEST(BoundaryRate, PutsThatShareOfSlotsOnTheHourAndChangesNothingElse) {
  TenantConfig config;
  config.boundary_rate = 0.1;
  const Tenant boundary(config);
  const Tenant plain(TenantConfig{});
  const std::int64_t first = kStart / kHour;
  std::size_t slots = 0;
  std::size_t on_the_hour = 0;
  for (std::int64_t hour = first; hour < first + 24 * 7; ++hour) {
    for (std::uint32_t i = 0; i < boundary.BaseCount(hour); ++i) {
      Slot moved = boundary.DecodeBase(hour, i);
      const Slot original = plain.DecodeBase(hour, i);
      ++slots;
      if (moved.time == hour * kHour) ++on_the_hour;
      EXPECT_TRUE(moved.time == original.time || moved.time == hour * kHour);
      moved.time = original.time;
      EXPECT_EQ(Render(boundary, moved), Render(plain, original));
    }
  }
  EXPECT_NEAR(static_cast<double>(on_the_hour) / static_cast<double>(slots), 0.1, 0.01);
  // Whole days hold the same records, so their counts are unchanged (only the times of the latest
  // launches may move).
  const auto counts = [](const std::vector<AppTruth>& apps) {
    std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> by_app;
    for (const AppTruth& app : apps) by_app[app.app_id] = {app.launches, app.unique_users};
    return by_app;
  };
  const std::int64_t end = kStart + 7 * kDay;
  EXPECT_EQ(counts(ComputeTruth(boundary, kStart, end, Snapshot::At(kNow))),
            counts(ComputeTruth(plain, kStart, end, Snapshot::At(kNow))));
  EXPECT_EQ(SummaryToJson(ComputeSummary(boundary, kStart, end, Snapshot::At(kNow))),
            SummaryToJson(ComputeSummary(plain, kStart, end, Snapshot::At(kNow))));
}

}  // namespace
}  // namespace emulator
