#include "cli/usage_error.hpp"

#include <algorithm>

#include "core/config.hpp"

namespace auditsync {
namespace {

// The flag an argument gives, without a value attached with `=`; empty for any other argument.
// A value such as -7d (a relative time) is not a flag.
std::string FlagName(std::string_view arg) {
  const bool long_flag = arg.size() > 2 && arg.starts_with("--");
  const bool short_flag = arg.size() > 1 && arg[0] == '-' &&
                          ((arg[1] >= 'a' && arg[1] <= 'z') || (arg[1] >= 'A' && arg[1] <= 'Z'));
  if (!long_flag && !short_flag) return {};
  return std::string(arg.substr(0, arg.find('=')));
}

// The flags of `args`, in order and once each; nothing after `--`, which ends the flags.
std::vector<std::string> Flags(const std::vector<std::string>& args) {
  std::vector<std::string> flags;
  for (const auto& arg : args) {
    if (arg == "--") break;
    auto name = FlagName(arg);
    if (!name.empty() && std::find(flags.begin(), flags.end(), name) == flags.end()) {
      flags.push_back(std::move(name));
    }
  }
  return flags;
}

// Whether `app` or one of its commands has the flag.
bool Known(const CLI::App& app, const std::string& flag) {
  if (app.get_option_no_throw(flag) != nullptr) return true;
  const auto commands = app.get_subcommands([](const CLI::App*) { return true; });
  return std::any_of(commands.begin(), commands.end(),
                     [&flag](const CLI::App* command) { return Known(*command, flag); });
}

std::string Join(const std::vector<std::string>& items) {
  std::string joined;
  for (const auto& item : items) joined += (joined.empty() ? "" : ", ") + item;
  return joined;
}

bool Mentions(std::string_view text, std::string_view word) {
  return text.find(word) != std::string_view::npos;
}

// How the secret that an unknown flag seems to carry is given instead; empty when the flag does
// not look like one. A secret setting of the table has no flag on purpose.
std::string SecretAdvice(const std::string& flag) {
  std::string key = flag.substr(flag.find_first_not_of('-'));
  std::replace(key.begin(), key.end(), '-', '_');
  if (const auto* spec = FindSetting(key); spec != nullptr && spec->secret) {
    const auto* file = FindSetting(key + "_file");
    return "secrets are never taken as flags (they would show in `ps` and in shell history): use " +
           (file != nullptr ? std::string(file->key) + " or " : std::string()) +
           std::string(spec->env);
  }
  for (const char* word : {"secret", "password", "passwd", "token", "key", "header"}) {
    if (Mentions(key, word)) {
      return "secrets are never taken as flags (they would show in `ps` and in shell history): "
             "put them in a file (client_secret_file, certificate_password_file) or an "
             "AUDITSYNC_... environment variable";
    }
  }
  return {};
}

// The errors whose CLI11 message names options and counts only, never an argument's value.
bool NamesOptionsOnly(const CLI::ParseError& error) {
  return dynamic_cast<const CLI::RequiredError*>(&error) != nullptr ||
         dynamic_cast<const CLI::ArgumentMismatch*>(&error) != nullptr ||
         dynamic_cast<const CLI::RequiresError*>(&error) != nullptr ||
         dynamic_cast<const CLI::ExcludesError*>(&error) != nullptr;
}

// The values a set check accepts, from CLI11's "... not in {day,week,month}": "day, week, month".
std::string AcceptedValues(const std::string& what) {
  const auto open = what.find(" not in {");
  const auto close = what.rfind('}');
  if (open == std::string::npos || close == std::string::npos || close < open) return {};
  std::string values = what.substr(open + 9, close - open - 9);
  std::string spaced;
  for (const char c : values) {
    spaced += c;
    if (c == ',') spaced += ' ';
  }
  return spaced;
}

}  // namespace

std::string DescribeUsageError(const CLI::App& app, const CLI::ParseError& error,
                               const std::vector<std::string>& args) {
  constexpr std::string_view kMore = " Run with --help for more information.";
  if (NamesOptionsOnly(error)) return error.what() + std::string(".") + std::string(kMore);
  const auto flags = Flags(args);
  std::vector<std::string> unknown;
  std::vector<std::string> advice;
  for (const auto& flag : flags) {
    if (Known(app, flag)) continue;
    unknown.push_back(flag);
    if (auto secret = SecretAdvice(flag);
        !secret.empty() && std::find(advice.begin(), advice.end(), secret) == advice.end()) {
      advice.push_back(std::move(secret));
    }
  }
  std::string message;
  if (!unknown.empty()) {
    message = (unknown.size() == 1 ? "unknown option " : "unknown options ") + Join(unknown);
    for (const auto& text : advice) message += "; " + text;
    message += ". The values on the command line are not repeated here.";
  } else if (dynamic_cast<const CLI::ExtrasError*>(&error) != nullptr) {
    message =
        "the command line has arguments that were not expected (not repeated here: one might be a "
        "secret). A command's own options go after its name, settings flags before or after it.";
  } else {
    // A value that did not convert or validate: name the option it belongs to (CLI11 puts it
    // first: "--by: ...", "name: ...") and the values it accepts, never the value given.
    std::vector<std::string> named;
    for (const auto& flag : flags) {
      if (Mentions(error.what(), flag)) named.push_back(flag);
    }
    const std::string what = error.what();
    const auto colon = what.find(':');
    const std::string subject = !named.empty()               ? Join(named)
                                : colon != std::string::npos ? "`" + what.substr(0, colon) + "`"
                                                             : "";
    message = subject.empty() ? "a value on the command line is not valid"
                              : "the value of " + subject + " is not valid";
    if (const auto allowed = AcceptedValues(what); !allowed.empty()) {
      message += "; it must be one of " + allowed;
    }
    message += " (the value given is not repeated here: it might be a secret).";
  }
  return message + std::string(kMore);
}

}  // namespace auditsync
