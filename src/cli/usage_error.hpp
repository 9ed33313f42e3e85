// What `auditsync` says about a command line it cannot parse. CLI11's own messages repeat the
// arguments they did not expect, values included, so a secret typed after a mistyped flag would
// be echoed to the terminal and to logs that capture stderr. These messages name flags only.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace auditsync {

// One sentence (or a few) for `error`, which parsing `args` (argv without the program name)
// against `app` threw. Names the flags involved, never a value or any other argument; a flag that
// names a secret says how secrets are given instead.
std::string DescribeUsageError(const CLI::App& app, const CLI::ParseError& error,
                               const std::vector<std::string>& args);

}  // namespace auditsync
