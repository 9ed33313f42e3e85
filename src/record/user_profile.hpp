// UserProfile: what Microsoft Graph's directory says about a user who launched apps (user
// enrichment, `enrich_users`): the columns the CoE kit's "Update Data (V2)" flow copies from the
// Office 365 Users profile. auditsync keeps one per user instead of copying it into every record.
#pragma once

#include <optional>
#include <string>

namespace auditsync {

struct UserProfile {
  std::string upn;     // as the records name the user (lowercase)
  bool found = false;  // false: the directory has no such user (deleted, or never a member)
  std::optional<std::string> display_name;
  std::optional<std::string> department;
  std::optional<std::string> job_title;
  std::optional<std::string> city;
  std::optional<std::string> country;
  std::optional<std::string> user_type;  // Member or Guest

  bool operator==(const UserProfile&) const = default;
};

}  // namespace auditsync
