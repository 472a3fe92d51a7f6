// The migration steps of the store's schema. A released step is never edited: a change to the
// schema is a new step appended at the end (docs/storage.md, "Migrations").
#include "storage/schema.h"

#include "storage/database.h"
#include "storage/store_error.h"

namespace sy::store {

namespace {

// Version 1: runs, their tasks and stages, training curves, scores, router confusion, adapters.
// Times are unix milliseconds (UTC). The big tables are WITHOUT ROWID, clustered on their key:
// a run's points are read back in (stage, step) order from contiguous pages, and the key is not
// stored twice (table + index) - bench_store measures the difference.
constexpr const char* kStep1 = R"sql(
CREATE TABLE experiments (
  id          INTEGER PRIMARY KEY,
  name        TEXT    NOT NULL,
  definition  TEXT    NOT NULL,
  created_at  INTEGER NOT NULL
);

CREATE TABLE runs (
  id              INTEGER PRIMARY KEY,
  experiment_id   INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
  strategy        TEXT    NOT NULL,
  label           TEXT    NOT NULL,
  seed            INTEGER NOT NULL,
  config          TEXT    NOT NULL,
  status          TEXT    NOT NULL CHECK (status IN ('created', 'running', 'finished', 'failed',
                                                      'cancelled', 'interrupted')),
  status_reason   TEXT    NOT NULL DEFAULT '',
  device          TEXT    NOT NULL DEFAULT '',
  engine_version  TEXT    NOT NULL DEFAULT '',
  host            TEXT    NOT NULL DEFAULT '',
  pid             INTEGER,
  created_at      INTEGER NOT NULL,
  started_at      INTEGER,
  finished_at     INTEGER
);
CREATE INDEX runs_by_experiment ON runs(experiment_id);
CREATE INDEX runs_by_status ON runs(status);

CREATE TABLE run_tasks (
  run_id    INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  position  INTEGER NOT NULL,
  name      TEXT    NOT NULL,
  metric    TEXT    NOT NULL,
  PRIMARY KEY (run_id, position)
) WITHOUT ROWID;

CREATE TABLE stages (
  run_id       INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  stage        INTEGER NOT NULL,
  status       TEXT    NOT NULL CHECK (status IN ('running', 'finished')),
  started_at   INTEGER NOT NULL,
  finished_at  INTEGER,
  PRIMARY KEY (run_id, stage)
) WITHOUT ROWID;

CREATE TABLE train_points (
  run_id        INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  stage         INTEGER NOT NULL,
  step          INTEGER NOT NULL,
  loss          REAL,
  lr            REAL,
  tokens_per_s  REAL,
  PRIMARY KEY (run_id, stage, step)
) WITHOUT ROWID;

CREATE TABLE eval_scores (
  run_id       INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  after_stage  INTEGER NOT NULL,
  position     INTEGER NOT NULL,
  metric       TEXT    NOT NULL,
  value        REAL,
  PRIMARY KEY (run_id, after_stage, position)
) WITHOUT ROWID;

-- Rowid tables: a confusion matrix of many tasks, and an adapter above all, are too large for
-- a WITHOUT ROWID row (SQLite advises those stay under ~1/20 of a page).
CREATE TABLE router_confusion (
  run_id       INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  after_stage  INTEGER NOT NULL,
  labels       TEXT    NOT NULL,
  matrix       TEXT    NOT NULL,
  UNIQUE (run_id, after_stage)
);

-- The blob comes last: reading the other columns then never loads its overflow pages.
CREATE TABLE adapters (
  run_id           INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  position         INTEGER NOT NULL,
  config           TEXT    NOT NULL,
  parameter_count  INTEGER NOT NULL,
  size             INTEGER NOT NULL,
  sha256           TEXT    NOT NULL,
  created_at       INTEGER NOT NULL,
  safetensors      BLOB    NOT NULL,
  UNIQUE (run_id, position)
);
)sql";

// Version 2: notes and tags on runs, and the run's summary document.
constexpr const char* kStep2 = R"sql(
ALTER TABLE runs ADD COLUMN summary TEXT;

CREATE TABLE notes (
  id          INTEGER PRIMARY KEY,
  run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  text        TEXT    NOT NULL,
  created_at  INTEGER NOT NULL
);
CREATE INDEX notes_by_run ON notes(run_id);

CREATE TABLE tags (
  run_id  INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  tag     TEXT    NOT NULL,
  PRIMARY KEY (run_id, tag)
) WITHOUT ROWID;
CREATE INDEX tags_by_tag ON tags(tag);
)sql";

// Version 3: what a resumed run needs to continue after its last finished stage (the trained
// weights a strategy carries from stage to stage), one row per run, replaced at every stage.
constexpr const char* kStep3 = R"sql(
CREATE TABLE run_checkpoints (
  run_id      INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
  stage       INTEGER NOT NULL,
  size        INTEGER NOT NULL,
  sha256      TEXT    NOT NULL,
  created_at  INTEGER NOT NULL,
  state       BLOB    NOT NULL
);
)sql";

// Version 4: the plans (switchyard-engine plan) whose bundles were imported, so that importing
// the same plan again changes nothing; deleting the experiment forgets the import.
constexpr const char* kStep4 = R"sql(
CREATE TABLE imported_plans (
  plan_id        TEXT    PRIMARY KEY,
  experiment_id  INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
  imported_at    INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX imported_plans_by_experiment ON imported_plans(experiment_id);
)sql";

// Version 5: each run's planned number of stages (one per task, or one for a strategy that learns
// all tasks in one stage), stored so that every reader shows the same total. Runs stored before
// it get the rule the engine had then: multitask one stage, every other strategy one per task.
constexpr const char* kStep5 = R"sql(
ALTER TABLE runs ADD COLUMN stage_count INTEGER NOT NULL DEFAULT 0;
UPDATE runs SET stage_count = CASE strategy WHEN 'multitask' THEN 1
  ELSE (SELECT count(*) FROM run_tasks t WHERE t.run_id = runs.id) END;
)sql";

// Version 6: when each training step was taken (unix ms), for plots against wall time. Points
// stored before it read NULL: the loss plot then offers the step axis only (ui/loss_plot.h).
constexpr const char* kStep6 = R"sql(
ALTER TABLE train_points ADD COLUMN at INTEGER;
)sql";

struct TableSince {
  const char* name;
  int version;
};

constexpr TableSince kTables[] = {
    {"experiments", 1},  {"runs", 1},        {"run_tasks", 1},        {"stages", 1},
    {"train_points", 1}, {"eval_scores", 1}, {"router_confusion", 1}, {"adapters", 1},
    {"notes", 2},        {"tags", 2},        {"run_checkpoints", 3},  {"imported_plans", 4},
};

}  // namespace

const std::vector<Migration>& migrations() {
  static const std::vector<Migration> steps = {
      {1,
       "first schema: experiments, runs, tasks, stages, training points, scores, "
       "router confusion, adapters",
       kStep1},
      {2, "notes, tags and the run summary", kStep2},
      {3, "checkpoints for resuming a run", kStep3},
      {4, "imported plans", kStep4},
      {5, "the planned number of stages of every run", kStep5},
      {6, "the time of every training step", kStep6},
  };
  return steps;
}

int latest_schema_version() {
  return migrations().back().version;
}

std::vector<std::string> tables_of_version(int version) {
  std::vector<std::string> names;
  for (const TableSince& table : kTables) {
    if (table.version <= version) names.push_back(table.name);
  }
  return names;
}

void migrate(Database& db, int target) {
  if (target < 0 || target > latest_schema_version()) {
    throw StoreError("Cannot migrate " + db.path() + " to schema version " +
                     std::to_string(target) + "; this Switchyard knows versions 1 to " +
                     std::to_string(latest_schema_version()) + ".");
  }
  if (db.query_int64("PRAGMA user_version") >= target) return;  // the common case: no lock

  db.exec("PRAGMA foreign_keys = OFF");  // a no-op inside a transaction, so before BEGIN
  struct ForeignKeysBackOn {
    Database& db;
    ~ForeignKeysBackOn() {
      try {
        db.exec("PRAGMA foreign_keys = ON");
      } catch (const StoreError&) {
        // Only fails on a broken connection, which the next statement reports.
      }
    }
  } back_on{db};

  Transaction transaction(db);
  // Read again under the write lock: another process may have migrated in the meantime.
  const int64_t current = db.query_int64("PRAGMA user_version");
  for (const Migration& step : migrations()) {
    if (step.version <= current || step.version > target) continue;
    try {
      db.exec(step.sql);
      db.exec("PRAGMA user_version = " + std::to_string(step.version));
    } catch (const StoreError& e) {
      throw StoreError("Cannot migrate " + db.path() + " to schema version " +
                       std::to_string(step.version) + " (" + step.summary + "): " + e.what());
    }
  }
  db.exec("PRAGMA application_id = " + std::to_string(kApplicationId));
  if (!db.query_text("PRAGMA foreign_key_check").empty()) {
    throw StoreError("Cannot migrate " + db.path() + " to schema version " +
                     std::to_string(target) + ": the migrated data breaks a foreign key.");
  }
  transaction.commit();
}

}  // namespace sy::store
