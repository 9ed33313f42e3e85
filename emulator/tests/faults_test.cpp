// Fault spec parsing and the injector's per-route behaviour.
#include <gtest/gtest.h>

#include <array>
#include <set>
#include <vector>

#include "faults.hpp"

namespace emulator {
namespace {

TEST(FaultSpec, ParsesEveryKind) {
  std::string error;
  const auto spec = ParseFaultSpec(
      "429=0.05, 429-no-retry-after=0.02,503=0.03,504=0.02,drop=0.02,truncate=0.02,"
      "token-expiry=0.01",
      error);
  ASSERT_TRUE(spec) << error;
  EXPECT_DOUBLE_EQ(spec->probability[static_cast<std::size_t>(FaultKind::k429)], 0.05);
  EXPECT_DOUBLE_EQ(spec->probability[static_cast<std::size_t>(FaultKind::kTokenExpiry)], 0.01);
  EXPECT_EQ(spec->text,
            "429=0.05,429-no-retry-after=0.02,503=0.03,504=0.02,drop=0.02,truncate=0.02,"
            "token-expiry=0.01");
}

TEST(FaultSpec, EmptyMeansOff) {
  std::string error;
  const auto spec = ParseFaultSpec("  \n", error);
  ASSERT_TRUE(spec);
  EXPECT_EQ(spec->text, "");
  FaultInjector injector(*spec, 7);
  for (int i = 0; i < 1000; ++i)
    EXPECT_EQ(injector.Decide(RouteClass::kGraph).kind, FaultKind::kNone);
}

TEST(FaultSpec, RejectsBadInput) {
  std::string error;
  EXPECT_FALSE(ParseFaultSpec("500=0.1", error));
  EXPECT_NE(error.find("unknown fault"), std::string::npos);
  EXPECT_FALSE(ParseFaultSpec("429", error));
  EXPECT_FALSE(ParseFaultSpec("429=abc", error));
  EXPECT_FALSE(ParseFaultSpec("429=1.5", error));
  EXPECT_FALSE(ParseFaultSpec("429=-0.1", error));
  EXPECT_FALSE(ParseFaultSpec("429=0.6,503=0.6", error));
}

TEST(FaultInjector, RatesAndRouteClasses) {
  std::string error;
  const auto spec = ParseFaultSpec("429=0.1,504=0.1,token-expiry=0.1", error);
  ASSERT_TRUE(spec);
  FaultInjector graph(*spec, 7);
  FaultInjector token(*spec, 7);
  std::array<int, kFaultKinds + 1> graph_counts{};
  std::array<int, kFaultKinds + 1> token_counts{};
  constexpr int kDraws = 20000;
  for (int i = 0; i < kDraws; ++i) {
    ++graph_counts[static_cast<std::size_t>(graph.Decide(RouteClass::kGraph).kind)];
    ++token_counts[static_cast<std::size_t>(token.Decide(RouteClass::kToken).kind)];
  }
  for (const FaultKind kind : {FaultKind::k429, FaultKind::k504, FaultKind::kTokenExpiry}) {
    EXPECT_NEAR(graph_counts[static_cast<std::size_t>(kind)], kDraws / 10, kDraws / 50);
  }
  // The token endpoint never sees 504 or token expiry, and keeps 429 at its own rate.
  EXPECT_EQ(token_counts[static_cast<std::size_t>(FaultKind::k504)], 0);
  EXPECT_EQ(token_counts[static_cast<std::size_t>(FaultKind::kTokenExpiry)], 0);
  EXPECT_NEAR(token_counts[static_cast<std::size_t>(FaultKind::k429)], kDraws / 10, kDraws / 50);
}

TEST(FaultInjector, SameSeedSameSequence) {
  std::string error;
  const auto spec = ParseFaultSpec("drop=0.3,truncate=0.3", error);
  ASSERT_TRUE(spec);
  FaultInjector a(*spec, 99);
  FaultInjector b(*spec, 99);
  for (int i = 0; i < 500; ++i) {
    EXPECT_EQ(a.Decide(RouteClass::kGraph).kind, b.Decide(RouteClass::kGraph).kind);
  }
}

TEST(FaultSpec, ParsesStorm) {
  std::string error;
  const auto spec = ParseFaultSpec("storm=0.01,429=0.02", error);
  ASSERT_TRUE(spec) << error;
  EXPECT_DOUBLE_EQ(spec->probability[static_cast<std::size_t>(FaultKind::kStorm)], 0.01);
  EXPECT_EQ(spec->text, "429=0.02,storm=0.01");
  EXPECT_FALSE(ParseFaultSpec("storm=2", error));
  EXPECT_FALSE(ParseFaultSpec("hail=0.1", error));
  EXPECT_NE(error.find("storm"), std::string::npos) << "the message lists the known kinds";
}

// Runs of consecutive storm 429s in `draws` decisions, each as its Retry-After flags.
std::vector<std::vector<bool>> StormRuns(FaultInjector& injector, RouteClass route, int draws) {
  std::vector<std::vector<bool>> runs;
  std::vector<bool> run;
  for (int i = 0; i < draws; ++i) {
    const Fault fault = injector.Decide(route);
    if (fault.kind == FaultKind::kStorm) {
      run.push_back(fault.retry_after);
      continue;
    }
    EXPECT_FALSE(fault.retry_after);
    if (!run.empty()) runs.push_back(run);
    run.clear();
  }
  return runs;
}

TEST(FaultInjector, AStormIsTheDrawingRequestAndFiveToTwentyMore) {
  std::string error;
  const auto spec = ParseFaultSpec("storm=0.02", error);
  ASSERT_TRUE(spec);
  for (const RouteClass route : {RouteClass::kGraph, RouteClass::kToken}) {
    FaultInjector injector(*spec, 11);
    const auto runs = StormRuns(injector, route, 50000);
    ASSERT_GT(runs.size(), 100u);
    std::set<std::size_t> lengths;
    for (const auto& run : runs) {
      // A storm may start right after another ends, so two can run together: then the second
      // starts with Retry-After whatever the first ended with.
      EXPECT_GE(run.size(), static_cast<std::size_t>(1 + kStormMin));
      if (run.size() <= 1 + kStormMax) lengths.insert(run.size());
      EXPECT_TRUE(run.front()) << "a storm starts with Retry-After";
      for (std::size_t i = 1; i < run.size(); ++i) {
        EXPECT_TRUE(run[i - 1] || run[i]) << "no two responses in a row without Retry-After";
      }
    }
    EXPECT_EQ(*lengths.begin(), static_cast<std::size_t>(1 + kStormMin));
    EXPECT_EQ(*lengths.rbegin(), static_cast<std::size_t>(1 + kStormMax));
  }
}

TEST(FaultInjector, SpecsWithoutStormsKeepTheirSequence) {
  // Adding the storm kind must not move the faults an existing spec and seed produce.
  std::string error;
  const auto spec = ParseFaultSpec("429=0.1,503=0.1,drop=0.1", error);
  ASSERT_TRUE(spec);
  FaultInjector injector(*spec, 7);
  Stream reference(7);
  for (int i = 0; i < 2000; ++i) {
    const double draw = reference.Unit();
    const FaultKind expected = draw < 0.1   ? FaultKind::k429
                               : draw < 0.2 ? FaultKind::k503
                               : draw < 0.3 ? FaultKind::kDrop
                                            : FaultKind::kNone;
    const Fault fault = injector.Decide(RouteClass::kGraph);
    EXPECT_EQ(fault.kind, expected);
    EXPECT_EQ(fault.retry_after, expected == FaultKind::k429 || expected == FaultKind::k503);
  }
}

TEST(FaultInjector, ReplacingTheSpecEndsAStorm) {
  std::string error;
  FaultInjector injector(*ParseFaultSpec("storm=1", error), 3);
  EXPECT_EQ(injector.Decide(RouteClass::kGraph).kind, FaultKind::kStorm);
  injector.Replace(*ParseFaultSpec("", error));
  EXPECT_EQ(injector.Decide(RouteClass::kGraph).kind, FaultKind::kNone);
}

TEST(CreateReplyFaults, FaultTheRepliesOfSuccessiveCreationsInOrder) {
  std::string error;
  const auto script = ParseCreateReplyFaults(" drop, none,truncate ", error);
  ASSERT_TRUE(script) << error;
  CreateReplyFaults faults(*script);
  EXPECT_EQ(faults.Next(), FaultKind::kDrop);
  EXPECT_EQ(faults.Next(), FaultKind::kNone);
  EXPECT_EQ(faults.Next(), FaultKind::kTruncate);
  EXPECT_EQ(faults.Next(), FaultKind::kNone);  // the script is used up
  EXPECT_EQ(CreateReplyFaultName(FaultKind::kDrop), "create-drop");
  EXPECT_EQ(CreateReplyFaultName(FaultKind::kTruncate), "create-truncate");
  EXPECT_TRUE(ParseCreateReplyFaults("", error)->empty());
  EXPECT_FALSE(ParseCreateReplyFaults("drop,504", error));
  EXPECT_NE(error.find("'504'"), std::string::npos) << error;
}

}  // namespace
}  // namespace emulator
