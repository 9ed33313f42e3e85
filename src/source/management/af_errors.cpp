#include "source/management/af_errors.hpp"

#include <array>

#include <nlohmann/json.hpp>

#include "core/json_fields.hpp"

namespace auditsync {
namespace {

constexpr std::array<AfError, 23> kAfErrors = {{
    {"AF10001",
     "the token does not carry the ActivityFeed.Read permission of the Office 365 Management APIs",
     "In the app registration, add the Office 365 Management APIs application permission "
     "ActivityFeed.Read (not a delegated one) and grant admin consent.",
     ExitCode::kAuthentication},
    {"AF20001", "a required parameter is missing from the request",
     "This is a bug of auditsync: please report it with the log.", ExitCode::kInternal},
    {"AF20002", "a parameter of the request has the wrong type",
     "This is a bug of auditsync: please report it with the log.", ExitCode::kInternal},
    {"AF20003", "the expiration date given is in the past",
     "This is a bug of auditsync: please report it with the log.", ExitCode::kInternal},
    {"AF20010", "the tenant in the URL is not the tenant the token was issued for",
     "Set tenant_id to the Directory (tenant) ID of the tenant the app signs in to.",
     ExitCode::kConfiguration},
    {"AF20011", "the tenant does not exist",
     "Check tenant_id: it must be the Directory (tenant) ID GUID of the tenant.",
     ExitCode::kConfiguration},
    {"AF20012", "the tenant is not set up for the Management Activity API",
     "Turn on unified audit logging in Microsoft Purview (Audit), wait for it to take effect, "
     "then sync again.",
     ExitCode::kConfiguration},
    {"AF20013", "the tenant in the URL is not a GUID",
     "Set tenant_id to the Directory (tenant) ID GUID, not a domain name.",
     ExitCode::kConfiguration},
    {"AF20020", "the content type is not one the API knows",
     "This is a bug of auditsync (it asks for Audit.General): please report it with the log.",
     ExitCode::kInternal},
    {"AF20021", "the webhook endpoint could not be validated",
     "auditsync uses no webhook; a subscription started by another tool with a webhook is kept "
     "as it is. Stop and start the subscription with `auditsync subscription` to drop it.",
     ExitCode::kService},
    {"AF20022", "no subscription to Audit.General is enabled for the tenant",
     "Run `auditsync subscription start` (sync does it by itself); the first content can take up "
     "to 12 hours to appear.",
     ExitCode::kService},
    {"AF20023", "a tenant administrator disabled the Audit.General subscription",
     "Ask a tenant administrator why, then run `auditsync subscription start`.",
     ExitCode::kAuthentication},
    {"AF20030", "the start and end times of the content listing are invalid",
     "Check that this machine's clock is right (a listing may span 24 hours and start at most 7 "
     "days back); auditsync retries the listing in the next sync.",
     ExitCode::kService},
    {"AF20031", "the nextPage value of a listing is invalid or expired",
     "Nothing to fix: the next sync lists the content again from the checkpoint.",
     ExitCode::kService},
    {"AF20050", "the content blob does not exist",
     "Nothing to fix: the blob is listed again by the next sync if it still exists.",
     ExitCode::kService},
    {"AF20051", "the content blob is more than 7 days old and can no longer be read",
     "Its records are lost to this API: export the audit log from a day before the blob's "
     "contentCreated (records are published up to a day after they are created) from Microsoft "
     "Purview and load it with `auditsync import purview FILE.csv`, or, in the commercial and "
     "GCC clouds, run `auditsync sync --from … --to …` for that period with use_graph_api = yes.",
     ExitCode::kPartial},
    {"AF20052", "the content id is not valid",
     "This is a bug of auditsync or of the API (it follows contentUri as listed): please report "
     "it with the log.",
     ExitCode::kService},
    {"AF20053", "the request has more than one Accept-Language header",
     "This is a bug of auditsync: please report it with the log.", ExitCode::kInternal},
    {"AF20054", "the Accept-Language header names no valid culture",
     "This is a bug of auditsync: please report it with the log.", ExitCode::kInternal},
    {"AF20055",
     "the start and end times must both be given, at most 24 hours apart, and start "
     "no more than 7 days back",
     "Check that this machine's clock is right; auditsync lists 24-hour windows of the last 7 "
     "days and retries the listing in the next sync.",
     ExitCode::kService},
    {"AF429",
     "the tenant sent more requests than the Management Activity API allows (about 2,000 "
     "a minute, all its tools together)",
     "Lower management_requests_per_minute or blob_concurrency, and check that other tools of "
     "the tenant send PublisherIdentifier (a PublisherId of zeros in the message means one does "
     "not).",
     ExitCode::kService},
    {"AF50000", "the Management Activity API failed internally",
     "Nothing to fix here: the next sync retries.", ExitCode::kService},
    {"AF20024", "the subscription is already enabled",
     "Nothing to fix: the subscription is running.", ExitCode::kSuccess},
}};

}  // namespace

std::span<const AfError> AfErrors() { return kAfErrors; }

const AfError* FindAfError(std::string_view code) {
  for (const auto& error : kAfErrors) {
    if (error.code == code) return &error;
  }
  return nullptr;
}

std::optional<AfErrorBody> ParseAfErrorBody(std::string_view body) {
  const auto json = nlohmann::json::parse(body, nullptr, false);
  if (!json.is_object()) return std::nullopt;
  const auto error = json.find("error");
  if (error == json.end() || !error->is_object()) return std::nullopt;
  AfErrorBody parsed{StringField(*error, "code"), StringField(*error, "message")};
  if (parsed.code.empty()) return std::nullopt;
  return parsed;
}

bool IsAfThrottling(long status, std::string_view body) {
  if (status == 429) return true;
  if (status < 400 || body.find("AF429") == std::string_view::npos) return false;
  const auto error = ParseAfErrorBody(body);
  return error && error->code == "AF429";
}

}  // namespace auditsync
