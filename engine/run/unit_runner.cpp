// The unit runner: an expert unit trains one expert through the session's bank; a runs unit
// takes the experts it waits for from their bundles and runs its strategies as a local run would.
#include "engine/run/unit_runner.h"

#include <algorithm>
#include <optional>
#include <ostream>

#include "engine/cl/strategy.h"
#include "engine/run/bundle.h"
#include "engine/run/session.h"
#include "engine/util/error.h"

namespace sy {
namespace {

const PlanUnit& unit_of(const Plan& plan, int64_t id, const std::string& dir) {
  if (id < 0 || id >= static_cast<int64_t>(plan.units.size())) {
    throw Error(dir + "/plan.json has units 0 to " + std::to_string(plan.units.size() - 1) +
                "; there is no unit " + std::to_string(id));
  }
  return plan.units[static_cast<size_t>(id)];
}

// The expert unit's own events: one pseudo-run "expert TASK" with a stage and its steps, so that
// `watch` and the app can follow its training like any run's.
RunProgress expert_run(const Experiment& e, const PlanUnit& unit) {
  RunProgress run;
  const auto& task = e.tasks.at(unit.task);
  run.label = "expert " + task.name;
  run.key = run_key(e.name, run.label, unit.seed);
  run.strategy = "expert";
  run.seed = unit.seed;
  run.tasks = {task.name};
  run.metrics = {task.metric};
  run.stages = 1;
  return run;
}

}  // namespace

std::vector<RunProgress> run_unit(const Plan& plan, const std::string& dir, int64_t id,
                                  RunObserver& also, const std::atomic<bool>* cancel, bool writer) {
  const PlanUnit& unit = unit_of(plan, id, dir);
  for (int64_t wait : unit.after) {
    const PlanUnit& other = plan.units[static_cast<size_t>(wait)];
    if (!bundle_complete(unit_dir(dir, wait))) {
      throw Error("unit " + std::to_string(id) + " (" + unit.title + ") waits for unit " +
                  std::to_string(wait) + " (" + other.title + "), which has not finished: " +
                  "run switchyard-engine unit " + dir + " " + std::to_string(wait) + " first");
    }
  }
  Experiment experiment = plan.experiment();
  experiment.seeds = {unit.seed};
  std::optional<BundleWriter> bundle;
  if (writer) bundle.emplace(unit_dir(dir, id));
  ObserverList observers(writer ? std::vector<RunObserver*>{&*bundle, &also}
                                : std::vector<RunObserver*>{&also});
  std::ostream nowhere(nullptr);  // a rank that writes no bundle: its expert's events go nowhere
  EventStream silent(nowhere);
  EventStream& events = writer ? static_cast<EventStream&>(*bundle) : silent;
  Session session(experiment, plan.options, observers, cancel);
  std::vector<RunProgress> runs;

  if (unit.kind == PlanUnit::Kind::Expert) {
    const StrategySpec& spec = experiment.strategies.at(unit.strategies.at(0));
    RunProgress run = expert_run(experiment, unit);
    WorkPlan plan;  // one stage: the expert's training, no evaluation
    plan.stages.push_back({"lora", session.effective(spec).training.steps, 0});
    events.experiment_started(experiment, plan);
    events.run_started(run, spec, 1);
    events.stage_started(run, 1);
    std::vector<TrainStep> steps;
    ExpertWeights expert;
    try {
      expert = session.train_expert(unit.task, spec, unit.seed, [&](const TrainStep& s) {
        steps.push_back(s);
        events.train_step(run, 1, run.label, s);
        also.train_step(run, 1, run.label, s);
      });
    } catch (const Cancelled&) {
      run.status = store::RunStatus::Cancelled;
      run.reason = "cancelled by the user";
      events.run_ended(run);
      return runs;
    }
    expert.steps = std::move(steps);
    if (writer) bundle->write_expert(expert);
    events.stage_finished(run, 1, {});
    events.run_ended(run);
    events.experiment_ended();
    if (writer) bundle->seal();
    return runs;
  }

  for (int64_t wait : unit.after) {
    const std::string from = unit_dir(dir, wait);
    verify_bundle(from, plan.units[static_cast<size_t>(wait)].title);
    const bool reports =
        std::find(unit.reports.begin(), unit.reports.end(), wait) != unit.reports.end();
    ExpertWeights expert = read_expert(from, reports);
    const StrategySpec& spec =
        experiment.strategies.at(plan.units[static_cast<size_t>(wait)].strategies.at(0));
    session.add_expert(spec, expert);
  }
  std::vector<StrategySpec> specs;
  for (size_t s : unit.strategies) specs.push_back(experiment.strategies.at(s));
  // Experts added above are in the bank: the plan counts no steps for them.
  observers.experiment_started(experiment, session.work_plan(specs, 1));
  for (const StrategySpec& spec : specs) {
    runs.push_back(session.run(spec, unit.seed, nullptr));
    if (runs.back().status == store::RunStatus::Cancelled) {
      observers.experiment_ended();
      return runs;
    }
  }
  observers.experiment_ended();
  if (writer) bundle->seal();
  return runs;
}

}  // namespace sy
