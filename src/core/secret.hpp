// A secret value (client secret, password, token) that cannot be printed, formatted or logged by
// accident, and the one rule by which secret text is read.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>

namespace auditsync {

// Overwrites every byte of `text`'s buffer, then empties it: for strings that held a secret (a
// token request body, a Key Vault reply) before they are freed or reused.
void WipeString(std::string& text);

class Secret {
 public:
  Secret() = default;
  explicit Secret(const std::string& value) : value_(value) {}
  explicit Secret(const char* value) : value_(value) {}
  // Takes the bytes and wipes the string they came from: a short string keeps its bytes inside
  // the string object (the small-string buffer), where a plain move would leave a copy behind.
  explicit Secret(std::string&& value) : value_(std::move(value)) { WipeString(value); }
  Secret(const Secret&) = default;
  Secret& operator=(const Secret& other) {
    if (this != &other) {
      WipeString(value_);
      value_ = other.value_;
    }
    return *this;
  }
  // Moves wipe the moved-from buffer, for the same reason.
  Secret(Secret&& other) noexcept : value_(std::move(other.value_)) { WipeString(other.value_); }
  Secret& operator=(Secret&& other) noexcept {
    if (this != &other) {
      WipeString(value_);
      value_ = std::move(other.value_);
      WipeString(other.value_);
    }
    return *this;
  }
  // Overwrites the bytes so that a freed buffer does not keep the secret around.
  ~Secret() { WipeString(value_); }

  bool Empty() const { return value_.empty(); }
  // Empty or only whitespace: nothing anyone meant to give as a secret.
  bool Blank() const;

  // The only way out. Every call site is worth a look in review: the value may go into a token
  // request body, never into a log line, an error message or a command line.
  const std::string& Reveal() const { return value_; }

 private:
  std::string value_;
};

// The one rule for secret text, wherever it comes from (a file, standard input, a setting): the
// line ends at its end (CR and LF, which editors and `echo` add) are dropped, and nothing else is:
// spaces and tabs may belong to a password. `text` is wiped.
Secret SecretFromText(std::string&& text);
// The content of the file at `path` by that rule; nullopt when it cannot be read.
std::optional<Secret> SecretFromFile(const std::string& path);
// What is left of `in` (standard input) by that rule.
Secret SecretFromStream(std::istream& in);

}  // namespace auditsync
