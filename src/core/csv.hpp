// Reading CSV files that people export from admin centers and spreadsheets (RFC 4180): fields
// separated by a delimiter, quoted fields that may hold the delimiter, doubled quotes and line
// breaks, CRLF or LF line ends, and the UTF-8 byte order mark that Excel writes. Records carry
// the line they start on, so that a reader can name the line of a bad row.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace auditsync {

// `text` without a leading UTF-8 byte order mark.
std::string_view StripUtf8Bom(std::string_view text);

// The delimiter of a file whose first line (the header) is `text`: the most frequent of ',', ';'
// and tab outside quotes, comma when none occurs. Excel saves "CSV" with semicolons where the
// decimal separator is a comma, so a header tells which one a file uses.
char DetectCsvDelimiter(std::string_view text);

struct CsvRecord {
  size_t line = 0;  // 1-based line of the record's first character
  std::vector<std::string> fields;
  // Why the record could not be read (a quote never closed, text after a closing quote); its
  // fields are then incomplete.
  std::string error;
};

// A header name as readers match it: lowercase ASCII letters and digits only, so that "App ID",
// "AppId" and "app_id" are one name.
std::string NormaliseCsvHeader(std::string_view name);

// A line with nothing but white space (CsvReader gives it as one empty field).
bool IsBlankCsvRecord(const CsvRecord& record);

class CsvReader {
 public:
  // `text` must outlive the reader.
  CsvReader(std::string_view text, char delimiter);

  // The next record, or nullopt at the end. A blank line is a record with one empty field. After
  // a quote that is never closed, the rest of the text is that record's (with an error) and the
  // reading ends.
  std::optional<CsvRecord> Next();
  // Bytes of the text read so far: where the next record starts.
  size_t Position() const { return pos_; }

 private:
  std::string_view text_;
  size_t pos_ = 0;
  size_t line_ = 1;
  char delimiter_;
};

}  // namespace auditsync
