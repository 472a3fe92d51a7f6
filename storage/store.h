// The experiment store: one SQLite file (WAL mode) holding experiments, runs and everything they
// produce, behind a typed API. The engine writes it in short transactions while the GUI and other
// processes read it; docs/storage.md describes the schema, migrations and durability.
//
// A Store is one connection: use it from one thread at a time and open another Store for another
// thread or process. Every method throws StoreError with a sentence naming the file.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "storage/records.h"
#include "storage/store_error.h"

namespace sy::store {

class Database;
class Transaction;

// $XDG_DATA_HOME/switchyard/switchyard.db, or ~/.local/share/switchyard/switchyard.db when
// XDG_DATA_HOME is unset, empty or relative (the XDG base directory rules).
std::string default_db_path();

class Store {
 public:
  // Opens the database at `path`, creating it and its folders when missing, and migrates an
  // older schema to the current one. A file that is not a Switchyard database, has a newer
  // schema, is damaged or cannot be written is refused with one clear sentence, and left exactly
  // as it was.
  static Store open(const std::string& path);

  Store(Store&&) noexcept;
  Store& operator=(Store&&) noexcept;
  ~Store();

  const std::string& path() const;
  int schema_version();
  // The clock whose unix milliseconds the store records (run, stage, note and adapter times):
  // the system's unless set. A test sets its own to store a run, a pause and an extension
  // without waiting for them.
  void set_clock(std::function<int64_t()> clock);
  // That clock's time now: what a writer stamps its own records with (a training step's time).
  int64_t now() const;

  // --- experiments ---
  int64_t create_experiment(const std::string& name, const std::string& definition_json);
  std::vector<ExperimentRecord> list_experiments();  // newest first
  ExperimentRecord load_experiment(int64_t experiment_id);
  // Deletes the experiment and all its runs.
  void delete_experiment(int64_t experiment_id);

  // --- runs ---
  int64_t create_run(const NewRun& run);
  // Running records this process (pid, host) and the first start time and clears finished_at;
  // a terminal status records finished_at. `reason` says why (failed, cancelled, interrupted).
  void set_run_status(int64_t run_id, RunStatus status, const std::string& reason = "");
  // Replaces the run's task sequence and its planned number of stages (nullopt: one per task).
  void set_run_tasks(int64_t run_id, const std::vector<RunTask>& tasks,
                     std::optional<int> stage_count = std::nullopt);
  void set_run_summary(int64_t run_id, const std::string& summary_json);
  // Replaces the run's config JSON (a run extended with more tasks records them there).
  void set_run_config(int64_t run_id, const std::string& config_json);
  std::vector<RunRecord> list_runs(const RunFilter& filter = {});  // newest first
  RunData load_run(int64_t run_id);
  // Deletes the run and everything recorded for it.
  void delete_run(int64_t run_id);
  // Runs left `running` by a process of this host that no longer exists become `interrupted`
  // (a crash, a kill, a power cut). Returns their ids. Runs of other hosts are left alone: their
  // process cannot be looked up from here.
  std::vector<int64_t> mark_interrupted_runs();

  // --- stages ---
  // Starts stage `stage` (>= 1). When an interrupted attempt is resumed, whatever it left for
  // this stage or later ones (training points, scores and confusion after it, adapters of its
  // task and later ones, stage records) is removed first, in the same transaction.
  void begin_stage(int64_t run_id, int stage);
  void finish_stage(int64_t run_id, int stage);
  // Finishes the stage and stores, in the same transaction, what a resumer needs to continue
  // after it (replacing the previous stage's checkpoint): a kill can never leave a finished
  // stage without its checkpoint, or a checkpoint ahead of the finished stages.
  void finish_stage(int64_t run_id, int stage, const std::vector<uint8_t>& checkpoint);
  // The checkpoint of the last finished stage (its bytes checked against their SHA-256), or
  // nullopt when the run has none.
  std::optional<Checkpoint> get_checkpoint(int64_t run_id);
  // The highest finished stage, 0 when none: a resumer starts at the next one.
  int last_finished_stage(int64_t run_id);

  // --- measurements ---
  // One transaction per call: a batch is stored whole or not at all (the caller batches, e.g.
  // every 100 steps). A step already stored for the run and stage is an error.
  void append_train_points(int64_t run_id, const std::vector<TrainPoint>& points);
  // All points of the run ordered by stage and step; or those of one stage.
  std::vector<TrainPoint> load_train_points(int64_t run_id);
  std::vector<TrainPoint> load_train_points(int64_t run_id, int stage);
  // Row `after_stage` of the score matrix, in one transaction; replaces cells already stored.
  void put_scores(int64_t run_id, int after_stage, const std::vector<Score>& scores);
  // Replaces the confusion stored for confusion.after_stage. Counts must be square and match
  // the labels.
  void put_confusion(int64_t run_id, const Confusion& confusion);

  // --- adapters ---
  // Stores (or replaces) the adapter trained on the task at `position`; returns its SHA-256.
  std::string put_adapter(int64_t run_id, int position, const std::vector<uint8_t>& safetensors,
                          const std::string& config_json, int64_t parameter_count);
  // nullopt when the run has no adapter at `position`. The bytes are checked against the stored
  // SHA-256; a mismatch is an error naming the run and task.
  std::optional<Adapter> get_adapter(int64_t run_id, int position);

  // --- notes and tags ---
  int64_t add_note(int64_t run_id, const std::string& text);
  void delete_note(int64_t note_id);
  // Adding a tag the run already has, or removing one it lacks, changes nothing.
  void add_tag(int64_t run_id, const std::string& tag);
  void remove_tag(int64_t run_id, const std::string& tag);

  // --- imports (switchyard-engine import) ---
  // The experiment a plan's bundles were imported as, or nullopt when they were not (or that
  // experiment was deleted since).
  std::optional<int64_t> imported_plan(const std::string& plan_id);
  void record_import(const std::string& plan_id, int64_t experiment_id);

  // Everything done through this store while a Batch lives is one transaction, committed by
  // commit() and rolled back otherwise: several calls stored whole or not at all.
  class Batch {
   public:
    explicit Batch(Store& store);
    ~Batch();
    Batch(const Batch&) = delete;
    Batch& operator=(const Batch&) = delete;
    void commit();

   private:
    std::unique_ptr<Transaction> transaction_;
  };

  // --- upkeep ---
  // SQLite's PRAGMA integrity_check: "ok", or its list of problems (one per line).
  std::string check_integrity();
  // Reads every page (SQLite's quick_check: a damaged page, a broken b-tree, a wrong record) and
  // throws StoreError "<path> is damaged (...)" with the first problems when the file is not
  // whole (`switchyard-engine check`). A pass over the whole file: ~1 s per GB.
  void verify_intact();

 private:
  explicit Store(std::unique_ptr<Database> db);
  Database& db() const;

  std::unique_ptr<Database> db_;
  std::function<int64_t()> clock_;  // empty: the system clock
};

}  // namespace sy::store
