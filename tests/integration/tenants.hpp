// Two tenants for the tests of [[tenant]] tables: an emulator each, in a workspace each (its own
// secret, CA and tenant id), and a configuration file in a third that names both.
#pragma once

#include <string>

#include "integration/harness.hpp"

namespace auditsync::testing {

struct TwoTenants {
  TwoTenants();

  // Writes `home`/auditsync.toml: `shared` (settings of every tenant, such as `database`) at the
  // top level, then a [[tenant]] table for contoso and one for fabrikam (`per_tenant` added to
  // each). Returns its path.
  std::string WriteConfig(const std::string& shared, const std::string& per_tenant = "") const;

  // `report apps --tenant NAME` over [from, to) equals that tenant's emulator's truth, for both.
  void ExpectReportsEqualEachTruth(const std::string& config, const std::string& from,
                                   const std::string& to) const;

  Workspace home;
  Workspace contoso_workspace;
  Workspace fabrikam_workspace;
  Emulator contoso;
  Emulator fabrikam;
};

}  // namespace auditsync::testing
