// Every report in every format, from a fixed emulator tenant synced through the real binary: the
// unit goldens cover hostile hand-made data, these the whole path from Graph's records (the
// tenant's names with accents, emoji, quotes and markup; deleted apps; malformed records) to the
// bytes a user reads. AUDITSYNC_UPDATE_GOLDEN=1 rewrites tests/golden/tenant/ after an intended
// change; review the diff.
#include <gtest/gtest.h>

#include "integration/harness.hpp"
#include "unit/golden.hpp"

namespace auditsync::testing {
namespace {

constexpr char kFrom[] = "2026-11-09T00:00:00Z";
constexpr char kTo[] = "2026-11-11T00:00:00Z";
// Reports run as of this moment: `unused` looks back from it.
constexpr char kNow[] = "2026-11-12T08:00:00Z";

TEST(ReportTenant, EveryReportInEveryFormatMatchesItsGolden) {
  Workspace workspace;
  Emulator emulator(workspace, {"--seed", "21", "--launches-per-hour", "3"});
  const auto database = workspace.Path("audit.db");
  auto environment = ClientEnvironment(emulator, database);
  // The users report shows the directory's profiles: the sync reads them.
  Override(environment, "AUDITSYNC_ENRICH_USERS=yes");
  const auto sync = RunAuditsync(workspace, {"sync", "--from", kFrom, "--to", kTo}, environment);
  ASSERT_EQ(sync.exit_code, 0) << sync.err;
  Override(environment, std::string("AUDITSYNC_TEST_NOW=") + kNow);

  const struct {
    std::vector<std::string> args;
    std::string name;
  } reports[] = {
      {{"apps"}, "apps"},
      {{"usage", "--by", "day"}, "usage-day"},
      {{"usage", "--by", "week"}, "usage-week"},
      {{"usage", "--by", "month"}, "usage-month"},
      {{"users"}, "users"},
      {{"summary"}, "summary"},
      {{"production"}, "production"},
      {{"unused", "--days", "2"}, "unused"},
  };
  for (const auto& report : reports) {
    for (const std::string format : {"table", "csv", "json", "html"}) {
      std::vector<std::string> args = {"report"};
      args.insert(args.end(), report.args.begin(), report.args.end());
      if (report.name != "unused") args.insert(args.end(), {"--from", kFrom, "--to", kTo});
      args.insert(args.end(), {"--format", format});
      const auto result = RunAuditsync(workspace, args, environment);
      ASSERT_EQ(result.exit_code, 0) << report.name << " " << format << ": " << result.err;
      ExpectMatchesGolden(result.out, "tenant/" + report.name + "." + format);
    }
  }
  // The apps report is the emulator's own ground truth, so the goldens start from exact figures.
  EXPECT_EQ(ReportApps(workspace, environment, kFrom, kTo), emulator.Truth(kFrom, kTo));
}

}  // namespace
}  // namespace auditsync::testing
