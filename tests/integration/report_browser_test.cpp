// The HTML report as a browser shows it: headless Chromium (installed by
// scripts/install-deps.sh) renders the page of the fixture dataset to a PNG, whose pixels must
// hold both charts' colours, and dumps its DOM, which must hold the two SVG charts and no script.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "fixture/report_fixture.hpp"
#include "integration/harness.hpp"
#include "report/svg_chart.hpp"

namespace auditsync::testing {
namespace {

std::optional<std::string> FindInPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string_view directories = path != nullptr ? path : "/usr/bin:/bin";
  while (!directories.empty()) {
    const auto end = std::min(directories.find(':'), directories.size());
    const auto candidate = std::filesystem::path(directories.substr(0, end)) / name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    directories.remove_prefix(std::min(end + 1, directories.size()));
  }
  return std::nullopt;
}

// Chromium with nothing that reaches the network (only loopback exists here) and a fresh
// profile, so that runs never share state. `output` is --screenshot=FILE or --dump-dom.
std::unique_ptr<Subprocess> StartChromium(const std::string& chromium, const Workspace& workspace,
                                          const std::string& name, const std::string& output,
                                          const std::string& page) {
  return std::make_unique<Subprocess>(
      std::vector<std::string>{
          chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
          "--no-first-run", "--disable-background-networking", "--disable-component-update",
          "--disable-sync", "--user-data-dir=" + workspace.Path(name + "-profile"), output,
          "--window-size=1280,2000", "file://" + page},
      workspace.Path(name + ".out"), workspace.Path(name + ".err"));
}

TEST(ReportHtml, ChromiumShowsBothChartsAndRunsNoScript) {
  const auto chromium = FindInPath("chromium");
  ASSERT_TRUE(chromium) << "chromium is not installed, and this test needs it to open the HTML "
                           "report: run scripts/install-deps.sh (Debian package `chromium`).";
  Workspace workspace;
  const auto database = workspace.Path("audit.db");
  WriteReportFixture(database);
  const auto report = RunAuditsync(
      workspace, {"report", "apps", "--from", kFixtureFrom, "--to", kFixtureTo, "--format", "html"},
      {"AUDITSYNC_DATABASE=" + database, std::string("AUDITSYNC_TEST_NOW=") + kFixtureNow});
  ASSERT_EQ(report.exit_code, 0) << report.err;
  const auto page = workspace.Path("report.html");
  std::ofstream(page, std::ios::binary) << report.out;

  // Both at once: each takes about a second.
  const auto png = workspace.Path("report.png");
  auto screenshot = StartChromium(*chromium, workspace, "screenshot", "--screenshot=" + png, page);
  auto dom = StartChromium(*chromium, workspace, "dom", "--dump-dom", page);
  ASSERT_EQ(screenshot->Wait(std::chrono::seconds(60)), 0)
      << ReadFile(workspace.Path("screenshot.err"));
  ASSERT_EQ(dom->Wait(std::chrono::seconds(60)), 0) << ReadFile(workspace.Path("dom.err"));

  ASSERT_TRUE(std::filesystem::exists(png));
  ASSERT_GT(std::filesystem::file_size(png), 0u);
  const auto python3 = FindInPath("python3");
  ASSERT_TRUE(python3) << "python3 is not installed: run scripts/install-deps.sh";
  const std::vector<std::string> count = {*python3, PNG_COLOURS_SCRIPT, png,
                                          std::string(kOverTimeBarColour),
                                          std::string(kRankingBarColour)};
  Subprocess python(count, workspace.Path("colours.json"), workspace.Path("colours.err"));
  ASSERT_EQ(python.Wait(std::chrono::seconds(60)), 0) << ReadFile(workspace.Path("colours.err"));
  const auto colours = nlohmann::json::parse(ReadFile(workspace.Path("colours.json")));
  EXPECT_EQ(colours["width"], 1280);
  EXPECT_EQ(colours["height"], 2000);
  // A blank or unstyled page has a handful of colours; text, charts and tables make hundreds.
  EXPECT_GT(colours["distinct_colours"].get<int>(), 100) << colours;
  // Both charts' bars are drawn: thousands of pixels of each fill (every 4th row is counted).
  EXPECT_GT(colours["counts"][std::string(kOverTimeBarColour)].get<int>(), 2000) << colours;
  EXPECT_GT(colours["counts"][std::string(kRankingBarColour)].get<int>(), 2000) << colours;

  const auto document = ReadFile(workspace.Path("dom.out"));
  size_t charts = 0;
  for (size_t at = document.find("<svg"); at != std::string::npos;
       at = document.find("<svg", at + 1)) {
    ++charts;
  }
  EXPECT_EQ(charts, 2u);
  // The app named <script>alert(1)</script> is text on the page, never an element.
  EXPECT_EQ(document.find("<script"), std::string::npos);
  EXPECT_NE(document.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
}

}  // namespace
}  // namespace auditsync::testing
