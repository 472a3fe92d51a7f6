// The store's schema as a list of migration steps. Step N turns a version N-1 database into a
// version N one; PRAGMA user_version holds the version a database has reached, and the
// application_id marks the file as Switchyard's. docs/storage.md describes every table.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sy::store {

class Database;

// "SWYD" in the file header (offset 68), so a Switchyard database is told from any other SQLite
// file by its first 100 bytes.
constexpr uint32_t kApplicationId = 0x53575944;

struct Migration {
  int version;          // the user_version this step leads to (1 = the first schema)
  const char* summary;  // one line, for docs and error messages
  const char* sql;      // runs inside the migration's transaction
};

// All steps, in order; the last one's version is the current schema version.
const std::vector<Migration>& migrations();
int latest_schema_version();

// The tables a database of `version` holds (for the check that a file is whole).
std::vector<std::string> tables_of_version(int version);

// Brings `db` from its user_version up to `target` (<= latest) in one IMMEDIATE transaction:
// every step, the new user_version and the application_id commit together or not at all.
// Foreign keys are switched off around it, as SQLite's guide to schema changes asks (a future
// step may rebuild a table), and a foreign_key_check must pass before the commit.
// Throws StoreError naming the step when one fails; a database already at `target` is untouched.
void migrate(Database& db, int target);

}  // namespace sy::store
