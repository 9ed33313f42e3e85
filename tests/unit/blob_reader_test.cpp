#include "record/blob_reader.hpp"

#include <gtest/gtest.h>

#include <random>

namespace auditsync {
namespace {

// The two Power Apps shapes as the Management Activity API delivers them (microsoft-apis.md
// §5.9): the record itself, no Graph envelope.
constexpr const char* kLaunch =
    R"json({"Id":"e2a84675-8952-4d91-a2ea-4d89f310f1a7","RecordType":256,
 "CreationTime":"2025-06-01T13:17:34","Operation":"LaunchPowerApp","UserType":0,
 "Workload":"PowerPlatform","UserId":"Amber@Contoso.onmicrosoft.com",
 "EnvironmentId":"aa289efd-09f4-eaeb-bbb8-c08fc9e27d09",
 "PropertyCollection":[{"Name":"powerplatform.analytics.resource.type","Value":"PowerApp"},
  {"Name":"powerplatform.analytics.resource.power_app.id","Value":"6C39E97C-6DDD-4A37-AFD4-494A605925CF"},
  {"Name":"powerplatform.analytics.resource.power_app.display_name","Value":"Expense [App] {\"Pro\"} \\ ✓"},
  {"Name":"powerplatform.analytics.resource.environment.name","Value":"Contoso (default)"}]})json";

constexpr const char* kLegacyDelete = R"json({"Id":"11111111-0000-0000-0000-000000000045",
 "RecordType":45,"CreationTime":"2025-06-01T10:00:00","Operation":"DeletePowerApp",
 "Workload":"PowerApps","UserId":"bob@contoso.onmicrosoft.com",
 "AppName":"0abc0000-0000-0000-0000-000000000001","EnvironmentName":"env-1",
 "AdditionalInfo":"{\"appDisplayName\":\"Café ]}\",\"environmentDisplayName\":\"Sales\"}"})json";

// Other workloads of Audit.General, one naming a wanted operation outside its Operation field.
constexpr const char* kNoise =
    R"json({"Id":"n1","RecordType":261,"CreationTime":"2025-06-01T10:00:00",
 "Operation":"CopilotInteraction","Workload":"Copilot","CopilotEventData":{"Contexts":[[],{}]}})json";
constexpr const char* kNoiseNamingALaunch = R"json({"Id":"n2","RecordType":20,
 "CreationTime":"2025-06-01T10:00:00","Operation":"ViewReport","Workload":"PowerBI",
 "ReportName":"\"LaunchPowerApp\" counts","AppName":"x"})json";
// A launch the client must quarantine: no valid CreationTime.
constexpr const char* kBadLaunch = R"json({"Id":"b1","RecordType":256,"CreationTime":17,
 "Operation":"LaunchPowerApp","PropertyCollection":[]})json";

std::string Blob(const std::vector<std::string>& records) {
  std::string blob = "[";
  for (size_t i = 0; i < records.size(); ++i) blob += (i ? ",\n " : "") + records[i];
  return blob + "]";
}

const std::vector<std::string> kOperations = {"LaunchPowerApp", "DeletePowerApp"};

// Feeds `blob` in pieces of the given sizes (cycled), taking records as it goes.
RecordPage ReadInPieces(BlobReader& reader, const std::string& blob,
                        const std::vector<size_t>& sizes, bool& complete) {
  RecordPage all;
  size_t at = 0;
  for (size_t k = 0; at < blob.size(); ++k) {
    const size_t size = std::min(sizes[k % sizes.size()], blob.size() - at);
    EXPECT_TRUE(reader.Append(std::string_view(blob).substr(at, size)));
    at += size;
    all.Append(reader.Take());
  }
  complete = reader.Complete();
  return all;
}

TEST(BlobReader, KeepsTheWantedOperationsOfBothShapesInWhateverPiecesTheyArrive) {
  const auto blob =
      Blob({kNoise, kLaunch, "42", "\"text\"", kNoiseNamingALaunch, kLegacyDelete, kBadLaunch});
  for (const std::vector<size_t>& sizes :
       std::vector<std::vector<size_t>>{{blob.size()}, {1}, {2, 3, 5, 7}, {16384}, {100, 1}}) {
    BlobReader reader(kOperations);
    bool complete = false;
    const auto page = ReadInPieces(reader, blob, sizes, complete);
    EXPECT_TRUE(complete);
    EXPECT_EQ(reader.RecordsRead(), 7);
    ASSERT_EQ(page.records.size(), 2u);
    EXPECT_EQ(page.records[0].id, "e2a84675-8952-4d91-a2ea-4d89f310f1a7");
    EXPECT_EQ(page.records[0].operation, "LaunchPowerApp");
    EXPECT_EQ(page.records[0].app_id, "6c39e97c-6ddd-4a37-afd4-494a605925cf");
    EXPECT_EQ(page.records[0].app_name, "Expense [App] {\"Pro\"} \\ ✓");
    EXPECT_EQ(page.records[0].user_upn, "amber@contoso.onmicrosoft.com");
    EXPECT_EQ(FormatIso8601(page.records[0].created), "2025-06-01T13:17:34Z");
    EXPECT_EQ(page.records[0].raw, std::string(kLaunch));
    EXPECT_EQ(page.records[1].operation, "DeletePowerApp");
    EXPECT_EQ(page.records[1].record_type, 45);
    EXPECT_EQ(page.records[1].app_name, "Café ]}");
    EXPECT_EQ(page.records[1].environment_name, "Sales");
    ASSERT_EQ(page.quarantined.size(), 1u);
    EXPECT_EQ(page.quarantined[0].record_id, "b1");
    EXPECT_NE(page.quarantined[0].reason.find("CreationTime"), std::string::npos);
    EXPECT_EQ(page.quarantined[0].raw, std::string(kBadLaunch));
  }
}

TEST(BlobReader, ReadsAnEmptyBlobAndRefusesWhatIsNotAnArray) {
  BlobReader empty(kOperations);
  EXPECT_TRUE(empty.Append(" [ ]\n"));
  EXPECT_TRUE(empty.Complete());
  for (const std::string body :
       {"<html>busy</html>", "{\"error\":{}}", "[1,,2]", "[,1]", "[1] 2", "[{\"a\":1}}"}) {
    BlobReader reader(kOperations);
    EXPECT_FALSE(reader.Append(body) && reader.Complete()) << body;
  }
}

TEST(BlobReader, ABlobCutShortIsNotComplete) {
  const auto blob = Blob({kLaunch, kLegacyDelete});
  for (size_t cut = 0; cut < blob.size(); ++cut) {
    BlobReader reader(kOperations);
    reader.Append(blob.substr(0, cut));
    EXPECT_FALSE(reader.Complete()) << cut;
  }
}

TEST(BlobReader, RestartForgetsTheAttemptSoFar) {
  const auto blob = Blob({kLaunch, kLegacyDelete});
  BlobReader reader(kOperations);
  ASSERT_TRUE(reader.Append(blob.substr(0, blob.size() - 20)));
  EXPECT_EQ(reader.Waiting(), 1u);  // the launch; the deletion is cut
  reader.Restart();
  EXPECT_EQ(reader.Waiting(), 0u);
  ASSERT_TRUE(reader.Append(blob));
  EXPECT_TRUE(reader.Complete());
  EXPECT_EQ(reader.Take().records.size(), 2u);
}

TEST(BlobReader, AHugeBlobReadInPiecesYieldsEveryWantedRecordOnce) {
  // 20,000 records, one in ten a launch, fed in random pieces and taken as they come.
  std::mt19937 random(7);
  std::vector<std::string> records;
  std::string launch = kLaunch;
  const auto id_at = launch.find("e2a84675");
  for (int i = 0; i < 20000; ++i) {
    if (i % 10 == 3) {
      char id[9];
      std::snprintf(id, sizeof id, "%08x", i);
      launch.replace(id_at, 8, id);
      records.push_back(launch);
    } else {
      records.push_back(kNoise);
    }
  }
  const auto blob = Blob(records);
  std::vector<size_t> sizes;
  for (int i = 0; i < 64; ++i) sizes.push_back(1 + random() % 40000);
  BlobReader reader(kOperations);
  bool complete = false;
  const auto page = ReadInPieces(reader, blob, sizes, complete);
  EXPECT_TRUE(complete);
  EXPECT_EQ(reader.RecordsRead(), 20000);
  ASSERT_EQ(page.records.size(), 2000u);
  EXPECT_EQ(page.records[1].id.substr(0, 8), "0000000d");
}

}  // namespace
}  // namespace auditsync
