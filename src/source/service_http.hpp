// The HTTP clients of one configuration, made one way for every service: the TLS trust store
// (ca_bundle), the proxy, the timeouts, the retries, and the hooks of the command that runs them.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "core/config.hpp"
#include "net/http_client.hpp"
#include "net/request_pacer.hpp"

namespace auditsync {

struct ConnectionHooks {
  std::function<bool()> cancelled;                       // polled during transfers
  std::function<void(std::chrono::milliseconds)> sleep;  // retry waits
};

// `machine_local`: for the managed identity endpoint on this machine (plain HTTP, no proxy).
// `pacer`: every request (each retry too) first takes a place in its budget, waiting for it
// through `hooks.sleep`.
std::unique_ptr<HttpClient> MakeHttpClient(const Config& config, const ConnectionHooks& hooks,
                                           bool machine_local, RequestPacer* pacer = nullptr);

}  // namespace auditsync
