// `auditsync subscription start|stop|list`: the Audit.General subscription of the Office 365
// Management Activity API, which the Management path reads (the CoE kit's subscription flow).
// `sync` starts it by itself when it is missing.
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "core/log.hpp"
#include "source/management/management_connection.hpp"

namespace auditsync {
namespace {

void PrintSubscriptions(const std::vector<Subscription>& subscriptions, bool json) {
  if (json) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const auto& subscription : subscriptions) {
      list.push_back({{"content_type", subscription.content_type},
                      {"status", subscription.status},
                      {"webhook", subscription.webhook}});
    }
    std::cout << list.dump(2) << '\n';
    return;
  }
  if (subscriptions.empty()) {
    std::cout << "No subscription: run `auditsync subscription start`.\n";
    return;
  }
  for (const auto& subscription : subscriptions) {
    std::cout << subscription.content_type << "  " << subscription.status
              << (subscription.webhook ? "  (with a webhook)" : "") << '\n';
  }
}

}  // namespace

void SetupSubscriptionCommand(CLI::App& app, GlobalFlags& flags, CommandAction& action) {
  auto format = std::make_shared<std::string>("table");
  auto* command = app.add_subcommand(
      "subscription",
      "Start, stop or list the Audit.General subscription of the Office 365 Management Activity "
      "API (use_graph_api = no)");
  command->require_subcommand(1);
  command->fallthrough();  // --format may follow start, stop or list
  command->add_option("--format", *format, "table or json")
      ->check(CLI::IsMember({"table", "json"}));
  for (const std::string verb : {"start", "stop", "list"}) {
    auto* sub = command->add_subcommand(
        verb, verb == "start"  ? "Start the subscription (the first content takes up to 12 hours)"
              : verb == "stop" ? "Stop it: content published while it is stopped is never "
                                 "available, even after a new start"
                               : "List the tenant's subscriptions");
    sub->callback([&app, &flags, &action, format, verb] {
      action = [&app, &flags, format, verb] {
        const auto config =
            LoadConfig(app, flags, /*need_credentials=*/true, /*management_api=*/true);
        InitLogging(config.log_level);
        if (config.use_graph_api) {
          spdlog::warn(
              "use_graph_api is yes: syncs read the Graph audit log query API and do not "
              "need this subscription");
        }
        ManagementConnection connection(config);
        auto& client = connection.Client();
        const bool json = *format == "json";
        if (verb == "start") {
          const auto subscription = client.StartSubscription();
          PrintSubscriptions({subscription}, json);
          if (!json) {
            std::cout << (subscription.already_enabled
                              ? "It was already enabled: nothing changed.\n"
                              : "Microsoft makes the first content available up to 12 hours "
                                "after a subscription starts.\n");
          }
        } else if (verb == "stop") {
          client.StopSubscription();
          if (!json) {
            std::cout << client.Options().content_type
                      << " subscription stopped. Content published while it is stopped is never "
                         "available, even after it is started again.\n";
          } else {
            std::cout << "{}\n";
          }
        } else {
          PrintSubscriptions(client.ListSubscriptions(), json);
        }
        return ExitCode::kSuccess;
      };
    });
  }
}

}  // namespace auditsync
