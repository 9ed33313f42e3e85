#include "store/sqlite/directory_facts.hpp"

#include <unordered_set>

namespace auditsync::sqlite {
namespace {

int64_t Seconds(Instant instant) { return instant.time_since_epoch().count(); }

int64_t CountApps(Database& db) {
  Statement count(db, "SELECT count(*) FROM apps");
  count.Step();
  return count.Int(0);
}

}  // namespace

std::vector<std::string> UsersToEnrich(Database& db, Instant stale_before, size_t limit) {
  // Never read first, then the least recently read: a sync cut short by the limit (or a stop)
  // leaves the freshest profiles for later.
  Statement query(db, R"sql(
SELECT upn FROM users
WHERE enriched_at IS NULL OR enriched_at < ?1
ORDER BY enriched_at IS NOT NULL, enriched_at, user_key
LIMIT ?2)sql");
  query.Bind(1, Seconds(stale_before)).Bind(2, static_cast<int64_t>(limit));
  std::vector<std::string> upns;
  while (query.Step()) upns.push_back(query.Text(0));
  return upns;
}

void SaveUserProfiles(Database& db, const std::vector<UserProfile>& profiles, Instant at) {
  // A user the directory no longer knows (deleted since) keeps the profile read before: reports
  // of past launches still name the person. Either way enriched_at moves on, so that the user
  // is not asked again before the profile is stale.
  Statement found(db, R"sql(
UPDATE users SET display_name = ?2, department = ?3, job_title = ?4, city = ?5, country = ?6,
                 user_type = ?7, enriched_at = ?8
WHERE upn = ?1)sql");
  Statement not_found(db, "UPDATE users SET enriched_at = ?2 WHERE upn = ?1");
  for (const auto& profile : profiles) {
    if (profile.found) {
      found.Bind(1, profile.upn)
          .BindOptional(2, profile.display_name)
          .BindOptional(3, profile.department)
          .BindOptional(4, profile.job_title)
          .BindOptional(5, profile.city)
          .BindOptional(6, profile.country)
          .BindOptional(7, profile.user_type)
          .Bind(8, Seconds(at))
          .Run();
    } else {
      not_found.Bind(1, profile.upn).Bind(2, Seconds(at)).Run();
    }
  }
}

InventoryOutcome UpsertInventory(Database& db, const std::vector<InventoryApp>& apps, Instant at) {
  // Launch records are fresher evidence than an exported list: a name or an environment is taken
  // from the list only when no record gave one (and name_seen_at/environment_seen_at stay NULL,
  // so the next record that carries them wins). Record-derived facts (first seen, last launch,
  // deletion) are never touched. Owner and creation time come only from inventories, so the
  // newest list wins; a list without them keeps what an earlier one gave.
  Statement upsert(db, R"sql(
INSERT INTO apps (app_id, display_name, environment_id, environment_name, owner, created_on,
                  inventory_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
ON CONFLICT (app_id) DO UPDATE SET
  display_name = coalesce(display_name, excluded.display_name),
  environment_name = CASE WHEN environment_id IS NULL OR
                               (environment_id = excluded.environment_id AND
                                environment_name IS NULL)
                          THEN coalesce(excluded.environment_name, environment_name)
                          ELSE environment_name END,
  environment_id = coalesce(environment_id, excluded.environment_id),
  owner = coalesce(excluded.owner, owner),
  created_on = coalesce(excluded.created_on, created_on),
  inventory_at = excluded.inventory_at)sql");
  const int64_t before = CountApps(db);
  for (const auto& app : apps) {
    upsert.Bind(1, app.app_id)
        .BindOptional(2, app.name)
        .BindOptional(3, app.environment_id)
        .BindOptional(4, app.environment_name)
        .BindOptional(5, app.owner)
        .BindOptional(6, app.created ? std::optional(Seconds(*app.created)) : std::nullopt)
        .Bind(7, Seconds(at))
        .Run();
  }
  std::unordered_set<std::string_view> listed;
  for (const auto& app : apps) listed.insert(app.app_id);
  InventoryOutcome outcome;
  outcome.added = CountApps(db) - before;
  outcome.updated = static_cast<int64_t>(listed.size()) - outcome.added;
  return outcome;
}

}  // namespace auditsync::sqlite
