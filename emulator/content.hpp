// The synthetic tenant's Audit.General content as the Office 365 Management Activity API serves
// it (reference §5.3-5.4): every record of an hour -- its Power Apps deliveries (as tenant.hpp
// orders them, second copies of duplicated records included) followed by `general_noise` records
// of other workloads per Power Apps delivery -- shuffled and cut into blobs of `blob_records`.
// Records within a blob are out of time order, and the two copies of a duplicated record
// usually land in different blobs. The blobs of hour h become available (contentCreated) through
// the hour after it ends, and expire 7 days later.
//
// Nothing is stored: a blob is located by (hour, index) and rendered in O(its records); only an
// hour's extras (deletions, duplicates) need a scan of the hour, cached for recent hours.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "tenant.hpp"

namespace emulator {

// Blobs of hour h are created from (h + 1) * 3600 + kFirstBlobDelay over kBlobSpread seconds.
inline constexpr std::int64_t kFirstBlobDelay = 300;
inline constexpr std::int64_t kBlobSpread = 3000;
inline constexpr std::int64_t kContentLifetime = std::int64_t{7} * 86400;

struct BlobRef {
  std::int64_t hour = 0;
  std::uint32_t index = 0;
  bool operator==(const BlobRef&) const = default;
};

class ContentModel {
 public:
  explicit ContentModel(const Tenant& tenant) : tenant_(tenant) {}

  // Records in the hour's Audit.General content (Power Apps deliveries and noise), and blobs.
  std::uint64_t RecordCount(std::int64_t hour) const;
  std::uint32_t BlobCount(std::int64_t hour) const;
  // contentCreated of a blob, Unix seconds.
  std::int64_t Created(const BlobRef& blob) const;
  std::uint32_t RecordsIn(const BlobRef& blob) const;

  // The blob's records as a JSON array.
  std::string Render(const BlobRef& blob) const;
  // Calls `visit` with each record (slot) of the blob, in the blob's order.
  template <typename Visit>
  void ForEachRecord(const BlobRef& blob, Visit visit) const;

  // contentId: digits of contentCreated, then `$hour$index$audit_general$...`, like the real ids.
  std::string ContentId(const BlobRef& blob) const;
  std::optional<BlobRef> ParseContentId(std::string_view id) const;

  // Blobs created in [start, end), from `from` on, in (hour, index) order, at most `limit` of
  // them; `next` is where the following page starts, if any remain. `visible` decides whether a
  // blob exists for the caller (subscription, clock).
  template <typename Visible>
  std::vector<BlobRef> List(std::int64_t start, std::int64_t end, std::optional<BlobRef> from,
                            std::size_t limit, Visible visible, std::optional<BlobRef>& next) const;

  // The hours whose blobs may be created in [start, end).
  static std::int64_t FirstHourCreatedFrom(std::int64_t start);
  static std::int64_t LastHourCreatedBefore(std::int64_t end);

 private:
  struct Hour {
    Tenant::HourExtras extras;
    std::uint64_t power_apps = 0;  // base slots, deletions and second copies
    std::uint64_t total = 0;       // power_apps plus general noise
    std::uint64_t stride = 1;  // the shuffle: position k holds record (k * stride + offset) % total
    std::uint64_t offset = 0;
  };
  std::shared_ptr<const Hour> HourOf(std::int64_t hour) const;
  Slot SlotAt(std::int64_t hour, const Hour& info, std::uint64_t record) const;

  const Tenant& tenant_;
  mutable std::mutex mutex_;
  mutable std::map<std::int64_t, std::shared_ptr<const Hour>> hours_;  // a small cache
};

template <typename Visit>
void ContentModel::ForEachRecord(const BlobRef& blob, Visit visit) const {
  const auto info = HourOf(blob.hour);
  const auto per_blob = static_cast<std::uint64_t>(tenant_.config().blob_records);
  const std::uint64_t first = blob.index * per_blob;
  const std::uint64_t last = std::min(first + per_blob, info->total);
  for (std::uint64_t k = first; k < last; ++k) {
    visit(SlotAt(blob.hour, *info, (k * info->stride + info->offset) % info->total));
  }
}

template <typename Visible>
std::vector<BlobRef> ContentModel::List(std::int64_t start, std::int64_t end,
                                        std::optional<BlobRef> from, std::size_t limit,
                                        Visible visible, std::optional<BlobRef>& next) const {
  std::vector<BlobRef> blobs;
  next.reset();
  BlobRef at = from.value_or(BlobRef{FirstHourCreatedFrom(start), 0});
  const std::int64_t last_hour = LastHourCreatedBefore(end);
  for (; at.hour <= last_hour; at = BlobRef{at.hour + 1, 0}) {
    const std::uint32_t count = BlobCount(at.hour);
    for (; at.index < count; ++at.index) {
      const std::int64_t created = Created(at);
      if (created < start || created >= end || !visible(at, created)) continue;
      if (blobs.size() == limit) {
        next = at;
        return blobs;
      }
      blobs.push_back(at);
    }
  }
  return blobs;
}

}  // namespace emulator
