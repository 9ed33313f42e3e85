// National cloud presets: the endpoints that `cloud = commercial | gcc | gcchigh | dod` implies.
// Each value stays overridable by its own setting (authority, graph_url).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace auditsync {

struct CloudEndpoints {
  std::string_view name;
  std::string_view authority;  // Entra authority root
  std::string_view graph_url;  // Microsoft Graph root
};

// Returns the preset for a cloud name (case-insensitive), or nullopt for an unknown one.
std::optional<CloudEndpoints> FindCloud(std::string_view name);

// "commercial, gcc, gcchigh, dod": for help texts and error messages.
std::string CloudNames();

}  // namespace auditsync
