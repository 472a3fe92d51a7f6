// Runs an experiment: every strategy, for every seed, over the task sequence — training stage by
// stage and scoring every task after every stage (the score matrix), plus the router's confusion
// matrices for switchcit.
#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "engine/run/experiment.h"
#include "engine/train/trainer.h"

namespace sy {

struct RunResult {
  std::string run_id;    // "<experiment>/<label>/seed<seed>"
  std::string strategy;  // seq-ft, ..., switchcit
  std::string label;
  uint64_t seed = 0;
  std::vector<std::string> tasks;
  std::vector<std::vector<double>> score_matrix;  // rows: before training, after stage 1..
  std::optional<double> ap, forgetting, bwt, fwt, router_accuracy;
  std::vector<std::vector<std::vector<int64_t>>> router_confusion;  // one per stage
  std::string status = "finished";                                  // finished | cancelled
  double seconds = 0;
};

struct RunnerEvents {
  std::function<void(const RunResult& run, const std::string& what, const TrainStep& step)> step;
  // After each evaluated row (row 0 = the base model), with the run so far.
  std::function<void(const RunResult& run, size_t row)> row;
  std::function<void(const RunResult& run)> finished;
};

struct RunnerOptions {
  bool quick = false;  // a few steps and examples: the whole pipeline in seconds, for tests
};

std::vector<RunResult> run_experiment(const Experiment& experiment, const RunnerOptions& options,
                                      const RunnerEvents& events,
                                      const std::atomic<bool>* cancel = nullptr);

// The --summary document: {"experiment", "runs": [...]} (docs/experiments.md).
nlohmann::json summary_json(const Experiment& experiment, const std::vector<RunResult>& runs);
// A plain-text table of one run's score matrix and summary, for the terminal.
std::string format_run(const RunResult& run);
std::string format_comparison(const std::vector<RunResult>& runs);

}  // namespace sy
