#include "source/management/management_client.hpp"

#include <nlohmann/json.hpp>

#include "core/json_fields.hpp"
#include "core/log.hpp"
#include "core/text.hpp"
#include "source/management/af_errors.hpp"

namespace auditsync {
namespace {

// startTime and endTime in the form the API documents (UTC, no zone designator).
std::string ListingTime(Instant instant) {
  auto text = FormatIso8601(instant);
  text.pop_back();  // the Z
  return text;
}

// Receives a blob's body into a BlobReader and hands its records over in batches. Append runs
// inside libcurl's C write callback, which no exception may cross: a failure of the reader or of
// `deliver` is kept, the transfer abandoned (a short count), and the failure rethrown once the
// HTTP client returns, or by the next attempt's Restart (it is not the connection's fault, so
// another attempt would meet it again).
class BlobStream : public BodyStream {
 public:
  BlobStream(BlobReader& reader, size_t batch, const std::function<void(RecordPage)>& deliver)
      : reader_(reader), batch_(batch), deliver_(deliver) {}

  void Restart() override {
    RethrowFailure();
    reader_.Restart();
  }
  bool Append(std::string_view bytes) override {
    if (failure_) return false;
    try {
      if (!reader_.Append(bytes)) return false;
      if (reader_.Waiting() >= batch_) deliver_(reader_.Take());
      return true;
    } catch (...) {
      failure_ = std::current_exception();
      return false;
    }
  }
  void RethrowFailure() const {
    if (failure_) std::rethrow_exception(failure_);
  }

 private:
  BlobReader& reader_;
  size_t batch_;
  const std::function<void(RecordPage)>& deliver_;
  std::exception_ptr failure_;
};

// Accepts a 2xx body that is a JSON object (or array), parsed into `json`; anything else is a
// garbled answer, retried.
SendOptions ExpectJson(nlohmann::json& json, bool array) {
  SendOptions send;
  send.accept = [&json, array](const HttpResponse& response) {
    json = nlohmann::json::parse(response.body, nullptr, false);
    return array ? json.is_array() : json.is_object();
  };
  return send;
}

Subscription ReadSubscription(const nlohmann::json& item) {
  Subscription subscription;
  subscription.content_type = StringField(item, "contentType");
  subscription.status = StringField(item, "status");
  subscription.webhook =
      item.is_object() && item.contains("webhook") && item["webhook"].is_object();
  return subscription;
}

}  // namespace

ManagementClient::ManagementClient(HttpClient& http, TokenCredential& credential,
                                   ManagementOptions options)
    : bearer_(
          http, credential,
          BearerService{options.management_url, "management_url", "the Management Activity API"}),
      options_(std::move(options)) {
  // Without it every call lands in the throttling pool all tenants share; the configuration
  // resolves it (default tenant_id) for every command that builds this client.
  if (options_.publisher_identifier.empty()) {
    throw Error(ExitCode::kInternal,
                "a Management Activity API client was built without PublisherIdentifier (a bug "
                "of auditsync: please report it)");
  }
}

ManagementClient::ManagementClient(std::unique_ptr<HttpClient> http, TokenCredential& credential,
                                   ManagementOptions options)
    : ManagementClient(*http, credential, std::move(options)) {
  owned_http_ = std::move(http);
}

std::string ManagementClient::FeedUrl(const std::string& path) const {
  return options_.management_url + "/api/v1.0/" + options_.tenant_id + "/activity/feed/" + path;
}

std::string ManagementClient::WithPublisher(std::string url) const {
  // A dedicated throttling pool is chosen by this parameter; a link from the server that drops
  // it would put the call into the pool shared by every tenant.
  if (Lowercase(url).find("publisheridentifier=") != std::string::npos) return url;
  url += url.find('?') == std::string::npos ? '?' : '&';
  return url + "PublisherIdentifier=" + options_.publisher_identifier;
}

HttpResponse ManagementClient::Call(const std::string& method, const std::string& url,
                                    SendOptions send) {
  HttpRequest request;
  request.method = method;
  request.url = WithPublisher(url);
  request.headers = {{"Accept", "application/json"}};
  if (method == "POST") request.headers.emplace_back("Content-Type", "application/json");
  send.throttled = [](const HttpResponse& response) {
    return IsAfThrottling(response.status, response.body);
  };
  return bearer_.Send(std::move(request), send);
}

void ManagementClient::ThrowFor(const std::string& url, const HttpResponse& response,
                                const std::string& action) const {
  const auto body = ParseAfErrorBody(response.body).value_or(AfErrorBody{});
  std::string request_id(response.Header("request-id"));
  if (request_id.empty()) request_id = response.Header("x-ms-request-id");
  const ServiceError::Details details{response.status, body.code, request_id, RedactUrl(url)};
  std::string message = FailureText(action, response.status, body.code, body.message, request_id);
  if (const auto* known = FindAfError(body.code)) {
    message += ": " + std::string(known->meaning) + ". " + std::string(known->fix);
    if (known->code == "AF20022") throw SubscriptionMissing(known->exit, message, details);
    if (known->code == "AF20051") throw ContentExpired(known->exit, message, details);
    if (known->exit == ExitCode::kAuthentication) throw AuthError(message, details);
    throw ServiceError(known->exit, message, details);
  }
  if (response.status == 401) {
    throw AuthError(message + ". The Management Activity API rejected a fresh token: check that " +
                        "management_url (" + options_.management_url +
                        ") is the API of the tenant's cloud.",
                    details);
  }
  if (response.status == 403) {
    throw AuthError(message + ". The app registration needs the Office 365 Management APIs " +
                        "application permission ActivityFeed.Read with admin consent, and " +
                        "unified audit logging must be on in the tenant.",
                    details);
  }
  if (response.status == 404) {
    message += ". Nothing answers at " + RedactUrl(url) + ": check management_url";
  }
  throw ServiceError(message + ".", details);
}

Subscription ManagementClient::StartSubscription() {
  const auto url = FeedUrl("subscriptions/start?contentType=" + options_.content_type);
  nlohmann::json json;
  const auto response = Call("POST", url, ExpectJson(json, false));
  if (response.status == 200 || response.status == 201) return ReadSubscription(json);
  // Starting a running subscription is refused as "already enabled" (CoE setup doc): harmless.
  const auto body = ParseAfErrorBody(response.body);
  if (response.status == 400 && body &&
      (body->code == "AF20024" ||
       Lowercase(body->message).find("already enabled") != std::string::npos)) {
    for (auto& subscription : ListSubscriptions()) {
      if (EqualsIgnoreCase(subscription.content_type, options_.content_type)) {
        subscription.already_enabled = true;
        return subscription;
      }
    }
    return Subscription{options_.content_type, "enabled", false, true};
  }
  ThrowFor(url, response, "starting the " + options_.content_type + " subscription");
}

void ManagementClient::StopSubscription() {
  const auto url = FeedUrl("subscriptions/stop?contentType=" + options_.content_type);
  const auto response = Call("POST", url, {});
  if (response.status / 100 != 2) {
    ThrowFor(url, response, "stopping the " + options_.content_type + " subscription");
  }
}

std::vector<Subscription> ManagementClient::ListSubscriptions() {
  const auto url = FeedUrl("subscriptions/list");
  nlohmann::json json;
  const auto response = Call("GET", url, ExpectJson(json, true));
  if (response.status != 200) ThrowFor(url, response, "listing subscriptions");
  std::vector<Subscription> subscriptions;
  for (const auto& item : json) subscriptions.push_back(ReadSubscription(item));
  return subscriptions;
}

std::string ManagementClient::ContentListingUrl(Instant start, Instant end) const {
  return FeedUrl("subscriptions/content?contentType=" + options_.content_type +
                 "&startTime=" + ListingTime(start) + "&endTime=" + ListingTime(end));
}

ContentListingPage ManagementClient::ListContent(const std::string& url) {
  nlohmann::json json;
  const auto response = Call("GET", url, ExpectJson(json, true));
  if (response.status != 200) {
    ThrowFor(url, response, "listing " + options_.content_type + " content");
  }
  ContentListingPage page;
  for (const auto& item : json) {
    ContentBlob blob;
    blob.content_id = StringField(item, "contentId");
    blob.content_uri = StringField(item, "contentUri");
    const auto created = ParseIso8601(StringField(item, "contentCreated"));
    if (blob.content_id.empty() || blob.content_uri.empty() || !created) {
      throw ServiceError(
          "the content listing holds an entry without contentId, contentUri or "
          "contentCreated; the listing is retried by the next sync.",
          {response.status, "BadListing", "", RedactUrl(url)});
    }
    blob.created = *created;
    page.blobs.push_back(std::move(blob));
  }
  // The docs spell the header NextPageUri and, in places, NextPageUrl (names match without case).
  page.next_page = std::string(response.Header("NextPageUri"));
  if (page.next_page.empty()) page.next_page = std::string(response.Header("NextPageUrl"));
  if (!page.next_page.empty() && page.next_page == WithPublisher(url)) {
    throw ServiceError(
        "the content listing names itself as its next page; the listing is "
        "retried by the next sync.",
        {response.status, "RepeatingNextPage", "", RedactUrl(url)});
  }
  return page;
}

int64_t ManagementClient::FetchBlob(const ContentBlob& blob, BlobReader& reader, size_t batch,
                                    const std::function<void(RecordPage)>& deliver) {
  BlobStream stream(reader, batch, deliver);
  SendOptions send;
  send.stream = &stream;
  // A body cut short (a dropped connection that still looked complete) is retried.
  send.accept = [&reader](const HttpResponse&) { return reader.Complete(); };
  HttpResponse response;
  try {
    response = Call("GET", blob.content_uri, send);
  } catch (const TransportError&) {
    stream.RethrowFailure();  // the transfer was abandoned because of it
    throw;
  }
  stream.RethrowFailure();
  if (response.status != 200)
    ThrowFor(blob.content_uri, response, "reading content blob " + blob.content_id);
  if (reader.Waiting() > 0) deliver(reader.Take());
  return reader.RecordsRead();
}

}  // namespace auditsync
