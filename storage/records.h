// The values the store takes and gives back: experiments, runs, tasks, stages, training points,
// scores, router confusion, adapters, notes. Plain structs; JSON documents travel as text.
//
// Numbering follows the score matrix R[i][j] (docs/metrics.md): a task's `position` is its 0-based
// place in the sequence (column j), a `stage` is 1-based (stage k trains the task at position
// k - 1), and `after_stage` is the row: 0 for the base model before training, k after stage k.
// Times are unix milliseconds, UTC.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sy::store {

enum class RunStatus { Created, Running, Finished, Failed, Cancelled, Interrupted };

// The tag the engine gives a run whose training diverged (docs/events.md, "warning"); a note
// added with it says where and which setting to change. The run list and `show` show tags.
constexpr const char* kDivergedTag = "diverged";

// "created", "running", "finished", "failed", "cancelled", "interrupted": the words in the
// database and in the engine's events.
const char* run_status_name(RunStatus status);
std::optional<RunStatus> parse_run_status(const std::string& name);
// Finished, failed, cancelled and interrupted: the run's process is gone.
bool is_terminal(RunStatus status);

struct ExperimentRecord {
  int64_t id = 0;
  std::string name;
  std::string definition_json;  // the experiment file as the run started it
  int64_t created_at_ms = 0;
};

// What create_run needs; the store adds the id, the status (created) and the times.
struct NewRun {
  int64_t experiment_id = 0;
  std::string strategy;  // seq-ft, seq-lora, replay, multitask, oracle, switchcit
  std::string label;     // shown in tables; empty means the strategy's name
  uint64_t seed = 0;
  std::string config_json = "{}";  // the resolved strategy settings
  std::string device;              // e.g. "cpu", "cuda:0"
  std::string engine_version;
};

// One run as the run list shows it.
struct RunRecord {
  int64_t id = 0;
  int64_t experiment_id = 0;
  std::string experiment_name;
  std::string strategy;
  std::string label;
  uint64_t seed = 0;
  RunStatus status = RunStatus::Created;
  std::string status_reason;  // why it failed, was cancelled or interrupted; else empty
  std::string device;
  std::string engine_version;
  std::string host;  // where the process that last ran it lives
  int64_t pid = 0;   // that process; 0 before the run started
  int64_t created_at_ms = 0;
  std::optional<int64_t> started_at_ms;   // first start
  std::optional<int64_t> finished_at_ms;  // when it reached a terminal status
  int task_count = 0;
  // The stages the run plans (set with its tasks): one per task, or 1 for a strategy that learns
  // all tasks in one stage (engine/cl/strategy_traits.h). The total every reader shows.
  int stage_count = 0;
  int last_finished_stage = 0;  // 0: none yet
  // The time in its stages (storage/run_duration.h): the finished stages' spans summed, and when
  // a stage was begun and not finished, its start.
  int64_t finished_stages_ms = 0;
  std::optional<int64_t> open_stage_started_at_ms;
  std::vector<std::string> tags;
  std::string summary_json;  // the run's summary document; empty until set_run_summary
};

struct RunFilter {
  std::optional<int64_t> experiment_id;
  std::optional<RunStatus> status;
  std::optional<std::string> tag;
};

// A task of the run's sequence; its position is its index in the list.
struct RunTask {
  std::string name;
  std::string metric;  // exact, rouge1/2/L/Lsum, bleu, constraint
};

enum class StageStatus { Running, Finished };

struct StageRecord {
  int stage = 0;
  StageStatus status = StageStatus::Running;
  int64_t started_at_ms = 0;
  std::optional<int64_t> finished_at_ms;
};

// One optimizer step. A NaN (a diverged loss) is stored as NULL and read back as NaN.
struct TrainPoint {
  int stage = 0;
  int64_t step = 0;
  double loss = 0;
  double lr = 0;
  double tokens_per_s = 0;
  // When the step was taken, unix ms; nullopt for points stored before schema version 6 (and
  // for writers that do not know it).
  std::optional<int64_t> at_ms = std::nullopt;
};

// One cell of a score matrix row: the score on the task at `position`.
struct Score {
  int position = 0;
  std::string metric;
  double value = 0;
};

struct ScoreCell {
  int after_stage = 0;
  int position = 0;
  std::string metric;
  double value = 0;
};

// The router's confusion after a stage: counts[true][predicted] over the test prompts of the
// tasks seen so far, labels[i] naming row and column i.
struct Confusion {
  int after_stage = 0;
  std::vector<std::string> labels;
  std::vector<std::vector<int64_t>> counts;
};

struct AdapterInfo {
  int position = 0;         // the task it was trained on
  std::string config_json;  // the PEFT adapter_config.json
  int64_t parameter_count = 0;
  int64_t size_bytes = 0;
  std::string sha256;  // of the safetensors bytes, 64 lower-case hex digits
  int64_t created_at_ms = 0;
};

struct Adapter {
  AdapterInfo info;
  std::vector<uint8_t> safetensors;  // the adapter_model.safetensors file, byte for byte
};

// The state a run carries from stage to stage (weights, as safetensors bytes), after `stage`.
struct Checkpoint {
  int stage = 0;
  std::vector<uint8_t> state;
};

struct Note {
  int64_t id = 0;
  std::string text;
  int64_t created_at_ms = 0;
};

// Everything of one run but its training points (load_train_points) and adapter bytes
// (get_adapter), read in one snapshot.
struct RunData {
  RunRecord run;
  std::string config_json;
  std::vector<RunTask> tasks;
  std::vector<StageRecord> stages;
  // The score matrix's cells with each one's metric, ordered by after_stage, then position; the
  // matrix itself is score_matrix(data), built from them (one copy of the scores, not two).
  std::vector<ScoreCell> scores;
  std::vector<Confusion> confusions;  // ordered by after_stage
  std::vector<AdapterInfo> adapters;  // ordered by position
  std::vector<Note> notes;            // oldest first
};

// The run's score matrix R[after_stage][position] from data.scores: rows 0..the largest
// after_stage, as wide as the task list (or the largest position + 1); NaN where no score was
// stored.
std::vector<std::vector<double>> score_matrix(const RunData& data);

}  // namespace sy::store
