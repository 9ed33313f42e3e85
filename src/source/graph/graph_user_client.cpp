#include "source/graph/graph_user_client.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "core/text.hpp"
#include "source/graph/json_batch.hpp"

namespace auditsync {
namespace {

// The profile fields the CoE's Update Data flow copies (coe-starter-kit.md §4). They are not in
// Graph's default property set of a user, so they must be selected.
constexpr std::string_view kSelect = "displayName,department,jobTitle,city,country,userType";

// Bytes a path segment may keep as they are: RFC 3986 unreserved characters and '@'.
bool KeptInPath(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~' || c == '@';
}

// `also_kept`: further bytes that may stay as they are where the text goes.
std::string PercentEncode(std::string_view text, std::string_view also_kept = {}) {
  constexpr char kHex[] = "0123456789ABCDEF";
  std::string encoded;
  for (const char c : text) {
    if (KeptInPath(c) || also_kept.find(c) != std::string_view::npos) {
      encoded += c;
    } else {
      const auto byte = static_cast<unsigned char>(c);
      encoded += '%';
      encoded += kHex[byte >> 4];
      encoded += kHex[byte & 0xF];
    }
  }
  return encoded;
}

std::optional<std::string> Field(const nlohmann::json& body, const char* key) {
  const auto it = body.find(key);
  if (it == body.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
    return std::nullopt;
  }
  return it->get<std::string>();
}

std::string DescribeItem(const HttpResponse& answer) {
  if (answer.status == 0) return "Graph did not answer for it";
  const auto error = ParseGraphError(answer);
  return "HTTP " + std::to_string(answer.status) + (error.code.empty() ? "" : " " + error.code) +
         (error.message.empty() ? "" : " (" + error.message + ")");
}

// A 4xx that asking again cannot change (400 for a key Graph cannot read, say). Not 401 (the
// session signs in again), 403 (the permission is missing: UserReadDenied), 408 or 429 (retried).
bool IsPermanentRefusal(long status) {
  return status >= 400 && status < 500 && status != 401 && status != 403 && status != 408 &&
         status != 429;
}

}  // namespace

std::string DirectoryKey(std::string_view upn) {
  // A B2B guest's UPN in this tenant is `alex_fabrikam.com#EXT#@contoso.onmicrosoft.com`: that
  // whole string is the key. Other '#' forms are `prefix#user@domain` (external identities such
  // as live.com#alex@outlook.com); the CoE's Update Data flow splits the UPN on '#' and looks up
  // the second part when there is more than one, and so does auditsync for these. Splitting a
  // guest's UPN the same way would look up "EXT", which is why guests are kept whole.
  const auto lower = Lowercase(upn);
  if (lower.find("#ext#@") != std::string::npos) return std::string(upn);
  const auto hash = upn.find('#');
  if (hash == std::string_view::npos) return std::string(upn);
  const auto rest = upn.substr(hash + 1);
  return std::string(rest.substr(0, rest.find('#')));
}

std::string UserProfilePath(std::string_view upn) {
  const auto key = DirectoryKey(upn);
  const std::string select = "?$select=" + std::string(kSelect);
  if (!key.starts_with('$')) return "/users/" + PercentEncode(key) + select;
  // Graph reads `/users/$…` (percent-encoded or not) as a system segment such as $count and
  // answers 400; its documented form for a UPN that starts with '$' is the OData key literal
  // `/users('$…')`, a single quote in it doubled. '$' and the quotes are allowed in a path
  // (RFC 3986 sub-delims) and stay as they are; the rest is encoded as in any other key.
  std::string literal;
  for (const char c : key) literal += c == '\'' ? std::string("''") : std::string(1, c);
  return "/users('" + PercentEncode(literal, "$'") + "')" + select;
}

GraphUserClient::GraphUserClient(HttpClient& http, TokenCredential& credential,
                                 std::string graph_url, const std::string& api_version)
    : session_(http, credential, std::move(graph_url), api_version) {}

UserLookup GraphUserClient::ReadProfiles(const std::vector<std::string>& upns) {
  UserLookup lookup;
  for (size_t first = 0; first < upns.size(); first += kMaxBatchItems) {
    const size_t count = std::min(kMaxBatchItems, upns.size() - first);
    std::vector<BatchItem> items;
    for (size_t i = 0; i < count; ++i) {
      items.push_back({std::to_string(i + 1), UserProfilePath(upns[first + i])});
    }
    const auto answers = SendBatch(session_, items, "reading user profiles");
    for (size_t i = 0; i < count; ++i) {
      const auto& upn = upns[first + i];
      const auto& answer = answers[i];
      if (answer.status == 403) {
        const auto error = ParseGraphError(answer);
        throw UserReadDenied(
            "Graph refused to read user profiles (" + DescribeItem(answer) +
                "): user enrichment (enrich_users) needs the Microsoft Graph application "
                "permission User.Read.All. Add it to the app registration (API permissions > Add "
                "a permission > Microsoft Graph > Application permissions > User.Read.All) and "
                "grant admin consent, or set enrich_users = no",
            {403, error.code, error.request_id, "/users"});
      }
      if (answer.status == 404 || IsPermanentRefusal(answer.status)) {
        // Asking again would get the same answer: the user is read, without a profile, and not
        // due again until stale. A refusal other than 404 is worth a word once.
        if (answer.status != 404) lookup.refused.push_back({upn, DescribeItem(answer)});
        UserProfile unknown;  // found stays false
        unknown.upn = upn;
        lookup.profiles.push_back(std::move(unknown));
        continue;
      }
      const auto body = nlohmann::json::parse(answer.body, nullptr, false);
      if (answer.status == 200 && body.is_object()) {
        lookup.profiles.push_back({.upn = upn,
                                   .found = true,
                                   .display_name = Field(body, "displayName"),
                                   .department = Field(body, "department"),
                                   .job_title = Field(body, "jobTitle"),
                                   .city = Field(body, "city"),
                                   .country = Field(body, "country"),
                                   .user_type = Field(body, "userType")});
        continue;
      }
      lookup.unread.push_back(upn);
      lookup.last_problem = DescribeItem(answer);
    }
  }
  return lookup;
}

}  // namespace auditsync
