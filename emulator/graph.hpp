// Fake Microsoft Graph audit log query API (reference §1): create, list and poll queries, and
// page through their records. Authentication and fault injection happen before these handlers
// run (see server.cpp); each handler gets the ids of the call for its error bodies.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "http_util.hpp"
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
  double fail_queries = 0;  // fraction of queries that end `failed`
  int port = 0;
};

class GraphService {
 public:
  GraphService(const Tenant& tenant, GraphSettings settings, Stats& stats)
      : tenant_(tenant), settings_(settings), stats_(stats) {}

  // request.matches[1] is the version segment (v1.0 or beta), matches[2] the query id.
  void CreateQuery(const httplib::Request& request, httplib::Response& response,
                   const GraphCall& call);
  void ListQueries(const httplib::Request& request, httplib::Response& response,
                   const GraphCall& call);
  void GetQuery(const httplib::Request& request, httplib::Response& response,
                const GraphCall& call);
  void ListRecords(const httplib::Request& request, httplib::Response& response,
                   const GraphCall& call);

 private:
  struct AuditQuery {
    std::string id;
    nlohmann::ordered_json echo;  // the filters as the entity shows them
    QueryFilters filters;
    std::chrono::steady_clock::time_point created;
    bool will_fail = false;
    // Mutable state, guarded by GraphService::mutex_.
    int polls = 0;
    std::string status = "notStarted";
    std::int64_t as_of = 0;      // the tenant is seen as of this instant once succeeded
    std::uint64_t matching = 0;  // records matching the filters
    std::uint64_t served = 0;    // min(matching, record cap)
  };

  std::shared_ptr<AuditQuery> Find(const std::string& id) const;
  // The query named in the request's path, or nullptr after answering 404 itemNotFound.
  std::shared_ptr<AuditQuery> FindOrAnswer404(const httplib::Request& request,
                                              httplib::Response& response,
                                              const GraphCall& call) const;
  // Requires mutex_.
  nlohmann::ordered_json Entity(const AuditQuery& query) const;
  std::string Context(const httplib::Request& request, const std::string& suffix) const;

  const Tenant& tenant_;
  GraphSettings settings_;
  Stats& stats_;
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<AuditQuery>> queries_;
  std::vector<std::shared_ptr<AuditQuery>> order_;  // creation order, for the list
};

}  // namespace emulator
