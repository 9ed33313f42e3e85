// A request as cpp-httplib hands it to a route handler, and the handler's response: for tests
// that call the route handlers without HTTP.
#pragma once

#include <httplib.h>

#include <regex>
#include <string>

#include <nlohmann/json.hpp>

#include "http_util.hpp"

namespace emulator::test_support {

struct RouteExchange {
  // `target` is the request line's target (path and query string, not decoded); `route` the
  // server's pattern for it, whose captures become request.matches. `matches` points into
  // request.path, which is why an exchange is neither copied nor moved.
  RouteExchange(std::string method, const std::string& target, const std::regex& route,
                std::string body = {}) {
    request.method = std::move(method);
    request.target = target;
    request.path = PercentDecode(target.substr(0, target.find('?')), false);
    request.body = std::move(body);
    std::regex_match(request.path, request.matches, route);
  }
  RouteExchange(const RouteExchange&) = delete;
  RouteExchange& operator=(const RouteExchange&) = delete;

  nlohmann::json Body() const { return nlohmann::json::parse(response.body); }

  httplib::Request request;
  httplib::Response response;
};

}  // namespace emulator::test_support
