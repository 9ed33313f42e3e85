#include "auth/token_cache.hpp"

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
  std::lock_guard refresh(slot->refresh);
  const auto now = options_.now();
  if (!slot->token.empty() && now < slot->renew_at) return slot->token;
  auto token = source_->Fetch(scope);
  const auto life =
      std::max(std::chrono::seconds(1),
               std::chrono::duration_cast<std::chrono::seconds>(token.expires_on - now));
  slot->renew_at = now + life - std::min(options_.refresh_margin, life / 2);
  slot->token = std::move(token.value);
  spdlog::debug("signed in for {} (token valid {} s)", scope, life.count());
  return slot->token;
}

void CachedCredential::Invalidate(std::string_view scope) {
  const auto slot = SlotFor(scope);
  std::lock_guard refresh(slot->refresh);
  slot->token.clear();
}

}  // namespace auditsync
