// Fake Office 365 Management Activity API (reference §5): the Audit.General subscription, paged
// content listings with the 24-hour and 7-day rules, and content blobs that expire. Its host is
// `manage.localhost:PORT` (kManagementHost), so that its tokens are for an audience of their own,
// as manage.office.com's are. Authentication, faults and the request rate are checked before
// these handlers run (server.cpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <httplib.h>

#include "clock.hpp"
#include "content.hpp"
#include "stats.hpp"
#include "tenant.hpp"

namespace emulator {

inline constexpr char kManagementHost[] = "manage.localhost";

// The resource (and v2 scope base) of Management Activity API tokens for a server on `port`.
std::string ManagementResource(int port);

enum class SubscriptionState { kNone, kEnabled, kDisabled };

struct ManagementSettings {
  // kEnabled: started long ago, all content listable; kNone: AF20022 until a start; kDisabled:
  // an administrator disabled it (AF20023).
  SubscriptionState subscription = SubscriptionState::kEnabled;
  // After a start, content is listed only once this many seconds (emulator time) have passed.
  std::int64_t first_content_delay = 0;
  std::size_t page_size = 100;     // blobs per listing page
  double expired_blobs = 0;        // fraction of blobs that answer AF20051 whatever their age
  int requests_per_minute = 2000;  // per tenant, real time; AF429 beyond (0: no limit)
  std::string next_page_header = "NextPageUri";
  // Real time a blob takes before its first byte, as the service's storage does (the reason a
  // client downloads several at once); the worker thread waits without using the CPU.
  std::chrono::milliseconds blob_latency{0};
  int port = 0;
};

// The Management Activity API's error body: {"error":{"code":"AF...","message":"..."}}.
void SendAfError(httplib::Response& response, int status, std::string_view code,
                 std::string_view message);

class ManagementService {
 public:
  ManagementService(const Tenant& tenant, const ContentModel& content, ManagementSettings settings,
                    Stats& stats, const Clock& clock)
      : tenant_(tenant),
        content_(content),
        settings_(std::move(settings)),
        stats_(stats),
        clock_(clock) {
    if (settings_.subscription != SubscriptionState::kNone) enabled_.push_back({kNever, kForever});
  }

  // Before every route: the tenant of the path (AF20013, AF20010) and the tenant's request rate
  // (AF429). `method` names the call in AF429's message. False after answering.
  bool Admit(const httplib::Request& request, httplib::Response& response, std::string_view method);

  // request.matches[1] is the tenant; for Blob, matches[2] is the content id.
  void Start(const httplib::Request& request, httplib::Response& response);
  void Stop(const httplib::Request& request, httplib::Response& response);
  void List(const httplib::Request& request, httplib::Response& response);
  void Content(const httplib::Request& request, httplib::Response& response);
  void Blob(const httplib::Request& request, httplib::Response& response);

 private:
  static constexpr std::int64_t kNever = INT64_MIN;
  static constexpr std::int64_t kForever = INT64_MAX;

  // Whether a blob created at `created` is listable at `now` (requires mutex_).
  bool Visible(std::int64_t created, std::int64_t now) const;
  // AF20022 or AF20023 when the content type cannot be read now (requires mutex_); true when it
  // can.
  bool Subscribed(httplib::Response& response) const;
  bool Enabled() const { return !enabled_.empty() && enabled_.back().second == kForever; }

  const Tenant& tenant_;
  const ContentModel& content_;
  ManagementSettings settings_;
  Stats& stats_;
  const Clock& clock_;
  mutable std::mutex mutex_;
  // When the subscription was enabled: [start, stop) in emulator time. Blobs created while it
  // was stopped are never listed.
  std::vector<std::pair<std::int64_t, std::int64_t>> enabled_;
  std::deque<std::chrono::steady_clock::time_point> recent_;  // requests of the last minute
};

}  // namespace emulator
