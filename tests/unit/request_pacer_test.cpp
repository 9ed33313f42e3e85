#include "net/request_pacer.hpp"

#include <gtest/gtest.h>

#include "net/http_client.hpp"
#include "unit/fake_transport.hpp"

namespace auditsync {
namespace {

using namespace std::chrono_literals;

// A pacer on a fake clock that moves only when the pacer sleeps.
class PacerTest : public ::testing::Test {
 protected:
  RequestPacer MakePacer(int per_minute) {
    PacerEnvironment environment;
    environment.now = [this] { return now_; };
    environment.sleep = [this](std::chrono::milliseconds delay) {
      slept_ += delay;
      now_ += delay;
    };
    return RequestPacer(per_minute, environment);
  }
  std::chrono::steady_clock::time_point now_{};
  std::chrono::milliseconds slept_{};
};

TEST_F(PacerTest, SendsTheBudgetAtOnceThenWaitsForTheOldestToBeAMinuteOld) {
  auto pacer = MakePacer(3);
  pacer.Acquire();
  now_ += 10s;
  pacer.Acquire();
  pacer.Acquire();
  EXPECT_EQ(slept_, 0ms);
  pacer.Acquire();  // the first request frees its place 60 s after it was sent
  EXPECT_EQ(slept_, 50s);
  pacer.Acquire();  // the next two 60 s after theirs
  pacer.Acquire();
  EXPECT_EQ(slept_, 60s);
}

TEST_F(PacerTest, NeverExceedsTheBudgetInAnyMinute) {
  auto pacer = MakePacer(100);
  std::vector<std::chrono::steady_clock::time_point> sent;
  for (int i = 0; i < 1000; ++i) {
    pacer.Acquire();
    sent.push_back(now_);
    now_ += 7ms;  // a request takes a little time
  }
  for (size_t i = 100; i < sent.size(); ++i) EXPECT_GE(sent[i] - sent[i - 100], 60s) << i;
  // And it is not slower than it must be: 1000 requests at 100 a minute take 9 minutes and a bit.
  EXPECT_LT(sent.back() - sent.front(), 9min + 10s);
}

TEST_F(PacerTest, ATransportCountsEveryAttemptARetryIncluded) {
  auto pacer = MakePacer(2);
  auto fake = std::make_unique<testing::FakeTransport>();
  auto* transport = fake.get();
  RetryEnvironment environment;
  environment.sleep = [](std::chrono::milliseconds) {};
  HttpClient client(std::make_unique<PacedTransport>(std::move(fake), pacer),
                    RetryOptions{3, 1ms, 1ms}, environment);
  transport->Queue(503, "{}");
  transport->Queue(200, "{}");
  transport->Queue(200, "{}");
  EXPECT_EQ(client.Send(HttpRequest{"GET", "https://x", {}, ""}).status, 200);
  EXPECT_EQ(slept_, 0ms);
  EXPECT_EQ(client.Send(HttpRequest{"GET", "https://x", {}, ""}).status, 200);
  EXPECT_EQ(slept_, 60s);  // the third request of the minute waited
}

}  // namespace
}  // namespace auditsync
