#include "record/blob_reader.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace auditsync {
namespace {

constexpr bool IsSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

// The first quote or backslash in data[from, size), or size: where a string may end. Strings are
// most of a record's bytes, and this search was a third of a blob's CPU done byte by byte; SSE2
// (every x86-64) looks at 16 bytes at a time.
size_t NextQuoteOrBackslash(const char* data, size_t from, size_t size) {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  for (; from + 16 <= size; from += 16) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + from));
    const int found = _mm_movemask_epi8(
        _mm_or_si128(_mm_cmpeq_epi8(bytes, quote), _mm_cmpeq_epi8(bytes, backslash)));
    if (found != 0) return from + static_cast<size_t>(__builtin_ctz(static_cast<unsigned>(found)));
  }
#endif
  while (from < size && data[from] != '"' && data[from] != '\\') ++from;
  return from;
}

}  // namespace

BlobReader::BlobReader(std::vector<std::string> operations) : operations_(std::move(operations)) {}

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
  string_start_ = 0;
  wanted_ = false;
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
          wanted_ = false;
          string_start_ = 1;
          state_ = (depth_ > 0 || in_string_) ? State::kInValue : State::kScalar;
          ++i;
        }
        break;
      case State::kInValue:
        if (in_string_) {
          if (escaped_) {
            escaped_ = false;
            ++i;
            break;
          }
          i = NextQuoteOrBackslash(data, i, size);
          if (i == size) break;
          if (data[i] == '\\') {
            escaped_ = true;
          } else {
            in_string_ = false;
            if (!wanted_) {
              const size_t start = value_start_ + string_start_;
              wanted_ = IsWanted(std::string_view(data + start, i - start));
            }
            if (depth_ == 0) EndValue(i + 1);
          }
          ++i;
          break;
        }
        if (c == '"') {
          in_string_ = true;
          string_start_ = i + 1 - value_start_;
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

bool BlobReader::IsWanted(std::string_view text) const {
  for (const auto& operation : operations_) {
    if (text.size() == operation.size() &&
        std::memcmp(text.data(), operation.data(), text.size()) == 0) {
      return true;
    }
  }
  return false;
}

void BlobReader::Process(std::string_view value) {
  // A value that is not an object is no record of any operation: nothing to keep. One that has no
  // string equal to a wanted operation's name is a record of another operation.
  if (value.front() != '{' || !wanted_) return;
  // The name may have been elsewhere in a record of another operation: the parser drops it.
  parser_.ParseManagementRecord(value, operations_, page_);
}

}  // namespace auditsync
