// Fault spec parsing and the injector's per-route behaviour.
#include <gtest/gtest.h>

#include <array>

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
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(injector.Decide(RouteClass::kGraph), FaultKind::kNone);
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
    ++graph_counts[static_cast<std::size_t>(graph.Decide(RouteClass::kGraph))];
    ++token_counts[static_cast<std::size_t>(token.Decide(RouteClass::kToken))];
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
    EXPECT_EQ(a.Decide(RouteClass::kGraph), b.Decide(RouteClass::kGraph));
  }
}

}  // namespace
}  // namespace emulator
