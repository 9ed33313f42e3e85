// The one error policy of auditsync (STYLE.md habit 7): failures that cross a module boundary are
// exceptions of this small hierarchy, and `main` maps each kind to a documented exit code.
// Failure that is data (one bad record) is a value, counted and quarantined, never an exception.
#pragma once

#include <stdexcept>
#include <string>

namespace auditsync {

// Process exit codes, documented in docs/cli.md. Distinct per cause, so that schedulers and
// scripts can tell a typo in the configuration from a tenant that refused the sign-in.
enum class ExitCode : int {
  kSuccess = 0,
  kInternal = 1,        // a bug or an unexpected failure
  kUsage = 2,           // bad command line
  kConfiguration = 3,   // missing or inconsistent setting, unreadable file
  kAuthentication = 4,  // Entra refused the sign-in, or Graph refused the token's permissions
  kPartial = 5,         // some windows could not be collected; what was stored is kept
  kService = 6,         // the service or the network failed after all retries
  kStorage = 7,         // the database could not be opened or written
  kLocked = 8,          // another auditsync is syncing the same database
  kInterrupted = 130,   // stopped by SIGINT or SIGTERM (128 + SIGINT, the shell's convention)
};

// Base of every auditsync error. `what()` is a complete sentence for the user: the cause and,
// where there is one, the fix.
class Error : public std::runtime_error {
 public:
  Error(ExitCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ExitCode Code() const { return code_; }

 private:
  ExitCode code_;
};

class ConfigError : public Error {
 public:
  explicit ConfigError(const std::string& message) : Error(ExitCode::kConfiguration, message) {}
};

// A command line that cannot mean anything: a flag's value malformed, or flags that contradict
// each other. (CLI11 reports unknown commands and flags with the same exit code.)
class UsageError : public Error {
 public:
  explicit UsageError(const std::string& message) : Error(ExitCode::kUsage, message) {}
};

class StorageError : public Error {
 public:
  explicit StorageError(const std::string& message) : Error(ExitCode::kStorage, message) {}
};

// A failed call to a remote service, after retries. Carries what a support case needs.
class ServiceError : public Error {
 public:
  struct Details {
    long http_status = 0;      // 0 when no response was received
    std::string service_code;  // Graph `error.code`, Entra `error`, or curl's error name
    std::string request_id;    // Graph `request-id`, Entra trace id
    std::string url;           // without query string
  };
  ServiceError(ExitCode code, const std::string& message, Details details)
      : Error(code, message), details_(std::move(details)) {}
  ServiceError(const std::string& message, Details details)
      : ServiceError(ExitCode::kService, message, std::move(details)) {}
  const Details& GetDetails() const { return details_; }

 private:
  Details details_;
};

class AuthError : public ServiceError {
 public:
  AuthError(const std::string& message, Details details)
      : ServiceError(ExitCode::kAuthentication, message, std::move(details)) {}
};

}  // namespace auditsync
