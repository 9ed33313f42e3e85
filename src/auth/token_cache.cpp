#include "auth/token_cache.hpp"

#include <optional>

#include "core/log.hpp"

namespace auditsync {

CachedCredential::CachedCredential(std::unique_ptr<TokenSource> source, CacheOptions options)
    : source_(std::move(source)), options_(std::move(options)) {}

std::shared_ptr<CachedCredential::Slot> CachedCredential::SlotFor(std::string_view scope) {
  std::lock_guard lock(slots_mutex_);
  auto it = slots_.find(scope);
  if (it == slots_.end()) it = slots_.emplace(std::string(scope), std::make_shared<Slot>()).first;
  return it->second;
}

std::string CachedCredential::GetToken(std::string_view scope) {
  const auto slot = SlotFor(scope);
  std::unique_lock lock(slot->mutex);
  if (!slot->token.empty() && options_.now() < slot->renew_at) return slot->token;
  if (const auto sign_in = slot->in_progress) {
    spdlog::debug("waiting for the sign-in for {} in progress", scope);
    if (options_.on_wait) options_.on_wait(scope);
    slot->finished.wait(lock, [&sign_in] { return sign_in->done; });
    if (sign_in->failure) std::rethrow_exception(sign_in->failure);
    return sign_in->token;
  }
  const auto sign_in = std::make_shared<SignIn>();
  slot->in_progress = sign_in;
  lock.unlock();
  const auto now = options_.now();
  std::optional<AccessToken> token;
  try {
    token = source_->Fetch(scope);
  } catch (...) {
    sign_in->failure = std::current_exception();
  }
  lock.lock();
  if (token) {
    const auto life =
        std::max(std::chrono::seconds(1),
                 std::chrono::duration_cast<std::chrono::seconds>(token->expires_on - now));
    slot->renew_at = now + life - std::min(options_.refresh_margin, life / 2);
    slot->token = std::move(token->value);
    sign_in->token = slot->token;
    spdlog::debug("signed in for {} (token valid {} s)", scope, life.count());
  }
  sign_in->done = true;
  slot->in_progress.reset();
  slot->finished.notify_all();
  if (sign_in->failure) std::rethrow_exception(sign_in->failure);
  return sign_in->token;
}

void CachedCredential::Invalidate(std::string_view scope, std::string_view rejected) {
  const auto slot = SlotFor(scope);
  std::lock_guard lock(slot->mutex);
  if (slot->token == rejected) slot->token.clear();
}

}  // namespace auditsync
