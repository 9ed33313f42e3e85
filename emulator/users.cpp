#include "users.hpp"

#include <algorithm>
#include <array>
#include <set>

#include <fmt/format.h>

#include "ids.hpp"

namespace emulator {
namespace {

constexpr std::size_t kMaxBatchRequests = 20;

// User properties $select may name (a subset of microsoft.graph.user), in Graph's spelling.
constexpr std::array<std::string_view, 20> kUserProperties = {
    "id",
    "displayName",
    "givenName",
    "surname",
    "userPrincipalName",
    "mail",
    "department",
    "jobTitle",
    "city",
    "country",
    "userType",
    "businessPhones",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "accountEnabled",
    "companyName",
    "employeeId",
    "state",
    "usageLocation",
};
// What Graph returns without $select: department, city, country and userType are not in it.
constexpr std::array<std::string_view, 11> kDefaultProperties = {
    "businessPhones", "displayName",       "givenName", "jobTitle",          "mail", "mobilePhone",
    "officeLocation", "preferredLanguage", "surname",   "userPrincipalName", "id",
};

bool MayReadUsers(const GraphCall& call) {
  return std::any_of(call.roles.begin(), call.roles.end(), [](const std::string& role) {
    return role == "User.Read.All" || role == "Directory.Read.All";
  });
}

nlohmann::ordered_json Nullable(const std::optional<std::string>& value) {
  return value ? nlohmann::ordered_json(*value) : nlohmann::ordered_json();
}

nlohmann::ordered_json PropertyValue(const DirectoryUser& user, std::string_view name) {
  if (name == "id") return user.id;
  if (name == "displayName") return user.display_name;
  if (name == "givenName") return user.given_name;
  if (name == "surname") return user.surname;
  if (name == "userPrincipalName") return user.upn;
  if (name == "mail") {
    return user.user_type == "Guest" ? nlohmann::ordered_json() : nlohmann::ordered_json(user.upn);
  }
  if (name == "department") return Nullable(user.department);
  if (name == "jobTitle") return Nullable(user.job_title);
  if (name == "city") return Nullable(user.city);
  if (name == "country") return Nullable(user.country);
  if (name == "userType") return user.user_type;
  if (name == "businessPhones") return nlohmann::ordered_json::array();
  if (name == "accountEnabled") return true;
  return nullptr;
}

// The value of `name` in a query string (not decoded), decoded; `$select` also as `select`.
std::optional<std::string> QueryParameter(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    const auto equals = pair.find('=');
    std::string key = PercentDecode(pair.substr(0, equals), true);
    if (!key.empty() && key.front() == '$') key.erase(0, 1);
    if (EqualsIgnoreCase(key, name)) {
      return equals == std::string_view::npos ? "" : PercentDecode(pair.substr(equals + 1), true);
    }
  }
  return std::nullopt;
}

// A failure in Graph's error body.
UserAnswer Failure(int status, std::string_view code, const std::string& message,
                   const GraphCall& call) {
  UserAnswer answer;
  answer.status = status;
  answer.body = GraphErrorBody(status, code, message, call);
  return answer;
}

}  // namespace

UserAnswer UsersService::ReadUser(std::string_view key, std::string_view query,
                                  const std::string& context_root, const GraphCall& call) const {
  auto fail = [&call](int status, std::string_view code, const std::string& message) {
    return Failure(status, code, message, call);
  };
  if (!MayReadUsers(call)) {
    return fail(403, "Authorization_RequestDenied",
                "Insufficient privileges to complete the operation.");
  }
  std::vector<std::string_view> selected(kDefaultProperties.begin(), kDefaultProperties.end());
  std::string select_list;
  if (const auto select = QueryParameter(query, "select")) {
    selected.clear();
    std::string_view rest = *select;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      const auto name = rest.substr(0, comma);
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
      const auto known =
          std::find_if(kUserProperties.begin(), kUserProperties.end(),
                       [&](std::string_view p) { return EqualsIgnoreCase(p, name); });
      if (known == kUserProperties.end()) {
        return fail(400, "BadRequest",
                    fmt::format("Parsing OData Select and Expand failed: Could not find a property "
                                "named '{}' on type 'microsoft.graph.user'.",
                                name));
      }
      selected.push_back(*known);
      if (!select_list.empty()) select_list += ',';
      select_list += *known;
    }
  }
  const DirectoryUser* user = directory_.Find(key);
  if (user == nullptr) {
    return fail(404, "Request_ResourceNotFound",
                fmt::format("Resource '{}' does not exist or one of its queried reference-property "
                            "objects are not present.",
                            key));
  }
  const std::string entity =
      select_list.empty() ? "users/$entity" : fmt::format("users({})/$entity", select_list);
  UserAnswer answer;
  answer.body = {{"@odata.context", context_root + "/$metadata#" + entity}};
  for (const auto name : selected) answer.body[std::string(name)] = PropertyValue(*user, name);
  return answer;
}

UserAnswer UsersService::ReadUserAt(std::string_view segment, std::string_view query,
                                    const std::string& context_root, const GraphCall& call) const {
  if (segment.starts_with('/')) {
    const auto key = segment.substr(1);
    // Graph reads `/users/$…` as a system segment (as $count or $ref), not as a key.
    if (key.starts_with('$')) {
      return Failure(400, "BadRequest",
                     fmt::format("Resource not found for the segment '{}'.", key), call);
    }
    return ReadUser(key, query, context_root, call);
  }
  // ('key'): an OData string literal, a single quote inside doubled.
  std::string key;
  const bool quoted = segment.size() >= 4 && segment.starts_with("('") && segment.ends_with("')");
  const auto inner = quoted ? segment.substr(2, segment.size() - 4) : std::string_view{};
  for (std::size_t i = 0; quoted && i < inner.size(); ++i) {
    if (inner[i] == '\'') {
      if (i + 1 == inner.size() || inner[i + 1] != '\'') {
        return Failure(400, "BadRequest",
                       fmt::format("Syntax error at position {} in '{}'.", i + 2, segment), call);
      }
      ++i;
    }
    key += inner[i];
  }
  if (!quoted) {
    return Failure(400, "BadRequest",
                   fmt::format("Bad Request - Error in query syntax: '{}'.", segment), call);
  }
  return ReadUser(key, query, context_root, call);
}

void UsersService::GetUser(const httplib::Request& request, httplib::Response& response,
                           const GraphCall& call) {
  const std::string version = request.matches[1].str();
  const auto question = request.target.find('?');
  const std::string_view query = question == std::string::npos
                                     ? std::string_view{}
                                     : std::string_view(request.target).substr(question + 1);
  const auto answer =
      ReadUserAt(request.matches[2].str(), query, BaseUrl(request, port_) + "/" + version, call);
  stats_.CountUserRead(answer.status);
  response.status = answer.status;
  response.set_content(answer.body.dump(), kGraphContentType);
}

UserAnswer UsersService::BatchItem(const std::string& method, const std::string& url,
                                   const std::string& context_root, const GraphCall& call) {
  auto fail = [&call](int status, std::string_view code, const std::string& message) {
    return Failure(status, code, message, call);
  };
  const Fault fault = item_faults_.Decide(RouteClass::kGraph);
  if (fault.kind == FaultKind::k429 || fault.kind == FaultKind::k429NoRetryAfter ||
      fault.kind == FaultKind::k503) {
    stats_.CountFault("batch-item-" + std::string(FaultName(fault.kind)));
    auto throttled = fault.kind == FaultKind::k503
                         ? fail(503, "serviceNotAvailable",
                                "The service is temporarily unavailable. Please retry later.")
                         : fail(429, "TooManyRequests", "Please retry again later.");
    if (fault.retry_after) throttled.headers["Retry-After"] = retry_after_;
    return throttled;
  }
  if (method != "GET") {
    return fail(405, "BadRequest",
                fmt::format("The emulator answers GET items only, not {}.", method));
  }
  if (url.starts_with("http://") || url.starts_with("https://")) {
    return fail(400, "BadRequest", "The url of a batch request must be relative.");
  }
  // Graph reads the item's url as a URL: a raw '#' starts a fragment (which a server never
  // sees), so a guest's UPN with an unencoded #EXT# loses its end.
  std::string_view target(url);
  target = target.substr(0, target.find('#'));
  const auto question = target.find('?');
  std::string_view path = target.substr(0, question);
  const std::string_view query =
      question == std::string_view::npos ? std::string_view{} : target.substr(question + 1);
  if (path.starts_with('/')) path.remove_prefix(1);
  constexpr std::string_view kUsers = "users";
  const auto segment = path.substr(std::min(path.size(), kUsers.size()));
  if (!path.starts_with(kUsers) || segment.size() < 2 ||
      (!segment.starts_with('/') && !segment.starts_with('(')) ||
      segment.find('/', 1) != std::string_view::npos) {
    return fail(
        400, "BadRequest",
        fmt::format("Resource not found for the segment '{}'.", path.substr(0, path.find('/'))));
  }
  return ReadUserAt(PercentDecode(segment, false), query, context_root, call);
}

void UsersService::Batch(const httplib::Request& request, httplib::Response& response,
                         const GraphCall& call) {
  const auto body = nlohmann::json::parse(request.body, nullptr, false);
  auto bad = [&](std::string_view message) {
    SendGraphError(response, 400, "BadRequest", message, call);
  };
  if (!body.is_object() || !body.contains("requests") || !body["requests"].is_array() ||
      body["requests"].empty()) {
    return bad("Invalid batch payload format.");
  }
  const auto& requests = body["requests"];
  if (requests.size() > kMaxBatchRequests) {
    return bad(
        fmt::format("The number of batch requests exceeds the limit of {}.", kMaxBatchRequests));
  }
  std::set<std::string> ids;
  for (const auto& item : requests) {
    if (!item.is_object() || !item.contains("id") || !item["id"].is_string() ||
        item["id"].get<std::string>().empty() || !item.contains("method") ||
        !item["method"].is_string() || !item.contains("url") || !item["url"].is_string()) {
      return bad("Invalid batch payload format.");
    }
    if (!ids.insert(item["id"].get<std::string>()).second) {
      return bad("Batch request ids must be unique.");
    }
  }
  const std::string context_root = BaseUrl(request, port_) + "/" + request.matches[1].str();
  nlohmann::ordered_json responses = nlohmann::ordered_json::array();
  for (const auto& item : requests) {
    const auto answer = BatchItem(item["method"].get<std::string>(), item["url"].get<std::string>(),
                                  context_root, call);
    stats_.CountUserRead(answer.status);
    responses.push_back({{"id", item["id"]},
                         {"status", answer.status},
                         {"headers", answer.headers},
                         {"body", answer.body}});
  }
  // Graph does not keep the order of the requests; a client must match answers by id.
  std::reverse(responses.begin(), responses.end());
  response.status = 200;
  response.set_content(nlohmann::ordered_json{{"responses", std::move(responses)}}.dump(),
                       "application/json; charset=utf-8");
}

}  // namespace emulator
