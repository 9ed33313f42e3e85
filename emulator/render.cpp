#include "render.hpp"

#include <array>
#include <chrono>
#include <utility>

#include <fmt/format.h>

#include "core/time.hpp"
#include "ids.hpp"
#include "json_writer.hpp"

namespace emulator {

void AppendJsonString(std::string& out, std::string_view text) {
  out += '"';
  // Copy runs of plain characters in bulk; only quotes, backslashes and control characters
  // need escaping (UTF-8 passes through).
  std::size_t run = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
    }
  }
  out.append(text.data() + run, text.size() - run);
  out += '"';
}

namespace {

constexpr std::string_view kUserAgents[] = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Mobile/15E148 PowerApps/3.24.11",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.0 Safari/605.1.15",
    "PowerApps-Android/3.24.10 (Pixel 8; Android 15)",
};

// Case variant of a UPN: mostly as registered, sometimes lower or upper case, as the unified
// audit log really does for the same user across workloads.
std::string UpnVariant(const User& user, double unit) {
  if (unit < 0.7) return user.upn;
  if (unit < 0.9) return user.upn_lower;
  return ToUpper(user.upn);
}

std::string ClientIp(std::uint64_t bits) {
  switch (bits % 4) {
    case 0:
      return fmt::format("203.0.113.{}", (bits >> 8) % 254 + 1);
    case 1:
      return fmt::format("198.51.100.{}", (bits >> 8) % 254 + 1);
    case 2:
      return fmt::format("2001:db8::{:x}:{:x}", (bits >> 16) & 0xffff, (bits >> 32) & 0xffff);
    default:
      return fmt::format("192.0.2.{}", (bits >> 8) % 254 + 1);
  }
}

// Recased PropertyCollection names for the few records where a client's case-sensitive lookup
// would miss the key.
std::string RecaseName(std::string_view name, int style) {
  if (style == 1) return ToUpper(name);
  std::string out(name);
  bool start = true;
  for (char& c : out) {
    if (start && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    start = (c == '.' || c == '_');
  }
  return out;
}

struct Context {
  const Tenant& tenant;
  const Slot& slot;
  Stream variation;
  std::string id;
  std::string created;        // createdDateTime
  std::string creation_time;  // auditData.CreationTime (no zone)
  std::string top_upn;
  std::string data_upn;
  std::string ip;
  const User& user;
};

void BeginEnvelope(Context& c, JsonWriter& w) {
  const Slot& slot = c.slot;
  const bool no_id = slot.malformed == Malformed::kNoId;
  w.BeginObject();
  if (!no_id || (slot.detail & 1) == 0) w.Member("id", no_id ? "" : c.id);
  w.Member("createdDateTime", c.created);
  w.Member("auditLogRecordType", c.tenant.RecordTypeName(slot));
  w.Member("operation", c.tenant.Operation(slot));
  w.Member("organizationId", c.tenant.config().tenant_id);
  w.Member("userType", "Regular");
  w.Member("userId", c.top_upn);
  w.Member("service", c.tenant.Service(slot));
}

// The unified audit log's common schema. Graph adds its @odata.type; the Management Activity API
// serves the record as it is.
void CommonAuditData(Context& c, JsonWriter& w, bool graph) {
  const Slot& slot = c.slot;
  if (graph) w.Member("@odata.type", "#microsoft.graph.security.defaultAuditData");
  if (slot.malformed != Malformed::kNoId) {
    w.Member("Id", c.id);
  } else if ((slot.detail & 1) == 0) {
    w.Member("Id", "");
  }
  w.MemberInt("RecordType", c.tenant.RecordTypeNumber(slot));
  if (!graph && slot.malformed == Malformed::kAuditDataNumber) {
    // Without an envelope there is no auditData to be a number: the time is, instead.
    w.MemberInt("CreationTime", static_cast<std::int64_t>(slot.detail % 100000));
  } else {
    w.Member("CreationTime", c.creation_time);
  }
  w.Member("Operation", c.tenant.Operation(slot));
  w.Member("OrganizationId", c.tenant.config().tenant_id);
  w.MemberInt("UserType", 0);
  w.Member("UserKey", c.user.id);
  w.Member("UserId", c.data_upn);
}

void PowerPlatformAuditData(Context& c, JsonWriter& w, std::string_view activity) {
  const Slot& slot = c.slot;
  const AppInfo app = c.tenant.AppOf(slot);
  const Environment& env = c.tenant.environments()[app.environment];

  const double app_id_form = c.variation.Unit();
  const double env_id_form = c.variation.Unit();
  const double name_case = c.variation.Unit();
  const std::uint64_t name_style = c.variation.Next();
  const std::uint64_t user_agent = c.variation.Next();
  const std::string activity_id = GuidFromHash(c.variation.Next());
  const std::string correlation_id = GuidFromHash(c.variation.Next());

  std::string app_id = app.id;
  if (app_id_form < 0.05) {
    app_id = "/providers/Microsoft.PowerApps/apps/" + app.id;
  } else if (app_id_form < 0.10) {
    app_id = ToUpper(app.id);
  }
  const std::string env_id = env_id_form < 0.02 ? ToUpper(env.id) : env.id;

  w.Member("Workload", "PowerPlatform");
  w.Member("ResultStatus", "Succeeded");
  w.Member("ClientIP", c.ip);
  w.Member("EnvironmentId", env_id);
  w.MemberInt("Version", 1);
  w.Key("RequiresCustomerKeyEncryption");
  w.Bool(false);

  const std::string_view user_agent_text = kUserAgents[user_agent % std::size(kUserAgents)];
  struct Property {
    std::string_view name;
    std::string_view value;
  };
  std::array<Property, 17> properties = {{
      {"powerplatform.analytics.resource.power_app.id", app_id},
      {"powerplatform.analytics.resource.type", "PowerApp"},
      {"powerplatform.analytics.activity.name", activity},
      {"powerplatform.analytics.activity.id", activity_id},
      {"powerplatform.analytics.resource.power_app.display_name", app.name},
      {"powerplatform.analytics.resource.environment.id", env_id},
      {"powerplatform.analytics.resource.environment.name", env.name},
      {"powerplatform.analytics.resource.tenant.id", c.tenant.config().tenant_id},
      {"powerplatform.analytics.operation.is_successful", "True"},
      {"powerplatform.analytics.resource.telemetry_correlation.id", correlation_id},
      {"enduser.principal_name", c.data_upn},
      {"enduser.id", c.user.id},
      {"enduser.role", "User"},
      {"enduser.ip_address", c.ip},
      {"user_agent.original", user_agent_text},
      {"version", "1.0"},
      {"type", "PowerPlatformAdministratorActivityRecord"},
  }};
  // The malformed variant simply leaves out the first entry, the app id.
  const std::size_t first = slot.malformed == Malformed::kNoAppId ? 1 : 0;
  // Real collections come in no fixed order.
  for (std::size_t i = properties.size() - 1; i > first; --i) {
    std::swap(properties[i], properties[first + c.variation.Below(i - first + 1)]);
  }
  const bool recase = name_case < 0.05;

  w.Key("PropertyCollection");
  w.BeginArray();
  for (std::size_t i = first; i < properties.size(); ++i) {
    w.BeginObject();
    if (recase) {
      w.Member("Name", RecaseName(properties[i].name, static_cast<int>(name_style % 2)));
    } else {
      w.Member("Name", properties[i].name);
    }
    w.Member("Value", properties[i].value);
    w.EndObject();
  }
  w.EndArray();
}

void LegacyAuditData(Context& c, JsonWriter& w) {
  const AppInfo app = c.tenant.AppOf(c.slot);
  const Environment& env = c.tenant.environments()[app.environment];
  const std::string session = GuidFromHash(c.variation.Next());

  w.Member("Workload", "PowerApps");
  w.Member("ResultStatus", "Succeeded");
  w.Member("ClientIP", c.ip);
  w.Member("AppName", app.id);
  w.Member("EnvironmentName", env.id);
  // AdditionalInfo is a JSON document inside a JSON string, as the legacy schema sends it.
  std::string info;
  JsonWriter inner(info);
  inner.BeginObject();
  inner.Member("appDisplayName", app.name);
  inner.Member("environmentDisplayName", env.name);
  inner.Member("appSessionId", session);
  inner.EndObject();
  w.Member("AdditionalInfo", info);
  w.MemberInt("Version", 1);
}

void NoiseAuditData(Context& c, JsonWriter& w) {
  const Slot& slot = c.slot;
  const NoiseOperation& op = kNoiseOperations[slot.noise_op];
  w.Member("Workload", op.service);
  w.Member("ResultStatus", "Succeeded");
  const std::uint64_t bits = c.variation.Next();
  if (op.operation == "FileAccessed") {
    const std::string url =
        fmt::format("https://contoso.sharepoint.com/sites/team{}/Shared Documents/report-{}.xlsx",
                    bits % 12, (bits >> 8) % 500);
    w.Member("ClientIP", c.ip);
    w.Member("ObjectId", url);
    w.Member("SourceFileName", fmt::format("report-{}.xlsx", (bits >> 8) % 500));
  } else if (op.operation == "CopilotInteraction") {
    w.Key("CopilotEventData");
    w.BeginObject();
    w.Member("AppHost", (bits & 1) ? "Teams" : "Word");
    w.Key("Contexts");
    w.BeginArray();
    w.EndArray();
    w.EndObject();
  } else if (op.operation == "MailItemsAccessed") {
    w.Member("ClientIP", c.ip);
    w.Member("MailboxOwnerUPN", c.data_upn);
    w.Member("OperationCount", std::to_string(bits % 40 + 1));
  } else if (op.operation == "ViewReport") {
    w.Member("ClientIP", c.ip);
    w.Member("ReportName", fmt::format("Quarterly KPI {}", bits % 8));
    w.Member("WorkSpaceName", "Finance & Ops");
  }
}

// Renders the record (through Context) with its variations: they are drawn in the same order
// for both APIs, so a record is the same event in both.
template <typename Render>
void WithContext(const Tenant& tenant, const Slot& slot, Render render) {
  Stream variation(slot.detail);
  const User& user = tenant.users()[slot.user];
  const double top_case = variation.Unit();
  const double data_case = variation.Unit();
  const std::uint64_t ip_bits = variation.Next();

  Context c{tenant,
            slot,
            variation,
            tenant.RecordId(slot),
            {},
            {},
            UpnVariant(user, top_case),
            UpnVariant(user, data_case),
            ClientIp(ip_bits),
            user};
  if (slot.malformed == Malformed::kBadDate) {
    constexpr std::string_view kBadDates[] = {"not-a-date", "2026-13-45T99:99:99Z", ""};
    c.created = std::string(kBadDates[(slot.detail >> 1) % std::size(kBadDates)]);
    c.creation_time = "0000-00-00T00:00:00";
  } else {
    c.created = auditsync::FormatIso8601(auditsync::Instant{std::chrono::seconds{slot.time}});
    c.creation_time = c.created.substr(0, c.created.size() - 1);
  }
  render(c);
}

// The workload's part of the record, after the common schema.
void Payload(Context& c, JsonWriter& w) {
  const Slot& slot = c.slot;
  if (slot.kind == Kind::kNoise) {
    const NoiseOperation& op = kNoiseOperations[slot.noise_op];
    if (op.record_type_number == 256) {
      PowerPlatformAuditData(c, w, op.operation);
    } else {
      NoiseAuditData(c, w);
    }
  } else if (slot.shape == Shape::kCurrent) {
    PowerPlatformAuditData(c, w, c.tenant.Operation(slot));
  } else {
    LegacyAuditData(c, w);
  }
}

}  // namespace

void AppendRecord(const Tenant& tenant, const Slot& slot, std::string& out) {
  WithContext(tenant, slot, [&](Context& c) {
    const bool copilot = slot.kind == Kind::kNoise &&
                         kNoiseOperations[slot.noise_op].operation == "CopilotInteraction";
    JsonWriter w(out);
    BeginEnvelope(c, w);
    w.Key("objectId");
    w.Null();
    w.Member("userPrincipalName", c.top_upn);
    w.Key("clientIp");
    if (copilot) {
      w.Null();
    } else {
      w.String(c.ip);
    }
    w.Key("administrativeUnits");
    w.BeginArray();
    if (copilot) w.String("");
    w.EndArray();

    if (slot.malformed == Malformed::kNoAuditData) {
      w.EndObject();
      return;
    }
    w.Key("auditData");
    if (slot.malformed == Malformed::kAuditDataNumber) {
      w.Int(static_cast<std::int64_t>(slot.detail % 100000));
      w.EndObject();
      return;
    }
    w.BeginObject();
    CommonAuditData(c, w, /*graph=*/true);
    Payload(c, w);
    w.EndObject();
    w.EndObject();
  });
}

void AppendAuditRecord(const Tenant& tenant, const Slot& slot, std::string& out) {
  WithContext(tenant, slot, [&](Context& c) {
    JsonWriter w(out);
    w.BeginObject();
    CommonAuditData(c, w, /*graph=*/false);
    // The Graph variant without auditData has no counterpart here: it is a record with the
    // common schema only, which names no app.
    if (slot.malformed != Malformed::kNoAuditData) Payload(c, w);
    w.EndObject();
  });
}

}  // namespace emulator
