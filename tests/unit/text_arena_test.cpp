#include "record/text_arena.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "record/audit_record.hpp"

namespace auditsync {
namespace {

// Texts of growing sizes, enough of them to fill several blocks, one larger than a block.
std::vector<std::string> Texts() {
  std::vector<std::string> texts;
  for (int i = 0; i < 600; ++i) texts.push_back(std::string(1 + i * 7 % 1800, char('a' + i % 26)));
  texts.push_back(std::string(600 * 1024, 'z'));
  texts.push_back("after the large one");
  return texts;
}

TEST(TextArena, KeepsEveryTextUnchangedWhileMoreAreAdded) {
  const auto texts = Texts();
  TextArena arena;
  std::vector<std::string_view> kept;
  for (const auto& text : texts) kept.push_back(arena.Keep(text));
  ASSERT_EQ(kept.size(), texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    EXPECT_EQ(kept[i], texts[i]) << i;
    EXPECT_NE(kept[i].data(), texts[i].data()) << "a copy, not the caller's text";
  }
  EXPECT_TRUE(arena.Keep("").empty());
}

TEST(TextArena, ViewsOutliveMovesAndAdoption) {
  const auto texts = Texts();
  TextArena first;
  TextArena second;
  std::vector<std::string_view> kept;
  for (size_t i = 0; i < texts.size(); ++i) kept.push_back((i % 2 ? first : second).Keep(texts[i]));
  TextArena moved(std::move(first));
  moved.Adopt(std::move(second));
  // The moved-from arenas are empty and usable again.
  EXPECT_EQ(first.Keep("again"), "again");
  EXPECT_EQ(second.Keep("and again"), "and again");
  first = TextArena();
  second = TextArena();
  kept.push_back(moved.Keep("kept after adopting"));
  for (size_t i = 0; i < texts.size(); ++i) EXPECT_EQ(kept[i], texts[i]) << i;
  EXPECT_EQ(kept.back(), "kept after adopting");
}

TEST(RecordPage, AppendMovesRecordsWithTheTextsTheirRawViewsNeed) {
  RecordPage all;
  for (int page_number = 0; page_number < 3; ++page_number) {
    RecordPage page;
    for (int i = 0; i < 200; ++i) {
      AuditRecord record;
      record.id = std::to_string(page_number) + "-" + std::to_string(i);
      record.raw = page.texts.Keep("{\"Id\":\"" + record.id + "\"}");
      page.records.push_back(std::move(record));
    }
    page.quarantined.push_back({"bad", "reason", "{}"});
    all.Append(std::move(page));
    EXPECT_TRUE(page.records.empty());
    EXPECT_TRUE(page.quarantined.empty());
  }
  ASSERT_EQ(all.records.size(), 600u);
  EXPECT_EQ(all.quarantined.size(), 3u);
  for (const auto& record : all.records) EXPECT_EQ(record.raw, "{\"Id\":\"" + record.id + "\"}");
}

}  // namespace
}  // namespace auditsync
