// Fake Azure Key Vault data plane (reference §4): GET /secrets/{name}[/{version}]?api-version=...
// answers a SecretBundle to a bearer token this emulator issued for https://vault.azure.net.
// The route ignores the Host header, so the client can use the emulator's address as its vault.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include <httplib.h>

#include "entra.hpp"

namespace emulator {

struct VaultSettings {
  std::map<std::string, std::string> secrets;  // name -> value; values never logged
  bool deny = false;  // every authenticated request gets 403 (no role, or the vault firewall)
  std::string tenant_id;
  std::string client_id;
  int port = 0;
};

// KeyVaultError: {"error":{"code","message"[,"innererror":{"code"}]}}.
void SendVaultError(httplib::Response& response, int status, std::string_view code,
                    const std::string& message, std::string_view inner_code = {});

class KeyVaultService {
 public:
  KeyVaultService(VaultSettings settings, const TokenTable& tokens);

  // Route handler; request.matches[1] is the name, matches[2] the version (may be empty).
  void GetSecret(const httplib::Request& request, httplib::Response& response) const;

  // The version id of a secret: 32 hex digits, fixed for a name.
  static std::string VersionOf(const std::string& name);

 private:
  VaultSettings settings_;
  const TokenTable& tokens_;
  std::int64_t created_;  // the secrets' created/updated attribute: when the server started
};

}  // namespace emulator
