#include "source/inventory/app_inventory.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace auditsync {
namespace {

constexpr char kApp1[] = "6c39e97c-1f2d-4a5b-9c8d-0e1f2a3b4c5d";
constexpr char kApp2[] = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
constexpr char kEnv[] = "default-11111111-2222-3333-4444-555555555555";
constexpr char kEnv2[] = "8d0e5f3a-6b7c-4d8e-9f0a-1b2c3d4e5f6a";
constexpr char kEnv2Upper[] = "8D0E5F3A-6B7C-4D8E-9F0A-1B2C3D4E5F6A";

std::string Problems(const AppInventory& inventory) {
  std::string text;
  for (const auto& problem : inventory.problems)
    text += problem.where + ": " + problem.reason + "\n";
  return text;
}

std::string ConfigErrorOf(std::string_view text) {
  try {
    ReadAppInventory(text, "apps.csv");
  } catch (const ConfigError& error) {
    return error.what();
  }
  return "";
}

TEST(AppInventoryTest, ReadsTheAdminCenterCsvWithHeaderSynonyms) {
  const std::string text = std::string("\xEF\xBB\xBF") +
                           "App ID,Display name,Environment ID,Environment display name,Owner "
                           "email,Created on\r\n"
                           "/providers/Microsoft.PowerApps/apps/" +
                           "6C39E97C-1F2D-4A5B-9C8D-0E1F2A3B4C5D,\"Expense, <Pro>\"," +
                           "Default-11111111-2222-3333-4444-555555555555,Contoso (default)," +
                           "amy@contoso.com,2026-11-05T15:04:12.1234567Z\r\n" + kApp2 +
                           ",\"Two\nlines\",,,,\r\n";
  const auto inventory = ReadAppInventory(text, "apps.csv");
  EXPECT_EQ(Problems(inventory), "");
  EXPECT_EQ(inventory.format, "CSV");
  EXPECT_EQ(inventory.rows, 2u);
  ASSERT_EQ(inventory.apps.size(), 2u);
  EXPECT_EQ(inventory.apps[0],
            (InventoryApp{kApp1, "Expense, <Pro>", kEnv, "Contoso (default)", "amy@contoso.com",
                          *ParseIso8601("2026-11-05T15:04:12Z")}));
  EXPECT_EQ(inventory.apps[1], (InventoryApp{kApp2, "Two\nlines", std::nullopt, std::nullopt,
                                             std::nullopt, std::nullopt}));
}

TEST(AppInventoryTest, HeadersMatchWhateverTheirCaseSpacingAndOrder) {
  const std::string text = std::string("created ; OWNER ; environmentName ; app_id ; App name\n") +
                           "2026-11-01;Bob;" + kEnv + ";" + kApp1 + ";Help Desk\n";
  const auto inventory = ReadAppInventory(text, "apps.csv");
  EXPECT_EQ(inventory.format, "CSV (';'-separated)");
  ASSERT_EQ(inventory.apps.size(), 1u) << Problems(inventory);
  EXPECT_EQ(inventory.apps[0].app_id, kApp1);
  EXPECT_EQ(inventory.apps[0].name, "Help Desk");
  EXPECT_EQ(inventory.apps[0].environment_id, kEnv);  // a lone EnvironmentName is the id
  EXPECT_EQ(inventory.apps[0].owner, "Bob");
  EXPECT_EQ(inventory.apps[0].created, ParseIso8601("2026-11-01"));
}

TEST(AppInventoryTest, ANameColumnOfGuidsIsTheIdAndOtherwiseTheDisplayName) {
  auto inventory = ReadAppInventory(
      std::string("Name,Display name,Environment\n") + kApp1 + ",Help Desk,env-1\n", "apps.csv");
  ASSERT_EQ(inventory.apps.size(), 1u) << Problems(inventory);
  EXPECT_EQ(inventory.apps[0].app_id, kApp1);
  EXPECT_EQ(inventory.apps[0].name, "Help Desk");

  inventory = ReadAppInventory(std::string("id,Name\n") + kApp1 + ",Help Desk\n", "apps.csv");
  ASSERT_EQ(inventory.apps.size(), 1u) << Problems(inventory);
  EXPECT_EQ(inventory.apps[0].name, "Help Desk");

  // "Environment ID" and "Environment name" together: the second is the display name.
  inventory = ReadAppInventory(std::string("AppName,Environment ID,Environment name\n") + kApp1 +
                                   "," + kEnv2Upper + ",Sales\n",
                               "apps.csv");
  ASSERT_EQ(inventory.apps.size(), 1u) << Problems(inventory);
  EXPECT_EQ(inventory.apps[0].environment_id, kEnv2);
  EXPECT_EQ(inventory.apps[0].environment_name, "Sales");
}

// An environment id is a GUID or Default-<GUID>; a name in the environment column must not become
// an id no record carries. It is the display name when the row has none, and said once per file.
TEST(AppInventoryTest, AnEnvironmentColumnOfNamesIsReadAsTheDisplayNameWithOneWarning) {
  auto inventory = ReadAppInventory(
      std::string("App ID,Environment\n") + kApp1 + ",Contoso (Default)\n" + kApp2 + ",Sales\n",
      "apps.csv");
  ASSERT_EQ(inventory.apps.size(), 2u) << Problems(inventory);
  EXPECT_EQ(inventory.apps[0].environment_id, std::nullopt);
  EXPECT_EQ(inventory.apps[0].environment_name, "Contoso (Default)");
  EXPECT_EQ(inventory.apps[1].environment_name, "Sales");
  ASSERT_EQ(inventory.warnings.size(), 1u);
  EXPECT_NE(inventory.warnings[0].find("apps.csv: column `Environment` holds values that are not "
                                       "environment ids"),
            std::string::npos)
      << inventory.warnings[0];

  // With a display name column the name stays; ids of both forms are ids.
  inventory = ReadAppInventory(std::string("App ID,Environment ID,Environment display name\n") +
                                   kApp1 + ",Contoso (Default),Contoso\n" + kApp2 + "," +
                                   "Default-11111111-2222-3333-4444-555555555555,Default\n",
                               "apps.csv");
  ASSERT_EQ(inventory.apps.size(), 2u) << Problems(inventory);
  EXPECT_EQ(inventory.apps[0].environment_id, std::nullopt);
  EXPECT_EQ(inventory.apps[0].environment_name, "Contoso");
  EXPECT_EQ(inventory.apps[1].environment_id, kEnv);
  EXPECT_EQ(inventory.warnings.size(), 1u);

  inventory = ReadAppInventory(std::string(R"([{"AppName": ")") + kApp1 +
                                   R"js(", "EnvironmentName": "Contoso (Default)"}])js",
                               "apps.json");
  ASSERT_EQ(inventory.apps.size(), 1u);
  EXPECT_EQ(inventory.apps[0].environment_name, "Contoso (Default)");
  ASSERT_EQ(inventory.warnings.size(), 1u);
  EXPECT_NE(inventory.warnings[0].find("column `EnvironmentName`"), std::string::npos);
}

TEST(AppInventoryTest, BadRowsAreReportedWithLineAndReasonAndTheOthersRead) {
  const std::string text = std::string("App ID,Display name,Created\n") +  // line 1
                           kApp1 + ",Good,2026-11-01\n" +                  // line 2
                           "not-a-guid,Bad id,\n" +                        // line 3
                           ",No id,\n" +                                   // line 4
                           kApp2 + ",Bad date,11/05/2026 3:04 PM\n" +      // line 5
                           "\n" +                                          // line 6: skipped
                           kApp2 + ",Unquoted, comma,\n" +                 // line 7
                           kApp2 + ",\"x\"y,\n" +                          // line 8
                           "Total: 2 apps\n";                              // line 9
  const auto inventory = ReadAppInventory(text, "apps.csv");
  ASSERT_EQ(inventory.apps.size(), 1u);
  EXPECT_EQ(inventory.rows, 7u);
  ASSERT_EQ(inventory.problems.size(), 6u) << Problems(inventory);
  EXPECT_EQ(inventory.problems[0].where, "line 3");
  EXPECT_NE(inventory.problems[0].reason.find("`not-a-guid` is not a Power Apps app id"),
            std::string::npos);
  EXPECT_EQ(inventory.problems[1].where, "line 4");
  EXPECT_EQ(inventory.problems[1].reason, "it has no app id");
  EXPECT_EQ(inventory.problems[2].where, "line 5");
  EXPECT_NE(inventory.problems[2].reason.find("is not a date"), std::string::npos);
  EXPECT_EQ(inventory.problems[3].where, "line 7");
  EXPECT_NE(inventory.problems[3].reason.find("has 4 fields, the header 3"), std::string::npos);
  EXPECT_EQ(inventory.problems[4].where, "line 8");
  EXPECT_NE(inventory.problems[4].reason.find("closing quote"), std::string::npos);
  EXPECT_EQ(inventory.problems[5].where, "line 9");
}

TEST(AppInventoryTest, ReadsGetAdminPowerAppJson) {
  const std::string text = std::string(R"([
    {"AppName": ")") + kApp1 +
                           R"(", "DisplayName": "Café Inventário ✓",
     "EnvironmentName": ")" +
                           kEnv + R"(",
     "Owner": {"id": "u-1", "displayName": "Amy Lee", "email": "amy@contoso.com"},
     "CreatedTime": "2026-11-05T15:04:12.1234567Z", "Internal": {"name": "x"}},
    {"AppName": ")" + kApp2 +
                           R"(", "DisplayName": "Old", "Owner": {"displayName": "Bob"},
     "CreatedTime": "/Date(1762355052000)/"},
    {"DisplayName": "no id"},
    42
  ])";
  const auto inventory = ReadAppInventory(text, "apps.json");
  EXPECT_EQ(inventory.format, "JSON");
  EXPECT_EQ(inventory.rows, 4u);
  ASSERT_EQ(inventory.apps.size(), 2u) << Problems(inventory);
  EXPECT_EQ(inventory.apps[0],
            (InventoryApp{kApp1, "Café Inventário ✓", kEnv, std::nullopt, "amy@contoso.com",
                          *ParseIso8601("2026-11-05T15:04:12Z")}));
  EXPECT_EQ(inventory.apps[1].owner, "Bob");
  EXPECT_EQ(inventory.apps[1].created, ParseIso8601("2025-11-05T15:04:12Z"));
  EXPECT_EQ(Problems(inventory), "app 3: it has no app id\napp 4: it is not a JSON object\n");
}

TEST(AppInventoryTest, ReadsAPlainJsonListAndALoneObject) {
  auto inventory =
      ReadAppInventory(std::string(R"([{"id": ")") + kApp1 +
                           R"(", "name": "Help Desk", "environment_id": ")" + kEnv2Upper + R"(",
      "environment_name": "Sales", "owner": "amy@contoso.com", "created": "2026-11-01"}])",
                       "apps.json");
  ASSERT_EQ(inventory.apps.size(), 1u) << Problems(inventory);
  EXPECT_TRUE(inventory.warnings.empty());
  EXPECT_EQ(inventory.apps[0], (InventoryApp{kApp1, "Help Desk", kEnv2, "Sales", "amy@contoso.com",
                                             *ParseIso8601("2026-11-01")}));

  // ConvertTo-Json writes a single app as an object, the Power Apps API wraps lists in "value".
  inventory = ReadAppInventory(std::string(R"({"AppName": ")") + kApp1 + R"("})", "apps.json");
  EXPECT_EQ(inventory.apps.size(), 1u);
  inventory =
      ReadAppInventory(std::string(R"({"value": [{"id": ")") + kApp1 + R"("}]})", "apps.json");
  EXPECT_EQ(inventory.apps.size(), 1u);
}

TEST(AppInventoryTest, AFileThatIsNoAppListIsAConfigurationError) {
  EXPECT_NE(ConfigErrorOf("Display name,Owner\nHelp Desk,amy\n")
                .find("has no app id column (its first line reads: Display name, Owner). A CSV app "
                      "list needs an app id column (App ID, AppId or id"),
            std::string::npos);
  // A Name column that holds no GUIDs is a display name, not an id.
  EXPECT_NE(ConfigErrorOf("Name\nHelp Desk\n").find("has no app id column"), std::string::npos);
  EXPECT_NE(ConfigErrorOf("PK\x03\x04rest of a zip").find("Excel workbook"), std::string::npos);
  EXPECT_NE(ConfigErrorOf(std::string("a\0b", 3)).find("not a text file"), std::string::npos);
  EXPECT_NE(ConfigErrorOf("[{\"id\": ").find("not valid JSON"), std::string::npos);
  EXPECT_NE(ConfigErrorOf("\"42\"x").find("header"), std::string::npos);
  EXPECT_NE(ConfigErrorOf("").find("is empty"), std::string::npos);
  EXPECT_NE(ConfigErrorOf("\n\n").find("is empty"), std::string::npos);
}

}  // namespace
}  // namespace auditsync
