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

std::string PercentEncode(std::string_view text) {
  constexpr char kHex[] = "0123456789ABCDEF";
  std::string encoded;
  for (const char c : text) {
    if (KeptInPath(c)) {
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
  return "/users/" + PercentEncode(DirectoryKey(upn)) + "?$select=" + std::string(kSelect);
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
      if (answer.status == 404) {
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
