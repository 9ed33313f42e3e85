// Starting and stopping a child program (the emulator, for the demo and the tests).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace auditsync {

class Subprocess {
 public:
  // Starts `argv[0]` with arguments. stdout goes to `stdout_path` and stderr to `stderr_path`
  // (to stdout_path when empty; both inherited when stdout_path is empty too).
  // `extra_environment` ("NAME=value") overrides this process's environment.
  Subprocess(const std::vector<std::string>& argv, const std::string& stdout_path,
             const std::string& stderr_path = "",
             const std::vector<std::string>& extra_environment = {});
  ~Subprocess();  // terminates the child if it still runs
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  pid_t Pid() const { return pid_; }
  void Signal(int signal_number);
  // Waits for the exit; returns the exit code (128 + signal when killed), or nullopt on timeout.
  std::optional<int> Wait(std::chrono::milliseconds timeout);
  // SIGTERM, then SIGKILL if it has not ended within `grace`.
  int Terminate(std::chrono::milliseconds grace = std::chrono::seconds(5));

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
};

// The directory of the running executable (to find auditsync-emulator beside auditsync).
std::string ExecutableDirectory();

// Waits until `path` exists and is non-empty; returns its content, or nullopt on timeout.
std::optional<std::string> WaitForFile(const std::string& path, std::chrono::milliseconds timeout);

}  // namespace auditsync
