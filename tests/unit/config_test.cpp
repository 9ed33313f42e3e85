#include "core/config.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "core/error.hpp"

namespace auditsync {
namespace {

std::map<std::string, std::string>* fake_environment = nullptr;
char* FakeGetenv(const char* name) {
  const auto it = fake_environment->find(name);
  return it == fake_environment->end() ? nullptr : it->second.data();
}

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = std::filesystem::temp_directory_path() /
                 ("auditsync-config-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(directory_);
    fake_environment = &environment_;
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }

  std::string WriteFile(const std::string& name, const std::string& content) {
    const auto path = (directory_ / name).string();
    std::ofstream(path) << content;
    return path;
  }

  Config Load(const std::string& toml, bool need_credentials = true) {
    RawSettings raw;
    LoadTomlFile(WriteFile("auditsync.toml", toml), raw);
    LoadEnvironment(raw, FakeGetenv);
    for (const auto& [key, value] : flags_) raw.Set(key, value, SettingSource::kFlag);
    return ResolveConfig(raw, need_credentials);
  }

  std::filesystem::path directory_;
  std::map<std::string, std::string> environment_;
  std::map<std::string, std::string> flags_;
};

constexpr const char* kMinimal = R"(
tenant_id = "contoso.onmicrosoft.com"
client_id = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
client_secret = "from-file"
)";

TEST_F(ConfigTest, DefaultsComeFromTheTable) {
  const auto config = Load(kMinimal);
  EXPECT_EQ(config.cloud, "commercial");
  EXPECT_EQ(config.authority, "https://login.microsoftonline.com");
  EXPECT_EQ(config.graph_url, "https://graph.microsoft.com");
  EXPECT_EQ(config.graph_api_version, "v1.0");
  EXPECT_EQ(config.database, "./auditsync.db");
  EXPECT_EQ(config.operations, (std::vector<std::string>{"LaunchPowerApp", "DeletePowerApp"}));
  EXPECT_EQ(config.window, std::chrono::hours(1));
  EXPECT_EQ(config.settle_after,
            (std::vector<std::chrono::seconds>{std::chrono::days(1), std::chrono::days(2),
                                               std::chrono::days(7)}));
  EXPECT_EQ(config.query_budget, 200);
  EXPECT_EQ(config.max_queries_in_flight, 4);
  EXPECT_EQ(config.client_secret.Reveal(), "from-file");
}

TEST_F(ConfigTest, EnvironmentOverridesFileAndFlagsOverrideBoth) {
  std::string toml = std::string(kMinimal) + "database = \"file.db\"\npage_size = 100\n";
  environment_["AUDITSYNC_DATABASE"] = "env.db";
  environment_["AUDITSYNC_PAGE_SIZE"] = "200";
  flags_["page_size"] = "300";
  const auto config = Load(toml);
  EXPECT_EQ(config.database, "env.db");
  EXPECT_EQ(config.page_size, 300);
}

TEST_F(ConfigTest, CloudSetsEndpointsThatStayOverridable) {
  auto config = Load(std::string(kMinimal) + "cloud = \"gcchigh\"\n");
  EXPECT_EQ(config.authority, "https://login.microsoftonline.us");
  EXPECT_EQ(config.graph_url, "https://graph.microsoft.us");
  config = Load(std::string(kMinimal) +
                "cloud = \"DoD\"\ngraph_url = \"https://graph.example.test/\"\n");
  EXPECT_EQ(config.authority, "https://login.microsoftonline.us");
  EXPECT_EQ(config.graph_url, "https://graph.example.test");
}

TEST_F(ConfigTest, ListsAndDurationsAcceptTheirForms) {
  const auto config = Load(std::string(kMinimal) +
                           "operations = [\"LaunchPowerApp\"]\nwindow = \"6h\"\n"
                           "poll_interval = \"250ms\"\nquery_timeout = 90\n");
  EXPECT_EQ(config.operations, std::vector<std::string>{"LaunchPowerApp"});
  EXPECT_EQ(config.window, std::chrono::hours(6));
  EXPECT_EQ(config.poll_interval, std::chrono::milliseconds(250));
  EXPECT_EQ(config.query_timeout, std::chrono::seconds(90));
}

TEST_F(ConfigTest, SecretFileIsReadWithoutItsNewline) {
  const auto secret = WriteFile("secret", "s3cr3t-value\n");
  const auto config =
      Load("tenant_id = \"t\"\nclient_id = \"c\"\nclient_secret_file = \"" + secret + "\"\n");
  EXPECT_EQ(config.client_secret.Reveal(), "s3cr3t-value");
}

void ExpectConfigError(const std::function<void()>& action, const std::string& fragment) {
  try {
    action();
    FAIL() << "expected a ConfigError mentioning " << fragment;
  } catch (const ConfigError& error) {
    EXPECT_NE(std::string(error.what()).find(fragment), std::string::npos) << error.what();
  }
}

TEST_F(ConfigTest, MistakesNameTheSettingTheSourceAndTheFix) {
  ExpectConfigError([&] { Load("tenant_id = \"t\"\n"); }, "client_id");
  ExpectConfigError([&] { Load(std::string(kMinimal) + "cloud = \"mars\"\n"); },
                    "commercial, gcc, gcchigh, dod");
  ExpectConfigError([&] { Load(std::string(kMinimal) + "window = \"soon\"\n"); }, "30s");
  ExpectConfigError([&] { Load(std::string(kMinimal) + "window = \"99999999999999999999\"\n"); },
                    "30s");
  ExpectConfigError([&] { Load(std::string(kMinimal) + "window = \"9999999999999999\"\n"); },
                    "ten years");
  ExpectConfigError([&] { Load(std::string(kMinimal) + "page_size = 0\n"); }, "from 1 to");
  ExpectConfigError([&] { Load(std::string(kMinimal) + "tenant = \"x\"\n"); },
                    "unknown setting `tenant`");
  ExpectConfigError([&] { Load("tenant_id = \"unterminated\n"); }, "line 1");
  ExpectConfigError([&] { Load(std::string(kMinimal) + "graph_url = \"http://x\"\n"); },
                    "https://");
  environment_["AUDITSYNC_PAGE_SIZE"] = "many";
  ExpectConfigError([&] { Load(kMinimal); }, "from AUDITSYNC_PAGE_SIZE");
}

TEST_F(ConfigTest, SecretAndSecretFileTogetherAreRefused) {
  const auto secret = WriteFile("secret", "x");
  ExpectConfigError(
      [&] { Load(std::string(kMinimal) + "client_secret_file = \"" + secret + "\"\n"); },
      "only one");
}

TEST_F(ConfigTest, ReportsNeedNoCredentials) {
  EXPECT_NO_THROW(Load("database = \"x.db\"\n", /*need_credentials=*/false));
}

TEST(SettingsTable, EverySettingHasAnEnvironmentVariableAndMeaning) {
  for (const auto& spec : Settings()) {
    EXPECT_TRUE(spec.env.starts_with("AUDITSYNC_")) << spec.key;
    EXPECT_FALSE(spec.meaning.empty()) << spec.key;
    // A secret must never be accepted as a flag: it would show in `ps`.
    if (spec.secret) {
      EXPECT_TRUE(spec.flag.empty()) << spec.key;
    }
  }
}

}  // namespace
}  // namespace auditsync

namespace auditsync {
namespace {
TEST(SettingsTable, DocsConfigurationMdHoldsTheGeneratedTable) {
  std::ifstream file(std::string(AUDITSYNC_SOURCE_DIR) + "/docs/configuration.md");
  std::stringstream content;
  content << file.rdbuf();
  EXPECT_NE(content.str().find(SettingsMarkdown()), std::string::npos)
      << "docs/configuration.md is out of date; replace its table with:\n"
      << SettingsMarkdown();
}
}  // namespace
}  // namespace auditsync
