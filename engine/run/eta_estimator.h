// The time left of an experiment's planned work, from what its parts have taken so far: the
// `eta_s` of the progress event (docs/events.md). Torch- and Qt-free (its own library,
// switchyard_eta) and clock-free: the caller passes every time, so a test feeds it made-up ones.
//
// One rate over the whole experiment (elapsed / steps done) was off by 0.5x to 2.3x: it charged
// the model's loading and the evaluations to the optimizer steps, though a stage of an expert
// strategy evaluates almost nothing new (answers of fixed weights are cached) and a switchcit
// stage trains nothing; and a full fine-tuning step costs more than a LoRA step. Here each
// kind of work has its own rate: seconds per optimizer step of each training kind, and seconds
// per task evaluation computed afresh, each projected onto the work the plan has left.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sy {

// One stage of one run, as the session plans it.
struct PlannedStage {
  std::string training;  // the kind of optimizer step: "full" or "lora"
  int64_t steps = 0;     // steps it trains (0: its expert was trained before, or elsewhere)
  // Tasks whose test answers it computes afresh after training: every task for weights that
  // changed, the new expert's task alone for an expert strategy, none for an expert whose
  // answers are cached already.
  int evaluations = 0;
};

// An experiment's remaining work in the order the runs take it.
struct WorkPlan {
  // Tasks the base model answers before the first stage (row 0 of the first run; 0 when the
  // run resumes and its row 0 is stored).
  int base_evaluations = 0;
  std::vector<PlannedStage> stages;

  int64_t steps() const;  // all stages' optimizer steps
};

class EtaEstimator {
 public:
  EtaEstimator() = default;
  // `now`: seconds on the caller's clock (any steady clock; only differences count).
  EtaEstimator(WorkPlan plan, double now);

  // The next planned stage begins. Time since the last event is not charged to anything: it
  // is the row 0 evaluation (measured when the plan has one) or a run's bookkeeping.
  void stage_started(double now);
  // One optimizer step of the current stage ended: the time since the stage began or since
  // its previous step is one step of its training kind. Steps a stage was not planned to train
  // (an expert trained elsewhere, whose curve is reported as it is first used) arrive at once
  // and are not counted.
  void step(double now);
  // The current stage ended: what it took besides its steps (its evaluation, a switch network's
  // training, saving the adapter) is charged to its evaluations.
  void stage_finished(double now);

  // Seconds left, or nullopt while some remaining kind of work has no basis yet: no step of
  // any kind has been timed, or no evaluation has been. A training kind not seen yet takes the
  // rate of all steps timed so far.
  std::optional<double> eta(double now) const;

  int64_t steps_done() const { return steps_done_; }  // planned steps taken so far
  int64_t steps_planned() const { return planned_steps_; }

 private:
  struct Rate {
    double seconds = 0;
    double count = 0;
  };
  std::optional<double> step_rate(const std::string& kind) const;
  // The projected seconds of stage `index` from `steps_done` of its steps on; nullopt without
  // a basis for it.
  std::optional<double> stage_seconds(size_t index, int64_t steps_done) const;

  WorkPlan plan_;
  int64_t planned_steps_ = 0;
  int64_t steps_done_ = 0;
  double started_ = 0;
  double last_ = 0;  // the last event's time
  // The stage under way: its index in plan_.stages (-1 before the first), when it began, its
  // steps so far and their time.
  long current_ = -1;
  double stage_started_ = 0;
  int64_t stage_steps_ = 0;
  double stage_step_seconds_ = 0;
  bool in_stage_ = false;
  std::map<std::string, Rate> steps_;  // by training kind
  Rate evaluations_;                   // per task evaluation
  // Stages that evaluate nothing new still take a little (a switch network's training, routing
  // the test prompts): their mean, 0 until one is seen.
  Rate idle_stages_;
};

}  // namespace sy
