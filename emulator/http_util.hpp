// Response helpers shared by the Entra and Graph routes: error bodies in each service's exact
// shape (reference §3.4 and §6.2), the base URL a request came to, form decoding.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

namespace emulator {

// Graph's real content type. Deliberately not plain `application/json`: clients must accept
// parameters, and cpp-httplib then never gzips these bodies (fault truncation stays exact).
inline constexpr char kGraphContentType[] =
    "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;"
    "charset=utf-8";
inline constexpr char kEntraContentType[] = "application/json; charset=utf-8";

// The ids every Graph response carries, and the application roles of the caller's token.
struct GraphCall {
  std::string request_id;
  std::string client_request_id;
  std::vector<std::string> roles;
};

// `https://` plus the Host header, i.e. the scheme and authority the client used
// (https://127.0.0.1:PORT or https://localhost:PORT). Falls back to localhost and `port`.
std::string BaseUrl(const httplib::Request& request, int port);

// {"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}
nlohmann::ordered_json GraphErrorBody(int status, std::string_view code, std::string_view message,
                                      const GraphCall& call);
void SendGraphError(httplib::Response& response, int status, std::string_view code,
                    std::string_view message, const GraphCall& call);

// Entra's OAuth error body: error, error_description ("AADSTSnnnn: ..." plus the Trace ID,
// Correlation ID and Timestamp lines), error_codes, timestamp, trace_id, correlation_id,
// error_uri.
void SendEntraError(const httplib::Request& request, httplib::Response& response, int status,
                    std::string_view error, int code, std::string_view message, int port);

// Retry-After value in seconds, fractional when needed ("0.05", "2").
std::string FormatRetryAfter(double seconds);

// application/x-www-form-urlencoded body to a map (the last value of a repeated name wins).
std::map<std::string, std::string> ParseForm(std::string_view body);
std::string PercentDecode(std::string_view text, bool plus_is_space);

}  // namespace emulator
