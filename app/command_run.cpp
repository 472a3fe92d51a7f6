// `switchyard-engine run EXPERIMENT.json`: every strategy over the sequence, recorded in the store
// (--db, default the XDG data folder; --no-db for none), with progress on stderr, JSON-line
// events on stdout with --events (docs/events.md), and the score matrices and the comparison
// table for the terminal; --summary FILE as JSON. Data-parallel (--nproc, torchrun, srun): every
// rank runs the experiment, training its share of each batch; only rank 0 writes any of that.
#include <chrono>
#include <filesystem>
#include <iostream>
#include <optional>

#include <nlohmann/json.hpp>

#include "app/cli_common.h"
#include "app/commands.h"
#include "app/run_report.h"
#include "app/run_reporting.h"
#include "engine/dist/world.h"
#include "engine/util/error.h"
#include "engine/util/json_file.h"
#include "engine/util/progress.h"
#include "engine/util/resources.h"
#include "storage/run_format.h"

namespace sy {

int command_run(int argc, char** argv) {
  CliArgs args(argc, argv, 2, {"quick", "events", "no-db", "demo"});
  args.check({"summary", "device", "db"});
  // --demo: the shipped demo experiment, found as the built-in model is (engine/util/resources.h).
  if (args.positional().size() != (args.flag("demo") ? 0u : 1u)) {
    throw Error("give one experiment file: switchyard-engine run EXPERIMENT.json (or run --demo)");
  }
  if (args.has("db") && args.flag("no-db")) throw Error("give --db FILE or --no-db, not both");
  const std::string file =
      std::filesystem::absolute(args.flag("demo") ? demo_experiment_path() : args.positional()[0])
          .string();
  nlohmann::json definition = read_json_file(file);
  if (args.has("device") && definition.is_object()) definition["device"] = args.str("device");
  const Experiment experiment = experiment_from_json(definition, file);
  RunnerOptions options;
  options.quick = args.flag("quick");
  if (!dist::init_world().is_primary()) {
    RunObserver silent;  // no store, events, tables or summary: rank 0 writes them
    return run_exit_code(run_experiment(experiment, options, silent, &cancel_flag()));
  }

  std::optional<store::Store> store;
  if (!args.flag("no-db")) {
    store.emplace(open_run_store(args));
    std::cerr << "recording in " << store->path() << std::endl;
  }
  RunReporting reporting(args.flag("events"), store ? &*store : nullptr,
                         RunOrigin{file, definition.dump(), options.quick});
  const auto start = std::chrono::steady_clock::now();
  const auto runs = run_experiment(experiment, options, reporting.observer(), &cancel_flag());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  reporting.tables() << format_comparison(runs) << "total wall time "
                     << store::format_duration(seconds) << "\n";
  if (args.has("summary")) write_json_file(args.str("summary"), summary_json(experiment, runs));
  return run_exit_code(runs);
}

}  // namespace sy
