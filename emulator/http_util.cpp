#include "http_util.hpp"

#include <chrono>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/time.hpp"
#include "ids.hpp"

namespace emulator {

std::string BaseUrl(const httplib::Request& request, int port) {
  std::string host = request.get_header_value("Host");
  if (host.empty()) host = fmt::format("localhost:{}", port);
  return "https://" + host;
}

nlohmann::ordered_json GraphErrorBody(int status, std::string_view code, std::string_view message,
                                      const GraphCall& call) {
  // innerError.date has no zone in real responses ("2025-06-01T12:00:00").
  std::string date = auditsync::FormatIso8601(auditsync::NowUtc());
  date.pop_back();
  nlohmann::ordered_json inner = {
      {"date", date},
      {"request-id", call.request_id},
      {"client-request-id", call.client_request_id},
  };
  if (status == 429) {
    // §6.1: throttling bodies also carry the status in the inner error.
    inner["code"] = "429";
    inner["message"] = "Please retry after";
    inner["status"] = "429";
  }
  return {
      {"error", {{"code", code}, {"message", message}, {"innerError", inner}}},
  };
}

void SendGraphError(httplib::Response& response, int status, std::string_view code,
                    std::string_view message, const GraphCall& call) {
  response.status = status;
  response.set_content(GraphErrorBody(status, code, message, call).dump(), kGraphContentType);
}

void SendEntraError(const httplib::Request& request, httplib::Response& response, int status,
                    std::string_view error, int code, std::string_view message, int port) {
  const std::string trace_id = RandomGuid();
  const std::string correlation_id = RandomGuid();
  // Entra's timestamp form: "2025-06-01 02:02:12Z".
  std::string timestamp = auditsync::FormatIso8601(auditsync::NowUtc());
  timestamp[10] = ' ';
  const nlohmann::ordered_json body = {
      {"error", error},
      {"error_description",
       fmt::format("AADSTS{}: {}\r\nTrace ID: {}\r\nCorrelation ID: {}\r\nTimestamp: {}", code,
                   message, trace_id, correlation_id, timestamp)},
      {"error_codes", {code}},
      {"timestamp", timestamp},
      {"trace_id", trace_id},
      {"correlation_id", correlation_id},
      {"error_uri", fmt::format("{}/error?code={}", BaseUrl(request, port), code)},
  };
  response.status = status;
  response.set_header("Cache-Control", "no-store, no-cache");
  response.set_header("x-ms-request-id", trace_id);
  response.set_content(body.dump(), kEntraContentType);
}

std::string FormatRetryAfter(double seconds) {
  if (seconds < 0) seconds = 0;
  return fmt::format("{}", seconds);
}

std::string PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+' && plus_is_space) {
      out += ' ';
    } else if (c == '%' && i + 2 < text.size() && hex(text[i + 1]) >= 0 && hex(text[i + 2]) >= 0) {
      out += static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2]));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

std::map<std::string, std::string> ParseForm(std::string_view body) {
  std::map<std::string, std::string> form;
  while (!body.empty()) {
    const auto amp = body.find('&');
    const std::string_view pair = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view{} : body.substr(amp + 1);
    if (pair.empty()) continue;
    const auto equals = pair.find('=');
    const std::string name = PercentDecode(pair.substr(0, equals), true);
    const std::string value =
        equals == std::string_view::npos ? "" : PercentDecode(pair.substr(equals + 1), true);
    form[name] = value;
  }
  return form;
}

}  // namespace emulator
