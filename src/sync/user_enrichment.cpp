#include "sync/user_enrichment.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/stop.hpp"
#include "source/graph/json_batch.hpp"

namespace auditsync {

EnrichmentSummary EnrichUsers(DirectoryStore& store, GraphUserClient& users,
                              const EnrichmentOptions& options, const SyncClock& clock) {
  EnrichmentSummary summary;
  const Instant now = clock.now();
  // One more than asked for tells whether users are left for the next sync.
  auto due = store.UsersToEnrich(now - options.refresh_after, options.max_users + 1);
  if (due.size() > options.max_users) {
    summary.more_left = true;
    due.resize(options.max_users);
  }
  for (size_t first = 0; first < due.size(); first += kMaxBatchItems) {
    if (clock.stop_requested()) throw Interrupted();
    const std::vector<std::string> batch(
        due.begin() + static_cast<std::ptrdiff_t>(first),
        due.begin() + static_cast<std::ptrdiff_t>(std::min(due.size(), first + kMaxBatchItems)));
    UserLookup lookup;
    // An outage or a refusal of the whole batch ends enrichment until the next sync, unless it
    // was a stop request that cut a transfer short.
    auto ended_by = [&clock, &summary](const Error& error) {
      if (clock.stop_requested()) throw Interrupted();
      summary.problem = error.what();
      return summary;
    };
    try {
      lookup = users.ReadProfiles(batch);
    } catch (const UserReadDenied& error) {
      summary.denied = true;
      return ended_by(error);
    } catch (const ServiceError& error) {
      return ended_by(error);
    } catch (const TransportError& error) {
      return ended_by(error);
    }
    store.SaveUserProfiles(lookup.profiles, clock.now());
    // Saved as read, so said once per user_refresh_after, not at every sync.
    for (const auto& refusal : lookup.refused) {
      spdlog::warn(
          "Graph will not read the profile of {} ({}): it is kept without a profile and asked "
          "again after user_refresh_after",
          refusal.upn, refusal.reason);
    }
    for (const auto& profile : lookup.profiles)
      ++(profile.found ? summary.found : summary.not_found);
    summary.unread += static_cast<int64_t>(lookup.unread.size());
    if (!lookup.unread.empty()) summary.problem = lookup.last_problem;
  }
  return summary;
}

}  // namespace auditsync
