// Records runs in the experiment store as they happen: the run and its task sequence when it
// starts, training points in batches, every score row, router matrix and adapter, and each
// finished stage together with the checkpoint a resumer needs. What is stored of a finished
// stage survives a kill at any moment (storage/store.h, docs/storage.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/run/run_observer.h"
#include "storage/store.h"

namespace sy {

// How a run was started, kept with it so that `switchyard-engine resume` can start it again.
struct RunOrigin {
  std::string experiment_file;  // absolute path: relative JSONL paths resolve against it
  std::string experiment_json;  // the experiment as run (after command-line overrides)
  bool quick = false;
};

class RunRecorder : public RunObserver {
 public:
  // Writes to `store`; `experiment_id` 0 creates the experiment when it starts.
  RunRecorder(store::Store& store, RunOrigin origin, int64_t experiment_id = 0);

  bool keeps_artifacts() const override { return true; }
  void experiment_started(const Experiment& experiment, const WorkPlan& plan) override;
  void run_started(RunProgress& run, const StrategySpec& spec, size_t first_stage) override;
  void stage_started(const RunProgress& run, size_t stage) override;
  void train_step(const RunProgress& run, size_t stage, const std::string& what,
                  const TrainStep& step) override;
  void warning(const RunProgress& run, size_t stage, const RunWarning& warning) override;
  void row_evaluated(const RunProgress& run, size_t row) override;
  void router_evaluated(const RunProgress& run, size_t after_stage) override;
  void adapter_trained(const RunProgress& run, size_t position,
                       const TrainedAdapter& adapter) override;
  void stage_finished(const RunProgress& run, size_t stage,
                      const std::vector<uint8_t>& checkpoint) override;
  void run_ended(const RunProgress& run) override;

  int64_t experiment_id() const { return experiment_id_; }

 private:
  void flush_points(int64_t run_id);

  store::Store& store_;
  RunOrigin origin_;
  int64_t experiment_id_ = 0;
  std::vector<store::TrainPoint> points_;
};

// What the recorder keeps in runs.config: {"label", "quick", "experiment_file"} plus the
// resolved strategy settings, for display.
struct StoredRunConfig {
  std::string label;
  bool quick = false;
  std::string experiment_file;
  // Tasks added to the run after it finished (switchyard-engine extend), as experiment-file
  // task entries, appended to the experiment's sequence.
  nlohmann::json extra_tasks;
};
StoredRunConfig parse_stored_run_config(const std::string& config_json, int64_t run_id);
// The run's experiment: the stored experiment file with the run's extra tasks appended.
Experiment stored_run_experiment(const std::string& experiment_json, const StoredRunConfig& config);

}  // namespace sy
