// Micro-benchmark of the hot path: parsing a Graph records page of 1000 Power Apps records, each
// with the 17 properties of a real LaunchPowerApp record (and of the emulator's).
#include <benchmark/benchmark.h>

#include <string>

#include "record/record_parser.hpp"

namespace {

std::string MakePage(int records) {
  std::string page =
      R"({"@odata.context":"x","@odata.nextLink":"https://h/next?$skiptoken=abc","value":[)";
  for (int i = 0; i < records; ++i) {
    const std::string id = "e2a84675-8952-4d91-a2ea-" + std::to_string(100000000000 + i);
    if (i > 0) page += ',';
    page +=
        R"json({"id":")json" + id +
        R"json(","createdDateTime":"2025-06-01T13:17:34Z","auditLogRecordType":"PowerPlatformAdministratorActivity","operation":"LaunchPowerApp","organizationId":"33333333-3333-3333-3333-333333333333","userType":"Regular","userId":"Amber@contoso.onmicrosoft.com","service":"PowerPlatform","objectId":null,"userPrincipalName":"Amber@contoso.onmicrosoft.com","clientIp":"203.0.113.10","administrativeUnits":[],"auditData":{"@odata.type":"#microsoft.graph.security.defaultAuditData","Id":")json" +
        id + R"json(","RecordType":256,"CreationTime":"2025-06-01T13:17:34","Operation":"LaunchPowerApp","OrganizationId":"33333333-3333-3333-3333-333333333333","UserType":0,"UserKey":"7ff1e0f1-e2a4-48a0-874e-34db43893df1","UserId":"amber@contoso.onmicrosoft.com","Workload":"PowerPlatform","ResultStatus":"Succeeded","ClientIP":"203.0.113.10","EnvironmentId":"aa289efd-09f4-eaeb-bbb8-c08fc9e27d09","Version":1,"PropertyCollection":[{"Name":"version","Value":"1.0"},{"Name":"powerplatform.analytics.operation.is_successful","Value":"True"},{"Name":"powerplatform.analytics.resource.type","Value":"PowerApp"},{"Name":"enduser.ip_address","Value":"203.0.113.10"},{"Name":"enduser.role","Value":"User"},{"Name":"user_agent.original","Value":"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0"},{"Name":"enduser.id","Value":"7ff1e0f1-e2a4-48a0-874e-34db43893df1"},{"Name":"powerplatform.analytics.resource.telemetry_correlation.id","Value":"d6166b5b-4f37-4978-b8bc-d2689e096899"},{"Name":"type","Value":"PowerPlatformAdministratorActivityRecord"},{"Name":"powerplatform.analytics.activity.name","Value":"LaunchPowerApp"},{"Name":"powerplatform.analytics.resource.tenant.id","Value":"33333333-3333-3333-3333-333333333333"},{"Name":"powerplatform.analytics.activity.id","Value":"6294e0ee-9660-4bbf-a282-60c5718c6577"},{"Name":"powerplatform.analytics.resource.power_app.id","Value":"6c39e97c-6ddd-4a37-afd4-494a605925cf"},{"Name":"powerplatform.analytics.resource.power_app.display_name","Value":"Expense App"},{"Name":"powerplatform.analytics.resource.environment.id","Value":"aa289efd-09f4-eaeb-bbb8-c08fc9e27d09"},{"Name":"powerplatform.analytics.resource.environment.name","Value":"Contoso (default)"},{"Name":"enduser.principal_name","Value":"amber@contoso.onmicrosoft.com"}]}})json";
  }
  return page + "]}";
}

void ParseGraphPage(benchmark::State& state) {
  const auto page = MakePage(1000);
  auditsync::RecordParser parser;
  for (auto _ : state) {
    auto parsed = parser.ParseGraphPage(page);
    benchmark::DoNotOptimize(parsed);
  }
  state.SetItemsProcessed(state.iterations() * 1000);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(page.size()));
}
BENCHMARK(ParseGraphPage)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
