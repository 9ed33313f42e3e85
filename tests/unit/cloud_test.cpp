// Cloud presets (every cloud, and the scopes derived from them as microsoft-apis.md §2 and §4.1
// give them) and Key Vault references.
#include <gtest/gtest.h>

#include <tuple>

#include "core/cloud.hpp"
#include "core/keyvault_reference.hpp"

namespace auditsync {
namespace {

struct Expected {
  const char* cloud;
  const char* authority;
  const char* graph_scope;
  const char* management_scope;
  const char* vault_host;
  const char* vault_scope;
  bool graph_queries;
};

TEST(Cloud, EveryPresetAndTheScopesDerivedFromIt) {
  const Expected expected[] = {
      {"commercial", "https://login.microsoftonline.com", "https://graph.microsoft.com/.default",
       "https://manage.office.com/.default", "kv.vault.azure.net",
       "https://vault.azure.net/.default", true},
      {"gcc", "https://login.microsoftonline.com", "https://graph.microsoft.com/.default",
       "https://manage-gcc.office.com/.default", "kv.vault.azure.net",
       "https://vault.azure.net/.default", true},
      {"gcchigh", "https://login.microsoftonline.us", "https://graph.microsoft.us/.default",
       "https://manage.office365.us/.default", "kv.vault.usgovcloudapi.net",
       "https://vault.usgovcloudapi.net/.default", false},
      {"dod", "https://login.microsoftonline.us", "https://dod-graph.microsoft.us/.default",
       "https://manage.protection.apps.mil/.default", "kv.vault.usgovcloudapi.net",
       "https://vault.usgovcloudapi.net/.default", false},
  };
  for (const auto& want : expected) {
    const auto cloud = FindCloud(want.cloud);
    ASSERT_TRUE(cloud.has_value()) << want.cloud;
    EXPECT_EQ(cloud->authority, want.authority);
    EXPECT_EQ(DefaultScope(cloud->graph_url), want.graph_scope);
    EXPECT_EQ(DefaultScope(cloud->management_url), want.management_scope);
    EXPECT_EQ("kv." + std::string(cloud->keyvault_suffix), want.vault_host);
    EXPECT_EQ(DefaultScope(KeyVaultResource(cloud->keyvault_suffix, *cloud)), want.vault_scope);
    EXPECT_EQ(cloud->graph_audit_queries, want.graph_queries) << want.cloud;
  }
  EXPECT_EQ(FindCloud("GccHigh")->name, "gcchigh");
  EXPECT_FALSE(FindCloud("china").has_value());
  EXPECT_EQ(CloudNames(), "commercial, gcc, gcchigh, dod");
}

TEST(Cloud, AliasesAndTheCloudOfAnEndpoint) {
  EXPECT_EQ(CanonicalAuthority("https://login.windows.net"), "https://login.microsoftonline.com");
  EXPECT_EQ(CanonicalAuthority("https://Login.Windows.Net/"), "https://login.microsoftonline.com");
  EXPECT_EQ(CanonicalAuthority("https://127.0.0.1:8443"), "https://127.0.0.1:8443");
  EXPECT_EQ(CloudOfAuthority("https://login.windows.net")->name, "commercial");
  EXPECT_EQ(CloudOfAuthority("https://login.microsoftonline.us/")->name, "gcchigh");
  EXPECT_EQ(CloudOfGraph("https://dod-graph.microsoft.us")->name, "dod");
  EXPECT_FALSE(CloudOfGraph("https://127.0.0.1:8443").has_value());
  EXPECT_EQ(DefaultScope("https://graph.microsoft.com/"), "https://graph.microsoft.com/.default");
}

TEST(Cloud, TheVaultAudienceFollowsTheVaultsCloud) {
  const auto gcc = *FindCloud("gcc");
  // A GCC tenant's vault may live in Azure Government.
  EXPECT_EQ(KeyVaultResource("vault.usgovcloudapi.net", gcc), "https://vault.usgovcloudapi.net");
  EXPECT_EQ(KeyVaultResource("VAULT.AZURE.NET", gcc), "https://vault.azure.net");
  // A name of a test or a private zone: the audience of the configured cloud.
  EXPECT_EQ(KeyVaultResource("vault.localhost:8443", *FindCloud("dod")),
            "https://vault.usgovcloudapi.net");
}

std::optional<KeyVaultReference> Parse(std::string_view text, std::string& problem,
                                       std::string_view suffix = "vault.azure.net") {
  return ParseKeyVaultReference(text, suffix, problem);
}

TEST(KeyVaultReference, ThePowerPlatformForm) {
  std::string problem;
  auto reference = Parse(
      "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg-audit/providers/"
      "Microsoft.KeyVault/vaults/Contoso-Audit-KV/secrets/auditsync-secret",
      problem);
  ASSERT_TRUE(reference) << problem;
  EXPECT_EQ(reference->vault, "contoso-audit-kv");
  EXPECT_EQ(reference->name, "auditsync-secret");
  EXPECT_EQ(reference->version, "");
  EXPECT_EQ(reference->SecretUrl(),
            "https://contoso-audit-kv.vault.azure.net/secrets/auditsync-secret");
  EXPECT_EQ(reference->Describe(), "secret auditsync-secret of vault contoso-audit-kv");
  // Literal segments without case, a pinned version, a trailing slash, the configured suffix.
  reference = Parse(
      "/SUBSCRIPTIONS/s/resourcegroups/g/PROVIDERS/microsoft.keyvault/VAULTS/kv1/SECRETS/name/"
      "0123456789ABCDEF0123456789abcdef/",
      problem, "vault.localhost:8443");
  ASSERT_TRUE(reference) << problem;
  EXPECT_EQ(reference->SecretUrl(),
            "https://kv1.vault.localhost:8443/secrets/name/0123456789abcdef0123456789abcdef");
  EXPECT_EQ(reference->Describe(),
            "secret name version 0123456789abcdef0123456789abcdef of vault kv1");
}

TEST(KeyVaultReference, TheSecretUrlForm) {
  std::string problem;
  auto reference = Parse("https://kv1.vault.azure.net/secrets/graph", problem);
  ASSERT_TRUE(reference) << problem;
  EXPECT_EQ(reference->vault, "kv1");
  EXPECT_EQ(reference->suffix, "vault.azure.net");
  EXPECT_EQ(reference->SecretUrl(), "https://kv1.vault.azure.net/secrets/graph");
  // The vault of another Azure cloud keeps its own suffix.
  reference =
      Parse("HTTPS://KV1.vault.usgovcloudapi.net/secrets/graph/0123456789abcdef0123456789abcdef",
            problem);
  ASSERT_TRUE(reference) << problem;
  EXPECT_EQ(reference->VaultUrl(), "https://kv1.vault.usgovcloudapi.net");
  EXPECT_EQ(reference->version, "0123456789abcdef0123456789abcdef");
  reference =
      Parse("https://kv1.vault.localhost:8443/secrets/graph", problem, "vault.localhost:8443");
  ASSERT_TRUE(reference) << problem;
  EXPECT_EQ(reference->VaultUrl(), "https://kv1.vault.localhost:8443");
}

// Copied from a browser or a tool that spells the port out: 443 is https's own, so it is the same
// vault; another port stays in the vault's URL.
TEST(KeyVaultReference, AnExplicitPortIsAccepted) {
  const std::tuple<const char*, const char*, const char*> accepted[] = {
      {"https://contoso-kv.vault.azure.net:443/secrets/x", "vault.azure.net",
       "https://contoso-kv.vault.azure.net/secrets/x"},
      {"https://kv1.vault.usgovcloudapi.net:443/secrets/x", "vault.azure.net",
       "https://kv1.vault.usgovcloudapi.net/secrets/x"},
      {"https://kv1.vault.localhost:8443/secrets/x", "vault.localhost:8443",
       "https://kv1.vault.localhost:8443/secrets/x"},
  };
  for (const auto& [text, suffix, url] : accepted) {
    std::string problem;
    const auto reference = Parse(text, problem, suffix);
    ASSERT_TRUE(reference) << text << ": " << problem;
    EXPECT_EQ(reference->SecretUrl(), url);
  }
  const std::pair<const char*, const char*> refused[] = {
      {"https://kv1.vault.azure.net:8443/secrets/x",
       "its host `kv1.vault.azure.net:8443` is not {vault}.vault.azure.net (nor a vault host of "
       "another Azure cloud)"},
      {"https://kv1.vault.azure.net:https/secrets/x", "its port `https` is not a number"},
      {"https://kv1.vault.azure.net:/secrets/x", "its port `` is not a number"},
  };
  for (const auto& [text, expected] : refused) {
    std::string problem;
    EXPECT_FALSE(Parse(text, problem)) << text;
    EXPECT_EQ(problem, expected);
  }
}

TEST(KeyVaultReference, MistakesSayWhatIsWrong) {
  const std::pair<const char*, const char*> cases[] = {
      {"https://kv1.example.com/secrets/graph", "is not {vault}.vault.azure.net"},
      {"https://kv1.vault.azure.net/keys/graph", "/secrets/{name}"},
      {"https://kv1.vault.azure.net/secrets/graph?api-version=7.4", "query string"},
      {"https://kv1.vault.azure.net/secrets/a/b/c", "/secrets/{name}"},
      {"https://k.vault.azure.net/secrets/graph", "vault name `k`"},
      {"https://1kv.vault.azure.net/secrets/graph", "vault name `1kv`"},
      {"https://kv--1.vault.azure.net/secrets/graph", "vault name"},
      {"https://kv1.vault.azure.net/secrets/bad_name", "secret name `bad_name`"},
      {"https://kv1.vault.azure.net/secrets/graph/v1", "32 hexadecimal digits"},
      {"/subscriptions/s/resourceGroups/g/providers/Microsoft.Storage/vaults/kv1/secrets/x",
       "neither /subscriptions"},
      {"/subscriptions//resourceGroups/g/providers/Microsoft.KeyVault/vaults/kv1/secrets/x",
       "neither /subscriptions"},
      {"kv1/graph", "neither /subscriptions"},
  };
  for (const auto& [text, fragment] : cases) {
    std::string problem;
    EXPECT_FALSE(Parse(text, problem).has_value()) << text;
    EXPECT_NE(problem.find(fragment), std::string::npos) << text << ": " << problem;
  }
}

}  // namespace
}  // namespace auditsync
