#include "tenant.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include <fmt/format.h>

#include "ids.hpp"

namespace emulator {
namespace {

// Tags keep the hash streams of different things independent of each other.
enum Tag : std::uint64_t {
  kTagEnvironment = 0x1001,
  kTagUser,
  kTagApp,
  kTagAppEnvironment,
  kTagMortal,
  kTagOwner,
  kTagHourCount,
  kTagSlot,
  kTagRecordId,
  kTagDeletionId,
  kTagEphemeral,
  kTagDeletionDetail,
  // Added later: new tags go at the end, so that no existing stream changes.
  kTagBoundary,
  kTagPublication,
  kTagCopyPublication,
  kTagDeletionPublication,
  kTagGeneralNoise,
  kTagGeneralNoiseId,
  kTagGuest,
  kTagDollar,
};

// Home domains of B2B guests.
constexpr std::string_view kGuestDomains[] = {"fabrikam.com", "adatum.com", "outlook.com",
                                              "northwind-traders.de"};

constexpr std::string_view kAppNames[] = {
    "Expense <App> \"Pro\"",
    "Café Inventário ✓",
    "Field Service – Déjà vu",
    "O'Brien's Timesheet",
    "R&D Tracker",
    "Help Desk",
    "Onboarding 🚀 Hub",
    "Sales Pipeline (EMEA)",
    "Ünïcødé Asset Manager",
    "Travel & Visa Requests",
    "Safety Inspections C:\\Sites\\North",
    "日本語 受付アプリ",
    "Room Booking",
    "Contract Review <beta>",
    "Leave Requests",
    "Продажи Dashboard",
    "Vendor Portal \"Lite\"",
    "Maintenance Log",
    "Ideas & Feedback",
    "Équipe Planning",
};

constexpr std::string_view kEnvironmentNames[] = {
    "Contoso (default)", "Sales – Production", "Dev & Test",   "Finance \"EU\"",
    "Ops <Canary>",      "Zürich Ops",         "HR's Sandbox", "Research 研究",
};

constexpr std::string_view kFirstNames[] = {
    "Amber",  "Connor", "Priya", "Lukas", "Mei",   "Santiago", "Olga",  "Kwame", "Sofia", "Hiroshi",
    "Fatima", "Noah",   "Ines",  "Rahul", "Chloe", "Mateo",    "Aisha", "Jonas", "Elena", "Tomasz",
    "Grace",  "Omar",   "Lena",  "Diego", "Yuki",  "Kofi",     "Nora",  "Ravi",  "Clara", "Emeka",
};
constexpr std::string_view kLastNames[] = {
    "Lee",   "OBrien", "Patel",   "Muller", "Chen",   "Garcia", "Ivanova", "Mensah",
    "Rossi", "Tanaka", "Haddad",  "Smith",  "Silva",  "Sharma", "Martin",  "Lopez",
    "Khan",  "Berg",   "Popescu", "Nowak",  "Kim",    "Farah",  "Weber",   "Torres",
    "Sato",  "Owusu",  "Larsen",  "Iyer",   "Dubois", "Okafor",
};
constexpr std::size_t kFirstCount = std::size(kFirstNames);
constexpr std::size_t kLastCount = std::size(kLastNames);

// Relative activity per UTC hour of day, in per mille (mean 1000): quiet nights, busy afternoons.
// Integers rather than a sine so that every platform computes the same counts.
constexpr std::array<int, 24> kDailyCycle = {
    720,  680,  670,  680,  720,  800,  900,  1020, 1140, 1250, 1320, 1350,
    1370, 1350, 1320, 1260, 1170, 1100, 1020, 950,  880,  820,  770,  740,
};

constexpr std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

std::uint64_t U(std::int64_t value) { return static_cast<std::uint64_t>(value); }

std::vector<double> CumulativeZipf(std::size_t count) {
  std::vector<double> cumulative(count);
  double total = 0;
  for (std::size_t k = 0; k < count; ++k) {
    total += 1.0 / static_cast<double>(k + 1);
    cumulative[k] = total;
  }
  return cumulative;
}

}  // namespace

std::string ValidateTenantConfig(const TenantConfig& config) {
  if (config.apps < 1) return "--apps must be at least 1";
  if (config.users < 1) return "--users must be at least 1";
  if (config.environments < 1) return "--environments must be at least 1";
  if (config.launches_per_hour < 0 || config.launches_per_hour > 10'000'000) {
    return "--launches-per-hour must be between 0 and 10000000";
  }
  for (const double rate :
       {config.duplicate_rate, config.malformed_rate, config.noise_rate, config.delete_rate,
        config.boundary_rate, config.guest_rate, config.dollar_rate}) {
    if (!(rate >= 0.0 && rate <= 1.0)) return "rates must be between 0 and 1";
  }
  if (!(config.general_noise >= 0.0 && config.general_noise <= 1000.0)) {
    return "--general-noise must be between 0 and 1000";
  }
  if (config.blob_records < 1 || config.blob_records > 10'000'000) {
    return "--blob-records must be between 1 and 10000000";
  }
  if (config.noise_rate + config.delete_rate > 1.0) {
    return "--noise-rate plus --delete-rate must not exceed 1";
  }
  return {};
}

Tenant::Tenant(TenantConfig config) : config_(std::move(config)) {
  const std::uint64_t seed = config_.seed;
  upn_domain_ = config_.tenant_domain;
  if (!upn_domain_.empty() && upn_domain_[0] >= 'a' && upn_domain_[0] <= 'z') {
    upn_domain_[0] = static_cast<char>(upn_domain_[0] - 'a' + 'A');
  }

  const auto env_count = static_cast<std::size_t>(config_.environments);
  for (std::size_t e = 0; e < env_count; ++e) {
    std::string name(kEnvironmentNames[e % std::size(kEnvironmentNames)]);
    if (e >= std::size(kEnvironmentNames)) {
      name += fmt::format(" {}", e / std::size(kEnvironmentNames) + 1);
    }
    environments_.push_back({GuidFromHash(Hash(seed, kTagEnvironment, e)), std::move(name)});
  }

  const auto user_count = static_cast<std::size_t>(config_.users);
  for (std::size_t u = 0; u < user_count; ++u) {
    // (u mod 30, (u/30 + 7u) mod 30) is a bijection on [0, 900), so the first 900 users have
    // distinct names; later ones get a number.
    const std::size_t first = u % kFirstCount;
    const std::size_t last = (u / kFirstCount + 7 * u) % kLastCount;
    std::string local = fmt::format("{}.{}", kFirstNames[first], kLastNames[last]);
    if (u >= kFirstCount * kLastCount) local += std::to_string(u / (kFirstCount * kLastCount) + 1);
    User user;
    user.id = GuidFromHash(Hash(seed, kTagUser, u));
    user.given_name = kFirstNames[first];
    user.surname = kLastNames[last];
    const std::uint64_t guest = Hash(seed, kTagGuest, u);
    if (static_cast<double>(guest >> 11) * 0x1.0p-53 < config_.guest_rate) {
      // How Entra names an invited guest: the home address with '@' turned into '_', then #EXT#.
      user.guest_domain = kGuestDomains[(guest & 0xff) % std::size(kGuestDomains)];
      local += "_" + user.guest_domain + "#EXT#";
    }
    const std::uint64_t dollar = Hash(seed, kTagDollar, u);
    if (static_cast<double>(dollar >> 11) * 0x1.0p-53 < config_.dollar_rate) local = "$" + local;
    user.upn = local + "@" + upn_domain_;
    user.upn_lower = ToLower(user.upn);
    users_.push_back(std::move(user));
  }

  const auto app_count = static_cast<std::size_t>(config_.apps);
  for (std::size_t k = 0; k < app_count; ++k) {
    CatalogApp app;
    app.name = std::string(kAppNames[k % std::size(kAppNames)]);
    if (k >= std::size(kAppNames)) app.name += fmt::format(" {}", k / std::size(kAppNames) + 1);
    app.environment = static_cast<std::uint32_t>(Hash(seed, kTagAppEnvironment, k) % env_count);
    // About one app in four (never the two most popular) is deleted at the end of a lifetime of
    // 3 to 14 days and replaced by a new app with the same name and a new id.
    const std::uint64_t mortal = Hash(seed, kTagMortal, k);
    app.mortal = k >= 2 && mortal % 4 == 0;
    app.lifetime_hours = 72 + static_cast<std::int64_t>((mortal >> 8) % (14 * 24 - 72 + 1));
    app.offset_hours = static_cast<std::int64_t>((mortal >> 24) % U(app.lifetime_hours));
    app.owner = static_cast<std::uint32_t>(Hash(seed, kTagOwner, k) % user_count);
    if (app.mortal) mortal_apps_.push_back(static_cast<std::uint32_t>(k));
    catalog_.push_back(std::move(app));
  }

  app_weights_ = CumulativeZipf(app_count);
  user_weights_ = CumulativeZipf(user_count);
}

std::uint32_t Tenant::PickZipf(const std::vector<double>& cumulative, double unit) {
  const double target = unit * cumulative.back();
  const auto it = std::upper_bound(cumulative.begin(), cumulative.end(), target);
  const auto index = static_cast<std::size_t>(it - cumulative.begin());
  return static_cast<std::uint32_t>(std::min(index, cumulative.size() - 1));
}

std::uint32_t Tenant::BaseCount(std::int64_t hour) const {
  const std::uint64_t h = Hash(config_.seed, kTagHourCount, U(hour));
  const auto hour_of_day = static_cast<std::size_t>(((hour % 24) + 24) % 24);
  // Per-hour jitter of +-150 per mille on top of the daily cycle: the factor stays within
  // roughly 0.5..1.5 of the average.
  const std::int64_t jitter = static_cast<std::int64_t>(h % 301) - 150;
  const std::int64_t permille = kDailyCycle[hour_of_day] + jitter;
  const std::int64_t rounding = static_cast<std::int64_t>((h >> 20) % 1000);
  return static_cast<std::uint32_t>((config_.launches_per_hour * permille + rounding) / 1000);
}

std::int64_t Tenant::IncarnationAt(const CatalogApp& app, std::int64_t hour) const {
  if (!app.mortal) return 0;
  return FloorDiv(hour - app.offset_hours, app.lifetime_hours);
}

bool Tenant::EndsIn(const CatalogApp& app, std::int64_t hour) const {
  if (!app.mortal) return false;
  return IncarnationAt(app, hour) != IncarnationAt(app, hour + 1);
}

Slot Tenant::DecodeBase(std::int64_t hour, std::uint32_t index) const {
  Stream stream(Hash(config_.seed, kTagSlot, U(hour), index));
  Slot slot;
  slot.hour = hour;
  slot.index = index;
  slot.origin = Origin::kBase;

  // The draws happen in a fixed order whatever the outcome, so that one decision never shifts
  // the random numbers of another.
  const double kind = stream.Unit();
  const double malformed = stream.Unit();
  const std::uint64_t malformed_variant = stream.Next();
  const double duplicate = stream.Unit();
  std::int64_t offset = static_cast<std::int64_t>(stream.Below(3600));
  const double app = stream.Unit();
  const double user = stream.Unit();
  const double shape = stream.Unit();
  slot.detail = stream.Next();
  slot.noise_op = static_cast<std::uint8_t>(stream.Below(kNoiseOperationCount));

  if (kind < config_.noise_rate) {
    slot.kind = Kind::kNoise;
  } else if (kind < config_.noise_rate + config_.delete_rate) {
    slot.kind = Kind::kDelete;
  } else {
    slot.kind = Kind::kLaunch;
  }
  slot.shape = shape < 0.75 ? Shape::kCurrent : Shape::kLegacy;
  slot.user = PickZipf(user_weights_, user);
  slot.app = PickZipf(app_weights_, app);
  const CatalogApp& catalog_app = catalog_[slot.app];
  slot.incarnation = IncarnationAt(catalog_app, hour);
  if (OnTheHour(hour, index)) offset = 0;
  // A mortal app is deleted at second 3599 of its last hour: its launches come strictly before.
  if (offset == 3599 && EndsIn(catalog_app, hour)) offset = 3598;
  slot.time = hour * 3600 + offset;

  if (slot.kind != Kind::kNoise) {
    if (malformed < config_.malformed_rate) {
      slot.malformed = static_cast<Malformed>(1 + malformed_variant % kMalformedVariants);
      if (slot.malformed == Malformed::kNoAppId) slot.shape = Shape::kCurrent;
    } else {
      slot.duplicated = duplicate < config_.duplicate_rate;
    }
  }
  return slot;
}

bool Tenant::OnTheHour(std::int64_t hour, std::uint32_t index) const {
  // A stream of its own rather than one more draw from the slot's: the slot's draws then stay
  // exactly what they were without --boundary-rate.
  if (config_.boundary_rate <= 0) return false;
  return Stream(Hash(config_.seed, kTagBoundary, U(hour), index)).Unit() < config_.boundary_rate;
}

std::int64_t Tenant::PublicationDelay(const Slot& slot) const {
  if (!config_.late_publication) return 0;
  // Own streams again (see OnTheHour), one per delivery: a duplicate's second copy is published
  // independently of the first.
  std::uint64_t key = 0;
  if (slot.origin == Origin::kAppDeletion) {
    key = Hash(config_.seed, kTagDeletionPublication, slot.app, U(slot.incarnation));
  } else {
    key = Hash(config_.seed, slot.copy ? kTagCopyPublication : kTagPublication, U(slot.hour),
               slot.index);
  }
  Stream stream(key);
  const double band = stream.Unit();
  const std::uint64_t within = stream.Next();
  std::int64_t low = 0;
  for (const PublicationBand& step : kPublicationCurve) {
    if (band < step.share || step.share >= 1.0) {
      return low + 1 + static_cast<std::int64_t>(within % U(step.up_to - low));
    }
    low = step.up_to;
  }
  return low;  // not reached: the last band has share 1
}

std::vector<Slot> Tenant::AppDeletions(std::int64_t hour) const {
  std::vector<Slot> deletions;
  for (const std::uint32_t k : mortal_apps_) {
    const CatalogApp& app = catalog_[k];
    if (!EndsIn(app, hour)) continue;
    Slot slot;
    slot.hour = hour;
    slot.index = k;
    slot.origin = Origin::kAppDeletion;
    slot.kind = Kind::kDelete;
    slot.app = k;
    slot.incarnation = IncarnationAt(app, hour);
    slot.time = hour * 3600 + 3599;
    slot.user = app.owner;
    slot.detail = Hash(config_.seed, kTagDeletionDetail, k, U(slot.incarnation));
    slot.shape = (slot.detail >> 60) < 4 ? Shape::kLegacy : Shape::kCurrent;
    deletions.push_back(slot);
  }
  return deletions;
}

Slot Tenant::DecodeGeneralNoise(std::int64_t hour, std::uint32_t index) const {
  Stream stream(Hash(config_.seed, kTagGeneralNoise, U(hour), index));
  Slot slot;
  slot.hour = hour;
  slot.index = index;
  slot.origin = Origin::kGeneralNoise;
  slot.kind = Kind::kNoise;
  slot.time = hour * 3600 + static_cast<std::int64_t>(stream.Below(3600));
  slot.user = static_cast<std::uint32_t>(stream.Below(users_.size()));
  slot.noise_op = kGeneralNoiseOperations[stream.Below(std::size(kGeneralNoiseOperations))];
  slot.app = PickZipf(app_weights_, stream.Unit());
  slot.incarnation = IncarnationAt(catalog_[slot.app], hour);
  slot.detail = stream.Next();
  return slot;
}

Tenant::HourExtras Tenant::Extras(std::int64_t hour) const {
  HourExtras extras;
  extras.deletions = AppDeletions(hour);
  const std::uint32_t count = BaseCount(hour);
  if (config_.duplicate_rate > 0) {
    for (std::uint32_t i = 0; i < count; ++i) {
      if (DecodeBase(hour, i).duplicated) extras.duplicates.push_back(i);
    }
  }
  return extras;
}

AppInfo Tenant::AppOf(const Slot& slot) const {
  AppInfo info;
  if (slot.origin == Origin::kBase && slot.kind == Kind::kDelete) {
    // Ephemeral apps: created and discarded without ever being launched, so their deletion
    // never precedes a launch.
    const std::uint64_t h = Hash(config_.seed, kTagEphemeral, U(slot.hour), slot.index);
    info.id = GuidFromHash(h);
    info.name = fmt::format("Draft – {:04X} (copy)", h & 0xffff);
    info.environment = static_cast<std::uint32_t>((h >> 32) % environments_.size());
    return info;
  }
  const CatalogApp& app = catalog_[slot.app];
  // Incarnations of one catalog app share a name and an environment but not an id.
  const std::uint64_t incarnation = app.mortal ? U(slot.incarnation) ^ 0x6d6f7274616cULL : 0;
  info.id = GuidFromHash(Hash(config_.seed, kTagApp, slot.app, incarnation));
  info.name = app.name;
  info.environment = app.environment;
  return info;
}

std::string Tenant::RecordId(const Slot& slot) const {
  if (slot.origin == Origin::kGeneralNoise) {
    return GuidFromHash(Hash(config_.seed, kTagGeneralNoiseId, U(slot.hour), slot.index));
  }
  if (slot.origin == Origin::kAppDeletion) {
    return GuidFromHash(Hash(config_.seed, kTagDeletionId, slot.app, U(slot.incarnation)));
  }
  return GuidFromHash(Hash(config_.seed, kTagRecordId, U(slot.hour), slot.index));
}

std::string_view Tenant::Operation(const Slot& slot) const {
  switch (slot.kind) {
    case Kind::kLaunch:
      return "LaunchPowerApp";
    case Kind::kDelete:
      return "DeletePowerApp";
    case Kind::kNoise:
      break;
  }
  return kNoiseOperations[slot.noise_op].operation;
}

std::string_view Tenant::Service(const Slot& slot) const {
  if (slot.kind == Kind::kNoise) return kNoiseOperations[slot.noise_op].service;
  return slot.shape == Shape::kCurrent ? "PowerPlatform" : "PowerApps";
}

std::string_view Tenant::RecordTypeName(const Slot& slot) const {
  if (slot.kind == Kind::kNoise) return kNoiseOperations[slot.noise_op].record_type;
  return slot.shape == Shape::kCurrent ? "PowerPlatformAdministratorActivity" : "PowerAppsApp";
}

int Tenant::RecordTypeNumber(const Slot& slot) const {
  if (slot.kind == Kind::kNoise) return kNoiseOperations[slot.noise_op].record_type_number;
  return slot.shape == Shape::kCurrent ? 256 : 45;
}

}  // namespace emulator
