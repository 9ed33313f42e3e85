// Reads a content blob of the Office 365 Management Activity API (microsoft-apis.md §5.3): a JSON
// array of audit records of every Audit.General workload, of which Power Apps records are a small
// part. The blob is read as it arrives, piece by piece: the text of one record at a time is held,
// plus the records parsed and not yet taken, so memory does not grow with the blob's size.
//
// Only the records of the wanted operations are parsed (by RecordParser::ParseManagementRecord);
// the others are recognised as not wanted by a byte search for the quoted operation name, which
// every record of that operation contains, and skipped unparsed. A record that contains the name
// but turns out to be of another operation is dropped after parsing.
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
  bool Wanted(std::string_view value) const;

  RecordParser parser_;
  std::vector<std::string> operations_;
  std::vector<std::string> quoted_operations_;  // "\"LaunchPowerApp\"": what the byte search finds
  RecordPage page_;
  int64_t records_read_ = 0;

  State state_ = State::kStart;
  std::string pending_;     // bytes from the start of the value being read (or unscanned)
  size_t scan_ = 0;         // next byte of pending_ to scan
  size_t value_start_ = 0;  // where the value being read starts in pending_
  int depth_ = 0;           // brackets open in that value
  bool in_string_ = false;
  bool escaped_ = false;  // the previous byte was a backslash inside a string
};

}  // namespace auditsync
