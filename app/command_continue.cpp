// `switchyard-engine resume RUN` and `switchyard-engine extend RUN --task ...`: a stored run
// continued from its last finished stage — after a crash or cancel (resume), or with one more
// task appended to a finished run (extend: only the new task is trained; oracle's and
// switchcit's earlier experts are restored bit for bit and never trained again).
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <set>
#include <utility>

#include <nlohmann/json.hpp>

#include "app/cli_common.h"
#include "app/commands.h"
#include "app/run_reporting.h"
#include "engine/cl/strategy_traits.h"
#include "engine/util/error.h"

namespace sy {
namespace {

// Continues the stored run with `experiment` (its sequence, possibly longer than before).
int continue_run(const CliArgs& args, store::Store& store, int64_t run_id,
                 const store::RunData& data, const StoredRunConfig& config,
                 const Experiment& experiment, const std::string& experiment_json) {
  const ResumePoint from = stored_resume_point(store, run_id, data);
  std::cerr << "continuing run " << run_id << " (" << data.run.label << ", seed " << data.run.seed
            << ") after stage " << from.stages_done << " of " << experiment.tasks.size()
            << std::endl;
  RunReporting reporting(args.flag("events"), &store,
                         RunOrigin{config.experiment_file, experiment_json, config.quick},
                         data.run.experiment_id);
  RunnerOptions options;
  options.quick = config.quick;
  const RunProgress run = resume_run(experiment, options, config.label, data.run.seed, from,
                                     reporting.observer(), &cancel_flag());
  return run_exit_code({run});
}

// resume --experiment ID: the experiment's interrupted and cancelled runs are continued, one
// after the other as `resume RUN` would, and then the runs its definition holds that were never
// started (a crash or cancel before them) are run, recorded under the same experiment. Finished
// runs are kept, failed ones are named and left to the user (a failure repeats unless something
// changed: resume each alone), running ones refuse the whole command.
int continue_experiment(const CliArgs& args, int64_t experiment_id) {
  store::Store store = open_run_store(args);
  const store::ExperimentRecord experiment = store.load_experiment(experiment_id);
  store::RunFilter filter;
  filter.experiment_id = experiment_id;
  std::vector<store::RunRecord> runs = store.list_runs(filter);
  std::reverse(runs.begin(), runs.end());  // oldest first: the order they were started in
  const std::string experiment_text =
      "experiment " + std::to_string(experiment_id) + " in " + store.path();
  if (runs.empty()) {
    throw Error(experiment_text + " has no runs to take its experiment file from; run the " +
                "experiment file again");
  }
  std::set<std::pair<std::string, uint64_t>> stored;  // (label, seed)
  std::vector<int64_t> to_resume;
  for (const store::RunRecord& r : runs) {
    stored.insert({r.label, r.seed});
    if (r.status == store::RunStatus::Running) {
      throw Error(experiment_text + " is still running: run " + std::to_string(r.id) +
                  " (process " + std::to_string(r.pid) + " on " + r.host + ")");
    }
    if (r.status == store::RunStatus::Failed) {
      std::cerr << "run " << r.id << " (" << r.label << ", seed " << r.seed
                << ") failed and is left as it is (resume " << r.id
                << " continues it alone): " << r.status_reason << std::endl;
    } else if (r.status != store::RunStatus::Finished) {
      to_resume.push_back(r.id);
    }
  }

  int code = 0;
  for (int64_t run_id : to_resume) {
    const store::RunData data = store.load_run(run_id);
    const StoredRunConfig config = parse_stored_run_config(data.config_json, run_id);
    code = continue_run(args, store, run_id, data, config,
                        stored_run_experiment(experiment.definition_json, config),
                        experiment.definition_json);
    if (code != 0) return code;  // cancelled: the rest waits for the next continue
  }

  // The runs never started: the definition's strategies and seeds not in the store, with the
  // file and settings the stored runs were started with.
  const StoredRunConfig origin =
      parse_stored_run_config(store.load_run(runs.front().id).config_json, runs.front().id);
  StoredRunConfig plain = origin;
  plain.extra_tasks = nlohmann::json::array();  // tasks added to one run belong to that run
  const Experiment whole = stored_run_experiment(experiment.definition_json, plain);
  int64_t missing = 0;
  for (uint64_t seed : whole.seeds) {
    Experiment part = whole;
    part.seeds = {seed};
    part.strategies.clear();
    for (const StrategySpec& spec : whole.strategies) {
      if (!stored.count({spec.label, seed})) part.strategies.push_back(spec);
    }
    if (part.strategies.empty()) continue;
    missing += static_cast<int64_t>(part.strategies.size());
    std::cerr << "starting the " << part.strategies.size() << " run(s) of seed " << seed << " that "
              << experiment_text << " never started" << std::endl;
    RunReporting reporting(
        args.flag("events"), &store,
        RunOrigin{origin.experiment_file, experiment.definition_json, origin.quick}, experiment_id);
    RunnerOptions options;
    options.quick = origin.quick;
    const std::vector<RunProgress> results =
        run_experiment(part, options, reporting.observer(), &cancel_flag());
    code = run_exit_code(results);
    if (code != 0) return code;
  }
  if (to_resume.empty() && missing == 0) {
    std::cerr << experiment_text << " has nothing left to run: every run of it is finished"
              << (runs.size() > stored.size() ? "" : " or failed") << std::endl;
  }
  return code;
}

}  // namespace

int command_resume(int argc, char** argv) {
  CliArgs args(argc, argv, 2, {"events"});
  args.check({"db", "experiment"});
  const std::string usage =
      "switchyard-engine resume (RUN | --experiment ID) [--events] [--db FILE]";
  if (args.has("experiment")) {
    if (!args.positional().empty())
      throw Error("give a run id or --experiment, not both: " + usage);
    const std::string id = args.str("experiment");
    if (id.empty() || id.size() > 18 || id.find_first_not_of("0123456789") != std::string::npos) {
      throw Error("--experiment is \"" + id + "\"; expected an experiment id (`show RUN` names " +
                  "it after the experiment's name; `list --json` as experiment_id)");
    }
    return continue_experiment(args, std::stoll(id));
  }
  if (args.positional().size() != 1) throw Error("give one run id: " + usage);
  const int64_t run_id = parse_run_id(args.positional()[0]);
  store::Store store = open_run_store(args);
  const store::RunData data = store.load_run(run_id);
  const std::string run_text = "run " + std::to_string(run_id) + " in " + store.path();
  if (data.run.status == store::RunStatus::Finished) {
    throw Error(run_text + " has already finished (add a task to it with extend)");
  }
  if (data.run.status == store::RunStatus::Running) {
    throw Error(run_text + " is still running (process " + std::to_string(data.run.pid) + " on " +
                data.run.host + ")");
  }
  const StoredRunConfig config = parse_stored_run_config(data.config_json, run_id);
  const std::string definition = store.load_experiment(data.run.experiment_id).definition_json;
  return continue_run(args, store, run_id, data, config, stored_run_experiment(definition, config),
                      definition);
}

int command_extend(int argc, char** argv) {
  CliArgs args(argc, argv, 2, {"events"});
  args.check({"db", "task", "jsonl", "test-jsonl", "name", "metric"});
  const std::string usage =
      "switchyard-engine extend RUN (--task NAME | --jsonl FILE [--test-jsonl FILE] "
      "[--name NAME] [--metric M]) [--events] [--db FILE]";
  if (args.positional().size() != 1) throw Error("give one run id: " + usage);
  if (args.has("task") == args.has("jsonl")) {
    throw Error("give the task to add with --task NAME (built in) or --jsonl FILE: " + usage);
  }
  const int64_t run_id = parse_run_id(args.positional()[0]);
  store::Store store = open_run_store(args);
  const store::RunData data = store.load_run(run_id);
  const std::string run_text = "run " + std::to_string(run_id) + " in " + store.path();
  if (data.run.status != store::RunStatus::Finished) {
    throw Error(run_text + " is " + store::run_status_name(data.run.status) +
                "; only a finished run can be extended (resume it first)");
  }
  const StrategyTraits* traits = find_strategy_traits(data.run.strategy);
  if (traits && !traits->can_extend) {
    throw Error(run_text + " is " + data.run.strategy +
                ", which learns all tasks in one stage; run a new experiment with the longer "
                "sequence instead");
  }

  // The new task as an experiment-file entry (paths absolute: the run may resume from anywhere).
  nlohmann::json task;
  if (args.has("task")) {
    if (args.has("test-jsonl") || args.has("name") || args.has("metric")) {
      throw Error("--test-jsonl, --name and --metric go with --jsonl, not --task");
    }
    task = args.str("task");
  } else {
    task = {{"jsonl", std::filesystem::absolute(args.str("jsonl")).string()}};
    task["name"] = args.has("name") ? args.str("name")
                                    : std::filesystem::path(args.str("jsonl")).stem().string();
    if (args.has("test-jsonl")) {
      task["test_jsonl"] = std::filesystem::absolute(args.str("test-jsonl")).string();
    }
    if (args.has("metric")) task["metric"] = args.str("metric");
  }
  StoredRunConfig config = parse_stored_run_config(data.config_json, run_id);
  config.extra_tasks.push_back(task);
  const std::string definition = store.load_experiment(data.run.experiment_id).definition_json;
  const Experiment experiment = stored_run_experiment(definition, config);  // validates the task

  nlohmann::json stored = nlohmann::json::parse(data.config_json);
  stored["extra_tasks"] = config.extra_tasks;
  store.set_run_config(run_id, stored.dump());
  std::vector<store::RunTask> tasks = data.tasks;
  tasks.push_back({experiment.tasks.back().name, experiment.tasks.back().metric});
  store.set_run_tasks(run_id, tasks);
  return continue_run(args, store, run_id, data, config, experiment, definition);
}

}  // namespace sy
