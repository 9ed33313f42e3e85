#include <gtest/gtest.h>

#include "net/http_client.hpp"
#include "net/retry.hpp"
#include "unit/fake_transport.hpp"

namespace auditsync {
namespace {

using namespace std::chrono_literals;
using testing::FakeTransport;

const Instant kNow = *ParseIso8601("2026-11-25T12:00:00Z");

TEST(RetryAfter, AcceptsSecondsFractionsAndHttpDates) {
  EXPECT_EQ(ParseRetryAfter("2", kNow), 2000ms);
  EXPECT_EQ(ParseRetryAfter("2.128", kNow), 2128ms);
  EXPECT_EQ(ParseRetryAfter(" 0.05 ", kNow), 50ms);
  EXPECT_EQ(ParseRetryAfter(FormatHttpDate(kNow + 30s), kNow), 30000ms);
  EXPECT_EQ(ParseRetryAfter(FormatHttpDate(kNow - 30s), kNow), 0ms);
  EXPECT_FALSE(ParseRetryAfter("", kNow).has_value());
  EXPECT_FALSE(ParseRetryAfter("-1", kNow).has_value());
  EXPECT_FALSE(ParseRetryAfter("soon", kNow).has_value());
}

TEST(Backoff, DoublesFromTheBaseWithJitterAndACap) {
  const RetryOptions options{8, 1000ms, 10000ms};
  // Jitter 0 gives half the delay, jitter ~1 all of it.
  EXPECT_EQ(BackoffDelay(options, 2, std::nullopt, 0.0), 500ms);
  EXPECT_EQ(BackoffDelay(options, 2, std::nullopt, 1.0), 1000ms);
  EXPECT_EQ(BackoffDelay(options, 3, std::nullopt, 1.0), 2000ms);
  EXPECT_EQ(BackoffDelay(options, 4, std::nullopt, 1.0), 4000ms);
  EXPECT_EQ(BackoffDelay(options, 9, std::nullopt, 1.0), 10000ms);
  // The server's Retry-After wins, without jitter, even beyond max_delay (up to a ceiling).
  EXPECT_EQ(BackoffDelay(options, 2, 2128ms, 0.0), 2128ms);
  EXPECT_EQ(BackoffDelay(options, 2, 120000ms, 0.0), 120000ms);
  EXPECT_EQ(BackoffDelay(options, 2, std::chrono::hours(5), 0.0), kRetryAfterCeiling);
}

TEST(Backoff, RetriesExactlyTheTransientStatuses) {
  for (long status : {408, 429, 500, 502, 503, 504}) EXPECT_TRUE(IsRetryableStatus(status));
  for (long status : {200, 201, 400, 401, 403, 404, 409, 501})
    EXPECT_FALSE(IsRetryableStatus(status));
}

class HttpClientTest : public ::testing::Test {
 protected:
  HttpClient MakeClient(int attempts = 4) {
    auto transport = std::make_unique<FakeTransport>();
    transport_ = transport.get();
    RetryEnvironment environment;
    environment.now = [] { return kNow; };
    environment.sleep = [this](std::chrono::milliseconds delay) { sleeps_.push_back(delay); };
    environment.jitter = [] { return 1.0; };
    return HttpClient(std::move(transport), RetryOptions{attempts, 100ms, 5000ms}, environment);
  }
  FakeTransport* transport_ = nullptr;
  std::vector<std::chrono::milliseconds> sleeps_;
};

TEST_F(HttpClientTest, HonoursRetryAfterThenBacksOffWithoutIt) {
  auto client = MakeClient();
  transport_->Queue(429, "{}", {{"Retry-After", "1.5"}});
  transport_->Queue(503, "{}");
  transport_->Queue(200, "ok");
  const auto response = client.Send(HttpRequest{"GET", "https://x/y", {}, ""});
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(sleeps_, (std::vector<std::chrono::milliseconds>{1500ms, 200ms}));
}

TEST_F(HttpClientTest, GivesUpAfterTheLastAttemptWithTheLastResponse) {
  auto client = MakeClient(3);
  for (int i = 0; i < 3; ++i) transport_->Queue(504, "{}");
  EXPECT_EQ(client.Send(HttpRequest{"GET", "https://x", {}, ""}).status, 504);
  EXPECT_EQ(transport_->requests.size(), 3u);
  EXPECT_EQ(sleeps_, (std::vector<std::chrono::milliseconds>{100ms, 200ms}));
}

TEST_F(HttpClientTest, DoesNotRetryClientErrors) {
  auto client = MakeClient();
  transport_->Queue(400, "{}");
  EXPECT_EQ(client.Send(HttpRequest{"GET", "https://x", {}, ""}).status, 400);
  EXPECT_TRUE(sleeps_.empty());
}

TEST_F(HttpClientTest, RetriesDroppedConnectionsThenThrows) {
  auto client = MakeClient(2);
  transport_->QueueDrop();
  transport_->QueueDrop();
  EXPECT_THROW(client.Send(HttpRequest{"GET", "https://x", {}, ""}), TransportError);
  EXPECT_EQ(transport_->requests.size(), 2u);
}

TEST_F(HttpClientTest, DoesNotRetryWhatAnotherAttemptCannotMend) {
  auto client = MakeClient();
  transport_->QueueUntrusted();
  transport_->Queue(200, "never reached");
  EXPECT_THROW(client.Send(HttpRequest{"GET", "https://x", {}, ""}), TransportError);
  EXPECT_EQ(transport_->requests.size(), 1u);
  EXPECT_TRUE(sleeps_.empty());
}

TEST_F(HttpClientTest, RetriesGarbledBodies) {
  auto client = MakeClient();
  transport_->Queue(200, "{\"value\": [");
  transport_->Queue(200, "{\"value\": []}");
  SendOptions options;
  options.accept = [](const HttpResponse& response) { return response.body.back() == '}'; };
  EXPECT_EQ(client.Send(HttpRequest{"GET", "https://x", {}, ""}, options).body, "{\"value\": []}");
  transport_->Queue(200, "{");
  transport_->Queue(200, "{");
  transport_->Queue(200, "{");
  transport_->Queue(200, "{");
  EXPECT_THROW(client.Send(HttpRequest{"GET", "https://x", {}, ""}, options), ServiceError);
}

TEST_F(HttpClientTest, NeverReplaysARequestWhoseOutcomeIsUnknown) {
  auto client = MakeClient();
  SendOptions once;
  once.replayable = false;
  // A refusal (429, 503) is safe to send again...
  transport_->Queue(429, "{}", {{"Retry-After", "0.01"}});
  transport_->Queue(201, "{}");
  EXPECT_EQ(client.Send(HttpRequest{"POST", "https://x", {}, "{}"}, once).status, 201);
  // ...but a 500 may have been acted on, and a lost reply certainly may have.
  transport_->Queue(500, "{}");
  EXPECT_EQ(client.Send(HttpRequest{"POST", "https://x", {}, "{}"}, once).status, 500);
  transport_->QueueDrop();
  EXPECT_THROW(client.Send(HttpRequest{"POST", "https://x", {}, "{}"}, once), TransportError);
  // A garbled 201 means the POST was acted on: it is not sent again either.
  once.accept = [](const HttpResponse& response) { return response.body == "{}"; };
  transport_->Queue(201, "{\"id\": \"q-");
  transport_->Queue(201, "{}");
  EXPECT_THROW(client.Send(HttpRequest{"POST", "https://x", {}, "{}"}, once), ServiceError);
  EXPECT_EQ(transport_->requests.size(), 5u);
}

TEST_F(HttpClientTest, RetriesAThrottlingAnswerWhateverItsStatus) {
  auto client = MakeClient();
  // The Management Activity API's AF429 comes as HTTP 403: a 403 like any other is final...
  transport_->Queue(403, R"({"error":{"code":"AF10001"}})");
  SendOptions options;
  options.throttled = [](const HttpResponse& response) {
    return response.body.find("AF429") != std::string::npos;
  };
  EXPECT_EQ(client.Send(HttpRequest{"GET", "https://x", {}, ""}, options).status, 403);
  EXPECT_TRUE(sleeps_.empty());
  // ...but one that says it is throttling is waited for and sent again.
  transport_->Queue(403, R"({"error":{"code":"AF429","message":"Too many requests."}})");
  transport_->Queue(403, R"({"error":{"code":"AF429"}})", {{"Retry-After", "2"}});
  transport_->Queue(200, "[]");
  EXPECT_EQ(client.Send(HttpRequest{"GET", "https://x", {}, ""}, options).status, 200);
  EXPECT_EQ(sleeps_, (std::vector<std::chrono::milliseconds>{100ms, 2000ms}));
}

// Collects a streamed body, attempt by attempt.
struct RecordingStream : BodyStream {
  void Restart() override {
    ++restarts;
    body.clear();
  }
  bool Append(std::string_view bytes) override {
    body.append(bytes);
    return body.front() == '[';
  }
  int restarts = 0;
  std::string body;
};

TEST_F(HttpClientTest, StreamsSuccessfulBodiesAndRestartsTheStreamForEachAttempt) {
  auto client = MakeClient();
  RecordingStream stream;
  SendOptions options;
  options.stream = &stream;
  options.accept = [&stream](const HttpResponse& response) {
    return response.body.empty() && stream.body.back() == ']';
  };
  transport_->Queue(503, "busy");               // an error body stays in the response
  transport_->Queue(200, "[1,2");               // cut short: refused by `accept`
  transport_->Queue(200, "<html>oops</html>");  // refused by the stream itself
  transport_->Queue(200, "[1,2,3]");
  const auto response = client.Send(HttpRequest{"GET", "https://x", {}, ""}, options);
  EXPECT_EQ(response.status, 200);
  EXPECT_TRUE(response.body.empty());
  EXPECT_EQ(stream.body, "[1,2,3]");
  EXPECT_EQ(stream.restarts, 4);
  EXPECT_EQ(transport_->requests.size(), 4u);
}

TEST_F(HttpClientTest, RetriesTheStatusesAServiceCallsPassingUpToItsOwnCount) {
  auto client = MakeClient(2);
  SendOptions imds;
  imds.passing_statuses = {404, 410};
  imds.passing_attempts = 4;
  // More attempts than the client's own two, with its backoff.
  for (int i = 0; i < 3; ++i) transport_->Queue(i == 1 ? 410 : 404, "{}");
  transport_->Queue(200, "ok");
  EXPECT_EQ(client.Send(HttpRequest{"GET", "https://x", {}, ""}, imds).body, "ok");
  EXPECT_EQ(sleeps_, (std::vector<std::chrono::milliseconds>{100ms, 200ms, 400ms}));
  // Then the last answer comes back to the caller.
  sleeps_.clear();
  for (int i = 0; i < 4; ++i) transport_->Queue(404, "{}");
  EXPECT_EQ(client.Send(HttpRequest{"GET", "https://x", {}, ""}, imds).status, 404);
  EXPECT_EQ(transport_->requests.size(), 8u);
  EXPECT_EQ(sleeps_, (std::vector<std::chrono::milliseconds>{100ms, 200ms, 400ms}));
  // Without the option a 404 is final.
  transport_->Queue(404, "{}");
  EXPECT_EQ(client.Send(HttpRequest{"GET", "https://x", {}, ""}).status, 404);
  EXPECT_EQ(transport_->requests.size(), 9u);
}

}  // namespace
}  // namespace auditsync
