// Reads user profiles from Microsoft Graph's directory for user enrichment (enrich_users):
// `GET /users/{upn}?$select=displayName,department,jobTitle,city,country,userType`, 20 users per
// JSON batch (json_batch.hpp), with the client's token, retries and backoff. Needs the
// application permission User.Read.All.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "record/user_profile.hpp"
#include "source/graph/graph_session.hpp"

namespace auditsync {

// Graph refused to read users (403): the app registration lacks User.Read.All or its admin
// consent. The message names the permission and the fix.
class UserReadDenied : public AuthError {
 public:
  using AuthError::AuthError;
};

// The directory key of a user as audit records name them (see the .cpp for the '#' forms).
std::string DirectoryKey(std::string_view upn);

// The Graph path that reads the profile of the user `upn`: `/users/{key}?$select=...`, the key
// percent-encoded (a guest's `#EXT#` would otherwise start a URL fragment); for a key that starts
// with '$', `/users('{key}')` with a single quote doubled, as Graph requires.
std::string UserProfilePath(std::string_view upn);

struct UserLookup {
  // Found, or known not to exist (404), or refused for good (another 4xx but 401, 403, 408 and
  // 429: asking again would be refused again).
  std::vector<UserProfile> profiles;
  struct Refusal {
    std::string upn;
    std::string reason;
  };
  std::vector<Refusal> refused;     // the ones refused for good, with Graph's answer
  std::vector<std::string> unread;  // could not be read now (throttled, failed): ask later
  std::string last_problem;         // why the last unread one was not read
};

class GraphUserClient {
 public:
  GraphUserClient(HttpClient& http, TokenCredential& credential, std::string graph_url,
                  const std::string& api_version);

  // Reads the profiles of `upns`, kMaxBatchItems per batch. Throws UserReadDenied when Graph
  // answers 403, AuthError or ServiceError when a batch as a whole fails.
  UserLookup ReadProfiles(const std::vector<std::string>& upns);

 private:
  GraphSession session_;
};

}  // namespace auditsync
