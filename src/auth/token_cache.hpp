// The one token cache (STYLE.md habit 4): makes any TokenSource a TokenCredential whose tokens are
// kept per scope and renewed a margin before they expire. Concurrent callers for a scope share one
// sign-in; callers for other scopes are not held up by it.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>

#include "auth/access_token.hpp"
#include "auth/token_credential.hpp"

namespace auditsync {

struct CacheOptions {
  // A token is renewed this long before it expires (or at half its life, if that is sooner), so
  // that a page request never starts with a token about to lapse.
  std::chrono::seconds refresh_margin{300};
  std::function<Instant()> now = NowUtc;
};

class CachedCredential : public TokenCredential {
 public:
  explicit CachedCredential(std::unique_ptr<TokenSource> source, CacheOptions options = {});

  std::string GetToken(std::string_view scope) override;
  void Invalidate(std::string_view scope) override;

 private:
  struct Slot {
    std::mutex refresh;  // held while signing in, so that the scope's other callers wait for it
    std::string token;
    Instant renew_at{};
  };
  std::shared_ptr<Slot> SlotFor(std::string_view scope);

  std::unique_ptr<TokenSource> source_;
  CacheOptions options_;
  std::mutex slots_mutex_;  // guards the map only, never held during a sign-in
  std::map<std::string, std::shared_ptr<Slot>, std::less<>> slots_;
};

}  // namespace auditsync
