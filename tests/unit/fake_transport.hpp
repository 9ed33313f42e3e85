// A scripted HttpTransport for unit tests: answers queued responses (or throws queued transport
// errors) and records the requests it was sent.
#pragma once

#include <algorithm>
#include <cctype>
#include <deque>
#include <functional>
#include <variant>
#include <vector>

#include "auth/token_credential.hpp"
#include "net/http.hpp"
#include "net/http_client.hpp"

namespace auditsync::testing {

struct Dropped {};    // no response: the transport throws
struct Untrusted {};  // a TLS certificate that fails verification: not worth another attempt

class FakeTransport : public HttpTransport {
 public:
  using Answer = std::variant<HttpResponse, Dropped, Untrusted>;

  void Queue(long status, std::string body, HttpHeaders headers = {}) {
    answers.push_back(HttpResponse{status, std::move(headers), std::move(body)});
  }
  void QueueDrop() { answers.push_back(Dropped{}); }
  void QueueUntrusted() { answers.push_back(Untrusted{}); }

  HttpResponse Send(const HttpRequest& request) override {
    requests.push_back(request);
    if (responder) return responder(request);
    if (answers.empty()) throw TransportError("no scripted answer", "test");
    auto answer = std::move(answers.front());
    answers.pop_front();
    if (std::holds_alternative<Dropped>(answer)) {
      throw TransportError("connection dropped", "CURLE_RECV_ERROR");
    }
    if (std::holds_alternative<Untrusted>(answer)) {
      throw TransportError("certificate not trusted", "CURLE_PEER_FAILED_VERIFICATION", false);
    }
    return std::get<HttpResponse>(std::move(answer));
  }

  // A streamed 2xx body arrives in pieces of this many bytes, as from a network (0: whole).
  HttpResponse SendStreaming(const HttpRequest& request, BodyStream& stream) override {
    if (piece == 0) return HttpTransport::SendStreaming(request, stream);
    auto response = Send(request);
    if (response.status / 100 != 2) return response;
    for (size_t at = 0; at < response.body.size(); at += piece) {
      bool accepted = false;
      try {
        accepted = stream.Append(std::string_view(response.body).substr(at, piece));
      } catch (...) {
        append_threw = true;  // libcurl's C callback could not have let it through
        throw;
      }
      if (!accepted) throw TransportError("body refused", "CURLE_WRITE_ERROR");
    }
    response.body.clear();
    return response;
  }

  // When set, answers every request instead of the queue (for conversations routed by URL).
  std::function<HttpResponse(const HttpRequest&)> responder;
  size_t piece = 0;
  bool append_threw = false;  // a BodyStream broke its contract
  std::deque<Answer> answers;
  std::vector<HttpRequest> requests;
};

// The value of a request's header (names compared without case); empty when absent.
inline std::string HeaderOf(const HttpRequest& request, std::string_view name) {
  for (const auto& [key, value] : request.headers) {
    if (key.size() == name.size() &&
        std::equal(key.begin(), key.end(), name.begin(),
                   [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
      return value;
    }
  }
  return {};
}

// Hands out numbered tokens ("token-1", then "token-2" after an invalidation) and records the
// tokens invalidated (each is a sign-in again after a 401).
class NumberedCredential : public TokenCredential {
 public:
  std::string GetToken(std::string_view) override { return "token-" + std::to_string(issued); }
  void Invalidate(std::string_view, std::string_view token) override {
    rejected.emplace_back(token);
    ++issued;
  }
  int issued = 1;
  std::vector<std::string> rejected;
};

// An HttpClient over a new FakeTransport (left in `transport`) that retries `attempts` times
// without sleeping.
inline std::unique_ptr<HttpClient> MakeFakeHttpClient(FakeTransport*& transport, int attempts) {
  auto owned = std::make_unique<FakeTransport>();
  transport = owned.get();
  RetryEnvironment environment;
  environment.sleep = [](std::chrono::milliseconds) {};
  return std::make_unique<HttpClient>(
      std::move(owned),
      RetryOptions{attempts, std::chrono::milliseconds(1), std::chrono::milliseconds(1)},
      environment);
}

}  // namespace auditsync::testing
