// The error codes of the Office 365 Management Activity API (microsoft-apis.md §5.6), each with
// what it means for auditsync and the fix, so that every failure names its cause and remedy.
// Error bodies are {"error":{"code":"AF...","message":"..."}}; decisions are made on the code,
// never on the message, and AF429 is throttling whatever the HTTP status it comes with.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace auditsync {

struct AfError {
  std::string_view code;
  std::string_view meaning;  // the cause, as a clause
  std::string_view fix;      // a sentence
  ExitCode exit;             // what a failure for this reason exits with
};

// Every documented code.
std::span<const AfError> AfErrors();
const AfError* FindAfError(std::string_view code);

// The code and message of an error body; nullopt when the body is not one.
struct AfErrorBody {
  std::string code;
  std::string message;
};
std::optional<AfErrorBody> ParseAfErrorBody(std::string_view body);

// Whether an answer means "too many requests": 429, or AF429 in the body (which the API sends
// with HTTP 403).
bool IsAfThrottling(long status, std::string_view body);

}  // namespace auditsync
