// A run as the runner reports it while it goes: the run's results so far (RunProgress) and the
// observer interface that the terminal printer, the event stream and the store recorder implement.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/run/eta_estimator.h"
#include "engine/run/experiment.h"
#include "engine/train/trainer.h"
#include "storage/records.h"
#include "storage/run_summary.h"

namespace sy {

// One run as it goes: the runner fills it in stage by stage and hands it to every observer; when
// run_ended comes it holds the run's results.
struct RunProgress {
  std::string key;       // "<experiment>/<label>/seed<seed>" (run_key)
  int64_t db_id = 0;     // the run's id in the store, when one records it
  std::string strategy;  // seq-ft, ..., switchcit
  std::string label;
  uint64_t seed = 0;
  std::vector<std::string> tasks;
  std::vector<std::string> metrics;  // each task's metric
  size_t stages = 0;                 // planned: the sequence length, or 1 for multitask
  std::string device;                // where it trains: "cpu", "cuda:0"
  std::vector<std::vector<double>> score_matrix;  // rows: before training, after stage 1..
  store::RunSummary summary;                      // AP, forgetting, BWT, FWT, router accuracy
  std::vector<std::vector<std::vector<int64_t>>> router_confusion;  // one per stage
  store::RunStatus status = store::RunStatus::Finished;             // finished, cancelled or failed
  std::string reason;  // why it was cancelled or failed
  double seconds = 0;
};

// A run's key within its experiment: "<experiment>/<label>/seed<seed>" (RunProgress::key, the
// events' "key", what import finds a bundled run by).
std::string run_key(const std::string& experiment, const std::string& label, uint64_t seed);

// A LoRA adapter one stage trained, in PEFT's layout.
struct TrainedAdapter {
  std::vector<uint8_t> safetensors;
  std::string config_json;  // adapter_config.json
  int64_t parameters = 0;
};

// Training that is going wrong, as a run reports it (docs/events.md, "warning"). `kind`:
// "loss_rising" (the loss stayed above its stage's start and above a uniform guess over the
// vocabulary for several steps: engine/train/loss_watch.h; the run goes on) or
// "loss_not_finite" (NaN or Inf; the run stops and fails).
struct RunWarning {
  std::string kind;
  std::string what;  // the training it concerns, as train_step's `what`
  int64_t step = 0;  // 1-based within the stage
  double loss = 0;
  std::string message;  // one sentence naming the setting to change
};

// What the runner reports as it goes, in this order for each run: run_started, row 0, then per
// stage stage_started, train steps, row k, router (switchcit), adapter (LoRA strategies),
// stage_finished; and run_ended last, whatever happened. Stages are 1-based, rows are
// "after stage" (0 = the base model), positions 0-based.
class RunObserver {
 public:
  virtual ~RunObserver() = default;
  // True when the observer keeps adapters and checkpoints: only then are they serialized.
  virtual bool keeps_artifacts() const { return false; }
  // `plan`: the stages the runs will take (their steps and evaluations), for the ETA.
  virtual void experiment_started(const Experiment&, const WorkPlan& plan) {}
  // `run.db_id` may be set here (a store creating the run); `first_stage` > 1 when resuming.
  virtual void run_started(RunProgress& run, const StrategySpec& spec, size_t first_stage) {}
  virtual void stage_started(const RunProgress& run, size_t stage) {}
  virtual void train_step(const RunProgress& run, size_t stage, const std::string& what,
                          const TrainStep& step) {}
  // Diverging training (after the train_step it concerns); at most one loss_rising per run.
  virtual void warning(const RunProgress& run, size_t stage, const RunWarning& warning) {}
  virtual void row_evaluated(const RunProgress& run, size_t row) {}
  virtual void router_evaluated(const RunProgress& run, size_t after_stage) {}
  virtual void adapter_trained(const RunProgress& run, size_t position,
                               const TrainedAdapter& adapter) {}
  // `checkpoint`: the strategy's state as safetensors bytes (empty unless keeps_artifacts()).
  virtual void stage_finished(const RunProgress& run, size_t stage,
                              const std::vector<uint8_t>& checkpoint) {}
  virtual void run_ended(const RunProgress& run) {}
  virtual void experiment_ended() {}
};

// Several observers as one, called in the order given.
class ObserverList : public RunObserver {
 public:
  explicit ObserverList(std::vector<RunObserver*> observers) : list_(std::move(observers)) {}
  bool keeps_artifacts() const override;
  void experiment_started(const Experiment& e, const WorkPlan& plan) override;
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
  void experiment_ended() override;

 private:
  std::vector<RunObserver*> list_;
};

}  // namespace sy
