// Fake Microsoft Graph users routes: `GET /{v}/users/{id or userPrincipalName}` (with $select)
// and JSON batching, `POST /{v}/$batch` (up to 20 GET requests of users, answered item by item,
// in reverse order). Reading a user needs the application role User.Read.All (or
// Directory.Read.All) in the token: otherwise 403 Authorization_RequestDenied, per item in a
// batch. Items of a batch can be throttled on their own (429 or 503 with Retry-After) by the
// batch item faults. Authentication and whole-request faults happen before (server.cpp).
#pragma once

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

#include "directory.hpp"
#include "faults.hpp"
#include "http_util.hpp"
#include "stats.hpp"

namespace emulator {

// One answer to one GET of a user, as a batch item or as a whole response.
struct UserAnswer {
  int status = 200;
  nlohmann::ordered_json headers = {{"Content-Type", kGraphContentType}};
  nlohmann::ordered_json body;
};

class UsersService {
 public:
  // `item_faults` decides the fault of each batch item (429, 429-no-retry-after and 503 only);
  // `retry_after` is the Retry-After value of throttled items.
  UsersService(const Directory& directory, Stats& stats, FaultInjector& item_faults,
               std::string retry_after, int port)
      : directory_(directory),
        stats_(stats),
        item_faults_(item_faults),
        retry_after_(std::move(retry_after)),
        port_(port) {}

  // request.matches[1] is the version segment, matches[2] what follows `users` (decoded): `/key`,
  // or Graph's key literal `('key')` (a single quote doubled), the form a key starting with '$'
  // must take.
  void GetUser(const httplib::Request& request, httplib::Response& response, const GraphCall& call);
  // request.matches[1] is the version segment.
  void Batch(const httplib::Request& request, httplib::Response& response, const GraphCall& call);

 private:
  // Reads the user that `segment` (what follows `users`, decoded) names with the query string
  // `query` (undecoded, without '?').
  UserAnswer ReadUserAt(std::string_view segment, std::string_view query,
                        const std::string& context_root, const GraphCall& call) const;
  // Reads user `key` with the query string `query` (undecoded, without '?').
  UserAnswer ReadUser(std::string_view key, std::string_view query, const std::string& context_root,
                      const GraphCall& call) const;
  // A batch item: `url` relative to the version root, as the client wrote it.
  UserAnswer BatchItem(const std::string& method, const std::string& url,
                       const std::string& context_root, const GraphCall& call);

  const Directory& directory_;
  Stats& stats_;
  FaultInjector& item_faults_;
  std::string retry_after_;
  int port_;
};

}  // namespace emulator
