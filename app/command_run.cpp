// `switchyard-engine run EXPERIMENT.json` and `switchyard-engine resume RUN`: every strategy over
// the sequence (or one interrupted run, from its last finished stage), recorded in the store
// (--db, default the XDG data folder), with progress on stderr, JSON-line events on stdout with
// --events (docs/events.md), and the score matrices and comparison table for the terminal.
#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

#include <nlohmann/json.hpp>

#include "app/cli_common.h"
#include "app/commands.h"
#include "engine/run/event_stream.h"
#include "engine/run/run_recorder.h"
#include "engine/run/runner.h"
#include "engine/util/error.h"
#include "engine/util/json_file.h"
#include "engine/util/progress.h"

namespace sy {
namespace {

// Progress lines on stderr, one score-matrix row per evaluation, each finished run's table on
// `tables` (stdout, or stderr when stdout carries events).
class TerminalPrinter : public RunObserver {
 public:
  explicit TerminalPrinter(std::ostream& tables) : tables_(tables) {}

  void train_step(const RunResult& run, size_t, const std::string& what,
                  const TrainStep& s) override {
    if (printer_for_ != run.run_id + what) {
      printer_for_ = run.run_id + what;
      printer_ =
          progress_printer("[" + run.label + " seed " + std::to_string(run.seed) + "] " + what);
    }
    printer_(s);
  }
  void row_evaluated(const RunResult& run, size_t row) override {
    std::cerr << "[" << run.label << " seed " << run.seed << "] after stage " << row << ":";
    for (size_t j = 0; j < run.tasks.size(); ++j) {
      std::cerr << " " << run.tasks[j] << " "
                << static_cast<int>(100 * run.score_matrix[row][j] + 0.5) << "%";
    }
    std::cerr << std::endl;
  }
  void run_ended(const RunResult& run) override {
    if (run.status == "failed") return;  // main() prints the error
    tables_ << format_run(run) << std::endl;
  }

 private:
  std::ostream& tables_;
  StepCallback printer_;
  std::string printer_for_;
};

// Opens --db (or the default store) and marks the runs of dead engines as interrupted.
store::Store open_store(const CliArgs& args) {
  const std::string path = args.str("db", store::default_db_path());
  store::Store store = store::Store::open(path);
  store.mark_interrupted_runs();
  return store;
}

int exit_code(const std::vector<RunResult>& runs) {
  return !runs.empty() && runs.back().status == "cancelled" ? 130 : 0;
}

}  // namespace

int command_run(int argc, char** argv) {
  CliArgs args(argc, argv, 2, {"quick", "events", "no-db"});
  args.check({"summary", "device", "db"});
  if (args.positional().size() != 1) {
    throw Error("give one experiment file: switchyard-engine run EXPERIMENT.json");
  }
  if (args.has("db") && args.flag("no-db")) throw Error("give --db FILE or --no-db, not both");
  const std::string file = std::filesystem::absolute(args.positional()[0]).string();
  nlohmann::json definition = read_json_file(file);
  if (args.has("device") && definition.is_object()) definition["device"] = args.str("device");
  const Experiment experiment = experiment_from_json(definition, file);
  RunnerOptions options;
  options.quick = args.flag("quick");

  const bool events = args.flag("events");
  std::ostream& tables = events ? std::cerr : std::cout;
  TerminalPrinter printer(tables);
  EventStream stream(std::cout);
  std::optional<store::Store> store;
  std::unique_ptr<RunRecorder> recorder;
  std::vector<RunObserver*> observers = {&printer};
  if (events) observers.push_back(&stream);
  if (!args.flag("no-db")) {
    store.emplace(open_store(args));
    recorder =
        std::make_unique<RunRecorder>(*store, RunOrigin{file, definition.dump(), options.quick});
    observers.insert(observers.begin(), recorder.get());  // stored before it is announced
    std::cerr << "recording in " << store->path() << std::endl;
  }
  ObserverList observer(observers);

  const auto start = std::chrono::steady_clock::now();
  const auto runs = run_experiment(experiment, options, observer, &cancel_flag());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  tables << format_comparison(runs) << "total wall time " << format_duration(seconds) << "\n";
  if (args.has("summary")) write_json_file(args.str("summary"), summary_json(experiment, runs));
  return exit_code(runs);
}

int command_resume(int argc, char** argv) {
  CliArgs args(argc, argv, 2, {"events"});
  args.check({"db"});
  if (args.positional().size() != 1) {
    throw Error("give one run id: switchyard-engine resume RUN (see switchyard-engine list)");
  }
  const std::string id_text = args.positional()[0];
  char* end = nullptr;
  const long long run_id = std::strtoll(id_text.c_str(), &end, 10);
  if (id_text.empty() || *end != '\0' || run_id <= 0) {
    throw Error("RUN must be a run id (a positive whole number), not \"" + id_text + "\"");
  }
  store::Store store = open_store(args);
  const store::RunData data = store.load_run(run_id);
  using store::RunStatus;
  if (data.run.status == RunStatus::Finished) {
    throw Error("run " + id_text + " in " + store.path() + " has already finished");
  }
  if (data.run.status == RunStatus::Running) {
    throw Error("run " + id_text + " is still running (process " + std::to_string(data.run.pid) +
                " on " + data.run.host + ")");
  }
  const StoredRunConfig config = parse_stored_run_config(data.config_json, run_id);
  const store::ExperimentRecord record = store.load_experiment(data.run.experiment_id);
  nlohmann::json definition;
  try {
    definition = nlohmann::json::parse(record.definition_json);
  } catch (const nlohmann::json::exception&) {
    throw Error("the experiment of run " + id_text + " in " + store.path() +
                " is not stored as JSON; it cannot be resumed");
  }
  const Experiment experiment = experiment_from_json(definition, config.experiment_file);

  ResumePoint from;
  from.db_id = run_id;
  from.stages_done = static_cast<size_t>(store.last_finished_stage(run_id));
  if (from.stages_done > 0) {
    auto checkpoint = store.get_checkpoint(run_id);
    if (!checkpoint || checkpoint->stage != static_cast<int>(from.stages_done)) {
      throw Error("run " + id_text + " in " + store.path() + " has no checkpoint of stage " +
                  std::to_string(from.stages_done) + "; it cannot be resumed");
    }
    from.checkpoint = std::move(checkpoint->state);
    from.score_matrix.assign(
        data.score_matrix.begin(),
        data.score_matrix.begin() +
            static_cast<long>(std::min(data.score_matrix.size(), from.stages_done + 1)));
    if (from.score_matrix.size() != from.stages_done + 1) {
      throw Error("run " + id_text + " in " + store.path() + " lacks score rows of its " +
                  "finished stages; it cannot be resumed");
    }
    for (const auto& c : data.confusions) {
      if (c.after_stage >= 1 && c.after_stage <= static_cast<int>(from.stages_done)) {
        from.router_confusion.push_back(c.counts);
      }
    }
  }
  std::cerr << "resuming run " << id_text << " (" << data.run.label << ", seed " << data.run.seed
            << ") after stage " << from.stages_done << " of " << data.run.task_count << std::endl;

  const bool events = args.flag("events");
  std::ostream& tables = events ? std::cerr : std::cout;
  TerminalPrinter printer(tables);
  EventStream stream(std::cout);
  RunRecorder recorder(store,
                       RunOrigin{config.experiment_file, record.definition_json, config.quick},
                       data.run.experiment_id);
  std::vector<RunObserver*> observers = {&recorder, &printer};
  if (events) observers.push_back(&stream);
  ObserverList observer(observers);
  RunnerOptions options;
  options.quick = config.quick;
  const RunResult run =
      resume_run(experiment, options, config.label, data.run.seed, from, observer, &cancel_flag());
  return exit_code({run});
}

}  // namespace sy
