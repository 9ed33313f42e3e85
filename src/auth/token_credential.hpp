// Credentials behind one small interface (STYLE.md habit 4): GetToken(scope), cached with a
// refresh margin, dropped after a 401 to it.
#pragma once

#include <string>
#include <string_view>

#include "core/error.hpp"

namespace auditsync {

// The identity platform could not be reached or failed (network, TLS, 5xx) after all retries.
// Distinct from AuthError (the platform refused): nothing can be collected until it is fixed, so
// a sync stops at once instead of failing window after window.
class SignInUnavailable : public ServiceError {
 public:
  using ServiceError::ServiceError;
};

class TokenCredential {
 public:
  virtual ~TokenCredential() = default;
  // A bearer token for `scope` (e.g. https://graph.microsoft.com/.default). Throws AuthError with
  // an explanation when the identity platform refuses, ServiceError when it cannot be reached.
  virtual std::string GetToken(std::string_view scope) = 0;
  // The resource answered 401 to `rejected`, a token GetToken(scope) gave: forgets it, so that
  // the next call signs in again. A token that is no longer the cached one (another caller has
  // signed in since) is left alone: one caller's stale 401 must not discard a fresh token.
  virtual void Invalidate(std::string_view scope, std::string_view rejected) = 0;
};

}  // namespace auditsync
