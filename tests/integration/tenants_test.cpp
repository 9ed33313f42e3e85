// Several tenants in one configuration ([[tenant]] tables): two emulators, each a tenant of its
// own (its tenant id, secret, CA and records), collected by one `sync` into a database each, and
// reported with --tenant. The same on PostgreSQL is in postgres_test.cpp.
#include "integration/tenants.hpp"

#include <gtest/gtest.h>

#include <fstream>

namespace auditsync::testing {
namespace {

constexpr const char* kFrom = "2026-11-10T00:00:00Z";
constexpr const char* kTo = "2026-11-12T00:00:00Z";

TEST(Tenants, OneSyncCollectsEveryTenantIntoItsOwnDatabaseAndReportsTakeTenant) {
  TwoTenants tenants;
  const auto config = tenants.WriteConfig("database = \"" + tenants.home.Path("audit.db") + "\"");
  const auto sync =
      RunAuditsync(tenants.home, {"--config", config, "sync", "--from", kFrom, "--to", kTo}, {});
  ASSERT_EQ(sync.exit_code, 0) << sync.err;
  EXPECT_NE(
      sync.err.find("tenant contoso: collecting into " + tenants.home.Path("audit.contoso.db")),
      std::string::npos)
      << sync.err;
  EXPECT_NE(
      sync.err.find("tenant fabrikam: collecting into " + tenants.home.Path("audit.fabrikam.db")),
      std::string::npos);
  tenants.ExpectReportsEqualEachTruth(config, kFrom, kTo);
  // status without --tenant: every tenant's, each under its name.
  const auto status =
      RunAuditsync(tenants.home, {"--config", config, "status", "--format", "json"}, {});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  const auto json = nlohmann::json::parse(status.out);
  ASSERT_EQ(json["tenants"].size(), 2u);
  EXPECT_EQ(json["tenants"][0]["tenant"], "contoso");
  EXPECT_EQ(json["tenants"][1]["tenant"], "fabrikam");
  for (const auto& tenant : json["tenants"]) {
    EXPECT_EQ(tenant["error"], nullptr);
    EXPECT_EQ(tenant["status"]["coverage"]["hours"], 48);
  }
}

TEST(Tenants, StatusShowsATenantNotCollectedYetAndTheOthers) {
  TwoTenants tenants;
  const auto config = tenants.WriteConfig("database = \"" + tenants.home.Path("audit.db") + "\"");
  ASSERT_EQ(
      RunAuditsync(
          tenants.home,
          {"--config", config, "--tenant", "contoso", "sync", "--from", kFrom, "--to", kTo}, {})
          .exit_code,
      0);
  const auto status = RunAuditsync(tenants.home, {"--config", config, "status"}, {});
  EXPECT_EQ(status.exit_code, 3) << status.err;  // fabrikam has no database yet
  EXPECT_NE(status.out.find("== tenant contoso ==\nauditsync status at"), std::string::npos)
      << status.out;
  EXPECT_NE(status.out.find("== tenant fabrikam ==\nthere is no database at " +
                            tenants.home.Path("audit.fabrikam.db")),
            std::string::npos)
      << status.out;
}

TEST(Tenants, OneTenantsRefusedSecretLeavesTheOthersCollected) {
  TwoTenants tenants;
  std::ofstream(tenants.fabrikam_workspace.Path("client-secret")) << "not-the-secret\n";
  const auto config = tenants.WriteConfig("database = \"" + tenants.home.Path("audit.db") + "\"");
  const auto sync =
      RunAuditsync(tenants.home, {"--config", config, "sync", "--from", kFrom, "--to", kTo}, {});
  EXPECT_EQ(sync.exit_code, 4) << sync.err;  // authentication, as for one tenant
  EXPECT_NE(sync.err.find("tenant fabrikam: "), std::string::npos) << sync.err;
  EXPECT_EQ(sync.err.find("not-the-secret"), std::string::npos);
  const auto contoso = RunAuditsync(tenants.home,
                                    {"--config", config, "--tenant", "contoso", "report", "apps",
                                     "--from", kFrom, "--to", kTo, "--format", "json"},
                                    {});
  ASSERT_EQ(contoso.exit_code, 0) << contoso.err;
  EXPECT_EQ(nlohmann::json::parse(contoso.out), tenants.contoso.Truth(kFrom, kTo));
}

TEST(Tenants, ACommandForOneTenantNamesTheTenantsWhenNoneIsGiven) {
  TwoTenants tenants;
  const auto config = tenants.WriteConfig("database = \"" + tenants.home.Path("audit.db") + "\"");
  const auto report = RunAuditsync(tenants.home, {"--config", config, "report", "apps"}, {});
  EXPECT_EQ(report.exit_code, 3);
  EXPECT_NE(report.err.find("several tenants (contoso, fabrikam)"), std::string::npos)
      << report.err;
  EXPECT_NE(report.err.find("--tenant NAME"), std::string::npos);
  const auto unknown =
      RunAuditsync(tenants.home, {"--config", config, "--tenant", "northwind", "status"}, {});
  EXPECT_EQ(unknown.exit_code, 3);
  EXPECT_NE(unknown.err.find("Its tenants are: contoso, fabrikam"), std::string::npos)
      << unknown.err;
  // One tenant id for all of them is a mistake the configuration refuses.
  const auto shared_id = RunAuditsync(tenants.home, {"--config", config, "sync"},
                                      {"AUDITSYNC_TENANT_ID=33333333-2222-3333-4444-555555555555"});
  EXPECT_EQ(shared_id.exit_code, 3);
  EXPECT_NE(shared_id.err.find("Set tenant_id in each [[tenant]] table"), std::string::npos)
      << shared_id.err;
}

}  // namespace
}  // namespace auditsync::testing
