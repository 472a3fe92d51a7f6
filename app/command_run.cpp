// `switchyard-engine run EXPERIMENT.json`: every strategy over the sequence, with progress on
// stderr, the score matrices and the comparison table on stdout, and --summary FILE as JSON.
#include <chrono>
#include <iostream>

#include <nlohmann/json.hpp>

#include "app/cli_common.h"
#include "app/commands.h"
#include "engine/run/runner.h"
#include "engine/util/error.h"
#include "engine/util/json_file.h"
#include "engine/util/progress.h"

namespace sy {

int command_run(int argc, char** argv) {
  CliArgs args(argc, argv, 2, {"quick"});
  args.check({"summary", "device"});
  if (args.positional().size() != 1) {
    throw Error("give one experiment file: switchyard-engine run EXPERIMENT.json");
  }
  Experiment experiment = load_experiment(args.positional()[0]);
  if (args.has("device")) experiment.device = args.str("device");
  RunnerOptions options;
  options.quick = args.flag("quick");

  auto printer = std::make_shared<StepCallback>();
  std::string printer_for;
  RunnerEvents events;
  events.step = [&](const RunResult& run, const std::string& what, const TrainStep& s) {
    if (printer_for != run.run_id + what) {
      printer_for = run.run_id + what;
      *printer =
          progress_printer("[" + run.label + " seed " + std::to_string(run.seed) + "] " + what);
    }
    (*printer)(s);
  };
  events.row = [&](const RunResult& run, size_t row) {
    std::cerr << "[" << run.label << " seed " << run.seed << "] after stage " << row << ":";
    for (size_t j = 0; j < run.tasks.size(); ++j) {
      std::cerr << " " << run.tasks[j] << " "
                << static_cast<int>(100 * run.score_matrix[row][j] + 0.5) << "%";
    }
    std::cerr << std::endl;
  };
  events.finished = [&](const RunResult& run) { std::cout << format_run(run) << std::endl; };

  const auto start = std::chrono::steady_clock::now();
  const auto runs = run_experiment(experiment, options, events, &cancel_flag());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << format_comparison(runs) << "total wall time " << format_duration(seconds) << "\n";
  if (args.has("summary")) write_json_file(args.str("summary"), summary_json(experiment, runs));
  return !runs.empty() && runs.back().status == "cancelled" ? 130 : 0;
}

}  // namespace sy
