// Reading fields of JSON documents from services without trusting their types: a field that is
// missing, null or of another type reads as empty, never as an exception.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace auditsync {

inline std::string StringField(const nlohmann::json& object, std::string_view key) {
  if (!object.is_object()) return {};
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace auditsync
