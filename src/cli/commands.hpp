// One function per command adds its subcommand and options to the CLI and sets the action that
// runs it (STYLE.md habit 10). Actions return the process exit code.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

#include "cli/settings_flags.hpp"
#include "core/error.hpp"
#include "core/time.hpp"

namespace auditsync {

using CommandAction = std::function<ExitCode()>;

void SetupSyncCommand(CLI::App& app, GlobalFlags& flags, CommandAction& action);
void SetupReportCommand(CLI::App& app, GlobalFlags& flags, CommandAction& action);
void SetupDemoCommand(CLI::App& app, GlobalFlags& flags, CommandAction& action);
void SetupStatusCommand(CLI::App& app, GlobalFlags& flags, CommandAction& action);
void SetupRunCommand(CLI::App& app, GlobalFlags& flags, CommandAction& action);
void SetupCheckCommand(CLI::App& app, GlobalFlags& flags, CommandAction& action);
void SetupSubscriptionCommand(CLI::App& app, GlobalFlags& flags, CommandAction& action);
void SetupImportCommand(CLI::App& app, GlobalFlags& flags, CommandAction& action);
void SetupBackupCommand(CLI::App& app, GlobalFlags& flags, CommandAction& action);
// The kinds of `import`, added to its subcommand.
void SetupImportAppsCommand(CLI::App& import, GlobalFlags& flags, CommandAction& action);
void SetupImportPurviewCommand(CLI::App& import, GlobalFlags& flags, CommandAction& action);

// The time a command runs as: now, or AUDITSYNC_TEST_NOW (ISO 8601), which lets tests run
// scheduled syncs over simulated days against an emulator whose clock they also set.
// Read once, so that every part of a command (a report's window and its heading) agrees.
Instant CommandNow();
// The time as it passes during a long command (a sync, `run` for days): the clock, or
// AUDITSYNC_TEST_NOW advanced by the time since the command first asked.
Instant RunningNow();

// Parses a --from/--to value (ISO 8601 or relative like -7d). Throws UsageError.
Instant ParseTimeFlag(const std::string& flag, const std::string& value, Instant now);

}  // namespace auditsync
