// Judging a database path before SQLite opens it; see db_file.h. The header layout is SQLite's
// "Database File Format" section 1.3: all integers big-endian.
#include "storage/db_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "storage/schema.h"
#include "storage/store_error.h"

namespace sy::store {

namespace {

constexpr char kMagic[] = "SQLite format 3";  // 16 bytes with its terminating zero
constexpr size_t kHeaderBytes = 100;

std::string parent_folder(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// mkdir -p; folders made here get 0777 less the umask, like any program's data folder.
void make_folders(const std::string& folder, const std::string& db_path) {
  struct stat info;
  if (stat(folder.c_str(), &info) == 0) {
    if (!S_ISDIR(info.st_mode)) {
      throw StoreError("Cannot create the database " + db_path + ": " + folder +
                       " is not a folder.");
    }
    return;
  }
  const std::string parent = parent_folder(folder);
  if (parent != folder) make_folders(parent, db_path);
  if (mkdir(folder.c_str(), 0777) != 0 && errno != EEXIST) {
    throw StoreError("Cannot create the folder " + folder + " for the database " + db_path + ": " +
                     std::strerror(errno) + ".");
  }
}

// access() with the effective ids, which are the ones open() and mkdir() use.
bool can(const std::string& path, int mode) {
  return faccessat(AT_FDCWD, path.c_str(), mode, AT_EACCESS) == 0;
}

uint32_t be32(const unsigned char* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}

std::string hex32(uint32_t value) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "0x%08x", value);
  return buf;
}

int64_t file_size(const std::string& path) {
  struct stat info;
  return stat(path.c_str(), &info) == 0 ? static_cast<int64_t>(info.st_size) : -1;
}

}  // namespace

bool wal_has_frames(const std::string& path) {
  return file_size(path + "-wal") > 0;
}

std::string file_uri(const std::string& path) {
  std::string escaped;
  for (const char c : path) {
    if (c == '%' || c == '?' || c == '#') {
      char buf[4];
      std::snprintf(buf, sizeof(buf), "%%%02X", static_cast<unsigned char>(c));
      escaped += buf;
    } else {
      escaped += c;
    }
  }
  // "file:" + "//" + an empty authority for absolute paths, so "//x" is never read as a host.
  return (path.rfind('/', 0) == 0 ? "file://" : "file:") + escaped;
}

std::string not_switchyard_message(const std::string& path, const std::string& why) {
  return path + " is not a Switchyard database: " + why +
         ". Give another path (--db), or move the file aside.";
}

std::string newer_schema_message(const std::string& path, int64_t version, int latest_version) {
  return path + " has schema version " + std::to_string(version) +
         "; this Switchyard reads up to " + std::to_string(latest_version) +
         " — update Switchyard to open it.";
}

DbFileState prepare_db_location(const std::string& path) {
  if (path.empty()) {
    throw StoreError("No database path given; expected the path of a Switchyard database file.");
  }
  const std::string folder = parent_folder(path);
  struct stat info;
  if (stat(path.c_str(), &info) != 0) {
    // ENOTDIR: part of the folder path is a file; make_folders names it.
    if (errno != ENOENT && errno != ENOTDIR) {
      throw StoreError("Cannot reach the database " + path + ": " + std::strerror(errno) + ".");
    }
    make_folders(folder, path);
    if (!can(folder, W_OK | X_OK)) {
      throw StoreError("Cannot create the database " + path + ": the folder " + folder +
                       " is read-only. Give a path in a writable folder (--db).");
    }
    return DbFileState::Missing;
  }
  if (S_ISDIR(info.st_mode)) {
    throw StoreError(path +
                     " is a folder; expected the path of a Switchyard database file (for "
                     "example " +
                     path + "/switchyard.db).");
  }
  if (!S_ISREG(info.st_mode)) {
    throw StoreError(path + " is not a regular file; expected a Switchyard database file.");
  }
  if (!can(path, R_OK)) {
    throw StoreError("Cannot read the database " + path + ": permission denied.");
  }
  if (!can(path, W_OK)) {
    throw StoreError("Cannot write to the database " + path +
                     ": the file is read-only. Make it writable, or give another path (--db).");
  }
  // WAL mode keeps <name>-wal and <name>-shm beside the database and needs to create them.
  if (!can(folder, W_OK | X_OK)) {
    throw StoreError("Cannot write to the database " + path + ": its folder " + folder +
                     " is read-only, and SQLite must create " + path +
                     "-wal beside it. Make the folder writable, or give another path (--db).");
  }
  return info.st_size == 0 ? DbFileState::Empty : DbFileState::Present;
}

void check_db_header(const std::string& path, int latest_version) {
  // Read through SQLite's own VFS, never a plain open()/close(): closing any descriptor of a
  // file drops every POSIX lock this process holds on it, so a plain read beside an open
  // connection (two Stores in one process) would let another process think it is alone,
  // checkpoint and delete the WAL under our feet, and corrupt the database. SQLite's unix VFS
  // defers such closes while locks are held.
  unsigned char header[kHeaderBytes] = {};
  ssize_t got = 0;
  sqlite3_vfs* vfs = sqlite3_vfs_find(nullptr);
  std::unique_ptr<char[]> storage(new char[static_cast<size_t>(vfs->szOsFile)]());
  auto* file = reinterpret_cast<sqlite3_file*>(storage.get());
  int out_flags = 0;
  if (vfs->xOpen(vfs, path.c_str(), file, SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_READONLY, &out_flags) !=
      SQLITE_OK) {
    if (file->pMethods) file->pMethods->xClose(file);
    throw StoreError("Cannot read the database " + path + ": SQLite cannot open it.");
  }
  sqlite3_int64 file_bytes = 0;
  file->pMethods->xFileSize(file, &file_bytes);
  got = static_cast<ssize_t>(std::min<sqlite3_int64>(file_bytes, kHeaderBytes));
  if (got > 0 && file->pMethods->xRead(file, header, static_cast<int>(got), 0) != SQLITE_OK) {
    got = 0;
  }
  file->pMethods->xClose(file);

  const bool magic_ok = got >= 16 && std::memcmp(header, kMagic, 16) == 0;
  if (!magic_ok) {
    throw StoreError(not_switchyard_message(
        path, "it is not an SQLite file (it does not start with \"SQLite format 3\")"));
  }
  if (got < static_cast<ssize_t>(kHeaderBytes)) {
    throw StoreError(path + " is damaged: it is " + std::to_string(got) +
                     " bytes long, shorter than an SQLite header; move it aside and restore a "
                     "backup, or start a new database.");
  }

  // Offset 16: page size, where 1 stands for 65536. Offsets 24 and 92: the change counter and the
  // counter at which the page count (offset 28) was last right; equal means it can be trusted.
  const uint32_t raw_page_size = (uint32_t(header[16]) << 8) | header[17];
  const uint64_t page_size = raw_page_size == 1 ? 65536 : raw_page_size;
  const uint32_t page_count = be32(header + 28);
  const bool count_valid = be32(header + 24) == be32(header + 92) && page_count > 0;
  // A WAL file with frames may hold pages a checkpoint has not copied back yet; then the main
  // file can legitimately be shorter than its header says.
  const int64_t size = file_size(path);
  if (count_valid && !wal_has_frames(path) && size >= 0 &&
      static_cast<uint64_t>(size) < page_size * page_count) {
    throw StoreError(path + " is damaged: it is " + std::to_string(size) +
                     " bytes long but its header says " + std::to_string(page_size * page_count) +
                     " (the file was cut short); move it aside and restore a backup, or start a "
                     "new database.");
  }

  // Offsets 60 and 68: user_version (our schema version) and application_id.
  const int64_t version = static_cast<int32_t>(be32(header + 60));
  const uint32_t application_id = be32(header + 68);
  if (application_id != kApplicationId && application_id != 0) {
    throw StoreError(not_switchyard_message(
        path, "it is an SQLite database of another program (application_id " +
                  hex32(application_id) + ")"));
  }
  if (application_id == 0 && version != 0) {
    throw StoreError(not_switchyard_message(
        path, "it is an SQLite database of another program (user_version " +
                  std::to_string(version) + ", no Switchyard application_id)"));
  }
  // A version above ours (or negative) is judged once SQLite has the file open, read-only, by its
  // schema: a newer Switchyard's, or a damaged header (schema_match.h).
}

}  // namespace sy::store
