#include "auth/jwt.hpp"

#include <nlohmann/json.hpp>

#include <array>

#include "core/json_fields.hpp"

namespace auditsync {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// Value of each base64url character, -1 for any other byte.
constexpr std::array<int, 256> DecodeTable() {
  std::array<int, 256> table{};
  table.fill(-1);
  for (size_t i = 0; i < kAlphabet.size(); ++i) {
    table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int>(i);
  }
  return table;
}

}  // namespace

std::string Base64UrlEncode(std::string_view bytes) {
  std::string text;
  text.reserve((bytes.size() + 2) / 3 * 4);
  unsigned bits = 0;
  int count = 0;
  for (const unsigned char byte : bytes) {
    bits = (bits << 8) | byte;
    count += 8;
    while (count >= 6) {
      count -= 6;
      text += kAlphabet[(bits >> count) & 0x3f];
    }
  }
  if (count > 0) text += kAlphabet[(bits << (6 - count)) & 0x3f];
  return text;
}

std::optional<std::string> Base64UrlDecode(std::string_view text) {
  static constexpr auto kTable = DecodeTable();
  while (text.ends_with('=')) text.remove_suffix(1);
  if (text.size() % 4 == 1) return std::nullopt;  // no whole byte fits six bits
  std::string bytes;
  bytes.reserve(text.size() * 3 / 4);
  unsigned bits = 0;
  int count = 0;
  for (const unsigned char c : text) {
    const int value = kTable[c];
    if (value < 0) return std::nullopt;
    bits = (bits << 6) | static_cast<unsigned>(value);
    count += 6;
    if (count >= 8) {
      count -= 8;
      bytes += static_cast<char>((bits >> count) & 0xff);
    }
  }
  return bytes;
}

std::optional<JwtClaims> UnverifiedJwtClaims(std::string_view token) {
  const auto first = token.find('.');
  const auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  const auto text = Base64UrlDecode(token.substr(first + 1, second - first - 1));
  if (!text) return std::nullopt;
  const auto json = nlohmann::json::parse(*text, nullptr, false);
  if (!json.is_object()) return std::nullopt;
  JwtClaims claims;
  claims.issuer = StringField(json, "iss");
  claims.subject = StringField(json, "sub");
  if (const auto exp = json.find("exp"); exp != json.end() && exp->is_number_integer()) {
    claims.expires = Instant(std::chrono::seconds(exp->get<long long>()));
  }
  if (const auto roles = json.find("roles"); roles != json.end() && roles->is_array()) {
    for (const auto& role : *roles) {
      if (role.is_string()) claims.roles.push_back(role.get<std::string>());
    }
  }
  return claims;
}

}  // namespace auditsync
