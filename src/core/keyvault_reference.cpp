#include "core/keyvault_reference.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

#include "core/cloud.hpp"
#include "core/text.hpp"

namespace auditsync {
namespace {

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> segments;
  size_t start = 0;
  while (start <= path.size()) {
    const auto slash = path.find('/', start);
    const auto end = slash == std::string_view::npos ? path.size() : slash;
    segments.push_back(path.substr(start, end - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return segments;
}

bool IsAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// Azure's naming rules: a vault name is 3-24 letters, digits and single dashes, starting with a
// letter and not ending with a dash; a secret name 1-127 letters, digits and dashes; a version 32
// hexadecimal digits. Checking them here turns a pasted typo into an error that says so.
std::string VaultNameProblem(std::string_view name) {
  const bool valid =
      name.size() >= 3 && name.size() <= 24 &&
      std::isalpha(static_cast<unsigned char>(name.front())) != 0 && name.back() != '-' &&
      name.find("--") == std::string_view::npos &&
      std::all_of(name.begin(), name.end(), [](char c) { return IsAlnum(c) || c == '-'; });
  return valid ? ""
               : "the vault name `" + std::string(name) +
                     "` is not valid (3-24 letters, digits and dashes, starting with a letter)";
}

std::string SecretPartsProblem(std::string_view name, std::string_view version) {
  if (name.empty() || name.size() > 127 ||
      !std::all_of(name.begin(), name.end(), [](char c) { return IsAlnum(c) || c == '-'; })) {
    return "the secret name `" + std::string(name) +
           "` is not valid (1-127 letters, digits and dashes)";
  }
  if (!version.empty() &&
      (version.size() != 32 || !std::all_of(version.begin(), version.end(), [](char c) {
         return std::isxdigit(static_cast<unsigned char>(c)) != 0;
       }))) {
    return "the secret version `" + std::string(version) + "` is not 32 hexadecimal digits";
  }
  return "";
}

// `segments` after the vault: "secrets", name, optional version.
std::optional<KeyVaultReference> SecretPart(std::string_view vault, std::string_view suffix,
                                            const std::vector<std::string_view>& segments,
                                            size_t first, std::string& problem) {
  const size_t count = segments.size() - first;
  if ((count != 2 && count != 3) || !EqualsIgnoreCase(segments[first], "secrets")) {
    problem = "it does not end in /secrets/{name} or /secrets/{name}/{version}";
    return std::nullopt;
  }
  KeyVaultReference reference{Lowercase(vault), Lowercase(suffix), std::string(segments[first + 1]),
                              count == 3 ? Lowercase(segments[first + 2]) : ""};
  problem = VaultNameProblem(vault);
  if (problem.empty()) problem = SecretPartsProblem(reference.name, reference.version);
  if (!problem.empty()) return std::nullopt;
  return reference;
}

}  // namespace

std::string KeyVaultReference::VaultUrl() const { return "https://" + vault + "." + suffix; }

std::string KeyVaultReference::SecretUrl() const {
  return VaultUrl() + "/secrets/" + name + (version.empty() ? "" : "/" + version);
}

std::string KeyVaultReference::Describe() const {
  return "secret " + name + (version.empty() ? "" : " version " + version) + " of vault " + vault;
}

std::optional<KeyVaultReference> ParseKeyVaultReference(std::string_view text,
                                                        std::string_view suffix,
                                                        std::string& problem) {
  text = Trim(text);
  while (text.ends_with('/')) text.remove_suffix(1);
  if (text.find_first_of("?#") != std::string_view::npos) {
    problem = "it has a query string or fragment; give the secret's path only";
    return std::nullopt;
  }
  constexpr std::string_view kHttps = "https://";
  if (text.size() > kHttps.size() && EqualsIgnoreCase(text.substr(0, kHttps.size()), kHttps)) {
    const auto segments = SplitPath(text.substr(kHttps.size()));
    const auto authority = segments[0];
    const auto colon = authority.find(':');
    const auto host = authority.substr(0, colon);
    // An explicit port: 443, https's own, is dropped; another one stays part of the suffix.
    auto port = colon == std::string_view::npos ? "" : authority.substr(colon + 1);
    if (colon != std::string_view::npos &&
        (port.empty() || port.size() > 5 ||
         !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))) {
      problem = "its port `" + std::string(port) + "` is not a number";
      return std::nullopt;
    }
    if (port == "443") port = {};
    const auto dot = host.find('.');
    std::string host_suffix(dot == std::string_view::npos ? "" : host.substr(dot + 1));
    if (!port.empty()) host_suffix.append(":").append(port);
    if (!EqualsIgnoreCase(host_suffix, suffix) && !IsCloudKeyVaultSuffix(host_suffix)) {
      problem = "its host `" + std::string(authority) + "` is not {vault}." + std::string(suffix) +
                " (nor a vault host of another Azure cloud)";
      return std::nullopt;
    }
    return SecretPart(host.substr(0, dot), host_suffix, segments, 1, problem);
  }
  // /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.KeyVault/vaults/{vault}/...
  const auto segments = SplitPath(text);
  const std::string_view literals[] = {
      "", "subscriptions", "", "resourceGroups", "", "providers", "Microsoft.KeyVault", "vaults"};
  bool matches = segments.size() > std::size(literals);
  for (size_t i = 0; matches && i < std::size(literals); ++i) {
    // Even positions after the first are names (subscription, resource group): any non-empty.
    matches = literals[i].empty() ? (i == 0 ? segments[i].empty() : !segments[i].empty())
                                  : EqualsIgnoreCase(segments[i], literals[i]);
  }
  if (!matches) {
    problem =
        "it is neither /subscriptions/{id}/resourceGroups/{group}/providers/Microsoft.KeyVault/"
        "vaults/{vault}/secrets/{name} nor https://{vault}." +
        std::string(suffix) + "/secrets/{name}";
    return std::nullopt;
  }
  return SecretPart(segments[std::size(literals)], suffix, segments, std::size(literals) + 1,
                    problem);
}

}  // namespace auditsync
