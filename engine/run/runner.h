// Runs an experiment: every strategy, for every seed, over the task sequence — training stage by
// stage and scoring every task after every stage (the score matrix), plus the router's confusion
// matrices for switchcit; and serves a stored run's strategy. How runs are shown (terminal
// tables, the --summary document) is app/run_report.h.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "engine/cl/strategy.h"
#include "engine/run/experiment.h"
#include "engine/run/run_observer.h"
#include "engine/run/session.h"

namespace sy {

// Runs every strategy for every seed. A run that fails is reported (run_ended, status failed)
// and its exception rethrown; a cancelled run ends the experiment.
std::vector<RunProgress> run_experiment(const Experiment& experiment, const RunnerOptions& options,
                                        RunObserver& observer,
                                        const std::atomic<bool>* cancel = nullptr);
// Continues the run of `experiment`'s strategy `label` with `seed` after its finished stages;
// ends as the uninterrupted run would have.
RunProgress resume_run(const Experiment& experiment, const RunnerOptions& options,
                       const std::string& label, uint64_t seed, const ResumePoint& from,
                       RunObserver& observer, const std::atomic<bool>* cancel = nullptr);

// A stored run made ready to answer requests (switchyard-engine serve, the app's playground): the
// experiment's base model and tasks, and the strategy restored after `from`'s finished stages.
class ServedRun {
 public:
  ServedRun(const Experiment& experiment, const RunnerOptions& options, const std::string& label,
            uint64_t seed, const ResumePoint& from);
  ~ServedRun();
  ServedRun(const ServedRun&) = delete;
  ServedRun& operator=(const ServedRun&) = delete;

  const std::string& strategy() const;
  std::vector<std::string> tasks() const;
  std::vector<size_t> task_adapters() const;
  bool has_router() const;
  Reply ask(const Example& request, std::optional<size_t> adapter, int64_t max_new_tokens);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sy
