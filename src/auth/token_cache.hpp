// The one token cache (STYLE.md habit 4): makes any TokenSource a TokenCredential whose tokens are
// kept per scope and renewed a margin before they expire. Concurrent callers for a scope share one
// sign-in, and its outcome: when it fails, every caller that waited for it gets that failure
// instead of starting the sign-in (and its retries) over. Callers for other scopes are not held up
// by it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <exception>
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
  // Called when a caller starts waiting for another caller's sign-in of `scope`: a debug log
  // line, and the synchronisation point of tests.
  std::function<void(std::string_view scope)> on_wait;
};

class CachedCredential : public TokenCredential {
 public:
  explicit CachedCredential(std::unique_ptr<TokenSource> source, CacheOptions options = {});

  std::string GetToken(std::string_view scope) override;
  void Invalidate(std::string_view scope, std::string_view rejected) override;

 private:
  // One sign-in, shared by the callers that wait for it.
  struct SignIn {
    bool done = false;
    std::string token;           // when it succeeded
    std::exception_ptr failure;  // when it failed
  };
  struct Slot {
    std::mutex mutex;  // guards the fields below; never held during a sign-in
    std::condition_variable finished;
    std::string token;
    Instant renew_at{};
    std::shared_ptr<SignIn> in_progress;  // null when nobody is signing in
  };
  std::shared_ptr<Slot> SlotFor(std::string_view scope);

  std::unique_ptr<TokenSource> source_;
  CacheOptions options_;
  std::mutex slots_mutex_;  // guards the map only
  std::map<std::string, std::shared_ptr<Slot>, std::less<>> slots_;
};

}  // namespace auditsync
