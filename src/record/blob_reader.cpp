#include "record/blob_reader.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

namespace auditsync {
namespace {

constexpr bool IsSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

}  // namespace

BlobReader::BlobReader(std::vector<std::string> operations) : operations_(std::move(operations)) {
  for (const auto& operation : operations_) quoted_operations_.push_back('"' + operation + '"');
}

void BlobReader::Restart() {
  page_ = RecordPage{};
  records_read_ = 0;
  state_ = State::kStart;
  pending_.clear();
  scan_ = 0;
  value_start_ = 0;
  depth_ = 0;
  in_string_ = false;
  escaped_ = false;
}

bool BlobReader::Append(std::string_view bytes) {
  if (state_ == State::kFailed) return false;
  pending_.append(bytes);
  Scan();
  if (state_ == State::kInValue || state_ == State::kScalar) {
    // Only the value being read is kept: one record's bytes, whatever the blob's size.
    pending_.erase(0, value_start_);
    scan_ -= value_start_;
    value_start_ = 0;
  } else {
    pending_.clear();
    scan_ = 0;
  }
  return state_ != State::kFailed;
}

bool BlobReader::Complete() const { return state_ == State::kDone; }

RecordPage BlobReader::Take() { return std::exchange(page_, RecordPage{}); }

void BlobReader::Scan() {
  const char* data = pending_.data();
  const size_t size = pending_.size();
  size_t i = scan_;
  while (i < size && state_ != State::kFailed) {
    const char c = data[i];
    switch (state_) {
      case State::kStart:
        if (c == '[') {
          state_ = State::kFirstElement;
        } else if (!IsSpace(c)) {
          state_ = State::kFailed;
        }
        ++i;
        break;
      case State::kFirstElement:
      case State::kElement:
        if (IsSpace(c)) {
          ++i;
        } else if (c == ']' && state_ == State::kFirstElement) {
          state_ = State::kDone;
          ++i;
        } else if (c == ']' || c == ',') {
          state_ = State::kFailed;
        } else {
          value_start_ = i;
          depth_ = (c == '{' || c == '[') ? 1 : 0;
          in_string_ = c == '"';
          escaped_ = false;
          state_ = (depth_ > 0 || in_string_) ? State::kInValue : State::kScalar;
          ++i;
        }
        break;
      case State::kInValue:
        if (in_string_) {
          // Strings are most of a record's bytes: skip to the next quote or backslash.
          if (escaped_) {
            escaped_ = false;
            ++i;
            break;
          }
          while (i < size && data[i] != '"' && data[i] != '\\') ++i;
          if (i == size) break;
          if (data[i] == '\\') {
            escaped_ = true;
          } else {
            in_string_ = false;
            if (depth_ == 0) EndValue(i + 1);
          }
          ++i;
          break;
        }
        if (c == '"') {
          in_string_ = true;
        } else if (c == '{' || c == '[') {
          ++depth_;
        } else if ((c == '}' || c == ']') && --depth_ == 0) {
          EndValue(i + 1);
        }
        ++i;
        break;
      case State::kScalar:
        if (c == ',' || c == ']' || IsSpace(c)) {
          EndValue(i);  // the delimiter is read again as what follows the value
        } else {
          ++i;
        }
        break;
      case State::kAfterElement:
        if (c == ',') {
          state_ = State::kElement;
        } else if (c == ']') {
          state_ = State::kDone;
        } else if (!IsSpace(c)) {
          state_ = State::kFailed;
        }
        ++i;
        break;
      case State::kDone:
        if (!IsSpace(c)) state_ = State::kFailed;
        ++i;
        break;
      case State::kFailed:
        break;
    }
  }
  scan_ = i;
}

void BlobReader::EndValue(size_t end) {
  ++records_read_;
  Process(std::string_view(pending_).substr(value_start_, end - value_start_));
  state_ = State::kAfterElement;
}

bool BlobReader::Wanted(std::string_view value) const {
  return std::any_of(
      quoted_operations_.begin(), quoted_operations_.end(), [value](const std::string& quoted) {
        return memmem(value.data(), value.size(), quoted.data(), quoted.size()) != nullptr;
      });
}

void BlobReader::Process(std::string_view value) {
  // A value that is not an object is no record of any operation: nothing to keep.
  if (value.front() != '{' || !Wanted(value)) return;
  const size_t before = page_.records.size();
  parser_.ParseManagementRecord(value, page_);
  if (page_.records.size() > before &&
      std::find(operations_.begin(), operations_.end(), page_.records.back().operation) ==
          operations_.end()) {
    page_.records.pop_back();  // the name was elsewhere in a record of another operation
  }
}

}  // namespace auditsync
