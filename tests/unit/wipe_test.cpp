// No buffer freed during a sign-in holds the client secret: every heap block freed while a test
// watches is searched for it (this executable replaces the global operator new and delete), so a
// request body or a temporary copy that is freed without being wiped is found.
#include <gtest/gtest.h>
#include <malloc.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>

#include "auth/client_proof.hpp"
#include "auth/entra_credential.hpp"
#include "unit/fake_transport.hpp"

namespace {

std::atomic<bool> watching{false};
std::atomic<int> found{0};
std::string_view watched[2];

void Inspect(void* block) {
  if (block == nullptr || !watching.load(std::memory_order_relaxed)) return;
  const size_t size = malloc_usable_size(block);
  for (const auto text : watched) {
    if (!text.empty() && memmem(block, size, text.data(), text.size()) != nullptr) ++found;
  }
}

}  // namespace

void* operator new(std::size_t size) {
  if (void* block = std::malloc(size == 0 ? 1 : size)) return block;
  throw std::bad_alloc();
}
void operator delete(void* block) noexcept {
  Inspect(block);
  std::free(block);
}
void operator delete(void* block, std::size_t) noexcept {
  Inspect(block);
  std::free(block);
}

namespace auditsync {
namespace {

// Long enough to live on the heap, not in a string's small buffer.
constexpr std::string_view kSecret = "client-secret-value/with+chars=that-get-encoded";
constexpr std::string_view kEncoded = "client-secret-value%2Fwith%2Bchars%3Dthat-get-encoded";

TEST(Wipe, NoFreedBufferHoldsTheClientSecretOfATokenRequest) {
  testing::FakeTransport* transport = nullptr;
  auto http = testing::MakeFakeHttpClient(transport, 2);
  transport->requests.reserve(8);  // its copies of the requests stay alive until the end
  EntraTokenSource source(*http, {"https://login.example", "contoso.onmicrosoft.com", "app-id"},
                          SecretProof([] { return Secret(std::string(kSecret)); }));
  transport->Queue(503, "{}");  // retried: the same body is sent twice
  transport->Queue(200, R"({"access_token":"t","expires_in":3599})");
  transport->Queue(401, R"({"error":"invalid_client","error_codes":[7000215]})");
  watched[0] = kSecret;
  watched[1] = kEncoded;
  watching = true;
  const auto token = source.Fetch("https://graph.example/.default");
  EXPECT_THROW(source.Fetch("https://graph.example/.default"), AuthError);
  watching = false;
  EXPECT_EQ(token.value, "t");
  ASSERT_EQ(transport->requests.size(), 3u);
  EXPECT_NE(transport->requests[0].body.find(kEncoded), std::string::npos);  // it was sent
  EXPECT_EQ(found.load(), 0);
}

}  // namespace
}  // namespace auditsync
