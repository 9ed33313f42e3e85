#include "auth/client_assertion.hpp"

#include <nlohmann/json.hpp>

#include "auth/jwt.hpp"
#include "core/guid.hpp"

namespace auditsync {

std::string MakeClientAssertion(const ClientCertificate& certificate, AssertionAlgorithm algorithm,
                                std::string_view client_id, std::string_view audience,
                                Instant now) {
  nlohmann::ordered_json header = {{"typ", "JWT"}};
  if (algorithm == AssertionAlgorithm::kPs256) {
    header["alg"] = "PS256";
    header["x5t#S256"] = certificate.ThumbprintSha256();
  } else {
    header["alg"] = "RS256";
    header["x5t"] = certificate.ThumbprintSha1();
  }
  const auto issued = now.time_since_epoch().count();
  const nlohmann::ordered_json claims = {
      {"aud", audience},
      {"iss", client_id},
      {"sub", client_id},
      {"jti", RandomGuid()},
      {"nbf", issued},
      {"iat", issued},
      {"exp", (now + kAssertionLifetime).time_since_epoch().count()},
  };
  const auto signed_part = Base64UrlEncode(header.dump()) + "." + Base64UrlEncode(claims.dump());
  return signed_part + "." + Base64UrlEncode(certificate.Sign(signed_part, algorithm));
}

}  // namespace auditsync
