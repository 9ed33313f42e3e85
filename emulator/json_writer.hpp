// A minimal streaming JSON writer for the one hot path of the emulator: rendering pages of up to
// a thousand audit records. nlohmann-json builds every other document; building each record as
// a nlohmann tree would cost several times more than appending to one string.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace emulator {

// Appends `text` as a JSON string literal (with quotes). UTF-8 passes through unchanged.
void AppendJsonString(std::string& out, std::string_view text);

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  void BeginObject() { Open('{'); }
  void EndObject() { Close('}'); }
  void BeginArray() { Open('['); }
  void EndArray() { Close(']'); }

  // Object member name; the value call that follows needs no separator.
  void Key(std::string_view name) {
    Separate();
    AppendJsonString(out_, name);
    out_ += ':';
    after_key_ = true;
  }
  void String(std::string_view value) {
    Separate();
    AppendJsonString(out_, value);
  }
  void Int(std::int64_t value) {
    Separate();
    out_ += std::to_string(value);
  }
  void Bool(bool value) {
    Separate();
    out_ += value ? "true" : "false";
  }
  void Null() {
    Separate();
    out_ += "null";
  }
  // Key plus value in one call, the common case.
  void Member(std::string_view name, std::string_view value) {
    Key(name);
    String(value);
  }
  void MemberInt(std::string_view name, std::int64_t value) {
    Key(name);
    Int(value);
  }

 private:
  void Separate() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (!first_.empty()) {
      if (!first_.back()) out_ += ',';
      first_.back() = false;
    }
  }
  void Open(char bracket) {
    Separate();
    out_ += bracket;
    first_.push_back(true);
  }
  void Close(char bracket) {
    out_ += bracket;
    first_.pop_back();
  }

  std::string& out_;
  std::vector<bool> first_;
  bool after_key_ = false;
};

}  // namespace emulator
