// The users routes and JSON batching, called the way the server calls them but without HTTP:
// the directory of the tenant, $select, guests' encoded UPNs, deleted users, the role the token
// needs, batch validation and throttled items.
#include <gtest/gtest.h>

#include <httplib.h>

#include <regex>
#include <string>

#include <nlohmann/json.hpp>

#include "directory.hpp"
#include "faults.hpp"
#include "ids.hpp"
#include "route_exchange.hpp"
#include "stats.hpp"
#include "tenant.hpp"
#include "users.hpp"

namespace emulator {
namespace {

const GraphCall kReader{
    "request-id", "client-request-id", {"AuditLogsQuery.Read.All", "User.Read.All"}};

using test_support::RouteExchange;

const std::regex kUserRoutes(R"(/(v1\.0|beta)/(?:users(/[^/]+|\('[^/]*'\))|\$batch))");

struct Exchange : RouteExchange {
  Exchange(std::string method, const std::string& target, std::string body = {})
      : RouteExchange(std::move(method), target, kUserRoutes, std::move(body)) {}
};

struct Service {
  explicit Service(double guest_rate = 0.3, const std::string& item_faults = {},
                   double dollar_rate = 0)
      : tenant(Config(guest_rate, dollar_rate)),
        directory(tenant),
        injector(Spec(item_faults), 7),
        users(directory, stats, injector, "0.05", 443) {}

  static TenantConfig Config(double guest_rate, double dollar_rate) {
    TenantConfig config;
    config.users = 40;
    config.guest_rate = guest_rate;
    config.dollar_rate = dollar_rate;
    return config;
  }
  static FaultSpec Spec(const std::string& text) {
    std::string error;
    return *ParseFaultSpec(text, error);
  }

  nlohmann::json Get(const std::string& target, const GraphCall& call = kReader) {
    Exchange exchange("GET", target);
    users.GetUser(exchange.request, exchange.response, call);
    last_status = exchange.response.status;
    return exchange.Body();
  }

  nlohmann::json Batch(const nlohmann::json& requests, const GraphCall& call = kReader) {
    Exchange exchange("POST", "/v1.0/$batch", nlohmann::json{{"requests", requests}}.dump());
    users.Batch(exchange.request, exchange.response, call);
    last_status = exchange.response.status;
    return exchange.Body();
  }

  const DirectoryUser& FirstWhere(bool deleted, const std::string& type) {
    for (const auto& user : directory.users()) {
      if (user.deleted == deleted && user.user_type == type) return user;
    }
    throw std::runtime_error("the test tenant has no such user");
  }

  Tenant tenant;
  Directory directory;
  Stats stats;
  FaultInjector injector;
  UsersService users;
  int last_status = 0;
};

std::string Encoded(const std::string& upn) {
  std::string out;
  for (const char c : upn) out += c == '#' ? std::string("%23") : std::string(1, c);
  return out;
}

constexpr char kSelect[] = "?$select=displayName,department,jobTitle,city,country,userType";

TEST(Directory, ProfilesAreDeterministicWithGuestsDeletionsAndUnicode) {
  Service one;
  Service two;
  EXPECT_EQ(one.directory.ToJson(), two.directory.ToJson());
  int guests = 0;
  int deleted = 0;
  bool unicode = false;
  for (const auto& user : one.directory.users()) {
    if (user.user_type == "Guest") {
      ++guests;
      EXPECT_NE(user.upn.find("#EXT#@Contoso.onmicrosoft.com"), std::string::npos) << user.upn;
    }
    deleted += user.deleted ? 1 : 0;
    for (const unsigned char c : user.display_name) unicode |= c >= 0x80;
  }
  EXPECT_GT(guests, 3);
  EXPECT_GT(deleted, 0);
  EXPECT_TRUE(unicode);
  // Without guests (the default), every UPN is as it always was: records do not change.
  Service members(0);
  for (std::size_t u = 0; u < members.tenant.users().size(); ++u) {
    EXPECT_EQ(members.tenant.users()[u].upn.find('#'), std::string::npos);
  }
}

TEST(UsersRoute, SelectsTheAskedPropertiesOfAUserByUpnWhateverItsCase) {
  Service service;
  const auto& user = service.FirstWhere(false, "Member");
  const auto body = service.Get("/v1.0/users/" + ToLower(user.upn) + kSelect);
  EXPECT_EQ(service.last_status, 200);
  EXPECT_EQ(body["displayName"], user.display_name);
  const auto by_id = service.Get("/beta/users/" + user.id + kSelect);
  EXPECT_EQ(service.last_status, 200);
  EXPECT_EQ(by_id["@odata.context"],
            "https://localhost:443/beta/$metadata#users(displayName,department,jobTitle,city,"
            "country,userType)/$entity");
  EXPECT_EQ(by_id.size(), 7u);
  EXPECT_EQ(by_id["displayName"], user.display_name);
  EXPECT_EQ(by_id["userType"], "Member");
  EXPECT_EQ(by_id["department"],
            user.department ? nlohmann::json(*user.department) : nlohmann::json());
}

// Graph's key literal `users('…')` reads any user; a UPN that starts with '$' can be read no other
// way (`/users/$…` is a system segment to Graph, percent-encoded or not).
TEST(UsersRoute, AKeyLiteralReadsAUserAndALeadingDollarNeedsIt) {
  Service service(0, {}, 1.0);  // every UPN starts with '$'
  const auto& user = service.FirstWhere(false, "Member");
  ASSERT_TRUE(user.upn.starts_with('$'));
  auto body = service.Get("/v1.0/users('" + user.upn + "')" + kSelect);
  EXPECT_EQ(service.last_status, 200);
  EXPECT_EQ(body["displayName"], user.display_name);
  service.Get("/v1.0/users/" + user.upn + kSelect);
  EXPECT_EQ(service.last_status, 400);
  service.Get("/v1.0/users/%24" + user.upn.substr(1) + kSelect);
  EXPECT_EQ(service.last_status, 400);
  // A single quote inside is doubled; a lone one is a syntax error.
  service.Get("/v1.0/users('o''brien@contoso.com')" + std::string(kSelect));
  EXPECT_EQ(service.last_status, 404);
  service.Get("/v1.0/users('o'brien@contoso.com')" + std::string(kSelect));
  EXPECT_EQ(service.last_status, 400);
  // In a batch as well.
  body = service.Batch(nlohmann::json::array(
      {{{"id", "1"}, {"method", "GET"}, {"url", "/users('" + user.upn + "')" + kSelect}},
       {{"id", "2"}, {"method", "GET"}, {"url", "/users/" + user.upn + kSelect}}}));
  ASSERT_EQ(body["responses"].size(), 2u);
  for (const auto& item : body["responses"]) {
    EXPECT_EQ(item["status"], item["id"] == "1" ? 200 : 400) << item.dump();
  }
}

TEST(UsersRoute, WithoutSelectOnlyTheDefaultPropertiesComeBack) {
  Service service;
  const auto& user = service.FirstWhere(false, "Member");
  const auto body = service.Get("/v1.0/users/" + user.upn);
  EXPECT_EQ(service.last_status, 200);
  EXPECT_TRUE(body.contains("displayName"));
  EXPECT_FALSE(body.contains("department"));
  EXPECT_FALSE(body.contains("userType"));
  service.Get("/v1.0/users/" + user.upn + "?$select=displayName,favouriteColour");
  EXPECT_EQ(service.last_status, 400);
}

TEST(UsersRoute, DeletedUsersAreNotFoundAndReadingNeedsUserReadAll) {
  Service service;
  const auto& gone = service.FirstWhere(true, "Member");
  auto body = service.Get("/v1.0/users/" + gone.upn + kSelect);
  EXPECT_EQ(service.last_status, 404);
  EXPECT_EQ(body["error"]["code"], "Request_ResourceNotFound");
  const auto& user = service.FirstWhere(false, "Member");
  body = service.Get("/v1.0/users/" + user.upn + kSelect,
                     GraphCall{"r", "c", {"AuditLogsQuery.Read.All"}});
  EXPECT_EQ(service.last_status, 403);
  EXPECT_EQ(body["error"]["code"], "Authorization_RequestDenied");
  service.Get("/v1.0/users/" + user.upn + kSelect, GraphCall{"r", "c", {"Directory.Read.All"}});
  EXPECT_EQ(service.last_status, 200);
}

TEST(BatchRoute, AnswersEveryItemByIdInReverseOrder) {
  Service service;
  const auto& guest = service.FirstWhere(false, "Guest");
  const auto& gone = service.FirstWhere(true, "Member");
  const auto& member = service.FirstWhere(false, "Member");
  const auto body = service.Batch({
      {{"id", "1"}, {"method", "GET"}, {"url", "/users/" + Encoded(guest.upn) + kSelect}},
      {{"id", "2"}, {"method", "GET"}, {"url", "/users/" + gone.upn + kSelect}},
      {{"id", "3"}, {"method", "GET"}, {"url", "users/" + member.id + kSelect}},
      // An unencoded '#' starts a URL fragment: the guest's UPN is cut short and not found.
      {{"id", "4"}, {"method", "GET"}, {"url", "/users/" + guest.upn + kSelect}},
      {{"id", "5"}, {"method", "GET"}, {"url", "/groups/x"}},
  });
  EXPECT_EQ(service.last_status, 200);
  const auto& responses = body["responses"];
  ASSERT_EQ(responses.size(), 5u);
  EXPECT_EQ(responses[0]["id"], "5");
  EXPECT_EQ(responses[4]["id"], "1");
  EXPECT_EQ(responses[4]["status"], 200);
  EXPECT_EQ(responses[4]["body"]["displayName"], guest.display_name);
  EXPECT_EQ(responses[4]["body"]["userType"], "Guest");
  EXPECT_EQ(responses[3]["status"], 404);
  EXPECT_EQ(responses[2]["status"], 200);
  EXPECT_EQ(responses[1]["status"], 404);
  EXPECT_EQ(responses[0]["status"], 400);
  EXPECT_EQ(service.stats.ToJson()["user_reads"],
            (nlohmann::json{{"200", 2}, {"400", 1}, {"404", 2}}));
}

TEST(BatchRoute, RefusesMalformedBatchesAndMoreThanTwentyItems) {
  Service service;
  nlohmann::json requests = nlohmann::json::array();
  for (int i = 1; i <= 21; ++i) {
    requests.push_back({{"id", std::to_string(i)}, {"method", "GET"}, {"url", "/users/x"}});
  }
  EXPECT_EQ(service.Batch(requests)["error"]["code"], "BadRequest");
  EXPECT_EQ(service.last_status, 400);
  requests.erase(requests.begin() + 1, requests.end());
  requests.push_back(requests[0]);  // the same id twice
  service.Batch(requests);
  EXPECT_EQ(service.last_status, 400);
  service.Batch(nlohmann::json::array());
  EXPECT_EQ(service.last_status, 400);
  service.Batch({{{"id", "1"}, {"url", "/users/x"}}});  // no method
  EXPECT_EQ(service.last_status, 400);
}

TEST(BatchRoute, WithoutTheRoleEveryItemIs403) {
  Service service;
  const auto& user = service.FirstWhere(false, "Member");
  const auto body =
      service.Batch({{{"id", "1"}, {"method", "GET"}, {"url", "/users/" + user.upn + kSelect}}},
                    GraphCall{"r", "c", {"AuditLogsQuery.Read.All"}});
  EXPECT_EQ(service.last_status, 200);
  EXPECT_EQ(body["responses"][0]["status"], 403);
  EXPECT_EQ(body["responses"][0]["body"]["error"]["code"], "Authorization_RequestDenied");
}

TEST(BatchRoute, ItemFaultsThrottleSingleItemsWithTheirOwnRetryAfter) {
  Service service(0.3, "429=0.5");
  const auto& user = service.FirstWhere(false, "Member");
  nlohmann::json requests = nlohmann::json::array();
  for (int i = 1; i <= 20; ++i) {
    requests.push_back(
        {{"id", std::to_string(i)}, {"method", "GET"}, {"url", "/users/" + user.upn + kSelect}});
  }
  const auto body = service.Batch(requests);
  int throttled = 0;
  for (const auto& item : body["responses"]) {
    if (item["status"] != 429) continue;
    ++throttled;
    EXPECT_EQ(item["headers"]["Retry-After"], "0.05");
    EXPECT_EQ(item["body"]["error"]["code"], "TooManyRequests");
  }
  EXPECT_GT(throttled, 2);
  EXPECT_LT(throttled, 18);
  EXPECT_EQ(service.stats.ToJson()["faults"]["batch-item-429"], throttled);
}

}  // namespace
}  // namespace emulator
