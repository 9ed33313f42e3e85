// Facts about apps and users that come from outside the audit log: user profiles read from the
// directory (enrich_users) and app inventories (`auditsync import apps`). Private to the store
// module: SqliteStore's methods call these inside its transactions.
#pragma once

#include <string>
#include <vector>

#include "record/inventory_app.hpp"
#include "record/user_profile.hpp"
#include "store/model.hpp"
#include "store/sqlite/sqlite_db.hpp"

namespace auditsync::sqlite {

std::vector<std::string> UsersToEnrich(Database& db, Instant stale_before, size_t limit);
void SaveUserProfiles(Database& db, const std::vector<UserProfile>& profiles, Instant at);
InventoryOutcome UpsertInventory(Database& db, const std::vector<InventoryApp>& apps, Instant at);

}  // namespace auditsync::sqlite
