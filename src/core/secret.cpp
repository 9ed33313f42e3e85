#include "core/secret.hpp"

#include <fstream>
#include <istream>
#include <iterator>

#include "core/text.hpp"

namespace auditsync {

void WipeString(std::string& text) {
  // Within the capacity the resize allocates nothing; it makes the whole buffer, spare bytes
  // included, part of the string, so that every byte may be written.
  text.resize(text.capacity());
  volatile char* bytes = text.data();
  for (size_t i = 0; i < text.size(); ++i) bytes[i] = 0;
  text.clear();
}

bool Secret::Blank() const { return Trim(value_).empty(); }

Secret SecretFromText(std::string&& text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return Secret(std::move(text));
}

std::optional<Secret> SecretFromFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return std::nullopt;
  return SecretFromStream(file);
}

Secret SecretFromStream(std::istream& in) {
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return SecretFromText(std::move(text));
}

}  // namespace auditsync
