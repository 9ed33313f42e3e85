// The Purview export reader (header versions, CSV quirks, bad rows by line) and the import loop
// over a real store (dedupe, no checkpoint, stop between transactions).
#include "source/purview/purview_export.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "sync/purview_import.hpp"
#include "unit/temp_store.hpp"

namespace auditsync {
namespace {

const std::vector<std::string> kOperations = {"LaunchPowerApp", "DeletePowerApp"};

// A legacy (RecordType 45) record as the unified audit log writes it.
std::string Record(const std::string& id, const std::string& operation = "LaunchPowerApp",
                   const std::string& time = "2026-11-10T08:00:00") {
  return R"({"Id":")" + id + R"(","RecordType":45,"CreationTime":")" + time + R"(","Operation":")" +
         operation +
         R"(","Workload":"PowerApps","UserId":"Amy@Contoso.com","AppName":"APP-1",)"
         R"("EnvironmentName":"env-1"})";
}

// `text` as one CSV field: quoted, quotes doubled.
std::string Quoted(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// The same JSON with a line break after each comma.
std::string OverLines(const std::string& json) {
  std::string out;
  for (const char c : json) {
    out += c;
    if (c == ',') out += '\n';
  }
  return out;
}

// "r0", "r1"... (built by appending: GCC 12 warns falsely about "r" + std::string.)
std::string Numbered(const char* prefix, int i) {
  std::string text = prefix;
  text += std::to_string(i);
  return text;
}

std::vector<std::string> Ids(const RecordPage& page) {
  std::vector<std::string> ids;
  for (const auto& record : page.records) ids.push_back(record.id);
  return ids;
}

TEST(PurviewHeader, FindsAuditDataInEitherVersionWhateverTheCase) {
  auto header =
      DetectPurviewHeader({"RecordId", "CreationDate", "RecordType", "Operation", "UserId",
                           "AuditData", "AssociatedAdminUnits", "AssociatedAdminUnitsNames"});
  ASSERT_TRUE(header);
  EXPECT_EQ(header->audit_data, 5u);
  EXPECT_EQ(header->columns, 8u);
  EXPECT_EQ(header->kind,
            "newer Purview export (RecordId, CreationDate, RecordType, Operation, UserId, "
            "AuditData)");
  header = DetectPurviewHeader({"creationdate", "USERIDS", "Operations", "auditdata"});
  ASSERT_TRUE(header);
  EXPECT_EQ(header->audit_data, 3u);
  EXPECT_EQ(header->kind, "older Purview export (CreationDate, UserIds, Operations, AuditData)");
  header = DetectPurviewHeader({"ObjectId", "Audit Data"});
  ASSERT_TRUE(header);
  EXPECT_EQ(header->audit_data, 1u);
  EXPECT_EQ(header->kind, "export with an AuditData column");
  EXPECT_FALSE(DetectPurviewHeader({"CreationDate", "UserIds", "Operations", "Data"}));
  EXPECT_FALSE(DetectPurviewHeader({}));
}

TEST(PurviewExportReader, ReadsBomCrlfMultiLineCellsAndDoubledQuotes) {
  const std::string text =
      "\xEF\xBB\xBF"
      "\"RecordId\",\"CreationDate\",\"RecordType\",\"Operation\",\"UserId\","
      "\"AuditData\"\r\n"
      "\"a\",\"x\",\"PowerAppsApp\",\"LaunchPowerApp\",\"amy\"," +
      Quoted(Record("id-a")) + "\r\n" +
      // A multi-line AuditData, then a record of another workload.
      "\"b\",\"x\",\"PowerAppsApp\",\"DeletePowerApp\",\"amy\"," +
      Quoted(OverLines(Record("id-b", "DeletePowerApp"))) +
      "\r\n"
      "\"c\",\"x\",\"PowerBIAudit\",\"ViewReport\",\"amy\"," +
      Quoted(R"({"Id":"id-c","CreationTime":"2026-11-10T08:00:00",)"
             R"("Operation":"ViewReport","Workload":"PowerBI"})") +
      "\r\n\r\n";
  PurviewExportReader reader(text, "export.csv", kOperations);
  auto batch = reader.Next(100, 100);
  EXPECT_EQ(batch.rows, 3);
  EXPECT_EQ(batch.other_operations, 1);
  EXPECT_TRUE(batch.problems.empty());
  EXPECT_EQ(Ids(batch.page), (std::vector<std::string>{"id-a", "id-b"}));
  // The one parser's normalisation: app id and UPN lowercase.
  EXPECT_EQ(batch.page.records[0].app_id, "app-1");
  EXPECT_EQ(batch.page.records[0].user_upn, "amy@contoso.com");
  EXPECT_EQ(batch.page.records[1].operation, "DeletePowerApp");
  EXPECT_EQ(reader.Consumed(), text.size());
  EXPECT_EQ(reader.Next(100, 100).rows, 0);
}

TEST(PurviewExportReader, BadRowsAreProblemsWithTheirLineAndNoContent) {
  const std::string text =
      "CreationDate,UserIds,Operations,AuditData\n" +  // line 1
      std::string("d,secret@contoso.com,LaunchPowerApp,") + Quoted(Record("ok-1")) + "\n" +  // 2
      "d,secret@contoso.com,LaunchPowerApp\n" +                                              // 3
      "d,u,LaunchPowerApp,\"{\"\"Id\"\":\"\"cut\n" +                                         // 4-5
      "more\"\n" +                                                                           //
      "d,u,LaunchPowerApp,not json\n" +                                                      // 6
      "d,u,LaunchPowerApp," + Quoted(R"({"RecordType":45,"Operation":"LaunchPowerApp"})") +
      "\n" +                                                  // 7
      "d,u,LaunchPowerApp,\"{}\"x\n" +                        // 8
      "d,u,LaunchPowerApp,\n" +                               // 9
      "d,u,LaunchPowerApp," + Quoted(Record("ok-2")) + "\n";  // 10
  PurviewExportReader reader(text, "export.csv", kOperations);
  const auto batch = reader.Next(100, 100);
  EXPECT_EQ(batch.rows, 8);
  EXPECT_EQ(Ids(batch.page), (std::vector<std::string>{"ok-1", "ok-2"}));
  std::vector<std::pair<size_t, std::string>> problems;
  for (const auto& problem : batch.problems) problems.emplace_back(problem.line, problem.reason);
  EXPECT_EQ(problems,
            (std::vector<std::pair<size_t, std::string>>{
                {3,
                 "it has 3 fields, the header 4 (a delimiter or quote inside a value that is "
                 "not quoted?)"},
                {4, "its AuditData: the record is not valid JSON"},
                {6, "its AuditData: the record is not a JSON object"},
                {7, "its AuditData: the record has no id"},
                {8,
                 "field 4 has text after its closing quote (a quote inside a quoted field "
                 "must be doubled: \"\")"},
                {9, "its AuditData is empty"},
            }));
  for (const auto& [line, reason] : problems) {
    EXPECT_EQ(reason.find("secret"), std::string::npos);
    EXPECT_EQ(reason.find("cut"), std::string::npos);
  }
  // The unusable records are quarantined as a sync quarantines them, naming the line.
  ASSERT_EQ(batch.page.quarantined.size(), 3u);
  EXPECT_EQ(batch.page.quarantined[2].reason, "the record has no id (line 7 of a Purview export)");
  EXPECT_EQ(batch.page.quarantined[1].raw, "not json");
}

TEST(PurviewExportReader, SkipsPowerShellsTypeLineAndReadsSemicolons) {
  const std::string text =
      "#TYPE Deserialized.Microsoft.Exchange.Management.UnifiedAuditLogRecord\n"
      "\"RunspaceId\";\"RecordType\";\"CreationDate\";\"UserIds\";"
      "\"Operations\";\"AuditData\";\"ResultIndex\"\n"
      "r;PowerAppsApp;d;u;LaunchPowerApp;" +
      Quoted(Record("ps-1")) + ";1\n";
  PurviewExportReader reader(text, "export.csv", kOperations);
  EXPECT_EQ(reader.Header().audit_data, 5u);
  const auto batch = reader.Next(100, 100);
  EXPECT_EQ(Ids(batch.page), (std::vector<std::string>{"ps-1"}));
  EXPECT_TRUE(batch.problems.empty());
}

TEST(PurviewExportReader, AFileWithoutAnAuditDataColumnIsAConfigurationError) {
  const auto message = [](const std::string& text) {
    try {
      PurviewExportReader reader(text, "x.csv", kOperations);
    } catch (const ConfigError& error) {
      return std::string(error.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message("amy@contoso.com,LaunchPowerApp,{}\n"),
            "x.csv is not a Purview audit log export: its first line (line 1) has no AuditData "
            "column. The import needs an AuditData column holding each record's JSON, as "
            "Purview's export has (RecordId, CreationDate, RecordType, Operation, UserId, "
            "AuditData; older exports: CreationDate, UserIds, Operations, AuditData). Nothing "
            "was imported.");
  EXPECT_EQ(message(""), "x.csv is empty. Export the audit log search again.");
  EXPECT_NE(message("PK\x03\x04rest").find("is a zip file"), std::string::npos);
  EXPECT_NE(message(std::string("A\0u\0d\0", 6)).find("not a UTF-8 text file"), std::string::npos);
  EXPECT_NE(message("\"AuditData\n").find("has no AuditData column"), std::string::npos);
}

TEST(PurviewExportReader, BatchesStopAtTheRecordOrRowLimit) {
  std::string text = "AuditData\n";
  for (int i = 0; i < 10; ++i) text += Quoted(Record(Numbered("r", i))) + "\n";
  text += Quoted(Record("v", "ViewReport")) + "\n";
  PurviewExportReader reader(text, "x.csv", kOperations);
  EXPECT_EQ(Ids(reader.Next(4, 100).page), (std::vector<std::string>{"r0", "r1", "r2", "r3"}));
  EXPECT_EQ(reader.Next(100, 2).rows, 2);
  const auto rest = reader.Next(100, 100);
  EXPECT_EQ(rest.rows, 5);
  EXPECT_EQ(rest.other_operations, 1);
}

class PurviewImportTest : public TempStoreTest {
 protected:
  PurviewImportTest() : TempStoreTest("purview") {}
};

TEST_F(PurviewImportTest, ImportingTwiceStoresNothingNewAndMovesNoCheckpoint) {
  std::string text = "AuditData\n";
  for (int i = 0; i < 7; ++i) {
    text += Quoted(Record(Numbered("r", i), "LaunchPowerApp",
                          Numbered("2026-11-1", i).append("T08:00:00"))) +
            "\n";
  }
  text += Quoted(Record("r0")) + "\nnot json\n" + Quoted(Record("v", "ViewReport")) + "\n";
  const ExportImportOptions options{.records_per_commit = 3, .rows_per_commit = 100};
  std::vector<size_t> problem_lines;
  size_t commits = 0;
  const ExportImportHooks hooks{
      .stop_requested = nullptr,
      .problem = [&](const ExportProblem& problem) { problem_lines.push_back(problem.line); },
      .committed = [&](size_t) { ++commits; },
  };
  PurviewExportReader first(text, "x.csv", {"LaunchPowerApp"});
  auto summary = ImportPurviewExport(*store_, first, options, hooks);
  EXPECT_EQ(summary.rows, 10);
  EXPECT_EQ(summary.inserted, 7);
  EXPECT_EQ(summary.duplicates, 1);
  EXPECT_EQ(summary.other_operations, 1);
  EXPECT_EQ(summary.bad_rows, 1);
  EXPECT_EQ(summary.quarantined, 1);
  EXPECT_FALSE(summary.interrupted);
  EXPECT_EQ(commits, 3u);
  EXPECT_EQ(problem_lines, (std::vector<size_t>{10}));
  EXPECT_EQ(store_->CountRecords(), 7);
  EXPECT_FALSE(store_->ContentCursor());
  EXPECT_FALSE(store_->Frontier());
  EXPECT_TRUE(store_->UnfinishedWindows().empty());

  PurviewExportReader second(text, "x.csv", {"LaunchPowerApp"});
  summary = ImportPurviewExport(*store_, second, options, hooks);
  EXPECT_EQ(summary.inserted, 0);
  EXPECT_EQ(summary.duplicates, 8);
  EXPECT_EQ(summary.quarantined, 0);  // quarantined once
  EXPECT_EQ(summary.bad_rows, 1);
  EXPECT_EQ(store_->CountRecords(), 7);
  EXPECT_EQ(store_->CountQuarantined(), 1);
}

TEST_F(PurviewImportTest, AStopRequestEndsTheImportBetweenTransactionsKeepingThem) {
  std::string text = "AuditData\n";
  for (int i = 0; i < 10; ++i) text += Quoted(Record(Numbered("r", i))) + "\n";
  int polls = 0;
  const ExportImportHooks hooks{
      .stop_requested = [&] { return ++polls > 2; }, .problem = nullptr, .committed = nullptr};
  PurviewExportReader reader(text, "x.csv", kOperations);
  const auto summary = ImportPurviewExport(
      *store_, reader, ExportImportOptions{.records_per_commit = 3, .rows_per_commit = 100}, hooks);
  EXPECT_TRUE(summary.interrupted);
  EXPECT_EQ(summary.rows, 6);
  EXPECT_EQ(store_->CountRecords(), 6);
}

}  // namespace
}  // namespace auditsync
