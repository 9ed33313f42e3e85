#include "auth/client_assertion.hpp"

#include <openssl/rand.h>

#include <nlohmann/json.hpp>

#include "auth/jwt.hpp"
#include "core/error.hpp"

namespace auditsync {

std::string RandomGuid() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    throw Error(ExitCode::kInternal, "the system's random number generator failed");
  }
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | 0x40);  // version 4
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
  std::string guid;
  for (size_t i = 0; i < sizeof bytes; ++i) {
    constexpr char kHex[] = "0123456789abcdef";
    if (i == 4 || i == 6 || i == 8 || i == 10) guid += '-';
    guid += kHex[bytes[i] >> 4];
    guid += kHex[bytes[i] & 0xf];
  }
  return guid;
}

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
