#include "core/csv.hpp"

#include <array>

#include "core/text.hpp"

namespace auditsync {

std::string_view StripUtf8Bom(std::string_view text) {
  constexpr std::string_view kBom = "\xEF\xBB\xBF";
  return text.starts_with(kBom) ? text.substr(kBom.size()) : text;
}

char DetectCsvDelimiter(std::string_view text) {
  constexpr std::array<char, 3> kCandidates = {',', ';', '\t'};
  std::array<size_t, 3> counts{};
  bool quoted = false;
  for (const char c : text) {
    if (c == '"') quoted = !quoted;  // a doubled quote toggles twice: no change
    if (quoted) continue;
    if (c == '\n' || c == '\r') break;
    for (size_t i = 0; i < kCandidates.size(); ++i) counts[i] += c == kCandidates[i] ? 1 : 0;
  }
  size_t best = 0;
  for (size_t i = 1; i < kCandidates.size(); ++i) {
    if (counts[i] > counts[best]) best = i;
  }
  return kCandidates[best];
}

std::string NormaliseCsvHeader(std::string_view name) {
  std::string normalised;
  for (const char c : name) {
    const char lower = AsciiLower(c);
    if ((lower >= 'a' && lower <= 'z') || (lower >= '0' && lower <= '9')) normalised += lower;
  }
  return normalised;
}

bool IsBlankCsvRecord(const CsvRecord& record) {
  return record.error.empty() && record.fields.size() == 1 && Trim(record.fields[0]).empty();
}

CsvReader::CsvReader(std::string_view text, char delimiter) : text_(text), delimiter_(delimiter) {}

std::optional<CsvRecord> CsvReader::Next() {
  if (pos_ >= text_.size()) return std::nullopt;
  CsvRecord record;
  record.line = line_;
  // Consumes a line end at pos_ (CRLF, LF or a lone CR); false when there is none.
  auto end_of_line = [this] {
    if (pos_ >= text_.size()) return false;
    if (text_[pos_] == '\r') {
      ++pos_;
      if (pos_ < text_.size() && text_[pos_] == '\n') ++pos_;
    } else if (text_[pos_] == '\n') {
      ++pos_;
    } else {
      return false;
    }
    ++line_;
    return true;
  };
  for (;;) {
    std::string& field = record.fields.emplace_back();
    if (pos_ < text_.size() && text_[pos_] == '"') {
      const size_t opened_on = line_;
      ++pos_;
      bool closed = false;
      while (pos_ < text_.size()) {
        const char c = text_[pos_++];
        if (c == '"') {
          if (pos_ < text_.size() && text_[pos_] == '"') {
            field += '"';
            ++pos_;
            continue;
          }
          closed = true;
          break;
        }
        if (c == '\n' || (c == '\r' && (pos_ >= text_.size() || text_[pos_] != '\n'))) ++line_;
        field += c;
      }
      if (!closed) {
        record.error = "the quoted field that starts on line " + std::to_string(opened_on) +
                       " is never closed (a missing \")";
        return record;
      }
      if (pos_ < text_.size() && text_[pos_] != delimiter_ && text_[pos_] != '\n' &&
          text_[pos_] != '\r') {
        // "abc"def: the quotes do not enclose the field. Skip to the end of the line so that the
        // next record starts where a reader would expect it.
        record.error = "field " + std::to_string(record.fields.size()) +
                       " has text after its closing quote (a quote inside a quoted field must "
                       "be doubled: \"\")";
        while (pos_ < text_.size() && !end_of_line()) ++pos_;
        return record;
      }
    } else {
      const size_t start = pos_;
      while (pos_ < text_.size() && text_[pos_] != delimiter_ && text_[pos_] != '\n' &&
             text_[pos_] != '\r') {
        ++pos_;
      }
      field.assign(text_.substr(start, pos_ - start));
    }
    if (pos_ < text_.size() && text_[pos_] == delimiter_) {
      ++pos_;
      continue;
    }
    end_of_line();
    return record;
  }
}

}  // namespace auditsync
