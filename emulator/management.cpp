#include "management.hpp"

#include <algorithm>
#include <cctype>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/time.hpp"
#include "http_util.hpp"
#include "ids.hpp"

namespace emulator {
namespace {

constexpr char kContentType[] = "application/json; charset=utf-8";
constexpr char kAuditGeneral[] = "Audit.General";
constexpr const char* kContentTypes[] = {"Audit.AzureActiveDirectory", "Audit.Exchange",
                                         "Audit.SharePoint", kAuditGeneral, "DLP.All"};
constexpr std::int64_t kLongestListing = 24 * 3600;

std::string PathTenant(const httplib::Request& request) {
  return request.matches.size() > 1 ? request.matches[1].str() : "";
}

bool IsGuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash != (c == '-')) return false;
    if (!dash && !std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// contentCreated and contentExpiration: ISO 8601 with milliseconds, as the API writes them.
std::string ContentTime(std::int64_t seconds) {
  auto text = auditsync::FormatIso8601(auditsync::Instant{std::chrono::seconds{seconds}});
  text.insert(text.size() - 1, ".000");
  return text;
}

// startTime/endTime: YYYY-MM-DD, YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SS, UTC (§5.4).
std::optional<std::int64_t> ListingTime(const std::string& text) {
  if (text.size() != 10 && text.size() != 16 && text.size() != 19) return std::nullopt;
  const auto instant = auditsync::ParseIso8601(text);
  if (!instant) return std::nullopt;
  return instant->time_since_epoch().count();
}

std::string EncodeNextPage(const BlobRef& blob) {
  return Base64UrlEncode(fmt::format("{}:{}", blob.hour, blob.index));
}

std::optional<BlobRef> DecodeNextPage(const std::string& token) {
  const auto text = Base64UrlDecode(token);
  if (!text) return std::nullopt;
  const auto colon = text->find(':');
  if (colon == std::string::npos) return std::nullopt;
  try {
    return BlobRef{std::stoll(text->substr(0, colon)),
                   static_cast<std::uint32_t>(std::stoul(text->substr(colon + 1)))};
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

nlohmann::ordered_json SubscriptionJson(std::string_view status) {
  return {{"contentType", kAuditGeneral}, {"status", status}, {"webhook", nullptr}};
}

}  // namespace

std::string ManagementResource(int port) {
  return fmt::format("https://{}:{}", kManagementHost, port);
}

void SendAfError(httplib::Response& response, int status, std::string_view code,
                 std::string_view message) {
  response.status = status;
  response.set_content(
      nlohmann::ordered_json{{"error", {{"code", code}, {"message", message}}}}.dump(),
      kContentType);
}

bool ManagementService::Admit(const httplib::Request& request, httplib::Response& response,
                              std::string_view method) {
  const std::string tenant = PathTenant(request);
  if (!IsGuid(tenant)) {
    SendAfError(response, 400, "AF20013",
                fmt::format("The tenant ID '{}' in the request URL is not a valid GUID.", tenant));
    return false;
  }
  // The emulator's tokens are all for its one tenant: another tenant in the path cannot match.
  if (!EqualsIgnoreCase(tenant, tenant_.config().tenant_id)) {
    SendAfError(response, 401, "AF20010",
                fmt::format("The tenant ID '{}' in the request URL does not match the tenant ID "
                            "in the token.",
                            tenant));
    return false;
  }
  const std::string publisher = request.get_param_value("PublisherIdentifier");
  if (publisher.empty()) stats_.CountEvent("management_requests_without_publisher");
  if (settings_.requests_per_minute <= 0) return true;
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  while (!recent_.empty() && now - recent_.front() >= std::chrono::minutes(1)) recent_.pop_front();
  if (static_cast<int>(recent_.size()) >= settings_.requests_per_minute) {
    // Throttled calls count against the tenant too (§6.1): they are not recorded here, so a
    // client that waits gets in again.
    stats_.CountEvent("management_throttled");
    SendAfError(
        response, 403, "AF429",
        fmt::format("Too many requests. Method={}, PublisherId={}", method,
                    publisher.empty() ? "00000000-0000-0000-0000-000000000000" : publisher));
    return false;
  }
  recent_.push_back(now);
  return true;
}

bool ManagementService::Visible(std::int64_t created, std::int64_t now) const {
  if (created > now) return false;
  for (const auto& [from, to] : enabled_) {
    if (created < from || created >= to) continue;
    // The first content of a new subscription takes a while to appear.
    if (from != kNever && now < from + settings_.first_content_delay) continue;
    return true;
  }
  return false;
}

bool ManagementService::Subscribed(httplib::Response& response) const {
  if (settings_.subscription == SubscriptionState::kDisabled) {
    SendAfError(response, 400, "AF20023",
                "The subscription was disabled by the tenant administrator.");
    return false;
  }
  if (!Enabled()) {
    SendAfError(response, 400, "AF20022", "No subscription found for the specified content type.");
    return false;
  }
  return true;
}

void ManagementService::Start(const httplib::Request& request, httplib::Response& response) {
  if (request.get_param_value("contentType") != kAuditGeneral) {
    return SendAfError(response, 400, "AF20020", "The content type is not valid.");
  }
  std::lock_guard lock(mutex_);
  if (settings_.subscription == SubscriptionState::kDisabled) {
    return SendAfError(response, 400, "AF20023",
                       "The subscription was disabled by the tenant administrator.");
  }
  if (Enabled()) {
    return SendAfError(response, 400, "AF20024",
                       "The subscription is already enabled. No property change.");
  }
  enabled_.push_back({clock_.Now(), kForever});
  stats_.CountEvent("subscriptions_started");
  response.status = 200;
  response.set_content(SubscriptionJson("enabled").dump(), kContentType);
}

void ManagementService::Stop(const httplib::Request& request, httplib::Response& response) {
  if (request.get_param_value("contentType") != kAuditGeneral) {
    return SendAfError(response, 400, "AF20020", "The content type is not valid.");
  }
  std::lock_guard lock(mutex_);
  if (Enabled()) enabled_.back().second = clock_.Now();
  response.status = 200;
}

void ManagementService::List(const httplib::Request&, httplib::Response& response) {
  std::lock_guard lock(mutex_);
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  if (settings_.subscription == SubscriptionState::kDisabled || !enabled_.empty()) {
    const bool enabled = Enabled() && settings_.subscription != SubscriptionState::kDisabled;
    list.push_back(SubscriptionJson(enabled ? "enabled" : "disabled"));
  }
  response.status = 200;
  response.set_content(list.dump(), kContentType);
}

void ManagementService::Content(const httplib::Request& request, httplib::Response& response) {
  const std::string type = request.get_param_value("contentType");
  if (type.empty()) {
    return SendAfError(response, 400, "AF20001", "A required parameter is missing: contentType.");
  }
  if (std::find(std::begin(kContentTypes), std::end(kContentTypes), type) ==
      std::end(kContentTypes)) {
    return SendAfError(response, 400, "AF20020", "The content type is not valid.");
  }
  if (type != kAuditGeneral) {
    return SendAfError(response, 400, "AF20022",
                       "No subscription found for the specified content type.");
  }
  const std::int64_t now = clock_.Now();
  const bool has_start = request.has_param("startTime");
  const bool has_end = request.has_param("endTime");
  std::optional<std::int64_t> start = now - kLongestListing;
  std::optional<std::int64_t> end = now;
  if (has_start || has_end) {
    start = ListingTime(request.get_param_value("startTime"));
    end = ListingTime(request.get_param_value("endTime"));
  }
  if (has_start != has_end || !start || !end || *start >= *end || *end - *start > kLongestListing ||
      *start < now - kContentLifetime) {
    return SendAfError(response, 400, "AF20055",
                       "Start time and end time must both be specified (or both omitted) and must "
                       "be less than or equal to 24 hours apart, with the start time prior to end "
                       "time and start time no more than 7 days in the past.");
  }
  std::optional<BlobRef> from;
  if (request.has_param("nextPage")) {
    from = DecodeNextPage(request.get_param_value("nextPage"));
    if (!from || from->hour < ContentModel::FirstHourCreatedFrom(*start) ||
        from->hour > ContentModel::LastHourCreatedBefore(*end)) {
      return SendAfError(response, 400, "AF20031", "The nextPage value is not valid.");
    }
  }
  std::vector<BlobRef> blobs;
  std::optional<BlobRef> next;
  {
    std::lock_guard lock(mutex_);
    if (!Subscribed(response)) return;
    blobs = content_.List(
        *start, *end, from, settings_.page_size,
        [&](const BlobRef&, std::int64_t created) { return Visible(created, now); }, next);
  }
  const std::string base = BaseUrl(request, settings_.port);
  const std::string feed = fmt::format("{}/api/v1.0/{}/activity/feed", base, PathTenant(request));
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const auto& blob : blobs) {
    const std::string id = content_.ContentId(blob);
    const std::int64_t created = content_.Created(blob);
    list.push_back({{"contentType", kAuditGeneral},
                    {"contentId", id},
                    {"contentUri", feed + "/audit/" + id},
                    {"contentCreated", ContentTime(created)},
                    {"contentExpiration", ContentTime(created + kContentLifetime)}});
  }
  stats_.CountEvent("listings_served");
  if (next) {
    // The next page's full URL, with the same window (§5.4). Like the documented example, it
    // carries no PublisherIdentifier: a client must add its own.
    response.set_header(
        settings_.next_page_header,
        fmt::format("{}/subscriptions/content?contentType={}&startTime={}&endTime={}&nextPage={}",
                    feed, kAuditGeneral, request.get_param_value("startTime"),
                    request.get_param_value("endTime"), EncodeNextPage(*next)));
  }
  response.status = 200;
  response.set_content(list.dump(), kContentType);
}

void ManagementService::Blob(const httplib::Request& request, httplib::Response& response) {
  const std::string id = request.matches.size() > 2 ? request.matches[2].str() : "";
  const auto blob = content_.ParseContentId(id);
  if (!blob) return SendAfError(response, 400, "AF20052", "The content ID is not valid.");
  const std::int64_t now = clock_.Now();
  const std::int64_t created = content_.Created(*blob);
  {
    std::lock_guard lock(mutex_);
    if (settings_.subscription == SubscriptionState::kDisabled) {
      return SendAfError(response, 400, "AF20023",
                         "The subscription was disabled by the tenant administrator.");
    }
    if (!Visible(created, now)) {
      return SendAfError(response, 400, "AF20050", "The requested content does not exist.");
    }
  }
  const bool expired_early =
      settings_.expired_blobs > 0 &&
      Stream(Hash(tenant_.config().seed, HashString(id))).Unit() < settings_.expired_blobs;
  if (now >= created + kContentLifetime || expired_early) {
    stats_.CountEvent("blobs_expired");
    return SendAfError(response, 400, "AF20051", "The requested content is older than 7 days.");
  }
  if (settings_.blob_latency.count() > 0) std::this_thread::sleep_for(settings_.blob_latency);
  stats_.CountEvent("blobs_served");
  stats_.CountEvent("blob_records_served", content_.RecordsIn(*blob));
  response.status = 200;
  response.set_content(content_.Render(*blob), kContentType);
}

}  // namespace emulator
