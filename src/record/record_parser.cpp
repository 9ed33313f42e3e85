#include "record/record_parser.hpp"

#include <simdjson.h>

#include <algorithm>
#include <functional>

#include "core/text.hpp"
#include "net/http.hpp"

namespace auditsync {
namespace od = simdjson::ondemand;
namespace {

// Reads a string-valued field; null, absent and non-string values give an empty string.
std::string_view StringOf(od::value value) {
  std::string_view text;
  if (value.get_string().get(text) != simdjson::SUCCESS) return {};
  return text;
}

// What the auditData object contributes. The views point into the page parser's string buffer
// (valid for the whole page), except the display names read from AdditionalInfo, which point
// into the AdditionalInfo parser's buffer (valid until it reads the next record).
struct AuditDataFields {
  std::string_view id;
  std::string_view creation_time;
  std::string_view operation;
  int record_type = 0;
  std::string_view workload;
  std::string_view user_id;
  std::string_view app_id;
  std::string_view app_name;
  std::string_view environment_id;
  std::string_view environment_name;
  std::string_view additional_info;  // legacy: JSON inside a string
};

void ReadPropertyCollection(od::array properties, AuditDataFields& fields) {
  for (auto element : properties) {
    od::object property;
    if (element.get_object().get(property) != simdjson::SUCCESS) continue;
    std::string_view name, value;
    for (auto field : property) {
      // Keys are compared as they stand in the document (no unescaping): the two keys of a
      // property are plain ASCII, and this loop runs for every property of every record.
      od::raw_json_string key;
      if (field.key().get(key) != simdjson::SUCCESS) continue;
      if (key == "Name" || key == "name") {
        name = StringOf(field.value());
      } else if (key == "Value" || key == "value") {
        value = StringOf(field.value());
      }
    }
    if (EqualsIgnoreCase(name, "powerplatform.analytics.resource.power_app.id")) {
      fields.app_id = value;
    } else if (EqualsIgnoreCase(name, "powerplatform.analytics.resource.power_app.display_name")) {
      fields.app_name = value;
    } else if (EqualsIgnoreCase(name, "powerplatform.analytics.resource.environment.id")) {
      fields.environment_id = value;
    } else if (EqualsIgnoreCase(name, "powerplatform.analytics.resource.environment.name")) {
      fields.environment_name = value;
    } else if (EqualsIgnoreCase(name, "enduser.principal_name") && fields.user_id.empty()) {
      fields.user_id = value;
    }
  }
}

// Reads the fields of an auditData object where it stands in the page document. Returns false
// when the document is broken there.
bool ReadAuditData(od::object object, AuditDataFields& fields) {
  std::string_view top_level_environment;
  std::string_view legacy_environment;
  for (auto field : object) {
    od::raw_json_string key;  // compared unescaped-free: auditData keys are plain ASCII
    if (field.key().get(key) != simdjson::SUCCESS) return false;
    od::value value;
    if (field.value().get(value) != simdjson::SUCCESS) return false;
    if (key == "Id") {
      fields.id = StringOf(value);
    } else if (key == "CreationTime") {
      fields.creation_time = StringOf(value);
    } else if (key == "Operation") {
      fields.operation = StringOf(value);
    } else if (key == "RecordType") {
      int64_t type = 0;
      if (value.get_int64().get(type) == simdjson::SUCCESS) fields.record_type = int(type);
    } else if (key == "Workload") {
      fields.workload = StringOf(value);
    } else if (key == "UserId") {
      fields.user_id = StringOf(value);
    } else if (key == "EnvironmentId") {
      top_level_environment = StringOf(value);
    } else if (key == "PropertyCollection") {
      od::array properties;
      if (value.get_array().get(properties) == simdjson::SUCCESS) {
        ReadPropertyCollection(properties, fields);
      }
    } else if (key == "AppName") {
      if (fields.app_id.empty()) fields.app_id = StringOf(value);
    } else if (key == "AppDisplayName") {
      if (fields.app_name.empty()) fields.app_name = StringOf(value);
    } else if (key == "EnvironmentName") {
      legacy_environment = StringOf(value);
    } else if (key == "AdditionalInfo") {
      od::json_type type = od::json_type::null;
      if (value.type().get(type) == simdjson::SUCCESS && type == od::json_type::string) {
        fields.additional_info = StringOf(value);
      } else if (type == od::json_type::object) {
        od::object info;
        std::string_view raw;
        if (value.get_object().get(info) == simdjson::SUCCESS &&
            info.raw_json().get(raw) == simdjson::SUCCESS) {
          fields.additional_info = raw;
        }
      }
    }
  }
  if (fields.environment_id.empty()) {
    fields.environment_id =
        !top_level_environment.empty() ? top_level_environment : legacy_environment;
  }
  return true;
}

// Legacy records carry display names in AdditionalInfo, a JSON document inside a string.
void ReadAdditionalInfo(od::parser& parser, AuditDataFields& fields) {
  if (fields.additional_info.empty()) return;
  const simdjson::padded_string info(fields.additional_info);
  od::document doc;
  od::object object;
  if (parser.iterate(info).get(doc) != simdjson::SUCCESS ||
      doc.get_object().get(object) != simdjson::SUCCESS) {
    return;  // not JSON: it is free text, which holds nothing we need
  }
  for (auto field : object) {
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) return;
    if (fields.app_name.empty() &&
        (EqualsIgnoreCase(key, "appDisplayName") || EqualsIgnoreCase(key, "AppName"))) {
      fields.app_name = StringOf(field.value());
    } else if (fields.environment_name.empty() &&
               (EqualsIgnoreCase(key, "environmentDisplayName") ||
                EqualsIgnoreCase(key, "environmentName"))) {
      fields.environment_name = StringOf(field.value());
    }
  }
}

// Length of the valid UTF-8 sequence at text[i], or 0 when the bytes there are not valid UTF-8
// (stray continuation, overlong form, surrogate, beyond U+10FFFF, or cut short).
size_t Utf8SequenceLength(std::string_view text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[i + k]); };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return 1;
  size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;  // allowed range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (i + length > text.size() || byte(1) < low || byte(1) > high) return 0;
  for (size_t k = 2; k < length; ++k) {
    if ((byte(k) & 0xC0) != 0x80) return 0;
  }
  return length;
}

// The text with each invalid UTF-8 byte replaced by U+FFFD.
std::string ReplaceInvalidUtf8(std::string_view text) {
  std::string repaired;
  repaired.reserve(text.size() + 64);
  for (size_t i = 0; i < text.size();) {
    const size_t length = Utf8SequenceLength(text, i);
    if (length == 0) {
      repaired += "\xEF\xBF\xBD";
      ++i;
    } else {
      repaired.append(text.substr(i, length));
      i += length;
    }
  }
  return repaired;
}

}  // namespace

std::string NormalizeAppId(std::string_view value) {
  while (!value.empty() && (value.back() == '/' || value.back() == ' ')) value.remove_suffix(1);
  const auto slash = value.rfind('/');
  if (slash != std::string_view::npos) value.remove_prefix(slash + 1);
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  return Lowercase(value);
}

struct RecordParser::Parsers {
  od::parser page;
  od::parser additional_info;
  od::parser record;          // one Management Activity API record at a time
  std::string padded_record;  // its text, with simdjson's padding after it
};

RecordParser::RecordParser() : parsers_(std::make_unique<Parsers>()) {}
RecordParser::~RecordParser() = default;

namespace {

// The end of the JSON value that starts at `start` (an object, array or scalar), found by
// matching brackets outside strings. Only used to keep the text of a record being quarantined.
std::string_view ValueText(const char* start, const char* buffer_end) {
  int depth = 0;
  bool in_string = false;
  for (const char* p = start; p < buffer_end && *p != '\0'; ++p) {
    const char c = *p;
    if (in_string) {
      if (c == '\\') {
        ++p;
      } else if (c == '"') {
        in_string = false;
        if (depth == 0) return {start, static_cast<size_t>(p + 1 - start)};
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth <= 0) return {start, static_cast<size_t>(p + 1 - start)};
    } else if (depth == 0 &&
               (c == ',' || c == ']' || c == ' ' || c == '\n' || c == '\r' || c == '\t')) {
      return {start, static_cast<size_t>(p - start)};
    }
  }
  return {start, 0};
}

// What a Graph auditLogRecord says around its auditData; empty for a Management Activity API
// record, which is the auditData object itself. Views into the page parser's string buffer.
struct EnvelopeFields {
  std::string_view id;
  std::string_view created;
  std::string_view operation;
  std::string_view upn;
  std::string_view user_id;
};

// Keeps a record that cannot be used, with the reason and its text as received.
using Quarantine = std::function<void(std::string_view id, std::string reason)>;

// Builds the record from its envelope (which wins where it has a value) and its auditData
// fields, or quarantines it when it lacks what a record needs. `audit_text` is the auditData
// JSON, kept as the record's raw text.
void CompleteRecord(const EnvelopeFields& envelope, AuditDataFields& fields,
                    std::string_view audit_text, od::parser& info_parser,
                    const Quarantine& quarantine, RecordPage& page) {
  ReadAdditionalInfo(info_parser, fields);
  AuditRecord record;
  record.id = !envelope.id.empty() ? envelope.id : fields.id;
  if (record.id.empty()) return quarantine("", "the record has no id");
  const auto time =
      ParseIso8601(!envelope.created.empty() ? envelope.created : fields.creation_time);
  if (!time) {
    return quarantine(record.id, "the record has no valid createdDateTime (or CreationTime)");
  }
  record.created = *time;
  record.operation = !envelope.operation.empty() ? envelope.operation : fields.operation;
  if (record.operation.empty()) return quarantine(record.id, "the record has no operation");
  record.app_id = NormalizeAppId(fields.app_id);
  if (record.app_id.empty()) {
    return quarantine(record.id, "the record names no app (no power_app.id and no AppName)");
  }
  record.record_type = fields.record_type;
  record.workload = fields.workload;
  record.app_name = fields.app_name;
  record.environment_id = Lowercase(fields.environment_id);
  record.environment_name = fields.environment_name;
  record.user_upn = Lowercase(!envelope.upn.empty()     ? envelope.upn
                              : !fields.user_id.empty() ? fields.user_id
                                                        : envelope.user_id);
  record.raw = page.texts.Keep(audit_text);
  page.records.push_back(std::move(record));
}

// Reads one auditLogRecord, auditData included, where it stands in the page document. Returns false
// when the page document itself is broken (truncated or not JSON): then no record of it can be
// trusted, and the whole page must be fetched again. A record that is well-formed JSON but unusable
// is quarantined.
bool ParseRecord(od::value record_value, od::parser& info_parser, const char* buffer_end,
                 RecordPage& page) {
  const char* start = nullptr;
  if (record_value.current_location().get(start) != simdjson::SUCCESS) start = nullptr;
  const Quarantine quarantine = [&](std::string_view id, std::string reason) {
    page.quarantined.push_back({std::string(id), std::move(reason),
                                std::string(start ? ValueText(start, buffer_end) : "")});
  };
  od::object object;
  if (const auto error = record_value.get_object().get(object); error != simdjson::SUCCESS) {
    if (error != simdjson::INCORRECT_TYPE) return false;
    quarantine("", "the record is not a JSON object");
    return true;
  }
  // Views into the page parser's string buffer, valid for the whole page.
  EnvelopeFields envelope;
  std::string_view audit_text;
  AuditDataFields fields;
  for (auto field : object) {
    od::raw_json_string key;
    od::value value;
    if (field.key().get(key) != simdjson::SUCCESS ||
        field.value().get(value) != simdjson::SUCCESS) {
      return false;
    }
    if (key == "id") {
      envelope.id = StringOf(value);
    } else if (key == "createdDateTime") {
      envelope.created = StringOf(value);
    } else if (key == "operation") {
      envelope.operation = StringOf(value);
    } else if (key == "userPrincipalName") {
      envelope.upn = StringOf(value);
    } else if (key == "userId") {
      envelope.user_id = StringOf(value);
    } else if (key == "auditData") {
      od::object audit_object;
      if (const auto error = value.get_object().get(audit_object); error != simdjson::SUCCESS) {
        if (error != simdjson::INCORRECT_TYPE) return false;
        continue;
      }
      // The raw text is kept, and the fields are read in the same pass over the page: raw_json()
      // skips to the object's end over the structural index, and reset() comes back to read it.
      if (audit_object.raw_json().get(audit_text) != simdjson::SUCCESS ||
          audit_object.reset().error() != simdjson::SUCCESS ||
          !ReadAuditData(audit_object, fields)) {
        return false;
      }
    }
  }
  if (audit_text.empty()) {
    quarantine(envelope.id, "auditData is missing or not an object");
    return true;
  }
  CompleteRecord(envelope, fields, audit_text, info_parser, quarantine, page);
  return true;
}

}  // namespace

// Bodies are received with kBodySlack spare bytes so that they can be parsed in place.
static_assert(kBodySlack >= simdjson::SIMDJSON_PADDING);

std::optional<RecordPage> RecordParser::ParseGraphPage(const std::string& body) {
  std::optional<RecordPage> page;
  if (body.capacity() - body.size() >= simdjson::SIMDJSON_PADDING) {
    page = ParsePadded(simdjson::padded_string_view(body.data(), body.size(), body.capacity()));
  } else {
    const simdjson::padded_string padded(body);
    page = ParsePadded(simdjson::padded_string_view(padded.data(), padded.size(),
                                                    padded.size() + simdjson::SIMDJSON_PADDING));
  }
  // simdjson refuses a whole document for one invalid UTF-8 byte, and the service would send the
  // same bytes on every retry: the window would never complete. Such a page is read once more
  // with the bad bytes replaced by U+FFFD.
  if (!page && !simdjson::validate_utf8(body.data(), body.size())) {
    const simdjson::padded_string repaired(ReplaceInvalidUtf8(body));
    page = ParsePadded(simdjson::padded_string_view(repaired.data(), repaired.size(),
                                                    repaired.size() + simdjson::SIMDJSON_PADDING));
  }
  return page;
}

std::optional<RecordPage> RecordParser::ParsePadded(simdjson::padded_string_view padded) {
  const char* buffer_end = padded.data() + padded.capacity();
  RecordPage page;
  // A Graph record takes about 2.5 KB of a page: reserving for that spares the vector its
  // reallocations, each of which moved every record parsed so far.
  page.records.reserve(padded.size() / 2048 + 1);
  od::document doc;
  od::object root;
  if (parsers_->page.iterate(padded).get(doc) != simdjson::SUCCESS ||
      doc.get_object().get(root) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  bool has_value = false;
  for (auto field : root) {
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) return std::nullopt;
    if (key == "@odata.nextLink") {
      std::string_view link;
      if (field.value().get_string().get(link) != simdjson::SUCCESS) return std::nullopt;
      page.next_link = link;
    } else if (key == "value") {
      od::array records;
      if (field.value().get_array().get(records) != simdjson::SUCCESS) return std::nullopt;
      has_value = true;
      for (auto element : records) {
        od::value record;
        if (element.get(record) != simdjson::SUCCESS) return std::nullopt;
        if (!ParseRecord(record, parsers_->additional_info, buffer_end, page)) {
          return std::nullopt;
        }
      }
    } else {
      od::value ignored;
      if (field.value().get(ignored) != simdjson::SUCCESS) return std::nullopt;
    }
  }
  // A document cut inside the root object can end the loops above without an error; only a
  // document still alive after its root object was read to the end is complete.
  if (!has_value || !doc.is_alive()) return std::nullopt;
  return page;
}

RecordFate RecordParser::ParseManagementRecord(std::string_view text, RecordPage& page) {
  return ParseManagementRecord(text, {}, page);
}

RecordFate RecordParser::ParseManagementRecord(std::string_view text,
                                               const std::vector<std::string>& operations,
                                               RecordPage& page) {
  text = Trim(text);
  const size_t kept = page.records.size();
  const Quarantine quarantine = [&](std::string_view id, std::string reason) {
    page.quarantined.push_back({std::string(id), std::move(reason), std::string(text)});
  };
  // A record of a blob is a slice of the blob's text: it is copied once into a buffer with the
  // padding simdjson reads past the end (only the few records of the wanted operations are).
  auto& buffer = parsers_->padded_record;
  buffer.assign(text);
  buffer.reserve(text.size() + simdjson::SIMDJSON_PADDING);
  if (!simdjson::validate_utf8(buffer.data(), buffer.size())) {
    // As for a Graph page: the service would send the same bytes again, so they are replaced.
    buffer = ReplaceInvalidUtf8(buffer);
    buffer.reserve(buffer.size() + simdjson::SIMDJSON_PADDING);
  }
  od::document doc;
  od::object object;
  if (parsers_->record.iterate(buffer.data(), buffer.size(), buffer.capacity()).get(doc) !=
      simdjson::SUCCESS) {
    quarantine("", "the record is not valid JSON");
    return RecordFate::kQuarantined;
  }
  if (const auto error = doc.get_object().get(object); error != simdjson::SUCCESS) {
    quarantine("", error == simdjson::INCORRECT_TYPE ? "the record is not a JSON object"
                                                     : "the record is not valid JSON");
    return RecordFate::kQuarantined;
  }
  AuditDataFields fields;
  if (!ReadAuditData(object, fields) || !doc.is_alive()) {
    quarantine("", "the record is not valid JSON");
    return RecordFate::kQuarantined;
  }
  if (!operations.empty() && !fields.operation.empty() &&
      std::find(operations.begin(), operations.end(), fields.operation) == operations.end()) {
    return RecordFate::kOtherOperation;
  }
  CompleteRecord(EnvelopeFields{}, fields, buffer, parsers_->additional_info, quarantine, page);
  return page.records.size() > kept ? RecordFate::kKept : RecordFate::kQuarantined;
}

}  // namespace auditsync
