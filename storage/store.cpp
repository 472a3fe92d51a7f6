// The experiment store; see store.h. Each public method names what it does (an Operation) so any
// SQLite error reads "Could not <what> in <path>: ...", and writes that touch more than one row
// run in one IMMEDIATE transaction.
#include "storage/store.h"

#include <pwd.h>
#include <signal.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "storage/database.h"
#include "storage/db_file.h"
#include "storage/json_text.h"
#include "storage/schema.h"
#include "storage/schema_match.h"
#include "storage/sha256.h"

namespace sy::store {

namespace {

// Long enough to ride out another process's write transaction (they are short by design), short
// enough that a stuck writer is reported instead of hanging the GUI.
constexpr int kBusyTimeoutMs = 5000;
// After a big transaction the WAL file is cut back to this size at the next checkpoint.
constexpr int64_t kWalSizeLimit = 64 << 20;
// Tags are joined with this (ASCII unit separator) in list queries; tags may not contain it.
constexpr char kTagSeparator = '\x1f';

constexpr const char* kStatusNames[] = {"created", "running",   "finished",
                                        "failed",  "cancelled", "interrupted"};

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string this_host() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0) return "";
  return name;
}

// A process exists when signal 0 can be sent to it; EPERM means it exists but is someone else's.
bool process_alive(int64_t pid) {
  if (pid <= 0 || pid > std::numeric_limits<pid_t>::max()) return false;
  return kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

std::string run_text(int64_t run_id) {
  return "run " + std::to_string(run_id);
}

// Seeds are uint64 in the engine and INTEGER (int64) in SQLite: the bits are stored as they are,
// so a seed >= 2^63 round-trips exactly (the sqlite3 shell shows it negative).
int64_t seed_to_db(uint64_t seed) {
  return static_cast<int64_t>(seed);
}
uint64_t seed_from_db(int64_t value) {
  return static_cast<uint64_t>(value);
}

std::optional<int64_t> optional_int64(const Statement& s, int column) {
  if (s.column_is_null(column)) return std::nullopt;
  return s.column_int64(column);
}

void bind_optional_text(Statement& s, int index, const std::optional<std::string>& value) {
  if (value) {
    s.bind_text(index, *value);
  } else {
    s.bind_null(index);
  }
}

void require_run(Database& db, int64_t run_id) {
  Query q = db.query("SELECT 1 FROM runs WHERE id = ?1");
  q->bind_int64(1, run_id);
  if (!q->step()) {
    throw StoreError("Could not " + db.operation() + ": there is no " + run_text(run_id) + " in " +
                     db.path() + ".");
  }
}

void require_experiment(Database& db, int64_t experiment_id) {
  Query q = db.query("SELECT 1 FROM experiments WHERE id = ?1");
  q->bind_int64(1, experiment_id);
  if (!q->step()) {
    throw StoreError("Could not " + db.operation() + ": there is no experiment " +
                     std::to_string(experiment_id) + " in " + db.path() + ".");
  }
}

// A single-row UPDATE or DELETE by run id that matched nothing means the run does not exist.
void require_changed(Database& db, int64_t run_id) {
  if (db.changes() == 0) require_run(db, run_id);
}

[[noreturn]] void bad_argument(const Database& db, const std::string& what) {
  throw StoreError("Could not " + db.operation() + " in " + db.path() + ": " + what + ".");
}

// --- opening ---------------------------------------------------------------------------------

void configure_connection(Database& db) {
  sqlite3_busy_timeout(db.handle(), kBusyTimeoutMs);
  // DEFENSIVE: no writable_schema tricks can corrupt the file through this connection. DQS off:
  // a double-quoted name that is not a column is an error, not silently a string.
#ifdef SQLITE_DBCONFIG_DEFENSIVE
  sqlite3_db_config(db.handle(), SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
#endif
#ifdef SQLITE_DBCONFIG_DQS_DML
  sqlite3_db_config(db.handle(), SQLITE_DBCONFIG_DQS_DML, 0, nullptr);
  sqlite3_db_config(db.handle(), SQLITE_DBCONFIG_DQS_DDL, 0, nullptr);
#endif
}

std::vector<std::string> user_tables(Database& db) {
  std::vector<std::string> names;
  Query q = db.query(
      "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
      "ORDER BY name");
  while (q->step()) names.push_back(q->column_text(0));
  return names;
}

std::string joined(const std::vector<std::string>& items, size_t at_most) {
  std::string out;
  for (size_t i = 0; i < items.size() && i < at_most; ++i) out += (i ? ", " : "") + items[i];
  if (items.size() > at_most) out += ", ...";
  return out;
}

// What SQLite itself says the open file is; the header check (db_file.h) came first, and this
// repeats it with the values SQLite reads, which include pages still in the WAL. Only reads.
void check_contents(Database& db) {
  Operation op(db, "read the schema of the database");
  const int64_t application_id = db.query_int64("PRAGMA application_id");
  const int64_t version = db.query_int64("PRAGMA user_version");
  const std::vector<std::string> tables = user_tables(db);
  const std::string& path = db.path();
  if (application_id != kApplicationId) {
    if (application_id != 0 || version != 0) {
      throw StoreError(not_switchyard_message(path, "it is an SQLite database of another program"));
    }
    if (!tables.empty()) {
      throw StoreError(not_switchyard_message(
          path, "it is an SQLite database of another program (it holds the tables " +
                    joined(tables, 5) + ")"));
    }
    return;  // a new, empty database
  }
  if (version > latest_schema_version() || version < 0) {
    throw StoreError(version_beyond_message(db, version, latest_schema_version()));
  }
  for (const std::string& table : tables_of_version(static_cast<int>(version))) {
    if (!std::binary_search(tables.begin(), tables.end(), table)) {
      throw StoreError(path + " is damaged: the table " + table + " of schema version " +
                       std::to_string(version) +
                       " is missing; move it aside and restore a backup, or start a new "
                       "database.");
    }
  }
}

// --- reading rows ------------------------------------------------------------------------------

constexpr const char* kRunColumns = R"sql(
SELECT r.id, r.experiment_id, e.name, r.strategy, r.label, r.seed, r.status, r.status_reason,
       r.device, r.engine_version, r.host, r.pid, r.created_at, r.started_at, r.finished_at,
       (SELECT count(*) FROM run_tasks t WHERE t.run_id = r.id),
       (SELECT coalesce(max(s.stage), 0) FROM stages s
         WHERE s.run_id = r.id AND s.status = 'finished'),
       (SELECT group_concat(g.tag, char(31)) FROM tags g WHERE g.run_id = r.id),
       r.config, r.summary, r.stage_count,
       (SELECT coalesce(sum(s.finished_at - s.started_at), 0) FROM stages s
         WHERE s.run_id = r.id AND s.finished_at IS NOT NULL),
       (SELECT max(s.started_at) FROM stages s WHERE s.run_id = r.id AND s.finished_at IS NULL)
FROM runs r JOIN experiments e ON e.id = r.experiment_id
)sql";

RunRecord read_run_record(const Statement& s) {
  RunRecord r;
  r.id = s.column_int64(0);
  r.experiment_id = s.column_int64(1);
  r.experiment_name = s.column_text(2);
  r.strategy = s.column_text(3);
  r.label = s.column_text(4);
  r.seed = seed_from_db(s.column_int64(5));
  r.status = parse_run_status(s.column_text(6)).value_or(RunStatus::Failed);
  r.status_reason = s.column_text(7);
  r.device = s.column_text(8);
  r.engine_version = s.column_text(9);
  r.host = s.column_text(10);
  r.pid = s.column_is_null(11) ? 0 : s.column_int64(11);
  r.created_at_ms = s.column_int64(12);
  r.started_at_ms = optional_int64(s, 13);
  r.finished_at_ms = optional_int64(s, 14);
  r.task_count = static_cast<int>(s.column_int64(15));
  r.last_finished_stage = static_cast<int>(s.column_int64(16));
  r.summary_json = s.column_text(19);
  r.stage_count = static_cast<int>(s.column_int64(20));
  r.finished_stages_ms = s.column_int64(21);
  r.open_stage_started_at_ms = optional_int64(s, 22);
  const std::string tags = s.column_text(17);
  size_t start = 0;
  while (start < tags.size()) {
    size_t end = tags.find(kTagSeparator, start);
    if (end == std::string::npos) end = tags.size();
    r.tags.push_back(tags.substr(start, end - start));
    start = end + 1;
  }
  std::sort(r.tags.begin(), r.tags.end());
  return r;
}

// Columns: id, name, definition, created_at.
ExperimentRecord read_experiment(const Statement& s) {
  return {s.column_int64(0), s.column_text(1), s.column_text(2), s.column_int64(3)};
}

std::vector<TrainPoint> read_points(Statement& s) {
  std::vector<TrainPoint> points;
  while (s.step()) {
    TrainPoint p;
    p.stage = static_cast<int>(s.column_int64(0));
    p.step = s.column_int64(1);
    p.loss = s.column_real(2);
    p.lr = s.column_real(3);
    p.tokens_per_s = s.column_real(4);
    p.at_ms = optional_int64(s, 5);
    points.push_back(p);
  }
  return points;
}

bool has_control_character(const std::string& text) {
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20; });
}

// The lines SQLite's quick_check or integrity_check pragma answers ("ok" when whole).
std::vector<std::string> check_lines(Database& db, const char* what, const char* pragma) {
  Operation op(db, what);
  Statement check(db, pragma);
  std::vector<std::string> lines;
  while (check.step()) lines.push_back(check.column_text(0));
  return lines;
}

}  // namespace

// --- names ---------------------------------------------------------------------------------------

const char* run_status_name(RunStatus status) {
  return kStatusNames[static_cast<int>(status)];
}

std::optional<RunStatus> parse_run_status(const std::string& name) {
  for (int i = 0; i < 6; ++i) {
    if (name == kStatusNames[i]) return static_cast<RunStatus>(i);
  }
  return std::nullopt;
}

bool is_terminal(RunStatus status) {
  return status == RunStatus::Finished || status == RunStatus::Failed ||
         status == RunStatus::Cancelled || status == RunStatus::Interrupted;
}

std::string default_db_path() {
  // XDG: a relative XDG_DATA_HOME is invalid and must be ignored.
  const char* data_home = std::getenv("XDG_DATA_HOME");
  if (data_home && data_home[0] == '/') {
    return std::string(data_home) + "/switchyard/switchyard.db";
  }
  std::string home;
  if (const char* env = std::getenv("HOME"); env && env[0]) {
    home = env;
  } else if (const passwd* entry = getpwuid(getuid()); entry && entry->pw_dir) {
    home = entry->pw_dir;
  } else {
    throw StoreError(
        "Cannot find a folder for the database: neither XDG_DATA_HOME nor HOME is set; give a "
        "path with --db.");
  }
  return home + "/.local/share/switchyard/switchyard.db";
}

// --- opening ---------------------------------------------------------------------------------

Store Store::open(const std::string& path) {
  const DbFileState state = prepare_db_location(path);
  if (state == DbFileState::Present) {
    check_db_header(path, latest_schema_version());
    // The schema check through a connection that cannot write. With no WAL frames the main file
    // is the whole truth, and immutable=1 reads it without creating -wal and -shm files beside
    // it; otherwise those exist already and a plain read-only connection reads through them.
    Database reader(path, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX,
                    file_uri(path) + (wal_has_frames(path) ? "?mode=ro" : "?immutable=1"));
    check_contents(reader);
  }

  auto db = std::make_unique<Database>(
      path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX);
  // Until the file has passed every check, closing must not checkpoint (write) it.
  db->set_checkpoint_on_close(false);
  configure_connection(*db);
  if (sqlite3_db_readonly(db->handle(), "main") == 1) {
    throw StoreError("Cannot write to the database " + path +
                     ": SQLite opened it read-only (a read-only file system?). Give another path "
                     "(--db).");
  }
  check_contents(*db);  // again: another process may have changed the file in between

  Operation op(*db, "prepare the database for use");
  db->exec("PRAGMA foreign_keys = ON");
  // WAL: readers see the last committed state while the engine writes, and a killed writer
  // loses only its open transaction. NORMAL: a commit is not synced to disk, only each
  // checkpoint; a killed process loses nothing committed, a power cut at most the last commits.
  const std::string mode = db->query_text("PRAGMA journal_mode = WAL");
  if (mode != "wal") {
    throw StoreError("Cannot use the database " + path +
                     ": SQLite could not switch it to WAL mode (it stays in '" + mode +
                     "' mode); keep it on a local disk (network file systems lack the shared "
                     "memory WAL needs).");
  }
  db->exec("PRAGMA synchronous = NORMAL");
  db->exec("PRAGMA journal_size_limit = " + std::to_string(kWalSizeLimit));
  migrate(*db, latest_schema_version());
  db->set_checkpoint_on_close(true);
  return Store(std::move(db));
}

Store::Store(std::unique_ptr<Database> db) : db_(std::move(db)) {}

void Store::set_clock(std::function<int64_t()> clock) {
  clock_ = std::move(clock);
}

int64_t Store::now() const {
  return clock_ ? clock_() : now_ms();
}
Store::Store(Store&&) noexcept = default;
Store& Store::operator=(Store&&) noexcept = default;
Store::~Store() = default;

Database& Store::db() const {
  if (!db_) throw StoreError("This store was moved from; open the database again.");
  return *db_;
}

const std::string& Store::path() const {
  return db().path();
}

int Store::schema_version() {
  Operation op(db(), "read the schema version");
  return static_cast<int>(db().query_int64("PRAGMA user_version"));
}

// --- experiments -------------------------------------------------------------------------------

int64_t Store::create_experiment(const std::string& name, const std::string& definition_json) {
  Database& d = db();
  Operation op(d, "create the experiment \"" + name + "\"");
  if (name.empty()) bad_argument(d, "the experiment has no name");
  Query q = d.query("INSERT INTO experiments (name, definition, created_at) VALUES (?1, ?2, ?3)");
  q->bind_text(1, name);
  q->bind_text(2, definition_json);
  q->bind_int64(3, now());
  q->run();
  return d.last_insert_rowid();
}

std::vector<ExperimentRecord> Store::list_experiments() {
  Database& d = db();
  Operation op(d, "list the experiments");
  Query q = d.query(
      "SELECT id, name, definition, created_at FROM experiments "
      "ORDER BY created_at DESC, id DESC");
  std::vector<ExperimentRecord> out;
  while (q->step()) out.push_back(read_experiment(*q));
  return out;
}

ExperimentRecord Store::load_experiment(int64_t experiment_id) {
  Database& d = db();
  Operation op(d, "read experiment " + std::to_string(experiment_id));
  Query q = d.query("SELECT id, name, definition, created_at FROM experiments WHERE id = ?1");
  q->bind_int64(1, experiment_id);
  if (!q->step()) require_experiment(d, experiment_id);
  return read_experiment(*q);
}

void Store::delete_experiment(int64_t experiment_id) {
  Database& d = db();
  Operation op(d, "delete experiment " + std::to_string(experiment_id));
  Query q = d.query("DELETE FROM experiments WHERE id = ?1");
  q->bind_int64(1, experiment_id);
  q->run();
  if (d.changes() == 0) require_experiment(d, experiment_id);
}

// --- runs ------------------------------------------------------------------------------------

int64_t Store::create_run(const NewRun& run) {
  Database& d = db();
  Operation op(
      d, "create a " + run.strategy + " run in experiment " + std::to_string(run.experiment_id));
  if (run.strategy.empty()) bad_argument(d, "the run has no strategy");
  Transaction transaction(d);
  require_experiment(d, run.experiment_id);
  Query q = d.query(
      "INSERT INTO runs (experiment_id, strategy, label, seed, config, status, device, "
      "engine_version, created_at) VALUES (?1, ?2, ?3, ?4, ?5, 'created', ?6, ?7, ?8)");
  q->bind_int64(1, run.experiment_id);
  q->bind_text(2, run.strategy);
  q->bind_text(3, run.label.empty() ? run.strategy : run.label);
  q->bind_int64(4, seed_to_db(run.seed));
  q->bind_text(5, run.config_json);
  q->bind_text(6, run.device);
  q->bind_text(7, run.engine_version);
  q->bind_int64(8, now());
  q->run();
  const int64_t id = d.last_insert_rowid();
  transaction.commit();
  return id;
}

void Store::set_run_status(int64_t run_id, RunStatus status, const std::string& reason) {
  Database& d = db();
  Operation op(d, "mark " + run_text(run_id) + " " + run_status_name(status));
  if (status == RunStatus::Running) {
    Query q = d.query(
        "UPDATE runs SET status = 'running', status_reason = ?2, pid = ?3, host = ?4, "
        "started_at = coalesce(started_at, ?5), finished_at = NULL WHERE id = ?1");
    q->bind_int64(1, run_id);
    q->bind_text(2, reason);
    q->bind_int64(3, getpid());
    q->bind_text(4, this_host());
    q->bind_int64(5, now());
    q->run();
  } else if (is_terminal(status)) {
    Query q =
        d.query("UPDATE runs SET status = ?2, status_reason = ?3, finished_at = ?4 WHERE id = ?1");
    q->bind_int64(1, run_id);
    q->bind_text(2, run_status_name(status));
    q->bind_text(3, reason);
    q->bind_int64(4, now());
    q->run();
  } else {
    Query q = d.query(
        "UPDATE runs SET status = 'created', status_reason = ?2, finished_at = NULL "
        "WHERE id = ?1");
    q->bind_int64(1, run_id);
    q->bind_text(2, reason);
    q->run();
  }
  require_changed(d, run_id);
}

void Store::set_run_tasks(int64_t run_id, const std::vector<RunTask>& tasks,
                          std::optional<int> stage_count) {
  Database& d = db();
  Operation op(d, "store the task sequence of " + run_text(run_id));
  for (size_t i = 0; i < tasks.size(); ++i) {
    if (tasks[i].name.empty()) bad_argument(d, "task " + std::to_string(i) + " has no name");
  }
  if (stage_count && (*stage_count < 1 || static_cast<size_t>(*stage_count) > tasks.size())) {
    bad_argument(d, "a run of " + std::to_string(tasks.size()) + " tasks cannot plan " +
                        std::to_string(*stage_count) + " stages");
  }
  Transaction transaction(d);
  require_run(d, run_id);
  {
    Query q = d.query("DELETE FROM run_tasks WHERE run_id = ?1");
    q->bind_int64(1, run_id);
    q->run();
  }
  {
    Query q = d.query("UPDATE runs SET stage_count = ?2 WHERE id = ?1");
    q->bind_int64(1, run_id);
    q->bind_int64(2, stage_count.value_or(static_cast<int>(tasks.size())));
    q->run();
  }
  Query q =
      d.query("INSERT INTO run_tasks (run_id, position, name, metric) VALUES (?1, ?2, ?3, ?4)");
  for (size_t i = 0; i < tasks.size(); ++i) {
    q->bind_int64(1, run_id);
    q->bind_int64(2, static_cast<int64_t>(i));
    q->bind_text(3, tasks[i].name);
    q->bind_text(4, tasks[i].metric);
    q->run();
    q->reset();
  }
  transaction.commit();
}

void Store::set_run_summary(int64_t run_id, const std::string& summary_json) {
  Database& d = db();
  Operation op(d, "store the summary of " + run_text(run_id));
  Query q = d.query("UPDATE runs SET summary = ?2 WHERE id = ?1");
  q->bind_int64(1, run_id);
  q->bind_text(2, summary_json);
  q->run();
  require_changed(d, run_id);
}

void Store::set_run_config(int64_t run_id, const std::string& config_json) {
  Database& d = db();
  Operation op(d, "store the configuration of " + run_text(run_id));
  Query q = d.query("UPDATE runs SET config = ?2 WHERE id = ?1");
  q->bind_int64(1, run_id);
  q->bind_text(2, config_json);
  q->run();
  require_changed(d, run_id);
}

std::vector<RunRecord> Store::list_runs(const RunFilter& filter) {
  Database& d = db();
  Operation op(d, "list the runs");
  Query q = d.query(std::string(kRunColumns) + R"sql(
WHERE (?1 IS NULL OR r.experiment_id = ?1)
  AND (?2 IS NULL OR r.status = ?2)
  AND (?3 IS NULL OR EXISTS (SELECT 1 FROM tags g WHERE g.run_id = r.id AND g.tag = ?3))
ORDER BY r.created_at DESC, r.id DESC
)sql");
  if (filter.experiment_id) q->bind_int64(1, *filter.experiment_id);
  if (filter.status) q->bind_text(2, run_status_name(*filter.status));
  bind_optional_text(*q, 3, filter.tag);
  std::vector<RunRecord> out;
  while (q->step()) out.push_back(read_run_record(*q));
  return out;
}

RunData Store::load_run(int64_t run_id) {
  Database& d = db();
  Operation op(d, "read " + run_text(run_id));
  // One read transaction: every part comes from the same committed state, even while the
  // engine keeps writing.
  Transaction snapshot(d, Transaction::Kind::Deferred);
  RunData data;
  {
    Query q = d.query(std::string(kRunColumns) + "WHERE r.id = ?1");
    q->bind_int64(1, run_id);
    if (!q->step()) require_run(d, run_id);
    data.run = read_run_record(*q);
    data.config_json = q->column_text(18);
  }
  {
    Query q = d.query("SELECT name, metric FROM run_tasks WHERE run_id = ?1 ORDER BY position");
    q->bind_int64(1, run_id);
    while (q->step()) data.tasks.push_back({q->column_text(0), q->column_text(1)});
  }
  {
    Query q = d.query(
        "SELECT stage, status, started_at, finished_at FROM stages WHERE run_id = ?1 "
        "ORDER BY stage");
    q->bind_int64(1, run_id);
    while (q->step()) {
      StageRecord s;
      s.stage = static_cast<int>(q->column_int64(0));
      s.status = q->column_text(1) == "finished" ? StageStatus::Finished : StageStatus::Running;
      s.started_at_ms = q->column_int64(2);
      s.finished_at_ms = optional_int64(*q, 3);
      data.stages.push_back(s);
    }
  }
  {
    Query q = d.query(
        "SELECT after_stage, position, metric, value FROM eval_scores WHERE run_id = ?1 "
        "ORDER BY after_stage, position");
    q->bind_int64(1, run_id);
    while (q->step()) {
      data.scores.push_back({static_cast<int>(q->column_int64(0)),
                             static_cast<int>(q->column_int64(1)), q->column_text(2),
                             q->column_real(3)});
    }
  }
  {
    Query q = d.query(
        "SELECT after_stage, labels, matrix FROM router_confusion WHERE run_id = ?1 "
        "ORDER BY after_stage");
    q->bind_int64(1, run_id);
    while (q->step()) {
      Confusion c;
      c.after_stage = static_cast<int>(q->column_int64(0));
      auto labels = string_list_from_json(q->column_text(1));
      auto counts = int_matrix_from_json(q->column_text(2));
      if (!labels || !counts) {
        throw StoreError(d.path() + " is damaged: the router confusion of " + run_text(run_id) +
                         " after stage " + std::to_string(c.after_stage) +
                         " is not the JSON Switchyard wrote (a list of labels and a matrix of "
                         "integers).");
      }
      c.labels = std::move(*labels);
      c.counts = std::move(*counts);
      data.confusions.push_back(std::move(c));
    }
  }
  {
    Query q = d.query(
        "SELECT position, config, parameter_count, size, sha256, created_at FROM adapters "
        "WHERE run_id = ?1 ORDER BY position");
    q->bind_int64(1, run_id);
    while (q->step()) {
      data.adapters.push_back({static_cast<int>(q->column_int64(0)), q->column_text(1),
                               q->column_int64(2), q->column_int64(3), q->column_text(4),
                               q->column_int64(5)});
    }
  }
  {
    Query q =
        d.query("SELECT id, text, created_at FROM notes WHERE run_id = ?1 ORDER BY created_at, id");
    q->bind_int64(1, run_id);
    while (q->step()) {
      data.notes.push_back({q->column_int64(0), q->column_text(1), q->column_int64(2)});
    }
  }
  snapshot.commit();
  return data;
}

std::vector<std::vector<double>> score_matrix(const RunData& data) {
  size_t width = data.tasks.size();
  int rows = 0;
  for (const ScoreCell& cell : data.scores) {
    width = std::max(width, static_cast<size_t>(cell.position) + 1);
    rows = std::max(rows, cell.after_stage + 1);
  }
  std::vector<std::vector<double>> matrix(
      static_cast<size_t>(rows),
      std::vector<double>(width, std::numeric_limits<double>::quiet_NaN()));
  for (const ScoreCell& cell : data.scores)
    matrix[static_cast<size_t>(cell.after_stage)][static_cast<size_t>(cell.position)] = cell.value;
  return matrix;
}

void Store::delete_run(int64_t run_id) {
  Database& d = db();
  Operation op(d, "delete " + run_text(run_id));
  Query q = d.query("DELETE FROM runs WHERE id = ?1");  // ON DELETE CASCADE does the rest
  q->bind_int64(1, run_id);
  q->run();
  require_changed(d, run_id);
}

std::vector<int64_t> Store::mark_interrupted_runs() {
  Database& d = db();
  Operation op(d, "mark runs whose process has gone as interrupted");
  const std::string host = this_host();
  Transaction transaction(d);
  std::vector<std::pair<int64_t, int64_t>> gone;  // (run, pid)
  {
    Query q = d.query("SELECT id, pid FROM runs WHERE status = 'running' AND host = ?1");
    q->bind_text(1, host);
    while (q->step()) {
      const int64_t pid = q->column_is_null(1) ? 0 : q->column_int64(1);
      if (!process_alive(pid)) gone.emplace_back(q->column_int64(0), pid);
    }
  }
  std::vector<int64_t> marked;
  Query q = d.query(
      "UPDATE runs SET status = 'interrupted', status_reason = ?2, finished_at = ?3 "
      "WHERE id = ?1 AND status = 'running'");
  for (const auto& [run_id, pid] : gone) {
    q->bind_int64(1, run_id);
    q->bind_text(2, "its engine process (pid " + std::to_string(pid) + " on " + host +
                        ") ended without recording a result");
    q->bind_int64(3, now());
    q->run();
    q->reset();
    if (d.changes() > 0) marked.push_back(run_id);
  }
  transaction.commit();
  return marked;
}

// --- stages ----------------------------------------------------------------------------------

void Store::begin_stage(int64_t run_id, int stage) {
  Database& d = db();
  Operation op(d, "begin stage " + std::to_string(stage) + " of " + run_text(run_id));
  if (stage < 1) bad_argument(d, "stages are numbered from 1");
  Transaction transaction(d);
  require_run(d, run_id);
  // What an interrupted attempt at this stage (or a later one) left behind.
  const char* leftovers[] = {
      "DELETE FROM train_points WHERE run_id = ?1 AND stage >= ?2",
      "DELETE FROM eval_scores WHERE run_id = ?1 AND after_stage >= ?2",
      "DELETE FROM router_confusion WHERE run_id = ?1 AND after_stage >= ?2",
      "DELETE FROM adapters WHERE run_id = ?1 AND position >= ?2 - 1",
      "DELETE FROM stages WHERE run_id = ?1 AND stage >= ?2",
  };
  for (const char* sql : leftovers) {
    Query q = d.query(sql);
    q->bind_int64(1, run_id);
    q->bind_int64(2, stage);
    q->run();
  }
  Query q = d.query(
      "INSERT INTO stages (run_id, stage, status, started_at) VALUES (?1, ?2, 'running', ?3)");
  q->bind_int64(1, run_id);
  q->bind_int64(2, stage);
  q->bind_int64(3, now());
  q->run();
  transaction.commit();
}

void Store::finish_stage(int64_t run_id, int stage) {
  Database& d = db();
  Operation op(d, "finish stage " + std::to_string(stage) + " of " + run_text(run_id));
  Query q = d.query(
      "UPDATE stages SET status = 'finished', finished_at = ?3 WHERE run_id = ?1 AND stage = ?2");
  q->bind_int64(1, run_id);
  q->bind_int64(2, stage);
  q->bind_int64(3, now());
  q->run();
  if (d.changes() == 0) {
    require_run(d, run_id);
    bad_argument(d, "the stage was never begun (call begin_stage first)");
  }
}

void Store::finish_stage(int64_t run_id, int stage, const std::vector<uint8_t>& checkpoint) {
  Database& d = db();
  Operation op(d, "finish stage " + std::to_string(stage) + " of " + run_text(run_id) +
                      " with its checkpoint");
  const std::string sha = sha256_hex(checkpoint.data(), checkpoint.size());
  Transaction transaction(d);
  finish_stage(run_id, stage);
  Query q = d.query(
      "INSERT OR REPLACE INTO run_checkpoints (run_id, stage, size, sha256, created_at, state) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  q->bind_int64(1, run_id);
  q->bind_int64(2, stage);
  q->bind_int64(3, static_cast<int64_t>(checkpoint.size()));
  q->bind_text(4, sha);
  q->bind_int64(5, now());
  q->bind_blob(6, checkpoint.data(), checkpoint.size());
  q->run();
  transaction.commit();
}

std::optional<Checkpoint> Store::get_checkpoint(int64_t run_id) {
  Database& d = db();
  Operation op(d, "read the checkpoint of " + run_text(run_id));
  Checkpoint checkpoint;
  std::string stored_sha;
  {
    Query q = d.query("SELECT stage, sha256, state FROM run_checkpoints WHERE run_id = ?1");
    q->bind_int64(1, run_id);
    if (!q->step()) {
      require_run(d, run_id);
      return std::nullopt;
    }
    checkpoint.stage = static_cast<int>(q->column_int64(0));
    stored_sha = q->column_text(1);
    checkpoint.state = q->column_blob(2);
  }
  if (sha256_hex(checkpoint.state.data(), checkpoint.state.size()) != stored_sha) {
    throw StoreError(d.path() + " is damaged: the checkpoint of " + run_text(run_id) +
                     " after stage " + std::to_string(checkpoint.stage) +
                     " does not match its stored SHA-256.");
  }
  return checkpoint;
}

int Store::last_finished_stage(int64_t run_id) {
  Database& d = db();
  Operation op(d, "read the last finished stage of " + run_text(run_id));
  require_run(d, run_id);
  Query q = d.query(
      "SELECT coalesce(max(stage), 0) FROM stages WHERE run_id = ?1 AND status = 'finished'");
  q->bind_int64(1, run_id);
  q->step();
  return static_cast<int>(q->column_int64(0));
}

// --- measurements ------------------------------------------------------------------------------

void Store::append_train_points(int64_t run_id, const std::vector<TrainPoint>& points) {
  if (points.empty()) return;
  Database& d = db();
  Operation op(d, "append training points to " + run_text(run_id));
  Transaction transaction(d);
  require_run(d, run_id);
  Query q = d.query(
      "INSERT INTO train_points (run_id, stage, step, loss, lr, tokens_per_s, at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  for (const TrainPoint& p : points) {
    q->bind_int64(1, run_id);
    q->bind_int64(2, p.stage);
    q->bind_int64(3, p.step);
    q->bind_real(4, p.loss);
    q->bind_real(5, p.lr);
    q->bind_real(6, p.tokens_per_s);
    if (p.at_ms)
      q->bind_int64(7, *p.at_ms);
    else
      q->bind_null(7);
    try {
      q->run();
    } catch (const StoreError&) {
      if (sqlite3_extended_errcode(d.handle()) != SQLITE_CONSTRAINT_PRIMARYKEY) throw;
      bad_argument(d, "stage " + std::to_string(p.stage) + " already has a point at step " +
                          std::to_string(p.step) + "; none of this batch was stored");
    }
    q->reset();
  }
  transaction.commit();
}

std::vector<TrainPoint> Store::load_train_points(int64_t run_id) {
  Database& d = db();
  Operation op(d, "read the training points of " + run_text(run_id));
  Query q = d.query(
      "SELECT stage, step, loss, lr, tokens_per_s, at FROM train_points WHERE run_id = ?1 "
      "ORDER BY stage, step");
  q->bind_int64(1, run_id);
  return read_points(*q);
}

std::vector<TrainPoint> Store::load_train_points(int64_t run_id, int stage) {
  Database& d = db();
  Operation op(d, "read the training points of " + run_text(run_id));
  Query q = d.query(
      "SELECT stage, step, loss, lr, tokens_per_s, at FROM train_points "
      "WHERE run_id = ?1 AND stage = ?2 ORDER BY step");
  q->bind_int64(1, run_id);
  q->bind_int64(2, stage);
  return read_points(*q);
}

void Store::put_scores(int64_t run_id, int after_stage, const std::vector<Score>& scores) {
  Database& d = db();
  Operation op(
      d, "store the scores of " + run_text(run_id) + " after stage " + std::to_string(after_stage));
  if (after_stage < 0) bad_argument(d, "after_stage must be 0 (the base model) or more");
  for (const Score& s : scores) {
    if (s.position < 0) bad_argument(d, "a task position is negative");
    if (s.metric.empty()) {
      bad_argument(d, "the score of task " + std::to_string(s.position) + " names no metric");
    }
  }
  Transaction transaction(d);
  require_run(d, run_id);
  Query q = d.query(
      "INSERT OR REPLACE INTO eval_scores (run_id, after_stage, position, metric, value) "
      "VALUES (?1, ?2, ?3, ?4, ?5)");
  for (const Score& s : scores) {
    q->bind_int64(1, run_id);
    q->bind_int64(2, after_stage);
    q->bind_int64(3, s.position);
    q->bind_text(4, s.metric);
    q->bind_real(5, s.value);
    q->run();
    q->reset();
  }
  transaction.commit();
}

void Store::put_confusion(int64_t run_id, const Confusion& confusion) {
  Database& d = db();
  Operation op(d, "store the router confusion of " + run_text(run_id) + " after stage " +
                      std::to_string(confusion.after_stage));
  const size_t n = confusion.labels.size();
  if (confusion.counts.size() != n) {
    bad_argument(d, "the matrix has " + std::to_string(confusion.counts.size()) + " rows for " +
                        std::to_string(n) + " labels");
  }
  for (size_t i = 0; i < n; ++i) {
    if (confusion.counts[i].size() != n) {
      bad_argument(d, "row " + std::to_string(i) + " has " +
                          std::to_string(confusion.counts[i].size()) + " counts for " +
                          std::to_string(n) + " labels");
    }
  }
  Transaction transaction(d);
  require_run(d, run_id);
  Query q = d.query(
      "INSERT OR REPLACE INTO router_confusion (run_id, after_stage, labels, matrix) "
      "VALUES (?1, ?2, ?3, ?4)");
  q->bind_int64(1, run_id);
  q->bind_int64(2, confusion.after_stage);
  q->bind_text(3, string_list_to_json(confusion.labels));
  q->bind_text(4, int_matrix_to_json(confusion.counts));
  q->run();
  transaction.commit();
}

// --- adapters --------------------------------------------------------------------------------

std::string Store::put_adapter(int64_t run_id, int position,
                               const std::vector<uint8_t>& safetensors,
                               const std::string& config_json, int64_t parameter_count) {
  Database& d = db();
  Operation op(d,
               "store the adapter of " + run_text(run_id) + ", task " + std::to_string(position));
  if (position < 0) bad_argument(d, "the task position is negative");
  if (safetensors.empty()) bad_argument(d, "the safetensors bytes are empty");
  if (parameter_count < 0) bad_argument(d, "the parameter count is negative");
  // Hashed before the transaction: megabytes of hashing need not hold the write lock.
  const std::string sha = sha256_hex(safetensors.data(), safetensors.size());
  Transaction transaction(d);
  require_run(d, run_id);
  Query q = d.query(
      "INSERT OR REPLACE INTO adapters (run_id, position, config, parameter_count, size, sha256, "
      "created_at, safetensors) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  q->bind_int64(1, run_id);
  q->bind_int64(2, position);
  q->bind_text(3, config_json);
  q->bind_int64(4, parameter_count);
  q->bind_int64(5, static_cast<int64_t>(safetensors.size()));
  q->bind_text(6, sha);
  q->bind_int64(7, now());
  q->bind_blob(8, safetensors.data(), safetensors.size());
  q->run();
  transaction.commit();
  return sha;
}

std::optional<Adapter> Store::get_adapter(int64_t run_id, int position) {
  Database& d = db();
  Operation op(d, "read the adapter of " + run_text(run_id) + ", task " + std::to_string(position));
  Adapter adapter;
  {
    Query q = d.query(
        "SELECT config, parameter_count, size, sha256, created_at, safetensors FROM adapters "
        "WHERE run_id = ?1 AND position = ?2");
    q->bind_int64(1, run_id);
    q->bind_int64(2, position);
    if (!q->step()) {
      require_run(d, run_id);
      return std::nullopt;
    }
    adapter.info = {position,           q->column_text(0), q->column_int64(1),
                    q->column_int64(2), q->column_text(3), q->column_int64(4)};
    adapter.safetensors = q->column_blob(5);
  }
  const std::string sha = sha256_hex(adapter.safetensors.data(), adapter.safetensors.size());
  if (sha != adapter.info.sha256 ||
      static_cast<int64_t>(adapter.safetensors.size()) != adapter.info.size_bytes) {
    throw StoreError(d.path() + " is damaged: the adapter of " + run_text(run_id) + ", task " +
                     std::to_string(position) + " has " +
                     std::to_string(adapter.safetensors.size()) + " bytes with SHA-256 " + sha +
                     ", but " + std::to_string(adapter.info.size_bytes) + " bytes with SHA-256 " +
                     adapter.info.sha256 + " were stored.");
  }
  return adapter;
}

// --- notes and tags ----------------------------------------------------------------------------

int64_t Store::add_note(int64_t run_id, const std::string& text) {
  Database& d = db();
  Operation op(d, "add a note to " + run_text(run_id));
  Transaction transaction(d);
  require_run(d, run_id);
  Query q = d.query("INSERT INTO notes (run_id, text, created_at) VALUES (?1, ?2, ?3)");
  q->bind_int64(1, run_id);
  q->bind_text(2, text);
  q->bind_int64(3, now());
  q->run();
  const int64_t id = d.last_insert_rowid();
  transaction.commit();
  return id;
}

void Store::delete_note(int64_t note_id) {
  Database& d = db();
  Operation op(d, "delete note " + std::to_string(note_id));
  Query q = d.query("DELETE FROM notes WHERE id = ?1");
  q->bind_int64(1, note_id);
  q->run();
  if (d.changes() == 0) bad_argument(d, "there is no such note");
}

void Store::add_tag(int64_t run_id, const std::string& tag) {
  Database& d = db();
  Operation op(d, "tag " + run_text(run_id) + " \"" + tag + "\"");
  if (tag.empty()) bad_argument(d, "the tag is empty");
  if (has_control_character(tag)) bad_argument(d, "the tag holds a control character");
  Transaction transaction(d);
  require_run(d, run_id);
  Query q = d.query("INSERT OR IGNORE INTO tags (run_id, tag) VALUES (?1, ?2)");
  q->bind_int64(1, run_id);
  q->bind_text(2, tag);
  q->run();
  transaction.commit();
}

void Store::remove_tag(int64_t run_id, const std::string& tag) {
  Database& d = db();
  Operation op(d, "remove the tag \"" + tag + "\" from " + run_text(run_id));
  Transaction transaction(d);
  require_run(d, run_id);
  Query q = d.query("DELETE FROM tags WHERE run_id = ?1 AND tag = ?2");
  q->bind_int64(1, run_id);
  q->bind_text(2, tag);
  q->run();
  transaction.commit();
}

// --- upkeep ----------------------------------------------------------------------------------

std::optional<int64_t> Store::imported_plan(const std::string& plan_id) {
  Database& d = db();
  Operation op(d, "look up imported plan " + plan_id);
  Query q = d.query("SELECT experiment_id FROM imported_plans WHERE plan_id = ?1");
  q->bind_text(1, plan_id);
  if (!q->step()) return std::nullopt;
  return q->column_int64(0);
}

void Store::record_import(const std::string& plan_id, int64_t experiment_id) {
  Database& d = db();
  Operation op(d, "record the import of plan " + plan_id);
  Query q = d.query(
      "INSERT INTO imported_plans (plan_id, experiment_id, imported_at) VALUES (?1, ?2, ?3)");
  q->bind_text(1, plan_id);
  q->bind_int64(2, experiment_id);
  q->bind_int64(3, now());
  q->run();
}

Store::Batch::Batch(Store& store) : transaction_(std::make_unique<Transaction>(store.db())) {}
Store::Batch::~Batch() = default;
void Store::Batch::commit() {
  transaction_->commit();
}

void Store::verify_intact() {
  std::string problems;
  for (const std::string& line :
       check_lines(db(), "read every page of the database", "PRAGMA quick_check(3)")) {
    if (line != "ok") problems += (problems.empty() ? "" : "; ") + line;
  }
  // SQLite puts several findings in one row, a line each: the error stays one line.
  for (size_t at; (at = problems.find('\n')) != std::string::npos;) problems.replace(at, 1, "; ");
  if (!problems.empty()) {
    throw StoreError(db().path() + " is damaged (SQLite's quick_check: " + problems +
                     "); move it aside and restore a backup, or start a new database.");
  }
}

std::string Store::check_integrity() {
  std::string report;
  for (const std::string& line :
       check_lines(db(), "check the integrity of the database", "PRAGMA integrity_check")) {
    report += (report.empty() ? "" : "\n") + line;
  }
  return report;
}

}  // namespace sy::store
