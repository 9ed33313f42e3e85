// Executing an audit log query against the synthetic tenant: which records match its filters,
// how many there are, and one page of them from a cursor. No HTTP here, so the unit tests and
// `truth --summary` use exactly the code that serves the records.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tenant.hpp"

namespace emulator {

struct QueryFilters {
  std::int64_t start = 0;  // filterStartDateTime, Unix seconds, inclusive
  std::int64_t end = 0;    // filterEndDateTime, exclusive
  // Each list, when not empty, must contain the record's value (ASCII case-insensitive).
  std::vector<std::string> operations;
  std::vector<std::string> services;
  std::vector<std::string> record_types;
  std::vector<std::string> user_principal_names;

  // The filter test, without the "does it exist yet" test (see Snapshot).
  bool Matches(const Tenant& tenant, const Slot& slot) const;
};

// Which deliveries exist for a query: created at or before `created_by`, and published (see
// Tenant::PublishedAt) at or before `published_by`. Without late publication a delivery is
// published when it is created.
struct Snapshot {
  std::int64_t created_by = 0;
  std::int64_t published_by = 0;

  // What a query that takes its snapshot at `now` sees.
  static Snapshot At(std::int64_t now) { return {now, now}; }
  // Everything created by `now`, however late it is published: the tenant once settled.
  static Snapshot Settled(std::int64_t now) {
    return {now, std::numeric_limits<std::int64_t>::max()};
  }

  bool Sees(const Tenant& tenant, const Slot& slot) const {
    return slot.time <= created_by && tenant.PublishedAt(slot) <= published_by;
  }
};

// A position in the served sequence of a query: the hour, the position within the hour (see
// tenant.hpp), and how many matching records were served before it.
struct Cursor {
  std::int64_t hour = 0;
  std::uint32_t position = 0;
  std::uint64_t served = 0;
};

Cursor StartCursor(const QueryFilters& filters);

// Deliveries that match and that the snapshot sees (a duplicate counts for each copy seen).
// O(records in the window); no cap applied.
std::uint64_t CountMatches(const Tenant& tenant, const QueryFilters& filters,
                           const Snapshot& snapshot);

struct Page {
  std::string values;          // the JSON array of records
  std::size_t count = 0;       // records in `values`
  std::optional<Cursor> next;  // absent when the query has no more records
};

// Up to `page_size` records from `from`, stopping once `total` records have been served in all
// (the query's matching count, capped by its recordCountLimit).
Page ReadPage(const Tenant& tenant, const QueryFilters& filters, const Snapshot& snapshot,
              Cursor from, std::size_t page_size, std::uint64_t total);

// Opaque $skiptoken: base64url of the query id and the cursor. It stays valid for as long as the
// query exists (the life of the server process).
std::string EncodeSkipToken(std::string_view query_id, const Cursor& cursor);
struct DecodedSkipToken {
  std::string query_id;
  Cursor cursor;
};
std::optional<DecodedSkipToken> DecodeSkipToken(std::string_view token);

}  // namespace emulator
