#include "net/curl_transport.hpp"

#include <curl/curl.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <vector>

#include "core/error.hpp"
#include "core/stop.hpp"
#include "core/text.hpp"

namespace auditsync {
namespace {

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// The trust anchors, built once per transport and shared by every TLS connection it opens: the
// system store (OpenSSL's default file and directory, SSL_CERT_FILE/SSL_CERT_DIR respected) plus
// the extra CA bundle. Left to itself, libcurl re-reads the whole system bundle for each new
// connection, which costs more CPU than parsing the records.
class TrustStore {
 public:
  explicit TrustStore(const std::string& extra_path) : store_(X509_STORE_new()) {
    if (store_ == nullptr || X509_STORE_set_default_paths(store_) != 1) {
      throw Error(ExitCode::kInternal, "cannot load the system's trusted certificates");
    }
    if (extra_path.empty()) return;
    FILE* file = std::fopen(extra_path.c_str(), "r");
    if (file == nullptr) throw ConfigError("ca_bundle " + extra_path + " cannot be opened.");
    int added = 0;
    while (X509* certificate = PEM_read_X509(file, nullptr, nullptr, nullptr)) {
      X509_STORE_add_cert(store_, certificate);
      X509_free(certificate);
      ++added;
    }
    std::fclose(file);
    if (added == 0) {
      throw ConfigError("ca_bundle " + extra_path +
                        " holds no PEM certificate. Give a file with -----BEGIN CERTIFICATE----- "
                        "blocks.");
    }
  }
  ~TrustStore() { X509_STORE_free(store_); }
  TrustStore(const TrustStore&) = delete;
  TrustStore& operator=(const TrustStore&) = delete;

  void InstallInto(SSL_CTX* context) const { SSL_CTX_set1_cert_store(context, store_); }

 private:
  X509_STORE* store_;
};

CURLcode InstallTrustStore(CURL*, void* ssl_context, void* user) {
  static_cast<const TrustStore*>(user)->InstallInto(static_cast<SSL_CTX*>(ssl_context));
  return CURLE_OK;
}

// Where one transfer's response goes: headers and status into `response`, and the body either
// into response.body or, for a 2xx response with a stream, piece by piece into the stream.
struct Receiver {
  HttpResponse response;
  BodyStream* stream = nullptr;
  CURL* curl = nullptr;
  long status = 0;  // read once the first body bytes arrive (the headers are complete then)
};

size_t WriteBody(char* data, size_t size, size_t count, void* user) {
  auto* receiver = static_cast<Receiver*>(user);
  const size_t bytes = size * count;
  if (receiver->stream != nullptr) {
    if (receiver->status == 0)
      curl_easy_getinfo(receiver->curl, CURLINFO_RESPONSE_CODE, &receiver->status);
    if (receiver->status >= 200 && receiver->status < 300) {
      // Anything but `bytes` makes libcurl abandon the transfer (CURLE_WRITE_ERROR).
      return receiver->stream->Append(std::string_view(data, bytes)) ? bytes : 0;
    }
  }
  auto* body = &receiver->response.body;
  if (body->capacity() < body->size() + bytes + kBodySlack) {
    // Grow geometrically, keeping the slack, so that appends stay amortised O(1).
    body->reserve(std::max(body->capacity() * 2, body->size() + bytes + kBodySlack));
  }
  body->append(data, bytes);
  return bytes;
}

size_t WriteHeader(char* data, size_t size, size_t count, void* user) {
  auto* receiver = static_cast<Receiver*>(user);
  auto* response = &receiver->response;
  std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {
    response->headers.clear();  // a new status line (after a 100 Continue or a proxy CONNECT)
    receiver->status = 0;
    return size * count;
  }
  const auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    const auto name = line.substr(0, colon);
    const auto value = Trim(line.substr(colon + 1));
    response->headers.emplace_back(std::string(name), std::string(value));
    // Knowing the size up front, the body is received into one buffer with no regrowth (unless
    // it is streamed, which is for bodies too large to hold).
    if (EqualsIgnoreCase(name, "content-length") && receiver->stream == nullptr) {
      const auto length = std::strtoull(std::string(value).c_str(), nullptr, 10);
      if (length > 0 && length < (1ULL << 31)) response->body.reserve(length + kBodySlack);
    }
  }
  return size * count;
}

// libcurl calls it about once a second and whenever data moves; non-zero aborts the transfer.
int AbortWhenCancelled(void* cancelled, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return (*static_cast<const std::function<bool()>*>(cancelled))() ? 1 : 0;
}

}  // namespace

struct CurlTransport::State {
  explicit State(CurlOptions o) : options(std::move(o)), trust(options.extra_ca_file) {}
  CurlOptions options;
  TrustStore trust;
  CURL* handle = nullptr;
};

CurlTransport::CurlTransport(CurlOptions options)
    : state_(std::make_unique<State>(std::move(options))) {
  GlobalInitOnce();
  state_->handle = curl_easy_init();
  if (state_->handle == nullptr) throw Error(ExitCode::kInternal, "libcurl failed to initialise");
}

CurlTransport::~CurlTransport() { curl_easy_cleanup(state_->handle); }

HttpResponse CurlTransport::Send(const HttpRequest& request) { return Perform(request, nullptr); }

HttpResponse CurlTransport::SendStreaming(const HttpRequest& request, BodyStream& stream) {
  return Perform(request, &stream);
}

HttpResponse CurlTransport::Perform(const HttpRequest& request, BodyStream* stream) {
  CURL* curl = state_->handle;
  // Reset keeps the connection cache, so consecutive pages reuse one TLS connection.
  curl_easy_reset(curl);
  Receiver receiver;
  receiver.stream = stream;
  receiver.curl = curl;
  HttpResponse& response = receiver.response;
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(state_->options.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(state_->options.connect_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR,
                   state_->options.machine_local ? "http,https" : "https");
  if (state_->options.machine_local) {
    curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
  } else if (!state_->options.proxy.empty()) {
    // libcurl still honours NO_PROXY from the environment for an explicit proxy.
    curl_easy_setopt(curl, CURLOPT_PROXY, state_->options.proxy.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");  // gzip and deflate when the server offers
  // curl loads no CA file of its own; the shared trust store is installed in each TLS context.
  curl_easy_setopt(curl, CURLOPT_CAINFO, nullptr);
  curl_easy_setopt(curl, CURLOPT_CAPATH, nullptr);
  curl_easy_setopt(curl, CURLOPT_SSL_CTX_FUNCTION, InstallTrustStore);
  curl_easy_setopt(curl, CURLOPT_SSL_CTX_DATA, &state_->trust);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &receiver);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, WriteHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &receiver);

  curl_slist* headers = nullptr;
  for (const auto& [name, value] : request.headers) {
    headers = curl_slist_append(headers, (name + ": " + value).c_str());
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  if (request.method == "POST") {
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(request.body.size()));
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
  } else if (request.method != "GET") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  if (state_->options.cancelled) {
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, AbortWhenCancelled);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &state_->options.cancelled);
  }
  char error_buffer[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);

  const CURLcode code = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  if (code == CURLE_ABORTED_BY_CALLBACK) throw Interrupted();
  if (code != CURLE_OK) {
    const std::string detail = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(code);
    std::string hint;
    if (code == CURLE_WRITE_ERROR && stream != nullptr) {
      hint = " The response body was refused as garbled (not the JSON expected).";
    }
    const bool untrusted =
        code == CURLE_PEER_FAILED_VERIFICATION || code == CURLE_SSL_CACERT_BADFILE;
    if (untrusted) {
      hint =
          " The server's TLS certificate is not trusted: behind a TLS-inspecting proxy, set "
          "ca_bundle to the proxy's CA file.";
    }
    throw TransportError(
        request.method + " " + RedactUrl(request.url) + " failed: " + detail + "." + hint,
        curl_easy_strerror(code), /*retryable=*/!untrusted);
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  return std::move(response);
}

}  // namespace auditsync
