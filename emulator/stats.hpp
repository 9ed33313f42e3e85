// Counters behind GET /_emulator/stats, so tests can assert what the client really did (how
// many tokens it fetched, how many queries it created, which faults it survived).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

namespace emulator {

class Stats {
 public:
  void CountRequest(const std::string& route) { Add(requests_, route); }
  void CountStatus(int status) { Add(responses_, std::to_string(status)); }
  void CountFault(const std::string& kind) { Add(faults_, kind); }
  void CountQueryCreated() { Add(events_, "queries_created"); }
  // A submission refused by a tenant limit ("budget" or "unfinished").
  void CountQueryRejected(const std::string& limit) { Add(rejected_, limit); }
  void CountTokenIssued() { Add(events_, "tokens_issued"); }
  // Management Activity API events (blobs served, listings, subscriptions started, ...).
  void CountEvent(const std::string& name, std::uint64_t count = 1) {
    std::lock_guard lock(mutex_);
    management_[name] += count;
  }
  // One read of a user (GET /users/{id}, or an item of a $batch), by its status.
  void CountUserRead(int status) { Add(user_reads_, std::to_string(status)); }
  void CountRecordsServed(std::uint64_t records) {
    std::lock_guard lock(mutex_);
    events_["pages_served"] += 1;
    events_["records_served"] += records;
  }

  nlohmann::json ToJson() const {
    std::lock_guard lock(mutex_);
    auto event = [&](const char* name) {
      const auto it = events_.find(name);
      return it == events_.end() ? std::uint64_t{0} : it->second;
    };
    return {
        {"requests", requests_},
        {"responses", responses_},
        {"faults", faults_},
        {"queries_created", event("queries_created")},
        {"tokens_issued", event("tokens_issued")},
        {"pages_served", event("pages_served")},
        {"records_served", event("records_served")},
        {"queries_rejected", rejected_},
        {"management", management_},
        {"user_reads", user_reads_},
    };
  }

 private:
  void Add(std::map<std::string, std::uint64_t>& counters, const std::string& key) {
    std::lock_guard lock(mutex_);
    ++counters[key];
  }

  mutable std::mutex mutex_;
  std::map<std::string, std::uint64_t> requests_;   // by route, e.g. "GET /{v}/.../queries/{id}"
  std::map<std::string, std::uint64_t> responses_;  // by HTTP status
  std::map<std::string, std::uint64_t> faults_;     // by fault kind
  std::map<std::string, std::uint64_t> events_;
  std::map<std::string, std::uint64_t> management_;
  std::map<std::string, std::uint64_t> user_reads_;  // by HTTP status
  // By limit; both keys present from the start, so a test can read them before any refusal.
  std::map<std::string, std::uint64_t> rejected_ = {{"budget", 0}, {"unfinished", 0}};
};

}  // namespace emulator
