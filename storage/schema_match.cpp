// Matching a database's schema against the schemas of the known versions; see schema_match.h.
// The reference schemas are made by running the migrations into in-memory databases, so they are
// exactly what this build (and its SQLite) writes.
#include "storage/schema_match.h"

#include <sqlite3.h>

#include <map>
#include <vector>

#include "storage/database.h"
#include "storage/db_file.h"
#include "storage/schema.h"

namespace sy::store {

namespace {

// Every object of the schema with its SQL, ordered; SQLite's own objects (autoindexes, which
// have no SQL, and sqlite_sequence) left out.
std::vector<std::string> schema_of(Database& db) {
  std::vector<std::string> objects;
  Query q = db.query(
      "SELECT type || ' ' || name || ' ' || coalesce(sql, '') FROM sqlite_schema "
      "WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name");
  while (q->step()) objects.push_back(q->column_text(0));
  return objects;
}

const std::map<int, std::vector<std::string>>& known_schemas() {
  static const std::map<int, std::vector<std::string>> schemas = [] {
    std::map<int, std::vector<std::string>> out;
    Database memory(":memory:", SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_MEMORY);
    for (const Migration& step : migrations()) {
      migrate(memory, step.version);
      out[step.version] = schema_of(memory);
    }
    return out;
  }();
  return schemas;
}

}  // namespace

std::optional<int> matching_schema_version(Database& db) {
  const std::vector<std::string> schema = schema_of(db);
  for (const auto& [version, known] : known_schemas()) {
    if (known == schema) return version;
  }
  return std::nullopt;
}

std::string version_beyond_message(Database& db, int64_t version, int latest_version) {
  const std::string& path = db.path();
  const std::string restore = "; move it aside and restore a backup, or start a new database.";
  if (version < 0) {
    return path + " is damaged: its schema version (user_version, in the file's header) reads " +
           std::to_string(version) + ", which no Switchyard writes" + restore;
  }
  std::optional<int> matching;
  try {
    matching = matching_schema_version(db);
  } catch (const std::exception&) {
    // The schema itself cannot be read: the file is damaged beyond its header's number.
    return path + " is damaged: its schema version reads " + std::to_string(version) +
           " and its schema cannot be read" + restore;
  }
  if (matching) {
    return path + " is damaged: its schema version (user_version, in the file's header) reads " +
           std::to_string(version) + ", but its tables are exactly those of version " +
           std::to_string(*matching) + " (a newer schema would have changed them)" + restore;
  }
  return newer_schema_message(path, version, latest_version);
}

}  // namespace sy::store
