// A secret value (client secret) that cannot be printed, formatted or logged by accident.
#pragma once

#include <string>
#include <utility>

namespace auditsync {

class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  Secret(const Secret&) = default;
  Secret& operator=(const Secret&) = default;
  Secret(Secret&&) noexcept = default;
  Secret& operator=(Secret&&) noexcept = default;
  // Overwrites the bytes so that a freed buffer does not keep the secret around.
  ~Secret() { Wipe(); }

  bool Empty() const { return value_.empty(); }

  // The only way out. Every call site is worth a look in review: the value may go into a token
  // request body, never into a log line, an error message or a command line.
  const std::string& Reveal() const { return value_; }

  // What a log or an error may show.
  static constexpr const char* kRedacted = "[redacted]";

 private:
  void Wipe() {
    volatile char* p = value_.data();
    for (size_t i = 0; i < value_.size(); ++i) p[i] = 0;
  }
  std::string value_;
};

}  // namespace auditsync
