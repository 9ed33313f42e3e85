// Fake Microsoft Entra ID token endpoints for the client-credentials grant (reference §3):
// POST /{tenant}/oauth2/v2.0/token (scope) and POST /{tenant}/oauth2/token (v1, resource).
// Access tokens are JWT-shaped but unsigned; Graph routes validate them by lookup in TokenTable.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include <httplib.h>

#include "stats.hpp"

namespace emulator {

enum class TokenState { kValid, kMissing, kUnknown, kExpired, kRevoked };

// Issued access tokens and their real validity (a token expires when its expires_in says).
class TokenTable {
 public:
  void Add(const std::string& token, std::chrono::steady_clock::time_point expiry);
  TokenState Check(std::string_view token) const;
  // Returns false when the token was not valid to begin with.
  bool Revoke(std::string_view token);

 private:
  struct Entry {
    std::chrono::steady_clock::time_point expiry;
    bool revoked = false;
  };
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> tokens_;
};

// The bearer token of an `Authorization: Bearer ...` header; empty when absent.
std::string BearerToken(const httplib::Request& request);

struct EntraSettings {
  std::string tenant_id;
  std::string tenant_domain;
  std::string client_id;
  std::string client_secret;                  // never logged
  std::optional<std::string> expired_secret;  // answers AADSTS7000222
  std::chrono::seconds token_lifetime{3599};
  int port = 0;
};

class EntraService {
 public:
  EntraService(EntraSettings settings, TokenTable& tokens, Stats& stats)
      : settings_(std::move(settings)), tokens_(tokens), stats_(stats) {}

  // Route handlers; request.matches[1] is the {tenant} path segment.
  void TokenV2(const httplib::Request& request, httplib::Response& response);
  void TokenV1(const httplib::Request& request, httplib::Response& response);

 private:
  void Token(const httplib::Request& request, httplib::Response& response, bool v1);

  EntraSettings settings_;
  TokenTable& tokens_;
  Stats& stats_;
};

}  // namespace emulator
