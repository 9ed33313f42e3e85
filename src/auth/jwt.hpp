// The JSON Web Token pieces auditsync needs: base64url (RFC 4648 §5, unpadded) and the claims of
// a token read without verifying it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.hpp"

namespace auditsync {

std::string Base64UrlEncode(std::string_view bytes);
// Accepts padded and unpadded input; nullopt when it is not base64url.
std::optional<std::string> Base64UrlDecode(std::string_view text);

// The claims auditsync explains a setup with. A claim that is missing or of another type is empty.
struct JwtClaims {
  std::string issuer;              // iss
  std::string subject;             // sub
  std::optional<Instant> expires;  // exp (whole seconds)
  std::vector<std::string> roles;  // roles: an access token's application permissions
};

// The claims of a JWT, read WITHOUT verifying its signature: only to explain a setup (the roles
// an access token carries, the issuer and expiry of a federated token), never to trust it.
// nullopt when `token` is not a JWT whose claims are a JSON object.
std::optional<JwtClaims> UnverifiedJwtClaims(std::string_view token);

}  // namespace auditsync
