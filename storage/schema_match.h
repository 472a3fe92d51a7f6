// Which schema a database's tables actually have, told from its user_version. The version lives
// in four header bytes (offset 60); damage there must not read as "a newer Switchyard wrote this".
// Every schema step changes sqlite_schema (a table, an index or a column's definition), so a
// database whose sqlite_schema is exactly that of a version this build knows *is* that version,
// whatever its header says — only a schema we do not know can be a newer one.
#pragma once

#include <optional>
#include <string>

namespace sy::store {

class Database;

// The known schema version whose tables, indexes and column definitions `db` has exactly, or
// nullopt when it matches none (a newer Switchyard's schema, or damage beyond one number).
std::optional<int> matching_schema_version(Database& db);

// The sentence for a database whose user_version (`version`) is above what this build reads or
// negative: damaged when its schema is one we know (or the number cannot be a version), else
// written by a newer Switchyard.
std::string version_beyond_message(Database& db, int64_t version, int latest_version);

}  // namespace sy::store
