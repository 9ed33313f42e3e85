#include "core/csv.hpp"

#include <gtest/gtest.h>

namespace auditsync {
namespace {

std::vector<CsvRecord> ReadAll(std::string_view text, char delimiter = ',') {
  CsvReader reader(text, delimiter);
  std::vector<CsvRecord> records;
  while (auto record = reader.Next()) records.push_back(std::move(*record));
  return records;
}

using Fields = std::vector<std::string>;

TEST(CsvTest, ReadsQuotedFieldsWithDelimitersQuotesAndLineBreaks) {
  const auto records = ReadAll(
      "id,name,note\r\n"
      "1,\"Expense, \"\"Pro\"\"\",plain\r\n"
      "2,\"two\r\nlines\nand more\",x\r\n"
      "3,,\"\"\r\n");
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[0].fields, (Fields{"id", "name", "note"}));
  EXPECT_EQ(records[1].fields, (Fields{"1", "Expense, \"Pro\"", "plain"}));
  EXPECT_EQ(records[2].fields, (Fields{"2", "two\r\nlines\nand more", "x"}));
  EXPECT_EQ(records[3].fields, (Fields{"3", "", ""}));
  // Records know the line they start on, past the line breaks inside quotes.
  EXPECT_EQ(records[1].line, 2u);
  EXPECT_EQ(records[2].line, 3u);
  EXPECT_EQ(records[3].line, 6u);
  for (const auto& record : records) EXPECT_EQ(record.error, "");
}

TEST(CsvTest, AcceptsLfCrAndAMissingFinalLineEnd) {
  EXPECT_EQ(ReadAll("a,b\nc,d").size(), 2u);
  const auto records = ReadAll("a,b\rc,d\r");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1].fields, (Fields{"c", "d"}));
  EXPECT_EQ(records[1].line, 2u);
  EXPECT_EQ(ReadAll("a,b,\n").at(0).fields, (Fields{"a", "b", ""}));
}

TEST(CsvTest, BlankLinesAreRecordsOfOneEmptyField) {
  const auto records = ReadAll("a\n\nb\n");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[1].fields, (Fields{""}));
  EXPECT_EQ(records[2].line, 3u);
}

TEST(CsvTest, AQuoteNeverClosedTakesTheRestAndSaysWhereItStarted) {
  const auto records = ReadAll("a,b\n1,\"open\n2,x\n3,y\n");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_NE(records[1].error.find("starts on line 2 is never closed"), std::string::npos);
}

TEST(CsvTest, TextAfterAClosingQuoteIsAnErrorOfThatRecordOnly) {
  const auto records = ReadAll("a,b\n\"x\"y,1\nok,2\n");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_NE(records[1].error.find("text after its closing quote"), std::string::npos);
  EXPECT_EQ(records[2].fields, (Fields{"ok", "2"}));
  EXPECT_EQ(records[2].error, "");
  EXPECT_EQ(records[2].line, 3u);
}

TEST(CsvTest, AQuoteInsideAnUnquotedFieldIsKept) {
  EXPECT_EQ(ReadAll("5\" screen,x\n").at(0).fields, (Fields{"5\" screen", "x"}));
}

TEST(CsvTest, DetectsTheDelimiterOfTheHeaderOutsideQuotes) {
  EXPECT_EQ(DetectCsvDelimiter("App ID,Display name,Owner\n1;2;3;4"), ',');
  EXPECT_EQ(DetectCsvDelimiter("App ID;Display name;\"Owner, email\"\n"), ';');
  EXPECT_EQ(DetectCsvDelimiter("App ID\tDisplay name\n"), '\t');
  EXPECT_EQ(DetectCsvDelimiter("App ID\n"), ',');
  EXPECT_EQ(ReadAll("a;\"b;c\"\n", ';').at(0).fields, (Fields{"a", "b;c"}));
}

TEST(CsvTest, StripsTheUtf8ByteOrderMark) {
  EXPECT_EQ(StripUtf8Bom("\xEF\xBB\xBF"
                         "App ID"),
            "App ID");
  EXPECT_EQ(StripUtf8Bom("App ID"), "App ID");
}

TEST(CsvTest, HeaderNamesAreMatchedWithoutCaseSpacesOrPunctuation) {
  EXPECT_EQ(NormaliseCsvHeader("App ID"), "appid");
  EXPECT_EQ(NormaliseCsvHeader(" audit_Data "), "auditdata");
  EXPECT_EQ(NormaliseCsvHeader("Créé le"), "crle");  // non-ASCII letters are not names' letters
  EXPECT_TRUE(IsBlankCsvRecord(ReadAll(" \t\n").at(0)));
  EXPECT_FALSE(IsBlankCsvRecord(ReadAll(",\n").at(0)));
  EXPECT_FALSE(IsBlankCsvRecord(ReadAll("x\n").at(0)));
}

}  // namespace
}  // namespace auditsync
