// Fake Microsoft Graph audit log query API (reference §1): create, list and poll queries, and
// page through their records. Authentication and fault injection happen before these handlers
// run (see server.cpp); each handler gets the ids of the call for its error bodies.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "clock.hpp"
#include "http_util.hpp"
#include "limits.hpp"
#include "query.hpp"
#include "stats.hpp"
#include "tenant.hpp"

namespace emulator {

struct GraphSettings {
  int query_polls = 2;  // the N-th GET of a query reports it finished
  std::chrono::milliseconds query_delay{0};
  std::uint64_t record_cap = 1'000'000;  // recordCountLimit
  std::size_t default_page_size = 100;
  std::size_t max_page_size = 1000;
  double fail_queries = 0;     // fraction of queries that end `failed`
  double stuck_queries = 0;    // fraction of queries that stay `running` forever
  bool inclusive_end = false;  // filterEndDateTime includes its own second
  int query_budget = 200;      // submissions per rolling 24 hours of emulator time
  int max_unfinished = 50;     // queries notStarted or running at once
  int port = 0;
};

class GraphService {
 public:
  GraphService(const Tenant& tenant, GraphSettings settings, Stats& stats, const Clock& clock)
      : tenant_(tenant),
        settings_(settings),
        stats_(stats),
        clock_(clock),
        limits_(settings.query_budget, settings.max_unfinished) {}

  // request.matches[1] is the version segment (v1.0 or beta), matches[2] the query id.
  void CreateQuery(const httplib::Request& request, httplib::Response& response,
                   const GraphCall& call);
  void ListQueries(const httplib::Request& request, httplib::Response& response,
                   const GraphCall& call);
  void GetQuery(const httplib::Request& request, httplib::Response& response,
                const GraphCall& call);
  void ListRecords(const httplib::Request& request, httplib::Response& response,
                   const GraphCall& call);

  // Queries that are notStarted or running, for /_emulator/stats.
  int UnfinishedQueries() const;

 private:
  struct AuditQuery {
    std::string id;
    nlohmann::ordered_json echo;  // the filters as the entity shows them
    QueryFilters filters;
    std::chrono::steady_clock::time_point created;
    bool will_fail = false;
    bool stuck = false;
    // Emulator time at creation when the result set is fixed then (late publication or a
    // simulated clock); else the snapshot is taken when the query succeeds.
    std::optional<std::int64_t> snapshot_at;
    // Mutable state, guarded by GraphService::mutex_.
    int polls = 0;
    std::string status = "notStarted";
    std::int64_t as_of = 0;      // the query's Snapshot::At instant, once succeeded
    std::uint64_t matching = 0;  // records matching the filters
    std::uint64_t served = 0;    // min(matching, record cap)
  };

  std::shared_ptr<AuditQuery> Find(const std::string& id) const;
  // The query named in the request's path, or nullptr after answering 404 itemNotFound.
  std::shared_ptr<AuditQuery> FindOrAnswer404(const httplib::Request& request,
                                              httplib::Response& response,
                                              const GraphCall& call) const;
  // Sets will_fail and stuck, which depend only on the tenant seed and the query id.
  void DecideFate(AuditQuery& query) const;
  // Answers 429 TooManyRequests for a submission over a tenant limit.
  void Refuse(const Refusal& refusal, httplib::Response& response, const GraphCall& call);
  // Requires mutex_. One poll's status change; true when the query is ready to succeed (its
  // records are then counted outside the lock).
  bool Advance(AuditQuery& query);
  // Requires mutex_.
  nlohmann::ordered_json Entity(const AuditQuery& query) const;
  std::string Context(const httplib::Request& request, const std::string& suffix) const;

  const Tenant& tenant_;
  GraphSettings settings_;
  Stats& stats_;
  const Clock& clock_;
  mutable std::mutex mutex_;
  QueryLimits limits_;  // guarded by mutex_, like the queries whose status it follows
  std::map<std::string, std::shared_ptr<AuditQuery>> queries_;
  std::vector<std::shared_ptr<AuditQuery>> order_;  // creation order, for the list
};

}  // namespace emulator
