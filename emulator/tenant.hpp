// The deterministic synthetic tenant: apps, environments, users and an unbounded, lazily computed
// stream of audit records.
//
// Records are never stored. Hour h (hours since the Unix epoch) holds BaseCount(h) record slots;
// slot (h, i) is decoded in O(1) from Hash(seed, h, i). The records served for an hour are, in
// this order ("positions" of the hour):
//   [0, n)          the base slots, in index order;
//   [n, n + E)      deletion events of catalog apps whose lifetime ends in this hour;
//   [n + E, n+E+D)  second copies of the base slots marked `duplicated`.
// A (hour, position) pair is therefore a stable cursor, and paging needs O(page) memory.
//
// With late publication, each delivery (a base slot, a second copy, an app deletion) also has a
// publication delay: a query only sees what was published when it was created.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace emulator {

// Tenant options, shared by `serve` and `truth` so that both describe the same tenant.
struct TenantConfig {
  std::uint64_t seed = 42;
  int apps = 40;
  int users = 150;
  int environments = 4;
  int launches_per_hour = 120;  // average record slots per hour (all kinds)
  double duplicate_rate = 0.02;
  double malformed_rate = 0.002;
  double noise_rate = 0.1;
  double delete_rate = 0.01;
  // Each delivery appears in queries only after a delay drawn from kPublicationCurve.
  bool late_publication = false;
  // Fraction of base slots created exactly on the hour (minute 0, second 0), where two adjacent
  // windows meet.
  double boundary_rate = 0;
  // The Office 365 Management Activity API's Audit.General content (content.hpp): records of
  // other workloads per Power Apps record served (9: nine records in ten are noise), and records
  // per content blob.
  double general_noise = 9;
  int blob_records = 1000;
  // Fraction of users who are B2B guests: their UPN in this tenant is
  // `first.last_partner.com#EXT#@{tenant domain}`. 0 keeps every UPN (and so every record) of
  // tenants made before guests existed.
  double guest_rate = 0;
  // Fraction of users whose UPN starts with '$' (`$first.last@{tenant domain}`, as some service
  // and synced accounts are named): Graph reads them only as `/users('$…')`. 0 keeps every UPN.
  double dollar_rate = 0;
  std::string tenant_id = "11111111-2222-3333-4444-555555555555";
  std::string tenant_domain = "contoso.onmicrosoft.com";
  std::string client_id = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
};

// Empty when valid, else a message for the command line.
std::string ValidateTenantConfig(const TenantConfig& config);

enum class Kind : std::uint8_t { kLaunch, kDelete, kNoise };
// The two Power Apps payload shapes: RecordType 256 (PowerPlatform) and 45 (legacy PowerApps).
enum class Shape : std::uint8_t { kCurrent, kLegacy };
// Ways a LaunchPowerApp/DeletePowerApp record can be unusable for a client.
enum class Malformed : std::uint8_t {
  kNone,
  kNoAuditData,      // auditData property absent
  kAuditDataNumber,  // auditData is a JSON number
  kBadDate,          // createdDateTime (and CreationTime) not a date
  kNoId,             // id missing or empty
  kNoAppId,          // 256 record whose PropertyCollection has no power_app.id (and no AppName)
};
inline constexpr int kMalformedVariants = 5;

// kGeneralNoise: a record of another workload that only the Management Activity API's
// Audit.General content carries (content.hpp); Graph queries never see it.
enum class Origin : std::uint8_t { kBase, kAppDeletion, kGeneralNoise };

// Publication delay of late records, as measured for Power Platform: `share` of all deliveries
// are published within `up_to` seconds of their creation. A delay is drawn uniformly within its
// band (after the previous band's `up_to`, at most this one's).
struct PublicationBand {
  double share;
  std::int64_t up_to;
};
inline constexpr PublicationBand kPublicationCurve[] = {
    {0.80, 3600},                      // 80% within an hour
    {0.95, 86400},                     // 95% within a day
    {0.998, std::int64_t{2} * 86400},  // 99.8% within two days
    {1.0, std::int64_t{7} * 86400},    // all within a week
};

// Noise operations: other workloads, and Power Platform operations that are not launches or
// deletions. None is LaunchPowerApp or DeletePowerApp, so operationFilters must drop them.
struct NoiseOperation {
  std::string_view operation;
  std::string_view service;
  std::string_view record_type;
  int record_type_number;
};
inline constexpr NoiseOperation kNoiseOperations[] = {
    {"FileAccessed", "SharePoint", "SharePointFileOperation", 6},
    {"CopilotInteraction", "Copilot", "CopilotInteraction", 261},
    {"MailItemsAccessed", "Exchange", "ExchangeItemAggregated", 50},
    {"PublishPowerApp", "PowerPlatform", "PowerPlatformAdministratorActivity", 256},
    {"ViewReport", "PowerBI", "PowerBIAudit", 20},
    {"PowerAppPermissionEdited", "PowerPlatform", "PowerPlatformAdministratorActivity", 256},
};
inline constexpr int kNoiseOperationCount = 6;
// The noise operations that belong to Audit.General (not SharePoint's or Exchange's content).
inline constexpr std::uint8_t kGeneralNoiseOperations[] = {1, 3, 4, 5};

// One served record, decoded to numbers only (strings are made when rendering).
struct Slot {
  std::int64_t hour = 0;
  std::uint32_t index = 0;  // base slot index; for an app deletion, the catalog app
  Origin origin = Origin::kBase;
  Kind kind = Kind::kLaunch;
  Shape shape = Shape::kCurrent;
  Malformed malformed = Malformed::kNone;
  bool duplicated = false;  // a second, identical copy is served later in the hour
  bool copy = false;        // this is that second copy
  std::int64_t time = 0;    // createdDateTime, Unix seconds
  std::uint32_t app = 0;    // catalog app (launch, app deletion, noise); unused for ephemeral
  std::int64_t incarnation = 0;
  std::uint32_t user = 0;
  std::uint8_t noise_op = 0;
  std::uint64_t detail = 0;  // seeds the rendering variations (case, order, IPs...)

  bool IsPowerAppsOperation() const { return kind != Kind::kNoise; }
  bool IsValid() const { return kind != Kind::kNoise && malformed == Malformed::kNone; }
};

struct Environment {
  std::string id;  // lowercase GUID
  std::string name;
};

struct User {
  std::string id;   // Entra object id (UserKey, enduser.id)
  std::string upn;  // canonical mixed case, e.g. Amber.Lee@Contoso.onmicrosoft.com
  std::string upn_lower;
  std::string given_name;  // ASCII, as in the UPN
  std::string surname;
  std::string guest_domain;  // the home domain of a B2B guest; empty for a member
};

// A resolved app: a catalog app's incarnation, or an ephemeral app that is only ever deleted.
struct AppInfo {
  std::string id;  // lowercase GUID
  std::string name;
  std::uint32_t environment = 0;
};

class Tenant {
 public:
  explicit Tenant(TenantConfig config);

  const TenantConfig& config() const { return config_; }
  const std::vector<Environment>& environments() const { return environments_; }
  const std::vector<User>& users() const { return users_; }
  std::uint32_t app_count() const { return static_cast<std::uint32_t>(catalog_.size()); }

  // Number of base slots in the hour (varies with a daily cycle and a per-hour jitter).
  std::uint32_t BaseCount(std::int64_t hour) const;
  // Base slot `index` of the hour; index < BaseCount(hour).
  Slot DecodeBase(std::int64_t hour, std::uint32_t index) const;
  // Deletion events of catalog apps whose incarnation ends in this hour (at second 3599).
  std::vector<Slot> AppDeletions(std::int64_t hour) const;
  // Record `index` of the hour's Audit.General noise (Origin::kGeneralNoise), in O(1).
  Slot DecodeGeneralNoise(std::int64_t hour, std::uint32_t index) const;

  // Seconds from creation until this delivery can be seen by a query: 0 without late
  // publication, else in (0, 7 days]. A second copy has its own delay.
  std::int64_t PublicationDelay(const Slot& slot) const;
  std::int64_t PublishedAt(const Slot& slot) const { return slot.time + PublicationDelay(slot); }

  // The extras of an hour (positions n and beyond), which need a scan of the hour to find.
  struct HourExtras {
    std::vector<Slot> deletions;
    std::vector<std::uint32_t> duplicates;  // base indexes served a second time
  };
  HourExtras Extras(std::int64_t hour) const;

  // Rendering and filtering helpers.
  AppInfo AppOf(const Slot& slot) const;
  std::string RecordId(const Slot& slot) const;
  std::string_view Operation(const Slot& slot) const;
  std::string_view Service(const Slot& slot) const;
  std::string_view RecordTypeName(const Slot& slot) const;
  int RecordTypeNumber(const Slot& slot) const;
  // Display form of the tenant domain in UPNs (first letter upper case).
  const std::string& upn_domain() const { return upn_domain_; }

 private:
  struct CatalogApp {
    std::string name;
    std::uint32_t environment = 0;
    bool mortal = false;  // gets deleted and replaced periodically
    std::int64_t lifetime_hours = 0;
    std::int64_t offset_hours = 0;
    std::uint32_t owner = 0;  // user who deletes it
  };

  std::int64_t IncarnationAt(const CatalogApp& app, std::int64_t hour) const;
  bool EndsIn(const CatalogApp& app, std::int64_t hour) const;
  bool OnTheHour(std::int64_t hour, std::uint32_t index) const;
  static std::uint32_t PickZipf(const std::vector<double>& cumulative, double unit);

  TenantConfig config_;
  std::vector<Environment> environments_;
  std::vector<User> users_;
  std::vector<CatalogApp> catalog_;
  std::vector<std::uint32_t> mortal_apps_;
  std::vector<double> app_weights_;   // cumulative Zipf weights
  std::vector<double> user_weights_;  // cumulative Zipf weights
  std::string upn_domain_;
};

}  // namespace emulator
