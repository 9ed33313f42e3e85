// Fault injection: a spec such as `429=0.05,503=0.03,drop=0.02` gives each fault kind a
// probability per request, drawn from a PRNG seeded with --fault-seed. One draw per request
// picks at most one fault, so the probabilities add up (and must not exceed 1). A `storm` lasts
// beyond the request that drew it: the requests that follow get 429 without drawing.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ids.hpp"

namespace emulator {

enum class FaultKind : std::uint8_t {
  k429,              // 429 TooManyRequests with Retry-After
  k429NoRetryAfter,  // the same without the header
  k503,              // 503 with Retry-After
  k504,              // 504 gateway timeout
  kDrop,             // the handler runs (side effects happen), then the connection dies mid-body
  kTruncate,         // a success whose JSON body is cut in half (Content-Length matches the cut)
  kTokenExpiry,      // 401 InvalidAuthenticationToken, and the presented token is revoked
  kStorm,            // 429, and 429 again for the next kStormMin..kStormMax requests
  kNone,
};
inline constexpr std::size_t kFaultKinds = 8;
inline constexpr int kStormMin = 5;
inline constexpr int kStormMax = 20;

// The fault of one request.
struct Fault {
  FaultKind kind = FaultKind::kNone;
  // The response carries Retry-After: always for 429 and 503, every other response of a storm
  // (starting with the first).
  bool retry_after = false;
};

std::string_view FaultName(FaultKind kind);

// Which faults a route can suffer: the token endpoints never see 504 or token expiry.
enum class RouteClass : std::uint8_t { kToken, kGraph };

struct FaultSpec {
  std::array<double, kFaultKinds> probability{};
  std::string text;  // canonical form, for GET /_emulator/faults and the logs
};

// Parses a spec; empty text means no faults. On failure returns nullopt and sets `error`.
std::optional<FaultSpec> ParseFaultSpec(std::string_view text, std::string& error);

class FaultInjector {
 public:
  FaultInjector(FaultSpec spec, std::uint64_t seed) : spec_(std::move(spec)), random_(seed) {}

  // Also ends a storm in progress (turning faults off turns them all off).
  void Replace(FaultSpec spec);
  FaultSpec Current() const;
  // Inside a storm, the storm's next 429 without drawing. Else draws once: kNone when no fault,
  // or when the drawn fault does not apply to the route class (so each kind keeps its stated
  // probability on every route it applies to); a drawn storm also draws its length.
  Fault Decide(RouteClass route);

 private:
  Fault NextStormResponse();

  mutable std::mutex mutex_;
  FaultSpec spec_;
  Stream random_;
  int storm_left_ = 0;              // storm responses still to come
  bool storm_retry_after_ = false;  // whether the previous storm response had Retry-After
};

// The replies of successive successful query creations, faulted in a given order
// (--create-reply-faults drop,truncate): a test can count on the client losing the reply of a
// create, which drawn faults only hit now and then.
class CreateReplyFaults {
 public:
  explicit CreateReplyFaults(std::vector<FaultKind> script = {}) : script_(std::move(script)) {}
  // The fault of the next successful creation's reply: kNone once the script is used up.
  FaultKind Next();

 private:
  std::mutex mutex_;
  std::vector<FaultKind> script_;
  std::size_t next_ = 0;
};

// Parses `drop,truncate,none,...` (empty: no faults). On failure returns nullopt and sets `error`.
std::optional<std::vector<FaultKind>> ParseCreateReplyFaults(std::string_view text,
                                                             std::string& error);

// The stats and log name of a scripted fault on a create reply: "create-drop", "create-truncate".
std::string_view CreateReplyFaultName(FaultKind kind);

}  // namespace emulator
