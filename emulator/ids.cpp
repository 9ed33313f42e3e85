#include "ids.hpp"

#include <array>
#include <mutex>
#include <random>

namespace emulator {
namespace {

constexpr char kHex[] = "0123456789abcdef";
constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kB64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// The process-wide random source. Ids of queries and tokens are meant to be unpredictable and
// differ between runs, unlike the tenant's content.
std::uint64_t RandomWord() {
  static std::mutex mutex;
  static std::mt19937_64 engine{[] {
    std::random_device device;
    return (static_cast<std::uint64_t>(device()) << 32) ^ device();
  }()};
  std::lock_guard lock(mutex);
  return engine();
}

std::string Encode(std::string_view bytes, const char* alphabet, bool pad) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const auto n = (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16) |
                   (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8) |
                   static_cast<unsigned char>(bytes[i + 2]);
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    out += alphabet[(n >> 6) & 63];
    out += alphabet[n & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    std::uint32_t n = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
    if (rest == 2) n |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    if (rest == 2) out += alphabet[(n >> 6) & 63];
    if (pad) out.append(rest == 1 ? "==" : "=");
  }
  return out;
}

std::optional<std::string> Decode(std::string_view text, bool url) {
  while (!url && !text.empty() && text.back() == '=') text.remove_suffix(1);
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (const char c : text) {
    int v = -1;
    if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= 'a' && c <= 'z')
      v = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      v = c - '0' + 52;
    else if (c == (url ? '-' : '+'))
      v = 62;
    else if (c == (url ? '_' : '/'))
      v = 63;
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  if (bits >= 6) return std::nullopt;  // a lone trailing character carries no whole byte
  return out;
}

}  // namespace

std::uint64_t HashString(std::string_view text) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return Mix(h);
}

std::string GuidFromHash(std::uint64_t hash) {
  std::array<std::uint64_t, 2> words{Mix(hash ^ 0x5bd1e9955bd1e995ULL), Mix(hash + 1)};
  // Version 4 and the RFC 4122 variant, so the ids look like the ones Entra and Purview hand out.
  words[0] = (words[0] & ~0xf000ULL) | 0x4000ULL;
  words[1] = (words[1] & ~(0xc000ULL << 48)) | (0x8000ULL << 48);
  std::string out;
  out.reserve(36);
  for (int w = 0; w < 2; ++w) {
    for (int nibble = 15; nibble >= 0; --nibble) {
      const std::size_t position = out.size();
      if (position == 8 || position == 13 || position == 18 || position == 23) out += '-';
      out += kHex[(words[static_cast<std::size_t>(w)] >> (nibble * 4)) & 0xf];
    }
  }
  return out;
}

std::string RandomGuid() { return GuidFromHash(RandomWord()); }

std::string RandomBase64Url(std::size_t bytes) {
  std::string raw;
  raw.reserve(bytes);
  while (raw.size() < bytes) raw += static_cast<char>(RandomWord() & 0xff);
  return Base64UrlEncode(raw);
}

std::string Base64UrlEncode(std::string_view bytes) { return Encode(bytes, kB64Url, false); }
std::optional<std::string> Base64UrlDecode(std::string_view text) { return Decode(text, true); }
std::string Base64Encode(std::string_view bytes) { return Encode(bytes, kB64, true); }
std::optional<std::string> Base64Decode(std::string_view text) { return Decode(text, false); }

std::string ToLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string ToUpper(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace emulator
