#include "record/record_parser.hpp"

#include <gtest/gtest.h>

#include "core/text.hpp"

namespace auditsync {
namespace {

constexpr const char* kCurrentShape = R"json({
  "id": "e2a84675-8952-4d91-a2ea-4d89f310f1a7",
  "createdDateTime": "2025-06-01T13:17:34Z",
  "auditLogRecordType": "PowerPlatformAdministratorActivity",
  "operation": "LaunchPowerApp",
  "userPrincipalName": "Amber@Contoso.onmicrosoft.com",
  "userId": "amber@contoso.onmicrosoft.com",
  "auditData": {
    "@odata.type": "#microsoft.graph.security.defaultAuditData",
    "Id": "e2a84675-8952-4d91-a2ea-4d89f310f1a7",
    "RecordType": 256,
    "CreationTime": "2025-06-01T13:17:34",
    "Operation": "LaunchPowerApp",
    "Workload": "PowerPlatform",
    "EnvironmentId": "AA289EFD-09f4-eaeb-bbb8-c08fc9e27d09",
    "PropertyCollection": [
      {"Name": "powerplatform.analytics.resource.type", "Value": "PowerApp"},
      {"Name": "POWERPLATFORM.analytics.resource.power_app.id", "Value": "/providers/Microsoft.PowerApps/apps/6C39E97C-6DDD-4A37-AFD4-494A605925CF"},
      {"Name": "powerplatform.analytics.resource.power_app.display_name", "Value": "Expense <App> \"Pro\" \u2713"},
      {"Name": "powerplatform.analytics.resource.environment.name", "Value": "Contoso (default)"}
    ]
  }
})json";

constexpr const char* kLegacyShape = R"json({
  "id": "11111111-0000-0000-0000-000000000045",
  "createdDateTime": "2025-06-01T10:00:00Z",
  "operation": "LaunchPowerApp",
  "userPrincipalName": null,
  "auditData": {
    "Id": "11111111-0000-0000-0000-000000000045",
    "RecordType": 45,
    "Workload": "PowerApps",
    "Operation": "LaunchPowerApp",
    "UserId": "Bob@Contoso.onmicrosoft.com",
    "AppName": "0ABC0000-0000-0000-0000-000000000001",
    "EnvironmentName": "Default-ENV-GUID",
    "AdditionalInfo": "{\"appDisplayName\":\"Caf\u00e9 Inventory\",\"environmentDisplayName\":\"Sales\"}"
  }
})json";

std::string Page(const std::vector<std::string>& records, const std::string& next = "") {
  std::string body = "{\"@odata.context\": \"x\", ";
  if (!next.empty()) body += "\"@odata.nextLink\": \"" + next + "\", ";
  body += "\"value\": [";
  for (size_t i = 0; i < records.size(); ++i) body += (i ? "," : "") + records[i];
  return body + "]}";
}

TEST(RecordParser, ReadsTheCurrentPowerPlatformShape) {
  RecordParser parser;
  const auto page = parser.ParseGraphPage(Page({kCurrentShape}, "https://next?$skiptoken=a"));
  ASSERT_TRUE(page);
  ASSERT_EQ(page->records.size(), 1u);
  const auto& record = page->records[0];
  EXPECT_EQ(record.id, "e2a84675-8952-4d91-a2ea-4d89f310f1a7");
  EXPECT_EQ(FormatIso8601(record.created), "2025-06-01T13:17:34Z");
  EXPECT_EQ(record.operation, "LaunchPowerApp");
  EXPECT_EQ(record.record_type, 256);
  EXPECT_EQ(record.app_id, "6c39e97c-6ddd-4a37-afd4-494a605925cf");
  EXPECT_EQ(record.app_name, "Expense <App> \"Pro\" \u2713");
  EXPECT_EQ(record.environment_id, "aa289efd-09f4-eaeb-bbb8-c08fc9e27d09");
  EXPECT_EQ(record.environment_name, "Contoso (default)");
  EXPECT_EQ(record.user_upn, "amber@contoso.onmicrosoft.com");
  EXPECT_EQ(record.raw.front(), '{');
  EXPECT_NE(record.raw.find("PropertyCollection"), std::string::npos);
  EXPECT_EQ(page->next_link, "https://next?$skiptoken=a");
}

TEST(RecordParser, ReadsTheLegacyPowerAppsShape) {
  RecordParser parser;
  const auto page = parser.ParseGraphPage(Page({kLegacyShape}));
  ASSERT_TRUE(page);
  ASSERT_EQ(page->records.size(), 1u);
  const auto& record = page->records[0];
  EXPECT_EQ(record.record_type, 45);
  EXPECT_EQ(record.app_id, "0abc0000-0000-0000-0000-000000000001");
  EXPECT_EQ(record.app_name, "Caf\u00e9 Inventory");
  EXPECT_EQ(record.environment_id, "default-env-guid");
  EXPECT_EQ(record.environment_name, "Sales");
  EXPECT_EQ(record.user_upn, "bob@contoso.onmicrosoft.com");  // from auditData.UserId
  EXPECT_TRUE(page->next_link.empty());
}

TEST(RecordParser, QuarantinesUnusableRecordsAndKeepsTheRest) {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {R"({"id":"a1","createdDateTime":"2025-06-01T10:00:00Z","operation":"LaunchPowerApp"})",
       "auditData is missing"},
      {R"({"id":"a2","createdDateTime":"2025-06-01T10:00:00Z","operation":"LaunchPowerApp","auditData":42})",
       "auditData is missing or not an object"},
      {R"({"id":"a3","createdDateTime":"yesterday","operation":"LaunchPowerApp","auditData":{"AppName":"x"}})",
       "createdDateTime"},
      {R"({"createdDateTime":"2025-06-01T10:00:00Z","operation":"LaunchPowerApp","auditData":{"AppName":"x"}})",
       "no id"},
      {R"({"id":"a5","createdDateTime":"2025-06-01T10:00:00Z","operation":"LaunchPowerApp","auditData":{"RecordType":256,"PropertyCollection":[]}})",
       "names no app"},
      {R"("just a string")", "not a JSON object"},
  };
  std::vector<std::string> records = {kCurrentShape};
  for (const auto& [text, reason] : bad) records.push_back(text);
  records.push_back(kLegacyShape);
  RecordParser parser;
  const auto page = parser.ParseGraphPage(Page(records));
  ASSERT_TRUE(page);
  EXPECT_EQ(page->records.size(), 2u);
  ASSERT_EQ(page->quarantined.size(), bad.size());
  for (size_t i = 0; i < bad.size(); ++i) {
    EXPECT_NE(page->quarantined[i].reason.find(bad[i].second), std::string::npos)
        << page->quarantined[i].reason;
    EXPECT_FALSE(page->quarantined[i].raw.empty());
  }
  EXPECT_EQ(page->quarantined[0].record_id, "a1");
}

TEST(RecordParser, RejectsATruncatedOrGarbledPage) {
  RecordParser parser;
  // Every prefix of a page, with the next link before or after the records, is rejected: a
  // truncated body accepted as a page would lose the rest of the window.
  for (const auto& body : {Page({kCurrentShape, kLegacyShape}, "https://next"),
                           std::string(R"({"value":[)") + kLegacyShape + "," + kCurrentShape +
                               R"(],"@odata.nextLink":"https://next"})"}) {
    ASSERT_TRUE(parser.ParseGraphPage(body).has_value());
    for (size_t cut = 0; cut < body.size(); ++cut) {
      const auto prefix = body.substr(0, cut);
      EXPECT_FALSE(parser.ParseGraphPage(prefix).has_value()) << "accepted a cut at " << cut;
    }
  }
  EXPECT_FALSE(parser.ParseGraphPage("<html>Service Unavailable</html>").has_value());
  EXPECT_FALSE(parser.ParseGraphPage("{\"error\": {\"code\": \"x\"}}").has_value());
  EXPECT_TRUE(parser.ParseGraphPage("{\"value\": []}").has_value());
}

TEST(RecordParser, ReadsAPageWithInvalidUtf8ByReplacingTheBadBytes) {
  std::string record = kLegacyShape;
  const auto at = record.find("Bob@");
  record.replace(at, 3,
                 "B"
                 "\xFF"
                 "\xC3"
                 "b");  // a stray byte and a cut two-byte sequence
  RecordParser parser;
  const auto page = parser.ParseGraphPage(Page({kCurrentShape, record}));
  ASSERT_TRUE(page.has_value());
  ASSERT_EQ(page->records.size(), 2u);
  EXPECT_EQ(page->records[1].user_upn,
            "b"
            "\xEF\xBF\xBD"
            "\xEF\xBF\xBD"
            "b@contoso.onmicrosoft.com");
}

TEST(RecordParser, NormalisesAppIds) {
  EXPECT_EQ(NormalizeAppId("/providers/Microsoft.PowerApps/apps/ABC-1/"), "abc-1");
  EXPECT_EQ(NormalizeAppId("ABC-2"), "abc-2");
  EXPECT_EQ(NormalizeAppId(""), "");
}

TEST(RecordParser, ReadsManagementActivityRecordsWithTheSameFieldsAsGraph) {
  // A Management Activity API record is what Graph wraps as auditData: parsed from it alone, it
  // gives the record Graph gives for the same event.
  RecordParser parser;
  for (const char* graph : {kCurrentShape, kLegacyShape}) {
    const auto from_graph = parser.ParseGraphPage(Page({graph}));
    ASSERT_TRUE(from_graph && from_graph->records.size() == 1u);
    const auto& expected = from_graph->records[0];
    // The legacy sample leaves its time to the envelope; a Management record always has it.
    std::string raw(expected.raw);
    if (raw.find("CreationTime") == std::string::npos) {
      raw.insert(1, "\"CreationTime\": \"" + FormatIso8601(expected.created).substr(0, 19) + "\",");
    }
    RecordPage page;
    parser.ParseManagementRecord(raw, page);
    ASSERT_EQ(page.records.size(), 1u) << raw;
    const auto& record = page.records[0];
    EXPECT_EQ(record.id, expected.id);
    EXPECT_EQ(record.created, expected.created);
    EXPECT_EQ(record.operation, expected.operation);
    EXPECT_EQ(record.record_type, expected.record_type);
    EXPECT_EQ(record.workload, expected.workload);
    EXPECT_EQ(record.app_id, expected.app_id);
    EXPECT_EQ(record.app_name, expected.app_name);
    EXPECT_EQ(record.environment_id, expected.environment_id);
    EXPECT_EQ(record.environment_name, expected.environment_name);
    EXPECT_EQ(record.raw, Trim(raw));
  }
  // Without the envelope the UPN comes from UserId.
  RecordPage page;
  parser.ParseManagementRecord(
      R"({"Id":"x1","CreationTime":"2025-06-01T13:17:34","Operation":"LaunchPowerApp",)"
      R"("UserId":"Amber@Contoso.onmicrosoft.com","AppName":"A1"})",
      page);
  ASSERT_EQ(page.records.size(), 1u);
  EXPECT_EQ(page.records[0].user_upn, "amber@contoso.onmicrosoft.com");
  EXPECT_EQ(FormatIso8601(page.records[0].created), "2025-06-01T13:17:34Z");
}

TEST(RecordParser, QuarantinesUnusableManagementRecords) {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {R"({"CreationTime":"2025-06-01T10:00:00","Operation":"LaunchPowerApp","AppName":"x"})",
       "no id"},
      {R"({"Id":"m2","CreationTime":"0000-00-00T00:00:00","Operation":"LaunchPowerApp","AppName":"x"})",
       "CreationTime"},
      {R"({"Id":"m3","CreationTime":"2025-06-01T10:00:00","AppName":"x"})", "no operation"},
      {R"({"Id":"m4","CreationTime":"2025-06-01T10:00:00","Operation":"LaunchPowerApp",)"
       R"("PropertyCollection":[]})",
       "names no app"},
      {R"({"Id":"m5","Operation":"LaunchPowerApp", nope})", "not valid JSON"},
      {R"(["LaunchPowerApp"])", "not a JSON object"},
  };
  RecordParser parser;
  for (const auto& [text, reason] : bad) {
    RecordPage page;
    parser.ParseManagementRecord(text, page);
    EXPECT_TRUE(page.records.empty()) << text;
    ASSERT_EQ(page.quarantined.size(), 1u) << text;
    EXPECT_NE(page.quarantined[0].reason.find(reason), std::string::npos)
        << page.quarantined[0].reason;
    EXPECT_EQ(page.quarantined[0].raw, text);
  }
}

}  // namespace
}  // namespace auditsync
