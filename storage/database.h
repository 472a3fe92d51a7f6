// RAII handles over sqlite3's C API: a connection (Database) with a cache of prepared statements,
// a Statement, a Query (a cached statement on loan, reset when the loan ends) and a Transaction
// that rolls back unless committed. Every failure becomes a StoreError naming the database file.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace sy::store {

class Database;

// One prepared statement. Parameters and columns are numbered as in SQLite: parameters from 1,
// columns from 0. Typed bind/column names (no overloads) keep int, int64 and double apart.
class Statement {
 public:
  Statement(Database& db, const std::string& sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  void bind_int64(int index, int64_t value);
  // NaN becomes NULL (SQLite stores no NaN); column_real reads NULL back as NaN.
  void bind_real(int index, double value);
  void bind_text(int index, const std::string& value);
  // The bytes must stay alive until the statement is reset (they are not copied).
  void bind_blob(int index, const void* data, size_t size);
  void bind_null(int index);

  // Runs one step: true when a row is ready to be read, false when the statement is done.
  bool step();
  // Steps to the end, ignoring any rows.
  void run();
  // Ends the current execution and clears the bindings, releasing any read snapshot it holds.
  void reset();

  bool column_is_null(int column) const;
  int64_t column_int64(int column) const;
  double column_real(int column) const;
  std::string column_text(int column) const;
  std::vector<uint8_t> column_blob(int column) const;

 private:
  friend class Database;
  friend class Query;

  Database& db_;
  sqlite3_stmt* stmt_ = nullptr;
  bool on_loan_ = false;  // lent out by Database::query and not yet returned
};

// A statement from the connection's cache, on loan until this object goes: its destructor resets
// the statement, so no early return or exception leaves a read snapshot open (in WAL mode a
// lingering snapshot would keep a reader on old data and stop checkpoints).
class Query {
 public:
  explicit Query(Statement& statement) : statement_(&statement) {}
  ~Query();
  Query(Query&& other) noexcept : statement_(other.statement_) { other.statement_ = nullptr; }
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;
  Query& operator=(Query&&) = delete;

  Statement* operator->() const { return statement_; }
  Statement& operator*() const { return *statement_; }

 private:
  Statement* statement_;
};

// One connection. Not movable (its statements point back at it); own it through a unique_ptr.
// Use a connection from one thread at a time: each thread or process opens its own.
class Database {
 public:
  // `flags` are sqlite3_open_v2 flags. Opens `uri` when given (with SQLITE_OPEN_URI), else
  // `path`; messages always name `path`. Throws StoreError when SQLite cannot open it.
  Database(const std::string& path, int flags, const std::string& uri = "");
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  const std::string& path() const { return path_; }
  sqlite3* handle() const { return db_; }

  // Runs one or more statements without results (DDL, PRAGMAs that set).
  void exec(const std::string& sql);
  // The first column of the first row of `sql` as an integer / text (e.g. a PRAGMA's value).
  int64_t query_int64(const std::string& sql);
  std::string query_text(const std::string& sql);
  // A prepared statement from the cache (prepared on first use), on loan. Asking for a statement
  // that is still on loan is a programming error and throws, rather than resetting a live query.
  Query query(const std::string& sql);

  int64_t last_insert_rowid() const;
  int64_t changes() const;
  // While on, closing the connection leaves the WAL alone: a file that failed its checks is
  // then never written, not even by the checkpoint a last connection normally runs.
  void set_checkpoint_on_close(bool on);

  // What the connection is doing, in words that complete "Could not ..." ("append training
  // points to run 3"); errors of statements and exec() name it. Set by an Operation.
  const std::string& operation() const { return operation_; }

  // Throws the StoreError for SQLite result `code`: "Could not <what> in <path>: <message>.",
  // with the common causes (damage, a lock held too long, a full disk) said in words. The
  // one-argument form names the current operation.
  [[noreturn]] void fail(int code) const;
  [[noreturn]] void fail(const std::string& what, int code) const;

 private:
  friend class Operation;

  std::string path_;
  std::string operation_ = "use the database";
  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, std::unique_ptr<Statement>> cache_;
};

// Names what the connection does for as long as it lives (one Store call), then restores the
// previous name.
class Operation {
 public:
  Operation(Database& db, std::string what);
  ~Operation();
  Operation(const Operation&) = delete;
  Operation& operator=(const Operation&) = delete;

 private:
  Database& db_;
  std::string previous_;
};

// BEGIN ... COMMIT, rolled back by the destructor unless commit() ran; inside another open
// transaction it is a savepoint of that one (the outer commit decides). Writers use Immediate:
// taking the write lock at BEGIN lets busy_timeout wait for another writer, where a deferred
// transaction that upgrades from reading to writing would fail at once with SQLITE_BUSY.
class Transaction {
 public:
  enum class Kind { Deferred, Immediate };
  explicit Transaction(Database& db, Kind kind = Kind::Immediate);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  void commit();

 private:
  Database& db_;
  bool open_ = false;
  bool nested_ = false;
};

}  // namespace sy::store
