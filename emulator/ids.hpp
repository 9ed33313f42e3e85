// Deterministic hashing and the identifier formats of the emulator: GUIDs and base64url.
// Everything the synthetic tenant contains is derived from these hashes, so the same seed gives
// the same tenant on every run and in every process (serve and truth agree by construction).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace emulator {

// SplitMix64 finaliser: a cheap, well-mixed bijection of 64 bits.
constexpr std::uint64_t Mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Hash of a tuple of integers; the first argument is usually the seed, the second a tag that
// keeps unrelated streams (apps, users, records) apart.
constexpr std::uint64_t Hash(std::uint64_t a, std::uint64_t b) { return Mix(a ^ Mix(b)); }
constexpr std::uint64_t Hash(std::uint64_t a, std::uint64_t b, std::uint64_t c) {
  return Mix(Hash(a, b) ^ Mix(c + 0x632be59bd9b4e019ULL));
}
constexpr std::uint64_t Hash(std::uint64_t a, std::uint64_t b, std::uint64_t c, std::uint64_t d) {
  return Mix(Hash(a, b, c) ^ Mix(d + 0x8cb92ba72f3d8dd7ULL));
}

// FNV-1a, to turn a string (a query id) into a hash input.
std::uint64_t HashString(std::string_view text);

// A small deterministic random stream: the decisions about one record are drawn from it in a
// fixed order, so adding a decision at the end never changes the earlier ones.
class Stream {
 public:
  explicit Stream(std::uint64_t state) : state_(state) {}
  std::uint64_t Next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    return Mix(state_);
  }
  // Uniform in [0, 1) with 53 bits.
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  // Uniform in [0, n); n > 0.
  std::uint64_t Below(std::uint64_t n) { return Next() % n; }

 private:
  std::uint64_t state_;
};

// A lowercase RFC 4122 version-4-looking GUID derived from one hash.
std::string GuidFromHash(std::uint64_t hash);

// A GUID from the process's random device: query ids, token ids, request ids.
std::string RandomGuid();

// Random bytes in base64url (no padding): token signatures.
std::string RandomBase64Url(std::size_t bytes);

std::string Base64UrlEncode(std::string_view bytes);
std::optional<std::string> Base64UrlDecode(std::string_view text);
std::string Base64Encode(std::string_view bytes);
std::optional<std::string> Base64Decode(std::string_view text);

// ASCII case helpers (UPNs, GUIDs, operation names are ASCII).
std::string ToLower(std::string_view text);
std::string ToUpper(std::string_view text);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace emulator
