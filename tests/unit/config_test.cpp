#include "core/config.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
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

  Config Load(const std::string& toml, bool need_credentials = true, bool management_api = false) {
    RawSettings raw;
    LoadTomlFile(WriteFile("auditsync.toml", toml), raw);
    LoadEnvironment(raw, FakeGetenv);
    for (const auto& [key, value] : flags_) raw.Set(key, value, SettingSource::kFlag);
    return ResolveConfig(raw, need_credentials, management_api);
  }

  std::filesystem::path directory_;
  std::map<std::string, std::string> environment_;
  std::map<std::string, std::string> flags_;
};

void ExpectConfigErrorParts(const std::function<void()>& action,
                            std::initializer_list<std::string> fragments) {
  try {
    action();
    FAIL() << "expected a ConfigError mentioning " << *fragments.begin();
  } catch (const ConfigError& error) {
    for (const auto& fragment : fragments) {
      EXPECT_NE(std::string(error.what()).find(fragment), std::string::npos) << error.what();
    }
  }
}

void ExpectConfigError(const std::function<void()>& action, const std::string& fragment) {
  ExpectConfigErrorParts(action, {fragment});
}

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
  EXPECT_FALSE(config.enrich_users);
  EXPECT_EQ(config.user_refresh_after, std::chrono::days(7));
  EXPECT_EQ(config.client_secret.Reveal(), "from-file");
}

TEST_F(ConfigTest, EnrichUsersIsYesOrNoInEveryForm) {
  EXPECT_TRUE(Load(std::string(kMinimal) + "enrich_users = true\n").enrich_users);
  EXPECT_FALSE(Load(std::string(kMinimal) + "enrich_users = false\n").enrich_users);
  environment_["AUDITSYNC_ENRICH_USERS"] = "Yes";
  environment_["AUDITSYNC_USER_REFRESH_AFTER"] = "1d";
  auto config = Load(kMinimal);
  EXPECT_TRUE(config.enrich_users);
  EXPECT_EQ(config.user_refresh_after, std::chrono::days(1));
  flags_["enrich_users"] = "no";
  EXPECT_FALSE(Load(kMinimal).enrich_users);
  flags_["enrich_users"] = "maybe";
  ExpectConfigErrorParts([&] { Load(kMinimal); },
                         {"enrich_users", "from --enrich-users", "Write yes or no"});
  flags_["enrich_users"] = "yes";
  flags_["user_refresh_after"] = "10s";
  ExpectConfigErrorParts([&] { Load(kMinimal); }, {"user_refresh_after", "at least 60000ms"});
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
  auto config = Load(std::string(kMinimal) + "cloud = \"gcchigh\"\n", /*need_credentials=*/false);
  EXPECT_EQ(config.authority, "https://login.microsoftonline.us");
  EXPECT_EQ(config.graph_url, "https://graph.microsoft.us");
  EXPECT_EQ(config.management_url, "https://manage.office365.us");
  EXPECT_EQ(config.keyvault_suffix, "vault.usgovcloudapi.net");
  config = Load(std::string(kMinimal) +
                    "cloud = \"DoD\"\ngraph_url = \"https://graph.example.test/\"\n"
                    "management_url = \"https://manage.example.test\"\n"
                    "keyvault_suffix = \"Vault.Example.Test\"\n",
                /*need_credentials=*/false);
  EXPECT_EQ(config.authority, "https://login.microsoftonline.us");
  EXPECT_EQ(config.graph_url, "https://graph.example.test");
  EXPECT_EQ(config.management_url, "https://manage.example.test");
  EXPECT_EQ(config.keyvault_suffix, "vault.example.test");
}

TEST_F(ConfigTest, TheGraphQueryApiIsRefusedWhereItDoesNotExist) {
  for (const char* cloud : {"gcchigh", "dod"}) {
    ExpectConfigErrorParts([&] { Load(std::string(kMinimal) + "cloud = \"" + cloud + "\"\n"); },
                           {"setting `cloud`", "no audit log query API",
                            "Office 365 Management Activity API", "use_graph_api = no"});
  }
  // Only commands that collect need the API: a report of a GCC High database works.
  EXPECT_NO_THROW(Load(std::string(kMinimal) + "cloud = \"gcchigh\"\n", false));
  EXPECT_NO_THROW(Load(std::string(kMinimal) + "cloud = \"gcc\"\n"));
}

constexpr const char* kManagement = R"(
tenant_id = "11111111-2222-3333-4444-555555555555"
client_id = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
client_secret = "from-file"
use_graph_api = false
)";

TEST_F(ConfigTest, UseGraphApiNoTakesTheManagementActivityApiWhereGraphHasNoQueries) {
  for (const char* cloud : {"gcchigh", "dod"}) {
    const auto config = Load(std::string(kManagement) + "cloud = \"" + cloud + "\"\n");
    EXPECT_FALSE(config.use_graph_api);
    EXPECT_EQ(config.management_url, std::string(cloud) == "dod"
                                         ? "https://manage.protection.apps.mil"
                                         : "https://manage.office365.us");
  }
  // yes/no in any of their usual forms, from the file, the environment or a flag.
  EXPECT_TRUE(Load(kMinimal).use_graph_api);
  for (const char* no : {"no", "No", "false", "off", "0"}) {
    environment_["AUDITSYNC_USE_GRAPH_API"] = no;
    EXPECT_FALSE(Load(std::string(kManagement)).use_graph_api) << no;
  }
  environment_["AUDITSYNC_USE_GRAPH_API"] = "maybe";
  ExpectConfigErrorParts([&] { Load(kMinimal); },
                         {"setting `use_graph_api`", "AUDITSYNC_USE_GRAPH_API", "yes or no"});
}

TEST_F(ConfigTest, TheManagementPathNeedsTheTenantGuidAndSendsItAsPublisherByDefault) {
  auto config = Load(kManagement);
  EXPECT_EQ(config.publisher_identifier, "11111111-2222-3333-4444-555555555555");
  EXPECT_EQ(config.blob_concurrency, 8);
  EXPECT_EQ(config.management_requests_per_minute, 1800);
  flags_["publisher_identifier"] = "99999999-8888-7777-6666-555555555555";
  flags_["blob_concurrency"] = "1";
  config = Load(kManagement);
  EXPECT_EQ(config.publisher_identifier, "99999999-8888-7777-6666-555555555555");
  EXPECT_EQ(config.blob_concurrency, 1);
  flags_["publisher_identifier"] = "contoso";
  ExpectConfigErrorParts([&] { Load(kManagement); },
                         {"setting `publisher_identifier`", "not a GUID"});
  flags_.clear();
  // A domain is a tenant for Entra and Graph, not for the Management Activity API's URLs.
  ExpectConfigErrorParts(
      [&] { Load(std::string(kMinimal) + "use_graph_api = \"no\"\n"); },
      {"setting `tenant_id`", "contoso.onmicrosoft.com", "GUID", "Directory (tenant) ID"});
  EXPECT_NO_THROW(Load(std::string(kMinimal) + "use_graph_api = \"no\"\n", false));
  // `subscription` calls that API whatever use_graph_api says: the same checks and default.
  ExpectConfigErrorParts([&] { Load(kMinimal, true, /*management_api=*/true); },
                         {"setting `tenant_id`", "contoso.onmicrosoft.com", "not a GUID"});
  constexpr const char* kGraphWithGuid = R"(
tenant_id = "11111111-2222-3333-4444-555555555555"
client_id = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
client_secret = "from-file"
)";
  EXPECT_TRUE(Load(kGraphWithGuid).publisher_identifier.empty());
  EXPECT_EQ(Load(kGraphWithGuid, true, /*management_api=*/true).publisher_identifier,
            "11111111-2222-3333-4444-555555555555");
  // Sign-in and a Management Activity API of two clouds never work together.
  ExpectConfigErrorParts(
      [&] {
        Load(std::string(kManagement) + "management_url = \"https://manage.office365.us\"\n");
      },
      {"setting `management_url`", "gcchigh", "commercial"});
  // GCC signs in worldwide and has a Management Activity API host of its own: consistent.
  EXPECT_EQ(Load(std::string(kManagement) + "cloud = \"gcc\"\n").management_url,
            "https://manage-gcc.office.com");
}

TEST_F(ConfigTest, TheLegacyAuthorityIsAnAlias) {
  for (const char* alias :
       {"https://login.windows.net", "https://login.windows.net/", "https://LOGIN.windows.NET"}) {
    const auto config = Load(std::string(kMinimal) + "authority = \"" + alias + "\"\n");
    EXPECT_EQ(config.authority, "https://login.microsoftonline.com") << alias;
  }
}

TEST_F(ConfigTest, SignInAndGraphOfTwoCloudsAreRefused) {
  ExpectConfigErrorParts(
      [&] { Load(std::string(kMinimal) + "graph_url = \"https://graph.microsoft.us\"\n"); },
      {"setting `graph_url`", "gcchigh", "commercial", "Set `cloud`"});
  // GCC signs in at the worldwide authority and uses the worldwide Graph: consistent.
  EXPECT_NO_THROW(
      Load(std::string(kMinimal) + "cloud = \"gcc\"\nauthority = \"https://login.windows.net\"\n"));
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
                    "a tenant's id is tenant_id");
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

constexpr const char* kApp = R"(
tenant_id = "contoso.onmicrosoft.com"
client_id = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
)";

// One rule for every secret (SecretFromText): the line ends at its end are dropped, spaces and
// tabs are kept, and a file of nothing but whitespace is empty.
TEST_F(ConfigTest, SecretsFollowOneRuleWhereverTheyComeFrom) {
  const auto file = WriteFile("secret", " spaced\tsecret \r\n");
  auto config = Load(std::string(kApp) + "client_secret_file = \"" + file + "\"\n");
  EXPECT_EQ(config.client_secret.Reveal(), " spaced\tsecret ");
  environment_["AUDITSYNC_CLIENT_SECRET"] = " from-env \n";
  config = Load(kApp);
  EXPECT_EQ(config.client_secret.Reveal(), " from-env ");
  EXPECT_EQ(config.client_secret_origin, SecretOrigin::kSetting);
  environment_.erase("AUDITSYNC_CLIENT_SECRET");
  environment_["AUDITSYNC_CERTIFICATE_PASSWORD"] = "pass word\r\n";
  config = Load(std::string(kApp) + "certificate_path = \"a.pfx\"\n");
  EXPECT_EQ(config.certificate.password.Reveal(), "pass word");
  environment_["IDENTITY_ENDPOINT"] = "http://localhost:42356/msi/token";
  environment_["IDENTITY_HEADER"] = "header-value\n";
  config = Load("credential = \"managed_identity\"\n");
  EXPECT_EQ(config.managed_identity.identity_header.Reveal(), "header-value");
  const auto blank = WriteFile("blank", " \t\n");
  ExpectConfigErrorParts(
      [&] { Load(std::string(kApp) + "client_secret_file = \"" + blank + "\"\n"); },
      {"setting `client_secret_file` (from the configuration file) names `" + blank +
       "`, which is empty. Put the client secret value (not its id) in the file."});
}

TEST_F(ConfigTest, AutoChoosesTheSecretThenTheCertificate) {
  auto config = Load(kMinimal);
  EXPECT_EQ(config.credential, CredentialKind::kSecret);
  EXPECT_EQ(config.client_secret_origin, SecretOrigin::kConfigFile);
  EXPECT_EQ(config.config_file, (directory_ / "auditsync.toml").string());
  config = Load(std::string(kApp) + "certificate_path = \"app.pem\"\n");
  EXPECT_EQ(config.credential, CredentialKind::kCertificate);
  EXPECT_EQ(config.certificate.path, "app.pem");
  EXPECT_EQ(config.certificate.algorithm, AssertionAlgorithm::kPs256);
  // A secret source wins: the certificate may be the one that reads the vault.
  config = Load(std::string(kApp) +
                "certificate_path = \"app.pem\"\nkeyvault_credential = \"certificate\"\n"
                "client_secret_keyvault = \"https://kv1.vault.azure.net/secrets/s\"\n");
  EXPECT_EQ(config.credential, CredentialKind::kSecret);
  EXPECT_EQ(config.client_secret_origin, SecretOrigin::kKeyVault);
  EXPECT_EQ(config.keyvault_credential, CredentialKind::kCertificate);
  ExpectConfigErrorParts([&] { Load(kApp); },
                         {"`client_secret`", "is missing", "client_secret_keyvault",
                          "certificate_path", "managed_identity"});
}

TEST_F(ConfigTest, OneSecretSourceAtATime) {
  const auto file = WriteFile("secret", "from-file\n");
  ExpectConfigErrorParts(
      [&] {
        Load(std::string(kMinimal) +
             "client_secret_keyvault = \"https://kv1.vault.azure.net/secrets/s\"\n");
      },
      {"`client_secret_keyvault`", "together with `client_secret`"});
  ExpectConfigErrorParts(
      [&] {
        Load(std::string(kApp) + "client_secret_file = \"" + file +
             "\"\nclient_secret_keyvault = \"https://kv1.vault.azure.net/secrets/s\"\n");
      },
      {"`client_secret_keyvault`", "together with `client_secret_file`"});
}

TEST_F(ConfigTest, SecretFromStandardInputIsNamedAsSuch) {
  RawSettings raw;
  LoadTomlFile(WriteFile("auditsync.toml", kApp), raw);
  raw.Set("client_secret", "piped-secret", SettingSource::kStdin);
  const auto config = ResolveConfig(raw, true);
  EXPECT_EQ(config.client_secret.Reveal(), "piped-secret");
  EXPECT_EQ(config.client_secret_origin, SecretOrigin::kStdin);
  raw.Set("client_secret_file", WriteFile("secret", "x"), SettingSource::kFlag);
  ExpectConfigError([&] { ResolveConfig(raw, true); },
                    "together with `client_secret` (from standard input (--client-secret-stdin))");
}

TEST_F(ConfigTest, CertificateSettings) {
  const auto password = WriteFile("password", "pfx-password\n");
  auto config = Load(std::string(kApp) +
                     "certificate_path = \"app.pfx\"\n"
                     "certificate_password_file = \"" +
                     password + "\"\nassertion_algorithm = \"rs256\"\n");
  EXPECT_EQ(config.certificate.password.Reveal(), "pfx-password");
  EXPECT_EQ(config.certificate.password_file, password);
  EXPECT_EQ(config.certificate.algorithm, AssertionAlgorithm::kRs256);
  environment_["AUDITSYNC_CERTIFICATE_PASSWORD"] = "from-env";
  ExpectConfigError(
      [&] {
        Load(std::string(kApp) + "certificate_path = \"a.pfx\"\ncertificate_password_file = \"" +
             password + "\"\n");
      },
      "together with `certificate_password`");
  config = Load(std::string(kApp) + "certificate_path = \"a.pfx\"\n");
  EXPECT_EQ(config.certificate.password.Reveal(), "from-env");
  ExpectConfigErrorParts(
      [&] {
        Load(std::string(kApp) + "certificate_path = \"a.pem\"\nassertion_algorithm = \"ES256\"\n");
      },
      {"`assertion_algorithm`", "PS256 or RS256"});
  ExpectConfigErrorParts([&] { Load(std::string(kApp) + "credential = \"certificate\"\n"); },
                         {"`certificate_path`", "is missing"});
  ExpectConfigErrorParts(
      [&] { Load("credential = \"certificate\"\ncertificate_path = \"a.pem\"\n"); },
      {"`tenant_id`", "is missing"});
}

TEST_F(ConfigTest, ManagedIdentityUsesImdsOrTheAppServiceEndpoint) {
  // No tenant, client or secret: the platform vouches for the machine.
  auto config = Load("credential = \"managed_identity\"\n");
  EXPECT_EQ(config.credential, CredentialKind::kManagedIdentity);
  EXPECT_TRUE(config.UsesManagedIdentity());
  EXPECT_EQ(config.managed_identity.endpoint,
            "http://169.254.169.254/metadata/identity/oauth2/token");
  EXPECT_FALSE(config.managed_identity.AppService());
  config = Load(
      "credential = \"managed_identity\"\nimds_endpoint = \"https://127.0.0.1:8443/\"\n"
      "managed_identity_client_id = \"11111111-0000-0000-0000-000000000000\"\n");
  EXPECT_EQ(config.managed_identity.endpoint,
            "https://127.0.0.1:8443/metadata/identity/oauth2/token");
  EXPECT_EQ(config.managed_identity.client_id, "11111111-0000-0000-0000-000000000000");

  environment_["IDENTITY_ENDPOINT"] = "http://localhost:42356/msi/token";
  environment_["IDENTITY_HEADER"] = "header-value";
  config = Load("credential = \"managed_identity\"\n");
  EXPECT_TRUE(config.managed_identity.AppService());
  EXPECT_EQ(config.managed_identity.endpoint, "http://localhost:42356/msi/token");
  EXPECT_EQ(config.managed_identity.identity_header.Reveal(), "header-value");

  environment_.erase("IDENTITY_HEADER");
  ExpectConfigErrorParts([&] { Load("credential = \"managed_identity\"\n"); },
                         {"`identity_header` (default) is missing", "IDENTITY_ENDPOINT"});
  environment_.erase("IDENTITY_ENDPOINT");
  // Plain HTTP only on this machine: a token must not cross the network in clear.
  ExpectConfigErrorParts(
      [&] {
        Load("credential = \"managed_identity\"\nimds_endpoint = \"http://metadata.example\"\n");
      },
      {"`imds_endpoint`", "http:// to this machine"});
}

// The host of a plain-HTTP managed identity endpoint is parsed, not matched by prefix: user info,
// look-alike names and odd characters are refused.
TEST_F(ConfigTest, PlainHttpGoesOnlyToAnExactHostOfThisMachine) {
  constexpr const char* kPath = "/metadata/identity/oauth2/token";
  for (const std::string local :
       {"http://169.254.169.254", "http://127.0.0.1:50342", "http://localhost:8081/",
        "http://[::1]:8080", "HTTP://LocalHost", "http://[::1]"}) {
    flags_["imds_endpoint"] = local;
    const auto root = local.ends_with('/') ? local.substr(0, local.size() - 1) : local;
    EXPECT_EQ(Load("credential = \"managed_identity\"\n").managed_identity.endpoint, root + kPath);
  }
  for (const std::string hostile :
       {"http://127.0.0.1@203.0.113.1", "http://127.evil.example", "http://127.0.0.2",
        "http://localhost.evil.example", "http://169.254.169.254.nip.io",
        "http://localhost:80@evil.example", "http://evil.example#@127.0.0.1", "http://[::1].evil",
        "http://::1", "http://[::1", "http://localhost:", "http://localhost:99999",
        "http://localhost:8o", "http://127.0.0.1\\@evil.example", "http://localhost%2eevil",
        "http:/127.0.0.1", "ftp://127.0.0.1"}) {
    flags_["imds_endpoint"] = hostile;
    try {
      Load("credential = \"managed_identity\"\n");
      ADD_FAILURE() << hostile << " was accepted";
    } catch (const ConfigError& error) {
      EXPECT_EQ(std::string(error.what()),
                "setting `imds_endpoint` (from --imds-endpoint) is `" + hostile + kPath +
                    "`. Give an https:// URL, or http:// to this machine (169.254.169.254, "
                    "localhost, 127.0.0.1 or [::1], with an optional port): a token must not "
                    "cross the network in plain text.");
    }
  }
  // The App Service endpoint passes the same test.
  flags_.clear();
  environment_["IDENTITY_ENDPOINT"] = "http://127.0.0.1@203.0.113.1/msi/token";
  environment_["IDENTITY_HEADER"] = "header-value";
  ExpectConfigErrorParts([&] { Load("credential = \"managed_identity\"\n"); },
                         {"setting `identity_endpoint` (from IDENTITY_ENDPOINT) is "
                          "`http://127.0.0.1@203.0.113.1/msi/token`."});
}

TEST_F(ConfigTest, WorkloadIdentityReadsAzureVariablesWithFallbacks) {
  environment_["AZURE_FEDERATED_TOKEN_FILE"] = "/var/run/secrets/azure/tokens/azure-identity-token";
  auto config = Load(std::string(kApp) + "credential = \"workload_identity\"\n");
  EXPECT_EQ(config.workload_identity.token_file,
            "/var/run/secrets/azure/tokens/azure-identity-token");
  EXPECT_EQ(config.workload_identity.client_id, "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
  EXPECT_EQ(config.workload_identity.tenant_id, "contoso.onmicrosoft.com");
  environment_["AZURE_CLIENT_ID"] = "22222222-0000-0000-0000-000000000000";
  environment_["AZURE_TENANT_ID"] = "33333333-0000-0000-0000-000000000000";
  config = Load("credential = \"workload_identity\"\n");
  EXPECT_EQ(config.workload_identity.client_id, "22222222-0000-0000-0000-000000000000");
  EXPECT_EQ(config.workload_identity.tenant_id, "33333333-0000-0000-0000-000000000000");
  environment_.erase("AZURE_FEDERATED_TOKEN_FILE");
  ExpectConfigErrorParts(
      [&] { Load("credential = \"workload_identity\"\n"); },
      {"`federated_token_file` (default) is missing", "AZURE_FEDERATED_TOKEN_FILE"});
  ExpectConfigErrorParts(
      [&] { Load("credential = \"password\"\n"); },
      {"`credential`", "secret, certificate, managed_identity, workload_identity"});
}

TEST_F(ConfigTest, KeyVaultReferenceAndItsCredential) {
  const std::string reference =
      "client_secret_keyvault = \"/subscriptions/0000/resourceGroups/rg/providers/"
      "Microsoft.KeyVault/vaults/Contoso-KV/secrets/auditsync\"\n";
  auto config = Load(std::string(kApp) + reference);
  EXPECT_EQ(config.client_secret_origin, SecretOrigin::kKeyVault);
  EXPECT_TRUE(config.client_secret.Empty());  // read at sign-in, not here
  EXPECT_EQ(config.client_secret_keyvault->SecretUrl(),
            "https://contoso-kv.vault.azure.net/secrets/auditsync");
  EXPECT_EQ(config.keyvault_resource, "https://vault.azure.net");
  EXPECT_EQ(config.keyvault_credential, CredentialKind::kManagedIdentity);
  EXPECT_TRUE(config.UsesManagedIdentity());
  // The suffix of the cloud completes the reference, and the token is for that cloud's vaults.
  config = Load(std::string(kApp) + reference + "cloud = \"gcchigh\"\n", false);
  EXPECT_EQ(config.client_secret_keyvault->VaultUrl(),
            "https://contoso-kv.vault.usgovcloudapi.net");
  EXPECT_EQ(config.keyvault_resource, "https://vault.usgovcloudapi.net");
  ExpectConfigErrorParts(
      [&] {
        Load(std::string(kApp) + reference + "keyvault_credential = \"workload_identity\"\n");
      },
      {"`federated_token_file`", "is missing"});
  ExpectConfigErrorParts(
      [&] { Load(std::string(kApp) + reference + "keyvault_credential = \"secret\"\n"); },
      {"`keyvault_credential`", "managed_identity, workload_identity, certificate"});
  ExpectConfigErrorParts(
      [&] { Load(std::string(kApp) + "client_secret_keyvault = \"kv/secret\"\n"); },
      {"`client_secret_keyvault`", "not a Key Vault secret reference", "Secret Identifier"});
}

TEST_F(ConfigTest, ProxyMustBeAProxyUrlAndIsNeverRepeated) {
  EXPECT_EQ(Load(std::string(kMinimal) + "proxy = \"http://proxy.example:8080\"\n").proxy,
            "http://proxy.example:8080");
  try {
    Load(std::string(kMinimal) + "proxy = \"proxy.example:8080@p4ssw0rd\"\n");
    FAIL();
  } catch (const ConfigError& error) {
    EXPECT_NE(std::string(error.what()).find("not a proxy URL"), std::string::npos);
    EXPECT_EQ(std::string(error.what()).find("p4ssw0rd"), std::string::npos);
  }
}

// [[tenant]] tables: each tenant's settings over the file's top level, under the environment.
class TenantTablesTest : public ConfigTest {
 protected:
  std::vector<Config> LoadTenants(const std::string& toml) {
    RawSettings raw;
    LoadTomlFile(WriteFile("auditsync.toml", toml), raw);
    LoadEnvironment(raw, FakeGetenv);
    std::vector<Config> configs;
    for (const auto& tenant : raw.Tenants()) {
      configs.push_back(ResolveConfig(raw.ForTenant(tenant), /*need_credentials=*/false));
    }
    return configs;
  }
};

TEST_F(TenantTablesTest, EachTenantLayersItsTableOverTheTopLevelUnderTheEnvironment) {
  environment_["AUDITSYNC_LOG_LEVEL"] = "debug";
  const auto configs = LoadTenants(R"(
database = "/var/lib/auditsync/audit.db"
query_budget = 100
log_level = "warn"

[[tenant]]
name = "contoso"
tenant_id = "contoso.onmicrosoft.com"
query_budget = 150

[[tenant]]
name = "fabrikam-eu"
tenant_id = "fabrikam.onmicrosoft.com"
cloud = "gcc"
)");
  ASSERT_EQ(configs.size(), 2u);
  EXPECT_EQ(configs[0].tenant_name, "contoso");
  EXPECT_EQ(configs[0].tenant_id, "contoso.onmicrosoft.com");
  EXPECT_EQ(configs[0].query_budget, 150);
  EXPECT_EQ(configs[1].query_budget, 100);  // the top level's
  EXPECT_EQ(configs[1].cloud, "gcc");
  EXPECT_EQ(configs[0].cloud, "commercial");
  EXPECT_EQ(configs[0].log_level, "debug");  // the environment's, over every table
  // A SQLite file each, beside the configured one.
  EXPECT_EQ(configs[0].database, "/var/lib/auditsync/audit.contoso.db");
  EXPECT_EQ(configs[1].database, "/var/lib/auditsync/audit.fabrikam-eu.db");
  EXPECT_EQ(configs[0].database_schema, "");
}

TEST_F(TenantTablesTest, ATenantsOwnDatabaseIsKeptAndPostgresTenantsGetASchemaEach) {
  const auto configs = LoadTenants(R"(
database = "postgresql://auditsync@db/auditsync"

[[tenant]]
name = "fabrikam-eu"
tenant_id = "fabrikam.onmicrosoft.com"

[[tenant]]
name = "contoso"
tenant_id = "contoso.onmicrosoft.com"
database = "/srv/contoso.sqlite"
)");
  EXPECT_EQ(configs[0].database, "postgresql://auditsync@db/auditsync");
  EXPECT_EQ(configs[0].database_schema, "auditsync_fabrikam-eu");
  EXPECT_EQ(configs[1].database, "/srv/contoso.sqlite");
  EXPECT_EQ(configs[1].database_schema, "");
}

// A secret written in a [[tenant]] table is in the configuration file (what `check` warns about
// when others can read the file), not in a setting from the environment.
TEST_F(TenantTablesTest, ASecretInATenantTableComesFromTheConfigurationFile) {
  RawSettings raw;
  LoadTomlFile(WriteFile("auditsync.toml", R"(
client_id = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"

[[tenant]]
name = "contoso"
tenant_id = "contoso.onmicrosoft.com"
client_secret = "in-the-file"
)"),
               raw);
  const auto config = ResolveConfig(raw.ForTenant(raw.Tenants().at(0)), /*need_credentials=*/true);
  EXPECT_EQ(config.client_secret_origin, SecretOrigin::kConfigFile);
}

TEST_F(TenantTablesTest, BadTablesAreRefusedNamingTheLineAndTheFix) {
  ExpectConfigErrorParts([&] { LoadTenants("[[tenant]]\ntenant_id = \"a\"\n"); },
                         {"line 1", "has no `name`", "name = \"contoso\""});
  ExpectConfigErrorParts([&] { LoadTenants("[[tenant]]\nname = \"Contoso Ltd\"\n"); },
                         {"line 2", "lowercase letters, digits, - and _"});
  ExpectConfigErrorParts(
      [&] { LoadTenants("[[tenant]]\nname = \"a\"\n[[tenant]]\nname = \"a\"\n"); },
      {"line 3", "a second [[tenant]] is named `a`"});
  ExpectConfigErrorParts(
      [&] { LoadTenants("[[tenant]]\nname = \"a\"\nclient_secrte_file = \"x\"\n"); },
      {"line 3", "unknown setting `client_secrte_file`"});
  ExpectConfigErrorParts([&] { LoadTenants("tenant = \"contoso\"\n"); },
                         {"line 1", "[[tenant]], one per tenant"});
}

TEST(SettingsTable, EverySettingHasAnEnvironmentVariableAndMeaning) {
  // The variables Azure's platforms set for workload and managed identities keep their names.
  const std::set<std::string_view> platform = {"IDENTITY_ENDPOINT", "IDENTITY_HEADER",
                                               "AZURE_FEDERATED_TOKEN_FILE", "AZURE_CLIENT_ID",
                                               "AZURE_TENANT_ID"};
  for (const auto& spec : Settings()) {
    EXPECT_TRUE(spec.env.starts_with("AUDITSYNC_") || platform.contains(spec.env)) << spec.key;
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
