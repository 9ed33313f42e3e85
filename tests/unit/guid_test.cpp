#include "core/guid.hpp"

#include <gtest/gtest.h>

namespace auditsync {
namespace {

TEST(Guid, ReadsTheCanonicalFormInEitherCase) {
  const auto lower = ParseGuid("00112233-4455-6677-8899-aabbccddeeff");
  ASSERT_TRUE(lower);
  EXPECT_EQ(*lower, (GuidBytes{0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa,
                               0xbb, 0xcc, 0xdd, 0xee, 0xff}));
  EXPECT_EQ(ParseGuid("00112233-4455-6677-8899-AABBCCDDEEFF"), lower);
}

TEST(Guid, RefusesEverythingElse) {
  for (const char* text :
       {"", "00112233445566778899aabbccddeeff", "{00112233-4455-6677-8899-aabbccddeeff}",
        "00112233-4455-6677-8899-aabbccddeef", "00112233-4455-6677-8899-aabbccddeeffa",
        "00112233-4455-6677-8899_aabbccddeeff", "0011223g-4455-6677-8899-aabbccddeeff",
        "00112233-4455-6677-8899-aabbccddee-f"}) {
    EXPECT_FALSE(ParseGuid(text)) << text;
  }
}

}  // namespace
}  // namespace auditsync

namespace auditsync {
namespace {

TEST(Guid, RandomGuidsAreVersion4AndDistinct) {
  const auto first = RandomGuid();
  const auto bytes = ParseGuid(first);
  ASSERT_TRUE(bytes) << first;
  EXPECT_EQ((*bytes)[6] >> 4, 4);                               // version 4
  EXPECT_EQ((*bytes)[8] & 0xc0, 0x80);                          // RFC 4122 variant
  EXPECT_EQ(first.find_first_of("ABCDEF"), std::string::npos);  // lower case
  EXPECT_NE(RandomGuid(), first);
}

}  // namespace
}  // namespace auditsync
