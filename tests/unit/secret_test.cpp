// The Secret type and the one rule by which secret text is read: what moves and wipes leave
// behind, and which characters a secret from a file, standard input or a setting keeps.
#include "core/secret.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace auditsync {
namespace {

// The bytes at `buffer`, which stays inside a live object (a string's small-string buffer).
std::string BytesAt(const char* buffer, size_t size) { return std::string(buffer, size); }

TEST(Secret, AMoveWipesTheMovedFromBuffer) {
  // Short enough for the small-string buffer, which lives in the Secret object itself: a plain
  // move copies the bytes out and leaves them there.
  Secret source("hunter2-short");
  const char* buffer = source.Reveal().data();
  Secret moved(std::move(source));
  EXPECT_EQ(moved.Reveal(), "hunter2-short");
  EXPECT_EQ(BytesAt(buffer, 13), std::string(13, '\0'));

  Secret other("another-one");
  buffer = other.Reveal().data();
  moved = std::move(other);
  EXPECT_EQ(moved.Reveal(), "another-one");
  EXPECT_EQ(BytesAt(buffer, 11), std::string(11, '\0'));
}

TEST(Secret, ItWipesTheStringItIsMadeFrom) {
  std::string text = "from-a-file";
  const char* buffer = text.data();
  const Secret secret(std::move(text));
  EXPECT_EQ(secret.Reveal(), "from-a-file");
  EXPECT_EQ(BytesAt(buffer, 11), std::string(11, '\0'));
}

TEST(Secret, WipeStringZeroesTheWholeBuffer) {
  std::string body = "client_secret=hunter2";
  body.resize(5);  // the rest of the bytes stay in the buffer
  const char* buffer = body.data();
  WipeString(body);
  EXPECT_TRUE(body.empty());
  EXPECT_EQ(BytesAt(buffer, 15), std::string(15, '\0'));
}

// Trailing line ends are dropped, every other character is kept: spaces and tabs may belong to
// a password.
TEST(SecretText, OnlyTrailingLineEndsAreDropped) {
  EXPECT_EQ(SecretFromText(" p a\tss \r\n\n").Reveal(), " p a\tss ");
  EXPECT_EQ(SecretFromText("x\n\r\n").Reveal(), "x");
  EXPECT_EQ(SecretFromText("\r\nx").Reveal(), "\r\nx");
  EXPECT_EQ(SecretFromText("two\nlines\n").Reveal(), "two\nlines");
  EXPECT_TRUE(SecretFromText("\r\n").Empty());
  const auto blank = SecretFromText(" \t\n");
  EXPECT_FALSE(blank.Empty());
  EXPECT_TRUE(blank.Blank());
  EXPECT_FALSE(SecretFromText(" x ").Blank());

  std::istringstream piped(" piped secret\n");
  EXPECT_EQ(SecretFromStream(piped).Reveal(), " piped secret");

  const auto path = std::filesystem::temp_directory_path() /
                    ("auditsync-secret-test-" + std::to_string(::getpid()));
  std::ofstream(path, std::ios::binary) << "\ts3cr3t \r\n";
  const auto read = SecretFromFile(path.string());
  ASSERT_TRUE(read);
  EXPECT_EQ(read->Reveal(), "\ts3cr3t ");
  std::filesystem::remove(path);
  EXPECT_FALSE(SecretFromFile(path.string()));
}

}  // namespace
}  // namespace auditsync
