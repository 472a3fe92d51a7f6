// The experiment runner. The frozen base model is loaded once and shared: LoRA strategies add
// adapters to it, full fine-tuning strategies train their own copies, per-task experts are
// trained once for oracle and switchcit together, and answers of fixed weights are cached.
#include "engine/run/runner.h"

#include <algorithm>
#include <chrono>
#include <set>

#include <torch/utils.h>
#include <nlohmann/json.hpp>

#include "engine/cl/score_matrix.h"
#include "engine/cl/strategy.h"
#include "engine/data/builtin_tasks.h"
#include "engine/data/jsonl_import.h"
#include "engine/generate/task_scoring.h"
#include "engine/model/adapter_io.h"
#include "engine/util/device.h"
#include "engine/util/error.h"

namespace sy {

std::vector<RunProgress> run_experiment(const Experiment& experiment, const RunnerOptions& options,
                                        RunObserver& observer, const std::atomic<bool>* cancel) {
  Session session(experiment, options, observer, cancel);
  observer.experiment_started(experiment, session.work_plan(experiment.strategies, 1));
  std::vector<RunProgress> results;
  for (uint64_t seed : experiment.seeds) {
    for (const StrategySpec& spec : experiment.strategies) {
      results.push_back(session.run(spec, seed, nullptr));
      if (results.back().status == store::RunStatus::Cancelled) {
        observer.experiment_ended();
        return results;
      }
    }
  }
  observer.experiment_ended();
  return results;
}

namespace {

const StrategySpec& spec_labelled(const Experiment& experiment, const std::string& label) {
  auto spec = std::find_if(experiment.strategies.begin(), experiment.strategies.end(),
                           [&](const StrategySpec& s) { return s.label == label; });
  if (spec == experiment.strategies.end()) {
    throw Error(experiment.path + " has no strategy labelled \"" + label +
                "\"; was the experiment file changed since the run started?");
  }
  return *spec;
}

}  // namespace

struct ServedRun::Impl {
  Experiment experiment;
  RunObserver quiet;  // serving reports nothing
  Session session;
  std::string strategy_name;
  std::unique_ptr<Strategy> strategy;

  Impl(const Experiment& e, const RunnerOptions& options)
      : experiment(e), session(experiment, options, quiet, nullptr) {}
};

ServedRun::ServedRun(const Experiment& experiment, const RunnerOptions& options,
                     const std::string& label, uint64_t seed, const ResumePoint& from)
    : impl_(std::make_unique<Impl>(experiment, options)) {
  const StrategySpec& spec = spec_labelled(experiment, label);
  impl_->strategy_name = spec.name;
  impl_->strategy = impl_->session.restored(spec, seed, from);
}

ServedRun::~ServedRun() = default;

const std::string& ServedRun::strategy() const {
  return impl_->strategy_name;
}

std::vector<std::string> ServedRun::tasks() const {
  std::vector<std::string> names;
  for (const auto& t : impl_->session.tasks()) names.push_back(t.name);
  return names;
}

std::vector<size_t> ServedRun::task_adapters() const {
  return impl_->strategy->task_adapters();
}

bool ServedRun::has_router() const {
  return impl_->strategy->has_router();
}

Reply ServedRun::ask(const Example& request, std::optional<size_t> adapter,
                     int64_t max_new_tokens) {
  impl_->session.context().generation.max_new_tokens = max_new_tokens;
  return impl_->strategy->ask(request, adapter);
}

RunProgress resume_run(const Experiment& experiment, const RunnerOptions& options,
                       const std::string& label, uint64_t seed, const ResumePoint& from,
                       RunObserver& observer, const std::atomic<bool>* cancel) {
  const StrategySpec& spec = spec_labelled(experiment, label);
  Experiment one = experiment;
  one.seeds = {seed};
  Session session(one, options, observer, cancel);
  observer.experiment_started(one, session.work_plan({spec}, from.stages_done + 1));
  RunProgress run = session.run(spec, seed, &from);
  observer.experiment_ended();
  return run;
}

}  // namespace sy
