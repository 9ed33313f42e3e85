#include <charconv>
#include <iostream>

#include "cli/commands.hpp"
#include "core/log.hpp"
#include "core/text.hpp"
#include "record/record_parser.hpp"
#include "report/render.hpp"
#include "report/usage_reports.hpp"

namespace auditsync {
namespace {

struct ReportCommandOptions {
  std::string name;
  std::string from;
  std::string to;
  std::string app;
  std::string environment;
  std::string by = "day";
  int days = 30;
  std::string format = "table";
  // Flags that only some reports take, to refuse them elsewhere rather than ignore them.
  CLI::Option* from_flag = nullptr;
  CLI::Option* to_flag = nullptr;
  CLI::Option* by_flag = nullptr;
  CLI::Option* days_flag = nullptr;
};

// A whole number of days from 1 to 100 years: anything else is a typo.
CLI::Validator DaysValidator() {
  return {[](const std::string& value) -> std::string {
            int days = 0;
            const char* end = value.data() + value.size();
            const auto parsed = std::from_chars(value.data(), end, days);
            if (parsed.ec == std::errc() && parsed.ptr == end && days >= 1 && days <= 36500)
              return "";
            return "`" + value + "` is not a whole number of days from 1 to 36500";
          },
          "DAYS"};
}

ReportRequest ResolveRequest(const ReportCommandOptions& options, Instant now) {
  ReportRequest request{.name = *ParseReportName(options.name),
                        .period = *ParseUsagePeriod(options.by),
                        .unused_for = std::chrono::days(options.days),
                        .now = now,
                        .charts = options.format == "html"};
  const bool unused = request.name == ReportName::kUnused;
  if (unused && (options.from_flag->count() > 0 || options.to_flag->count() > 0)) {
    throw UsageError(
        "--from and --to do not apply to `report unused`, which looks back from now: use "
        "--days N for apps without a launch in the last N days.");
  }
  if (!unused && options.days_flag->count() > 0) {
    throw UsageError("--days applies to `report unused` only.");
  }
  if (request.name != ReportName::kUsage && options.by_flag->count() > 0) {
    throw UsageError("--by applies to `report usage` only.");
  }
  if (!options.from.empty()) request.filter.from = ParseTimeFlag("--from", options.from, now);
  if (!options.to.empty()) request.filter.to = ParseTimeFlag("--to", options.to, now);
  if (request.filter.from >= request.filter.to) {
    throw UsageError("--from " + options.from + " is not before --to " + options.to +
                     ": the window [from, to) would be empty.");
  }
  // Ids as the parser stores them: lowercase, an app's resource path reduced to its id.
  if (!options.app.empty()) request.filter.app_id = NormalizeAppId(options.app);
  if (!options.environment.empty()) request.filter.environment_id = Lowercase(options.environment);
  return request;
}

}  // namespace

void SetupReportCommand(CLI::App& app, GlobalFlags& flags, CommandAction& action) {
  auto options = std::make_shared<ReportCommandOptions>();
  auto* command = app.add_subcommand("report", "Print a usage report from the database");
  command
      ->add_option("report", options->name,
                   "apps, usage (per --by period), users, summary, production (the CoE's "
                   "production apps per month), or unused (no launch in the last --days days)")
      ->required()
      ->check(CLI::IsMember(std::vector<std::string>(kReportNames.begin(), kReportNames.end())));
  options->from_flag = command->add_option(
      "--from", options->from, "Launches at or after this time (default: all); not for unused");
  options->to_flag = command->add_option(
      "--to", options->to, "Launches before this time (default: all); not for unused");
  command->add_option("--app", options->app, "Only this app (id or resource path)");
  command->add_option("--environment", options->environment,
                      "Only the apps of this environment (id)");
  options->by_flag = command->add_option("--by", options->by, "usage: day, week or month")
                         ->check(CLI::IsMember({"day", "week", "month"}));
  options->days_flag =
      command->add_option("--days", options->days, "unused: days without a launch (default 30)")
          ->check(DaysValidator());
  command->add_option("--format", options->format, "table, csv, json or html")
      ->check(CLI::IsMember({"table", "csv", "json", "html"}));
  command->callback([&app, &flags, &action, options] {
    action = [&app, &flags, options] {
      const auto config = LoadConfig(app, flags, /*need_credentials=*/false);
      InitLogging(config.log_level);
      const auto request = ResolveRequest(*options, CommandNow());
      const auto store = OpenExistingStore(config);
      RenderReport(BuildReport(*store, request), *ParseReportFormat(options->format), std::cout);
      return ExitCode::kSuccess;
    };
  });
}

}  // namespace auditsync
