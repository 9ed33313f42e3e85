// Proxies: the `proxy` setting, or HTTPS_PROXY without it, sends every connection to Microsoft
// through a CONNECT proxy (TLS stays end to end), NO_PROXY still exempts hosts, and the managed
// identity endpoint on the machine itself is never proxied.
#include <gtest/gtest.h>

#include <map>

#include "integration/identity_lab.hpp"

namespace auditsync::testing {
namespace {

constexpr const char* kFrom = "2026-11-10T00:00:00Z";
constexpr const char* kTo = "2026-11-11T00:00:00Z";

// The name of the variable that names the proxy.
class ProxyVariable : public ::testing::TestWithParam<std::string> {};

TEST_P(ProxyVariable, CarriesEveryConnectionAndNoProxyStillApplies) {
  Workspace workspace;
  Emulator emulator(workspace, {"--seed", "4", "--launches-per-hour", "2"});
  const auto proxy_port = workspace.Path("proxy.port");
  const auto proxy_log = workspace.Path("proxy.log");
  Subprocess proxy({"/usr/bin/python3", CONNECT_PROXY_SCRIPT, proxy_port, proxy_log},
                   workspace.Path("proxy.out"));
  const auto port = WaitForFile(proxy_port, std::chrono::seconds(30));
  ASSERT_TRUE(port.has_value());
  auto environment = ClientEnvironment(emulator, workspace.Path("audit.db"));
  Override(environment, "HTTPS_PROXY=");
  Override(environment, "AUDITSYNC_PROXY=");
  Override(environment, "NO_PROXY=");
  Override(environment, GetParam() + "=http://127.0.0.1:" + *port);
  const auto result = RunAuditsync(workspace, {"sync", "--from", kFrom, "--to", kTo}, environment);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(ReportApps(workspace, environment, kFrom, kTo), emulator.Truth(kFrom, kTo));
  // Every connection, token endpoint and Graph alike, went through the proxy.
  const auto tunnels = ReadFile(proxy_log);
  EXPECT_NE(tunnels.find(emulator.BaseUrl().substr(std::string("https://").size())),
            std::string::npos)
      << tunnels;
  // NO_PROXY exempts the host: a rescan goes direct, and the proxy sees no new tunnel.
  Override(environment, "NO_PROXY=127.0.0.1");
  const auto direct =
      RunAuditsync(workspace, {"sync", "--from", kFrom, "--to", kTo, "--rescan"}, environment);
  ASSERT_EQ(direct.exit_code, 0) << direct.err;
  EXPECT_EQ(ReadFile(proxy_log), tunnels);
}

INSTANTIATE_TEST_SUITE_P(Proxy, ProxyVariable, ::testing::Values("AUDITSYNC_PROXY", "HTTPS_PROXY"));

TEST(Proxy, TheManagedIdentityEndpointIsNeverProxied) {
  Workspace workspace;
  IdentityLab lab(workspace, {"--seed", "4", "--launches-per-hour", "1"});
  for (const char* dead_proxy :
       {"AUDITSYNC_PROXY=http://127.0.0.1:1", "HTTPS_PROXY=http://127.0.0.1:1"}) {
    SCOPED_TRACE(dead_proxy);
    auto environment = lab.Environment();
    IdentityLab::SignInAs(environment, "managed_identity");
    Override(environment, "AUDITSYNC_HTTP_ATTEMPTS=2");
    Override(environment, "NO_PROXY=");
    Override(environment, dead_proxy);
    lab.UseImds(environment);
    const auto result = RunAuditsync(workspace, {"check", "--format", "json"}, environment);
    EXPECT_EQ(result.exit_code, 6) << result.out;
    const auto report = nlohmann::json::parse(result.out);
    std::map<std::string, std::string> results;
    for (const auto& step : report["steps"]) results[step["step"]] = step["result"];
    // The token came straight from the endpoint; Graph, behind the dead proxy, did not answer.
    EXPECT_EQ(results["sign-in"], "pass") << result.out;
    EXPECT_EQ(results["audit log query API"], "fail") << result.out;
  }
}

}  // namespace
}  // namespace auditsync::testing
