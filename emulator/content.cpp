#include "content.hpp"

#include <numeric>

#include <fmt/format.h>

#include "core/time.hpp"
#include "ids.hpp"
#include "render.hpp"

namespace emulator {
namespace {

// Recent hours whose extras are kept: a listing spans a day and a bit, and blobs are fetched
// hour by hour.
constexpr std::size_t kCachedHours = 64;

constexpr std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

}  // namespace

std::int64_t ContentModel::FirstHourCreatedFrom(std::int64_t start) {
  // The last blob of hour h is created before (h + 1) * 3600 + kFirstBlobDelay + kBlobSpread.
  return FloorDiv(start - kFirstBlobDelay - kBlobSpread, 3600) - 1;
}

std::int64_t ContentModel::LastHourCreatedBefore(std::int64_t end) {
  return FloorDiv(end - kFirstBlobDelay, 3600);
}

std::shared_ptr<const ContentModel::Hour> ContentModel::HourOf(std::int64_t hour) const {
  {
    std::lock_guard lock(mutex_);
    if (const auto it = hours_.find(hour); it != hours_.end()) return it->second;
  }
  // Computed outside the lock (a scan of the hour); two threads may both compute it.
  auto info = std::make_shared<Hour>();
  info->extras = tenant_.Extras(hour);
  info->power_apps =
      tenant_.BaseCount(hour) + info->extras.deletions.size() + info->extras.duplicates.size();
  info->total = info->power_apps +
                static_cast<std::uint64_t>(
                    static_cast<double>(info->power_apps) * tenant_.config().general_noise + 0.5);
  if (info->total > 1) {
    Stream order(Hash(tenant_.config().seed, HashString("audit-general-blob-order"),
                      static_cast<std::uint64_t>(hour)));
    info->offset = order.Below(info->total);
    info->stride = 1 + order.Below(info->total - 1);
    while (std::gcd(info->stride, info->total) != 1) ++info->stride;
  }
  std::lock_guard lock(mutex_);
  if (hours_.size() >= kCachedHours) hours_.erase(hours_.begin());
  return hours_.emplace(hour, std::move(info)).first->second;
}

Slot ContentModel::SlotAt(std::int64_t hour, const Hour& info, std::uint64_t record) const {
  const std::uint64_t base = tenant_.BaseCount(hour);
  const auto& extras = info.extras;
  if (record < base) return tenant_.DecodeBase(hour, static_cast<std::uint32_t>(record));
  record -= base;
  if (record < extras.deletions.size()) return extras.deletions[record];
  record -= extras.deletions.size();
  if (record < extras.duplicates.size()) {
    Slot copy = tenant_.DecodeBase(hour, extras.duplicates[record]);
    copy.copy = true;
    return copy;
  }
  record -= extras.duplicates.size();
  return tenant_.DecodeGeneralNoise(hour, static_cast<std::uint32_t>(record));
}

std::uint64_t ContentModel::RecordCount(std::int64_t hour) const { return HourOf(hour)->total; }

std::uint32_t ContentModel::BlobCount(std::int64_t hour) const {
  const auto per_blob = static_cast<std::uint64_t>(tenant_.config().blob_records);
  return static_cast<std::uint32_t>((RecordCount(hour) + per_blob - 1) / per_blob);
}

std::int64_t ContentModel::Created(const BlobRef& blob) const {
  const auto count = static_cast<std::int64_t>(std::max<std::uint32_t>(BlobCount(blob.hour), 1));
  return (blob.hour + 1) * 3600 + kFirstBlobDelay +
         static_cast<std::int64_t>(blob.index) * kBlobSpread / count;
}

std::uint32_t ContentModel::RecordsIn(const BlobRef& blob) const {
  const auto per_blob = static_cast<std::uint64_t>(tenant_.config().blob_records);
  const std::uint64_t total = RecordCount(blob.hour);
  const std::uint64_t first = blob.index * per_blob;
  return first >= total ? 0 : static_cast<std::uint32_t>(std::min(per_blob, total - first));
}

std::string ContentModel::Render(const BlobRef& blob) const {
  std::string out;
  out.reserve(RecordsIn(blob) * 1200 + 2);
  out += '[';
  bool first = true;
  ForEachRecord(blob, [&](const Slot& slot) {
    if (!first) out += ',';
    first = false;
    AppendAuditRecord(tenant_, slot, out);
  });
  out += ']';
  return out;
}

std::string ContentModel::ContentId(const BlobRef& blob) const {
  std::string digits;
  for (const char c :
       auditsync::FormatIso8601(auditsync::Instant{std::chrono::seconds{Created(blob)}})) {
    if (c >= '0' && c <= '9') digits += c;
  }
  return fmt::format("{}000${}${}$audit_general$Audit_General$emu0001", digits, blob.hour,
                     blob.index);
}

std::optional<BlobRef> ContentModel::ParseContentId(std::string_view id) const {
  const auto first = id.find('$');
  const auto second = first == std::string_view::npos ? first : id.find('$', first + 1);
  const auto third = second == std::string_view::npos ? second : id.find('$', second + 1);
  if (third == std::string_view::npos) return std::nullopt;
  BlobRef blob;
  try {
    std::size_t used = 0;
    const std::string hour(id.substr(first + 1, second - first - 1));
    blob.hour = std::stoll(hour, &used);
    if (used != hour.size()) return std::nullopt;
    const std::string index(id.substr(second + 1, third - second - 1));
    const auto value = std::stoul(index, &used);
    if (used != index.size() || value > UINT32_MAX) return std::nullopt;
    blob.index = static_cast<std::uint32_t>(value);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (blob.index >= BlobCount(blob.hour) || ContentId(blob) != id) return std::nullopt;
  return blob;
}

}  // namespace emulator
