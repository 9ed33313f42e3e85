// The Office 365 Management Activity API (microsoft-apis.md §5): the Audit.General subscription,
// content listings (followed by their NextPageUri header to the end) and content blobs (read as
// they arrive, through a BlobReader). Every call carries PublisherIdentifier, and every error is
// explained by its AF code (af_errors.hpp).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "auth/token_credential.hpp"
#include "core/time.hpp"
#include "net/http_client.hpp"
#include "record/blob_reader.hpp"
#include "source/bearer_client.hpp"

namespace auditsync {

struct ManagementOptions {
  std::string management_url;        // e.g. https://manage.office.com, no trailing slash
  std::string tenant_id;             // the tenant GUID (AF20013 otherwise)
  std::string publisher_identifier;  // a tenant GUID: the calls' own throttling pool
  std::string content_type = "Audit.General";
};

struct ContentBlob {
  std::string content_id;
  std::string content_uri;  // where to fetch it, as listed
  Instant created{};        // contentCreated: when it became available (readable 7 days)
};

struct ContentListingPage {
  std::vector<ContentBlob> blobs;
  std::string next_page;  // the NextPageUri (or NextPageUrl) header; empty on the last page
};

struct Subscription {
  std::string content_type;
  std::string status;  // enabled, disabled
  bool webhook = false;
  bool already_enabled = false;  // StartSubscription found it running: nothing changed
};

// No subscription to the content type is enabled (AF20022): start one first.
class SubscriptionMissing : public ServiceError {
 public:
  using ServiceError::ServiceError;
};

// The blob is more than 7 days old (AF20051): its records can no longer be read.
class ContentExpired : public ServiceError {
 public:
  using ServiceError::ServiceError;
};

class ManagementClient {
 public:
  // Throws Error(kInternal) when options.publisher_identifier is empty.
  ManagementClient(HttpClient& http, TokenCredential& credential, ManagementOptions options);
  // The same over an HTTP client of its own (a thread's connections).
  ManagementClient(std::unique_ptr<HttpClient> http, TokenCredential& credential,
                   ManagementOptions options);

  // The scope of its tokens: `{management_url}/.default`.
  const std::string& Scope() const { return bearer_.Scope(); }
  const ManagementOptions& Options() const { return options_; }

  // Starts the subscription to the content type; one already enabled is left as it is. Returns
  // its state as the API reports it.
  Subscription StartSubscription();
  // Stops it: content published while it is stopped is never available.
  void StopSubscription();
  std::vector<Subscription> ListSubscriptions();

  // The first page of the content listing for blobs created in [start, end): at most 24 hours,
  // starting no more than 7 days back.
  std::string ContentListingUrl(Instant start, Instant end) const;
  // One page of a listing: the first (ContentListingUrl) or one a NextPageUri named. Throws
  // SubscriptionMissing when there is no subscription.
  ContentListingPage ListContent(const std::string& url);

  // Downloads a blob into `reader` (restarted for each attempt), calling `deliver` with the
  // records read whenever `batch` of them wait, and with the rest at the end. Records delivered
  // by an attempt that then failed are delivered again by the next: they are stored
  // idempotently. Returns the records the blob holds, of every operation. Throws ContentExpired
  // when the blob is too old.
  int64_t FetchBlob(const ContentBlob& blob, BlobReader& reader, size_t batch,
                    const std::function<void(RecordPage)>& deliver);

 private:
  std::string FeedUrl(const std::string& path) const;
  // The URL with PublisherIdentifier, added when the server's link lacks it.
  std::string WithPublisher(std::string url) const;
  HttpResponse Call(const std::string& method, const std::string& url, SendOptions send);
  [[noreturn]] void ThrowFor(const std::string& url, const HttpResponse& response,
                             const std::string& action) const;

  std::unique_ptr<HttpClient> owned_http_;  // null when the HTTP client is the caller's
  BearerClient bearer_;
  ManagementOptions options_;
};

}  // namespace auditsync
