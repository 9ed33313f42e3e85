// auditsync: collects Microsoft 365 audit logs of Power Apps into a database and reports usage.
#include <malloc.h>
#include <CLI/CLI.hpp>

#include <iostream>

#include "cli/commands.hpp"
#include "cli/usage_error.hpp"
#include "core/log.hpp"

int main(int argc, char** argv) {
  using auditsync::ExitCode;
  // The Management path's download threads allocate the records that the store's thread frees.
  // With glibc's arena per thread, the freed memory stays scattered over eight arenas and the
  // peak grew with the blob size (measured: 80 MB with blobs of 1,000 records, 108 MB with blobs
  // of 40,000); two arenas keep it flat (80 and 86-91 MB) at no measurable cost in time.
  mallopt(M_ARENA_MAX, 2);
  auditsync::InitLogging("info");
  CLI::App app{
      "auditsync: collects Power Apps audit records from Microsoft 365 (Graph audit log "
      "queries, or the Office 365 Management Activity API) into a database and reports launches "
      "and unique users per app."};
  app.require_subcommand(1);
  app.fallthrough();  // settings flags may follow the command name
  auditsync::GlobalFlags flags;
  auditsync::AddSettingFlags(app, flags);
  auditsync::CommandAction action;
  auditsync::SetupSyncCommand(app, flags, action);
  auditsync::SetupReportCommand(app, flags, action);
  auditsync::SetupRunCommand(app, flags, action);
  auditsync::SetupCheckCommand(app, flags, action);
  auditsync::SetupStatusCommand(app, flags, action);
  auditsync::SetupSubscriptionCommand(app, flags, action);
  auditsync::SetupImportCommand(app, flags, action);
  auditsync::SetupBackupCommand(app, flags, action);
  auditsync::SetupDemoCommand(app, flags, action);
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& help) {  // --help, --help-all
    return app.exit(help);
  } catch (const CLI::ParseError& error) {
    // Not CLI11's message: it repeats the arguments it did not expect, secrets included.
    std::cerr << "auditsync: "
              << auditsync::DescribeUsageError(app, error,
                                               std::vector<std::string>(argv + 1, argv + argc))
              << '\n';
    return static_cast<int>(ExitCode::kUsage);
  }
  try {
    return static_cast<int>(action());
  } catch (const auditsync::Error& error) {
    std::cerr << "auditsync: " << error.what() << '\n';
    return static_cast<int>(error.Code());
  } catch (const std::exception& error) {
    std::cerr << "auditsync: unexpected failure: " << error.what()
              << ". Please report it with the log above.\n";
    return static_cast<int>(ExitCode::kInternal);
  }
}
