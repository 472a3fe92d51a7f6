// Everything the runs of one experiment share in one process: the tasks, the frozen base model on
// its device, the per-task experts (AdapterBank) and the answers of fixed weights (AnswerCache).
// `run` drives one strategy over the sequence and reports to an observer; the runner, the plan's
// units and the served runs all go through it.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/cl/strategy.h"
#include "engine/run/eta_estimator.h"
#include "engine/run/experiment.h"
#include "engine/run/run_observer.h"

namespace sy {

struct RunnerOptions {
  bool quick = false;  // a few steps and examples: the whole pipeline in seconds, for tests
};

// Where an interrupted run stands: what its finished stages produced, and the strategy's state
// after the last of them (see Strategy::state).
struct ResumePoint {
  int64_t db_id = 0;
  size_t stages_done = 0;
  std::vector<uint8_t> checkpoint;                // safetensors bytes; empty when stages_done = 0
  std::vector<std::vector<double>> score_matrix;  // rows 0..stages_done
  std::vector<std::vector<std::vector<int64_t>>> router_confusion;  // stages 1..stages_done
};

// The experiment's tasks as its runs see them (--quick caps their examples).
std::vector<Task> experiment_tasks(const Experiment& experiment, const RunnerOptions& options);
// The spec as a run with these options trains it (--quick shrinks the budgets).
StrategySpec effective_spec(StrategySpec spec, const RunnerOptions& options);

// One trained per-task expert, as a unit of a plan hands it to the units that wait for it.
struct ExpertWeights {
  size_t task = 0;    // position in the sequence
  std::string label;  // the strategy whose settings trained it
  uint64_t seed = 0;
  NamedTensors tensors;
  std::vector<TrainStep> steps;  // its training curve, reported by the first run that uses it
};

class LossWatch;

class Session {
 public:
  Session(const Experiment& experiment, const RunnerOptions& options, RunObserver& observer,
          const std::atomic<bool>* cancel);

  StrategySpec effective(const StrategySpec& spec) const { return effective_spec(spec, options_); }
  // The stages the runs of `specs` (each seed, from `first_stage`) will take, in order: their
  // optimizer steps, counting each shared expert once (trains_expert) and none for an expert
  // already in the bank, and the task evaluations each computes afresh (for the ETA).
  WorkPlan work_plan(const std::vector<StrategySpec>& specs, size_t first_stage) const;
  // One run of `spec` with `seed`, from the start or after `from`'s finished stages.
  RunProgress run(const StrategySpec& spec, uint64_t seed, const ResumePoint* from);

  // Trains (or finds) the expert of task `task` for `spec`'s settings and `seed`; `on_step` sees
  // every optimizer step.
  ExpertWeights train_expert(size_t task, const StrategySpec& spec, uint64_t seed,
                             const std::function<void(const TrainStep&)>& on_step);
  // Puts an expert trained elsewhere into the bank: runs that need it take it instead of training.
  void add_expert(const StrategySpec& spec, const ExpertWeights& expert);

  const std::vector<Task>& tasks() const { return tasks_; }
  ClContext& context() { return ctx_; }
  // The strategy as it stood after `from`'s finished stages, for answering requests.
  std::unique_ptr<Strategy> restored(const StrategySpec& spec, uint64_t seed,
                                     const ResumePoint& from);

 private:
  std::vector<double> score_row(const std::function<std::vector<std::string>(size_t)>& answer);
  // Reports diverging training as a warning; a non-finite loss also stops the run (throws Error
  // naming the learning rate to lower).
  void watch_loss(LossWatch& watch, const RunProgress& run, const StrategySpec& spec, size_t stage,
                  const std::string& what, const TrainStep& step);

  const Experiment& experiment_;
  RunnerOptions options_;
  RunObserver& observer_;
  const std::vector<Task> tasks_;
  std::string base_dir_;
  LoadedModel base_;
  c10::Device device_ = c10::Device(c10::kCPU);
  AdapterBank bank_;
  AnswerCache answers_;
  ClContext ctx_;
};

}  // namespace sy
