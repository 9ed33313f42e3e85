// The tenant's directory as Microsoft Graph's /users shows it: a deterministic profile for each
// user of the synthetic tenant (display names with non-Latin text, departments, job titles,
// cities, countries, guests), and users deleted since they launched apps, whom Graph no longer
// finds (404).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "tenant.hpp"

namespace emulator {

struct DirectoryUser {
  std::string id;
  std::string upn;  // canonical case, as the tenant's records write it
  bool deleted = false;
  std::string display_name;
  std::string given_name;
  std::string surname;
  std::optional<std::string> department;
  std::optional<std::string> job_title;
  std::optional<std::string> city;
  std::optional<std::string> country;
  std::string user_type;  // Member or Guest
};

class Directory {
 public:
  explicit Directory(const Tenant& tenant);

  // The user whose object id or UPN is `key` (compared case-insensitively, as Graph does), or
  // nullptr when there is none or the user was deleted.
  const DirectoryUser* Find(std::string_view key) const;
  const std::vector<DirectoryUser>& users() const { return users_; }

  // Every user, deleted ones included, as `auditsync-emulator directory` prints them: what a
  // client that enriches users must end up storing.
  nlohmann::ordered_json ToJson() const;

 private:
  std::vector<DirectoryUser> users_;
  std::unordered_map<std::string, std::size_t> by_key_;  // lowercase id and UPN
};

}  // namespace emulator
