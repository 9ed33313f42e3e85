// The client assertion a certificate signs in with (reference §3.3): a JWT for one token request.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "auth/client_certificate.hpp"

namespace auditsync {

// How long an assertion is valid: short, because it is made for one request (Entra advises
// 5-10 minutes), yet long enough for a clock a little off.
inline constexpr std::chrono::minutes kAssertionLifetime{10};

// Header: alg PS256 with x5t#S256 (Entra's current form) or RS256 with x5t (the older one), typ
// JWT. Claims: aud = `audience` (the token endpoint the request goes to), iss = sub =
// `client_id`, a random jti (Entra refuses a replayed one), nbf = iat = `now`, exp = `now` +
// kAssertionLifetime.
std::string MakeClientAssertion(const ClientCertificate& certificate, AssertionAlgorithm algorithm,
                                std::string_view client_id, std::string_view audience, Instant now);

}  // namespace auditsync
