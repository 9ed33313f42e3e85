#include "integration/tenants.hpp"

#include <gtest/gtest.h>

#include <fstream>

namespace auditsync::testing {
namespace {

constexpr const char* kContosoId = "11111111-2222-3333-4444-555555555555";
constexpr const char* kFabrikamId = "22222222-3333-4444-5555-666666666666";

std::string TenantTable(const std::string& name, const char* tenant_id, const Emulator& emulator,
                        const std::string& per_tenant) {
  return "\n[[tenant]]\nname = \"" + name + "\"\ntenant_id = \"" + tenant_id +
         "\"\nclient_secret_file = \"" + emulator.SecretFile() + "\"\nauthority = \"" +
         emulator.BaseUrl() + "\"\ngraph_url = \"" + emulator.BaseUrl() + "\"\nca_bundle = \"" +
         emulator.CaFile() + "\"\n" + per_tenant;
}

}  // namespace

TwoTenants::TwoTenants()
    : contoso(contoso_workspace,
              {"--seed", "1", "--launches-per-hour", "40", "--tenant-id", kContosoId}),
      fabrikam(fabrikam_workspace,
               {"--seed", "2", "--launches-per-hour", "30", "--tenant-id", kFabrikamId}) {}

std::string TwoTenants::WriteConfig(const std::string& shared,
                                    const std::string& per_tenant) const {
  const auto path = home.Path("auditsync.toml");
  std::ofstream(path) << "client_id = \"aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee\"\n"
                      << "poll_interval = \"20ms\"\nretry_base_delay = \"10ms\"\n"
                      << "retry_max_delay = \"200ms\"\n"
                      << shared << "\n"
                      << TenantTable("contoso", kContosoId, contoso, per_tenant)
                      << TenantTable("fabrikam", kFabrikamId, fabrikam, per_tenant);
  return path;
}

void TwoTenants::ExpectReportsEqualEachTruth(const std::string& config, const std::string& from,
                                             const std::string& to) const {
  for (const auto* tenant : {&contoso, &fabrikam}) {
    const std::string name = tenant == &contoso ? "contoso" : "fabrikam";
    const auto report = RunAuditsync(home,
                                     {"--config", config, "--tenant", name, "report", "apps",
                                      "--from", from, "--to", to, "--format", "json"},
                                     {});
    ASSERT_EQ(report.exit_code, 0) << report.err;
    const auto truth = tenant->Truth(from, to);
    EXPECT_GT(truth.size(), 3u);
    EXPECT_EQ(nlohmann::json::parse(report.out), truth) << name;
  }
  EXPECT_NE(contoso.Truth(from, to), fabrikam.Truth(from, to));  // two tenants, not one twice
}

}  // namespace auditsync::testing
