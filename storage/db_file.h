// What a database path is, judged before SQLite opens it for writing: the folder exists (it is
// made if missing) and can be written, and an existing file is an SQLite file of Switchyard's, of a
// schema this build reads, and not cut short. Reading the 100-byte header ourselves means a wrong
// file is refused without SQLite ever opening it, so it is left exactly as it was.
#pragma once

#include <cstdint>
#include <string>

namespace sy::store {

enum class DbFileState {
  Missing,  // no file yet (its folder now exists and is writable)
  Empty,    // a zero-length file: SQLite treats it as a new, empty database
  Present,  // a file whose header passed the checks
};

// Creates missing folders of `path` and checks that the folder and (if it exists) the file can be
// written; throws StoreError otherwise.
DbFileState prepare_db_location(const std::string& path);

// Checks the header of the existing, non-empty file at `path`: the SQLite magic string, a length
// at least what the header says (unless a WAL file still holds pages), and an application_id and
// user_version that belong to a Switchyard database (a version above latest_version is left to
// the check of the open file, which tells a newer schema from a damaged header).
// Throws StoreError with the one sentence the user needs.
void check_db_header(const std::string& path, int latest_version);

// True when `path`-wal exists and holds frames: pages newer than the main file may be there.
bool wal_has_frames(const std::string& path);

// `path` as an SQLite URI ("file:..." with %, ? and # escaped), to append "?key=value" to.
std::string file_uri(const std::string& path);

// Messages shared with the checks SQLite makes once the file is open.
std::string not_switchyard_message(const std::string& path, const std::string& why);
std::string newer_schema_message(const std::string& path, int64_t version, int latest_version);

}  // namespace sy::store
