// What the kinds of `auditsync import KIND FILE` share: the subcommand with its FILE, the
// configuration without credentials, the database lock (an import never runs beside a collector:
// both write the store), and the log of the rows that could not be read.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "cli/commands.hpp"
#include "core/config.hpp"

namespace auditsync {

// Loads `file` into the database of `config`, whose lock is held. Returns the exit code.
using ImportRun = std::function<ExitCode(const Config& config, const std::string& file)>;

// Adds `import KIND FILE` to `import`; its action runs `run`.
void AddImportKind(CLI::App& import, GlobalFlags& flags, CommandAction& action,
                   const std::string& kind, const std::string& description,
                   const std::string& file_help, ImportRun run);

// Logs the rows of a file that were not imported, each with where it is and why (never its
// content); after the first hundred only their number, so that they do not bury the summary.
class ProblemLog {
 public:
  explicit ProblemLog(std::string file) : file_(std::move(file)) {}
  void Add(std::string_view where, std::string_view reason);
  // Logs how many were not shown, if any.
  void Finish() const;

 private:
  std::string file_;
  size_t count_ = 0;
};

}  // namespace auditsync
