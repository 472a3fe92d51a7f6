// The import: checks, then one transaction of replayed runs.
#include "engine/run/plan_import.h"

#include <map>

#include "engine/run/bundle.h"
#include "engine/run/run_recorder.h"
#include "engine/util/error.h"

namespace sy {

void check_plan_bundles(const Plan& plan, const std::string& dir) {
  std::string missing;
  size_t count = 0;
  for (const PlanUnit& unit : plan.units) {
    if (bundle_complete(unit_dir(dir, unit.id))) continue;
    ++count;
    missing += "\n  unit " + std::to_string(unit.id) + " (" + unit.title + ")";
  }
  if (count > 0) {
    throw Error(dir + ": " + std::to_string(count) + " of " + std::to_string(plan.units.size()) +
                " units have not finished, so nothing was imported:" + missing +
                "\nrun them (switchyard-engine unit " + dir + " ID, or " + dir +
                "/submit.sh again, which submits only the units not finished) and import again");
  }
  for (const PlanUnit& unit : plan.units) verify_bundle(unit_dir(dir, unit.id), unit.title);
}

ImportOutcome import_plan(const Plan& plan, const std::string& dir, store::Store& store) {
  check_plan_bundles(plan, dir);
  const Experiment experiment = plan.experiment();
  // Every run's events, read (and so checked) before anything is stored.
  std::map<std::string, std::pair<int64_t, BundledRun>> runs;
  for (const PlanUnit& unit : plan.units) {
    if (unit.kind != PlanUnit::Kind::Runs) continue;
    for (BundledRun& run : read_bundled_runs(unit_dir(dir, unit.id))) {
      const std::string key = run.key;
      runs.emplace(key, std::make_pair(unit.id, std::move(run)));
    }
  }

  ImportOutcome outcome;
  store::Store::Batch batch(store);  // the write lock: a second import waits, then finds this one
  if (auto id = store.imported_plan(plan.id)) {
    outcome.experiment_id = *id;
    outcome.already = true;
    return outcome;
  }
  RunRecorder recorder(store,
                       RunOrigin{plan.experiment_file, plan.definition.dump(), plan.options.quick});
  recorder.experiment_started(experiment, WorkPlan{});
  for (uint64_t seed : experiment.seeds) {
    for (const StrategySpec& spec : experiment.strategies) {
      const std::string key = run_key(experiment.name, spec.label, seed);
      auto it = runs.find(key);
      if (it == runs.end()) {
        throw Error(dir + ": no bundle holds the run " + key + "; was plan.json edited?");
      }
      outcome.runs.push_back(
          replay_run(it->second.second, spec, unit_dir(dir, it->second.first), recorder));
    }
  }
  store.record_import(plan.id, recorder.experiment_id());
  batch.commit();
  outcome.experiment_id = recorder.experiment_id();
  return outcome;
}

}  // namespace sy
