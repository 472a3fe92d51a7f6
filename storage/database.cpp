// RAII handles over sqlite3's C API; see database.h.
#include "storage/database.h"

#include <sqlite3.h>
#include <sys/resource.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <limits>
#include <utility>

#include "storage/store_error.h"

namespace sy::store {

// --- Statement -----------------------------------------------------------------------------

Statement::Statement(Database& db, const std::string& sql) : db_(db) {
  // PERSISTENT: these statements live as long as the connection, so SQLite keeps them out of its
  // short-lived lookaside memory.
  const int rc = sqlite3_prepare_v3(db.handle(), sql.c_str(), static_cast<int>(sql.size() + 1),
                                    SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
  if (rc != SQLITE_OK) db.fail(rc);
}

Statement::~Statement() {
  sqlite3_finalize(stmt_);
}

void Statement::bind_int64(int index, int64_t value) {
  const int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK) db_.fail(rc);
}

void Statement::bind_real(int index, double value) {
  const int rc = std::isnan(value) ? sqlite3_bind_null(stmt_, index)
                                   : sqlite3_bind_double(stmt_, index, value);
  if (rc != SQLITE_OK) db_.fail(rc);
}

void Statement::bind_text(int index, const std::string& value) {
  const int rc =
      sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK) db_.fail(rc);
}

void Statement::bind_blob(int index, const void* data, size_t size) {
  // SQLITE_STATIC: an adapter is megabytes; the caller keeps it alive until the reset.
  const int rc = sqlite3_bind_blob64(stmt_, index, size ? data : "", size, SQLITE_STATIC);
  if (rc != SQLITE_OK) db_.fail(rc);
}

void Statement::bind_null(int index) {
  const int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK) db_.fail(rc);
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  // sqlite3_step's code can be the generic one; the connection holds the precise one.
  db_.fail(sqlite3_extended_errcode(db_.handle()));
}

void Statement::run() {
  while (step()) {
  }
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

bool Statement::column_is_null(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

int64_t Statement::column_int64(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

double Statement::column_real(int column) const {
  if (column_is_null(column)) return std::numeric_limits<double>::quiet_NaN();
  return sqlite3_column_double(stmt_, column);
}

std::string Statement::column_text(int column) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  if (!text) return {};
  return std::string(text, static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

std::vector<uint8_t> Statement::column_blob(int column) const {
  const auto* data = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_, column));
  const size_t size = static_cast<size_t>(sqlite3_column_bytes(stmt_, column));
  if (!data) return {};
  return std::vector<uint8_t>(data, data + size);
}

// --- Query ---------------------------------------------------------------------------------

Query::~Query() {
  if (!statement_) return;
  statement_->reset();
  statement_->on_loan_ = false;
}

// --- Database ------------------------------------------------------------------------------

Database::Database(const std::string& path, int flags, const std::string& uri) : path_(path) {
  const int rc = sqlite3_open_v2(uri.empty() ? path.c_str() : uri.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    // sqlite3_open_v2 hands back a handle even on failure, to read the message from.
    const std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw StoreError("Cannot open the database " + path + ": " + message + ".");
  }
  sqlite3_extended_result_codes(db_, 1);
}

Database::~Database() {
  cache_.clear();  // statements first: a connection with live statements does not close
  sqlite3_close_v2(db_);
}

void Database::exec(const std::string& sql) {
  const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) fail(sqlite3_extended_errcode(db_));
}

int64_t Database::query_int64(const std::string& sql) {
  Statement statement(*this, sql);
  return statement.step() ? statement.column_int64(0) : 0;
}

std::string Database::query_text(const std::string& sql) {
  Statement statement(*this, sql);
  return statement.step() ? statement.column_text(0) : std::string();
}

Query Database::query(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    it = cache_.emplace(sql, std::make_unique<Statement>(*this, sql)).first;
  }
  Statement& statement = *it->second;
  if (statement.on_loan_) {
    throw StoreError("Internal error in " + path_ +
                     ": a cached statement was asked for while in use (" + sql.substr(0, 60) +
                     ").");
  }
  statement.on_loan_ = true;
  return Query(statement);
}

int64_t Database::last_insert_rowid() const {
  return sqlite3_last_insert_rowid(db_);
}

int64_t Database::changes() const {
  return sqlite3_changes(db_);
}

void Database::set_checkpoint_on_close(bool on) {
#ifdef SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE
  sqlite3_db_config(db_, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, on ? 0 : 1, nullptr);
#else
  (void)on;
#endif
}

void Database::fail(int code) const {
  fail(operation_, code);
}

void Database::fail(const std::string& what, int code) const {
  const std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(code);
  switch (code & 0xff) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      throw StoreError(path_ + " is damaged (SQLite: " + message + "), so Switchyard could not " +
                       what + "; move it aside and restore a backup, or start a new database.");
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      throw StoreError("Could not " + what + " in " + path_ +
                       ": another process held the database locked for too long (" + message +
                       ").");
    case SQLITE_FULL:
      throw StoreError("Could not " + what + " in " + path_ + ": the disk is full.");
    case SQLITE_IOERR: {
      // A write that found no room reads as an I/O error when the limit is the file's
      // (RLIMIT_FSIZE: EFBIG) or a quota's; say which.
      const int error = db_ ? sqlite3_system_errno(db_) : 0;
      if (error == ENOSPC || error == EDQUOT) {
        throw StoreError("Could not " + what + " in " + path_ + ": the disk is full.");
      }
      // SQLite's error number is errno when it noticed, which later calls may have replaced: a
      // file size limit (RLIMIT_FSIZE) is looked up instead.
      rlimit limit{};
      const bool limited = getrlimit(RLIMIT_FSIZE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY;
      if (error == EFBIG || limited) {
        const std::string size =
            limited ? std::to_string(limit.rlim_cur / 1024) + " KiB, ulimit -f" : "ulimit -f";
        throw StoreError("Could not " + what + " in " + path_ +
                         ": the file reached the largest size this process may write (" + size +
                         "; SQLite: " + message + ").");
      }
      throw StoreError("Could not " + what + " in " + path_ + ": " + message +
                       (error ? std::string(" (") + std::strerror(error) + ")" : "") + ".");
    }
    case SQLITE_READONLY:
      throw StoreError("Could not " + what + " in " + path_ + ": the database is read-only (" +
                       message + ").");
    default:
      throw StoreError("Could not " + what + " in " + path_ + ": " + message + ".");
  }
}

// --- Operation -----------------------------------------------------------------------------

Operation::Operation(Database& db, std::string what)
    : db_(db), previous_(std::move(db.operation_)) {
  db_.operation_ = std::move(what);
}

Operation::~Operation() {
  db_.operation_ = std::move(previous_);
}

// --- Transaction ---------------------------------------------------------------------------

Transaction::Transaction(Database& db, Kind kind) : db_(db) {
  // Inside an open transaction (a Store::Batch around several calls) this one is a savepoint:
  // its work joins the outer transaction, and a rollback undoes only its own part.
  nested_ = sqlite3_get_autocommit(db_.handle()) == 0;
  if (nested_) {
    db_.exec("SAVEPOINT sy_nested");
  } else {
    db_.exec(kind == Kind::Immediate ? "BEGIN IMMEDIATE" : "BEGIN");
  }
  open_ = true;
}

Transaction::~Transaction() {
  // Errors are not thrown from a destructor; a failed ROLLBACK leaves SQLite to roll back the
  // transaction itself when the connection closes.
  if (!open_) return;
  if (nested_) {
    sqlite3_exec(db_.handle(), "ROLLBACK TO sy_nested; RELEASE sy_nested", nullptr, nullptr,
                 nullptr);
  } else {
    sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

void Transaction::commit() {
  db_.exec(nested_ ? "RELEASE sy_nested" : "COMMIT");
  open_ = false;
}

}  // namespace sy::store
