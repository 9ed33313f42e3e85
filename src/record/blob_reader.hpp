// Reads a content blob of the Office 365 Management Activity API (microsoft-apis.md §5.3): a JSON
// array of audit records of every Audit.General workload, of which Power Apps records are a small
// part. The blob is read as it arrives, piece by piece: the text of one record at a time is held,
// plus the records parsed and not yet taken, so memory does not grow with the blob's size.
//
// Only the records of the wanted operations are parsed (by RecordParser::ParseManagementRecord):
// the scanner that finds where each record ends also compares each string it passes with the
// wanted operations' names, and a record with none of them (a record of that operation has one:
// its Operation) is skipped unparsed. A record that has the name elsewhere but turns out to be of
// another operation is dropped after parsing. (Names are compared as written: the service writes
// operation names without JSON escapes.)
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "record/record_parser.hpp"

namespace auditsync {

class BlobReader {
 public:
  explicit BlobReader(std::vector<std::string> operations);

  // Starts the blob again (a new attempt to download it): the partial record, the position in
  // the array and the records not yet taken are forgotten. Records already taken stay taken;
  // they are stored idempotently, on their id.
  void Restart();
  // The next bytes of the blob. False when they cannot belong to a JSON array (a garbled body);
  // the reader then stays failed until Restart.
  bool Append(std::string_view bytes);
  // Whether the whole array has been read (its closing bracket, then only white space).
  bool Complete() const;

  // The records (and quarantined records) parsed since the last Take.
  RecordPage Take();
  // How many records and quarantined records wait to be taken.
  size_t Waiting() const { return page_.records.size() + page_.quarantined.size(); }
  // Records of the array read so far in this attempt, of every operation.
  int64_t RecordsRead() const { return records_read_; }

 private:
  enum class State {
    kStart,
    kFirstElement,
    kElement,
    kInValue,
    kScalar,
    kAfterElement,
    kDone,
    kFailed
  };
  // Scans pending_ from scan_, completing the records that end in it.
  void Scan();
  void EndValue(size_t end);
  void Process(std::string_view value);
  // Whether a string's text is the name of a wanted operation.
  bool IsWanted(std::string_view text) const;

  RecordParser parser_;
  std::vector<std::string> operations_;
  RecordPage page_;
  int64_t records_read_ = 0;

  State state_ = State::kStart;
  std::string pending_;     // bytes from the start of the value being read (or unscanned)
  size_t scan_ = 0;         // next byte of pending_ to scan
  size_t value_start_ = 0;  // where the value being read starts in pending_
  int depth_ = 0;           // brackets open in that value
  bool in_string_ = false;
  bool escaped_ = false;     // the previous byte was a backslash inside a string
  size_t string_start_ = 0;  // where the string being read starts, from value_start_
  bool wanted_ = false;      // the value has a string that names a wanted operation
};

}  // namespace auditsync
