// The JSON Web Token pieces auditsync needs: base64url (RFC 4648 §5, unpadded) and the claims of
// a token read without verifying it.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace auditsync {

std::string Base64UrlEncode(std::string_view bytes);
// Accepts padded and unpadded input; nullopt when it is not base64url.
std::optional<std::string> Base64UrlDecode(std::string_view text);

// The claims of a JWT, read WITHOUT verifying its signature: only to explain a setup (the roles
// an access token carries, the issuer and expiry of a federated token), never to trust it. A
// JSON null when `token` is not a readable JWT.
nlohmann::json UnverifiedJwtClaims(std::string_view token);

}  // namespace auditsync
