#include "source/graph/graph_user_client.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "source/graph/json_batch.hpp"
#include "unit/fake_transport.hpp"

namespace auditsync {
namespace {

using testing::FakeTransport;

class FixedCredential : public TokenCredential {
 public:
  std::string GetToken(std::string_view) override { return "token"; }
  void Invalidate(std::string_view, std::string_view) override {}
};

// A batch answer: one {"id", "status", "headers", "body"} per item.
// (A vector, not a braced json: nlohmann reads a one-element brace list as that element.)
std::string BatchAnswer(const std::vector<nlohmann::json>& responses) {
  return nlohmann::json{{"responses", responses}}.dump();
}

nlohmann::json Item(const std::string& id, int status, nlohmann::json body,
                    nlohmann::json headers = nlohmann::json::object()) {
  return {{"id", id}, {"status", status}, {"headers", headers}, {"body", body}};
}

nlohmann::json Profile(const std::string& name) {
  return {{"displayName", name}, {"department", "R&D"},      {"jobTitle", nullptr},
          {"city", "Zürich"},    {"country", "Switzerland"}, {"userType", "Member"}};
}

nlohmann::json Requests(const HttpRequest& request) {
  return nlohmann::json::parse(request.body)["requests"];
}

class GraphUserClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto transport = std::make_unique<FakeTransport>();
    transport_ = transport.get();
    RetryEnvironment environment;
    environment.sleep = [this](std::chrono::milliseconds delay) { sleeps_.push_back(delay); };
    environment.jitter = [] { return 0.0; };
    http_ = std::make_unique<HttpClient>(
        std::move(transport),
        RetryOptions{3, std::chrono::milliseconds(100), std::chrono::milliseconds(100)},
        environment);
    client_ = std::make_unique<GraphUserClient>(*http_, credential_, "https://graph.test", "v1.0");
  }

  FakeTransport* transport_ = nullptr;
  FixedCredential credential_;
  std::vector<std::chrono::milliseconds> sleeps_;
  std::unique_ptr<HttpClient> http_;
  std::unique_ptr<GraphUserClient> client_;
};

TEST(UserProfilePathTest, EncodesGuestsAndSplitsPrefixedFormsLikeTheCoE) {
  constexpr char kSelect[] = "?$select=displayName,department,jobTitle,city,country,userType";
  EXPECT_EQ(UserProfilePath("amy.lee@contoso.com"),
            std::string("/users/amy.lee@contoso.com") + kSelect);
  // A B2B guest keeps its whole UPN; '#' would start a URL fragment.
  EXPECT_EQ(UserProfilePath("alex_fabrikam.com#ext#@contoso.onmicrosoft.com"),
            std::string("/users/alex_fabrikam.com%23ext%23@contoso.onmicrosoft.com") + kSelect);
  // prefix#user@domain: the part after the prefix, as the CoE's Update Data flow looks it up.
  EXPECT_EQ(DirectoryKey("live.com#alex@outlook.com"), "alex@outlook.com");
  EXPECT_EQ(DirectoryKey("a#b@c.com#d"), "b@c.com");
  EXPECT_EQ(UserProfilePath("o'brien+x y@contoso.com"),
            std::string("/users/o%27brien%2Bx%20y@contoso.com") + kSelect);
}

TEST_F(GraphUserClientTest, ReadsTwentyUsersPerBatchAndMatchesAnswersById) {
  std::vector<std::string> upns;
  for (int i = 0; i < 45; ++i) upns.push_back("user" + std::to_string(i) + "@contoso.com");
  transport_->responder = [](const HttpRequest& request) {
    std::vector<nlohmann::json> responses;
    for (const auto& item : Requests(request)) {
      // Answered in reverse order, the last user of each batch not found.
      const bool last = item["id"] == std::to_string(Requests(request).size());
      responses.insert(
          responses.begin(),
          last ? Item(item["id"], 404, {{"error", {{"code", "Request_ResourceNotFound"}}}})
               : Item(item["id"], 200, Profile(item["url"])));
    }
    return HttpResponse{200, {}, BatchAnswer(responses)};
  };
  const auto lookup = client_->ReadProfiles(upns);
  ASSERT_EQ(transport_->requests.size(), 3u);
  EXPECT_EQ(transport_->requests[0].method, "POST");
  EXPECT_EQ(transport_->requests[0].url, "https://graph.test/v1.0/$batch");
  EXPECT_EQ(testing::HeaderOf(transport_->requests[0], "Authorization"), "Bearer token");
  EXPECT_EQ(Requests(transport_->requests[0]).size(), 20u);
  EXPECT_EQ(Requests(transport_->requests[2]).size(), 5u);
  EXPECT_EQ(Requests(transport_->requests[0])[0],
            (nlohmann::json{
                {"id", "1"}, {"method", "GET"}, {"url", UserProfilePath("user0@contoso.com")}}));
  ASSERT_EQ(lookup.profiles.size(), 45u);
  EXPECT_TRUE(lookup.unread.empty());
  EXPECT_EQ(lookup.profiles[0],
            (UserProfile{"user0@contoso.com", true, UserProfilePath("user0@contoso.com"), "R&D",
                         std::nullopt, "Zürich", "Switzerland", "Member"}));
  EXPECT_FALSE(lookup.profiles[19].found);
  EXPECT_EQ(lookup.profiles[19].upn, "user19@contoso.com");
  EXPECT_TRUE(lookup.profiles[20].found);
  EXPECT_FALSE(lookup.profiles[44].found);
  EXPECT_TRUE(sleeps_.empty());
}

TEST_F(GraphUserClientTest, RetriesOnlyThrottledItemsAfterTheirLongestRetryAfter) {
  transport_->Queue(200, BatchAnswer({Item("3", 200, Profile("Cat")),
                                      Item("1", 429, {{"error", {{"code", "TooManyRequests"}}}},
                                           {{"Retry-After", "2.5"}}),
                                      Item("2", 503, {{"error", {{"code", "serviceNotAvailable"}}}},
                                           {{"retry-after", "1"}})}));
  transport_->Queue(200,
                    BatchAnswer({Item("2", 200, Profile("Bob")), Item("1", 200, Profile("Amy"))}));
  const auto lookup = client_->ReadProfiles({"amy", "bob", "cat"});
  ASSERT_EQ(transport_->requests.size(), 2u);
  EXPECT_EQ(Requests(transport_->requests[1]),
            (nlohmann::json{{{"id", "1"}, {"method", "GET"}, {"url", UserProfilePath("amy")}},
                            {{"id", "2"}, {"method", "GET"}, {"url", UserProfilePath("bob")}}}));
  EXPECT_EQ(sleeps_, (std::vector<std::chrono::milliseconds>{std::chrono::milliseconds(2500)}));
  ASSERT_EQ(lookup.profiles.size(), 3u);  // in the order asked
  EXPECT_EQ(lookup.profiles[0].display_name, "Amy");
  EXPECT_EQ(lookup.profiles[1].display_name, "Bob");
  EXPECT_EQ(lookup.profiles[2].display_name, "Cat");
}

TEST_F(GraphUserClientTest, ItemsStillThrottledAfterEveryAttemptAreLeftUnread) {
  for (int i = 0; i < 3; ++i) {
    transport_->Queue(200,
                      BatchAnswer({Item("1", 200, Profile("Amy")),
                                   Item("2", 429, {{"error", {{"code", "TooManyRequests"}}}})}));
  }
  const auto lookup = client_->ReadProfiles({"amy", "bob"});
  EXPECT_EQ(transport_->requests.size(), 3u);
  EXPECT_EQ(sleeps_.size(), 2u);  // without Retry-After: the client's backoff
  EXPECT_EQ(lookup.profiles.size(), 1u);
  EXPECT_EQ(lookup.unread, (std::vector<std::string>{"bob"}));
  EXPECT_EQ(lookup.last_problem, "HTTP 429 TooManyRequests");
}

// Graph answers 400 to `/users/$x@y` and to `/users/%24x@y`: a UPN starting with '$' is
// addressed as the key literal `/users('$x@y')`, a single quote doubled.
TEST(UserProfilePathTest, AUpnStartingWithADollarIsAKeyLiteral) {
  constexpr char kSelect[] = "?$select=displayName,department,jobTitle,city,country,userType";
  EXPECT_EQ(UserProfilePath("$svc@contoso.com"),
            std::string("/users('$svc@contoso.com')") + kSelect);
  EXPECT_EQ(UserProfilePath("$o'brien x+1@contoso.com"),
            std::string("/users('$o''brien%20x%2B1@contoso.com')") + kSelect);
  // Only a leading '$' needs it.
  EXPECT_EQ(UserProfilePath("a$b@contoso.com"), std::string("/users/a%24b@contoso.com") + kSelect);
}

// A 4xx that asking again cannot change is a user read without a profile, as a 404 is, so that
// the user is not first in line again at every sync.
TEST_F(GraphUserClientTest, APermanentRefusalIsReadWithoutAProfileAndSaidOnce) {
  transport_->Queue(
      200, BatchAnswer(
               {Item("1", 400, {{"error", {{"code", "BadRequest"}, {"message", "Invalid key"}}}}),
                Item("2", 200, Profile("Bob"))}));
  const auto lookup = client_->ReadProfiles({"$amy", "bob"});
  ASSERT_EQ(lookup.profiles.size(), 2u);
  EXPECT_EQ(lookup.profiles[0].upn, "$amy");
  EXPECT_FALSE(lookup.profiles[0].found);
  EXPECT_TRUE(lookup.profiles[1].found);
  ASSERT_EQ(lookup.refused.size(), 1u);
  EXPECT_EQ(lookup.refused[0].upn, "$amy");
  EXPECT_EQ(lookup.refused[0].reason, "HTTP 400 BadRequest (Invalid key)");
  EXPECT_TRUE(lookup.unread.empty());
}

TEST_F(GraphUserClientTest, AnItemMissingFromTheAnswerIsAskedAgain) {
  transport_->Queue(200, BatchAnswer({Item("1", 200, Profile("Amy"))}));
  transport_->Queue(200, BatchAnswer({Item("2", 404, nullptr)}));
  const auto lookup = client_->ReadProfiles({"amy", "bob"});
  ASSERT_EQ(transport_->requests.size(), 2u);
  EXPECT_EQ(Requests(transport_->requests[1]).size(), 1u);
  ASSERT_EQ(lookup.profiles.size(), 2u);
  EXPECT_FALSE(lookup.profiles[1].found);
}

TEST_F(GraphUserClientTest, AGarbledBatchAnswerIsRetriedLikeADroppedConnection) {
  transport_->Queue(200, R"({"responses":[{"id":"1","sta)");
  transport_->QueueDrop();
  transport_->Queue(200, BatchAnswer({Item("1", 200, Profile("Amy"))}));
  const auto lookup = client_->ReadProfiles({"amy"});
  EXPECT_EQ(transport_->requests.size(), 3u);
  ASSERT_EQ(lookup.profiles.size(), 1u);
  EXPECT_TRUE(lookup.profiles[0].found);
}

TEST_F(GraphUserClientTest, A403SaysWhichPermissionIsMissingAndHowToGrantIt) {
  transport_->Queue(200, BatchAnswer({Item("1", 403,
                                           {{"error",
                                             {{"code", "Authorization_RequestDenied"},
                                              {"message",
                                               "Insufficient privileges to complete "
                                               "the operation."},
                                              {"innerError", {{"request-id", "req-9"}}}}}})}));
  try {
    client_->ReadProfiles({"amy"});
    FAIL() << "expected UserReadDenied";
  } catch (const UserReadDenied& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("HTTP 403 Authorization_RequestDenied (Insufficient privileges"),
              std::string::npos);
    EXPECT_NE(message.find("application permission User.Read.All"), std::string::npos);
    EXPECT_NE(message.find("grant admin consent"), std::string::npos);
    EXPECT_EQ(error.GetDetails().request_id, "req-9");
    EXPECT_EQ(error.Code(), ExitCode::kAuthentication);
  }
  EXPECT_EQ(transport_->requests.size(), 1u);  // a refusal is not retried
}

TEST_F(GraphUserClientTest, ARefusedBatchIsAServiceError) {
  transport_->Queue(400, R"({"error":{"code":"BadRequest","message":"Invalid batch payload"}})");
  EXPECT_THROW(client_->ReadProfiles({"amy"}), ServiceError);
}

TEST(JsonBatchTest, ParsesItemsAndRejectsWhatIsNoBatchAnswer) {
  const auto items = ParseBatchResponse(
      R"({"responses":[{"id":"2","status":429,"headers":{"Retry-After":"3"},"body":{"a":1}},)"
      R"({"id":"1","status":204}]})");
  ASSERT_TRUE(items.has_value());
  ASSERT_EQ(items->size(), 2u);
  EXPECT_EQ((*items)[0].id, "2");
  EXPECT_EQ((*items)[0].response.status, 429);
  EXPECT_EQ((*items)[0].response.Header("retry-after"), "3");
  EXPECT_EQ((*items)[0].response.body, R"({"a":1})");
  EXPECT_EQ((*items)[1].response.body, "");
  EXPECT_FALSE(ParseBatchResponse(R"({"value":[]})"));
  EXPECT_FALSE(ParseBatchResponse(R"({"responses":[{"status":200}]})"));
  EXPECT_FALSE(ParseBatchResponse(R"({"responses":[{"id":"1","status":"200"}]})"));
  EXPECT_FALSE(ParseBatchResponse("{\"responses\":["));
  EXPECT_EQ(BatchRequestBody({{"1", "/users/a"}}),
            R"({"requests":[{"id":"1","method":"GET","url":"/users/a"}]})");
}

}  // namespace
}  // namespace auditsync
