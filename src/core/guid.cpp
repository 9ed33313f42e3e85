#include "core/guid.hpp"

#include <sys/random.h>

#include "core/error.hpp"

namespace auditsync {

std::string RandomGuid() {
  unsigned char bytes[16];
  // getrandom blocks only until the kernel's generator is seeded at boot; 16 bytes are never cut
  // short by a signal.
  if (getrandom(bytes, sizeof bytes, 0) != static_cast<ssize_t>(sizeof bytes)) {
    throw Error(ExitCode::kInternal, "the system's random number generator failed");
  }
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | 0x40);  // version 4
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
  constexpr char kHex[] = "0123456789abcdef";
  std::string guid;
  for (size_t i = 0; i < sizeof bytes; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) guid += '-';
    guid += kHex[bytes[i] >> 4];
    guid += kHex[bytes[i] & 0xf];
  }
  return guid;
}

}  // namespace auditsync
