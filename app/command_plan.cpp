// `switchyard-engine plan`, `unit` and `import`: an experiment split into units that run anywhere
// (by hand, or as Slurm jobs through the plan's submit.sh), each writing a result bundle into the
// plan folder, and the bundles merged into the store in one transaction (docs/cluster.md).
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "app/cli_common.h"
#include "app/commands.h"
#include "app/run_report.h"
#include "app/run_reporting.h"
#include "app/slurm_script.h"
#include "engine/dist/world.h"
#include "engine/run/plan.h"
#include "engine/run/plan_import.h"
#include "engine/run/runner.h"
#include "engine/run/unit_runner.h"
#include "engine/util/error.h"
#include "engine/util/json_file.h"

namespace fs = std::filesystem;

namespace sy {
namespace {

std::string this_program() {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return ec ? "switchyard-engine" : self.string();
}

void write_submit_script(const Plan& plan, const std::string& dir, const CliArgs& args) {
  SlurmOptions options;
  options.partition = args.str("partition");
  options.time = args.str("time");
  options.cpus_per_unit = args.integer("cpus-per-unit", 0);
  options.gpus_per_unit = args.integer("gpus-per-unit", 0);
  if (options.cpus_per_unit < 0 || options.gpus_per_unit < 0) {
    throw Error("--cpus-per-unit and --gpus-per-unit must be 0 (the cluster's default) or more");
  }
  options.engine = fs::absolute(args.str("engine", this_program())).string();
  if (args.has("db")) options.db = fs::absolute(args.str("db")).string();
  options.extra = args.str("sbatch-options");
  options.ranks_per_unit = args.integer("ranks-per-unit", 1);
  if (options.ranks_per_unit < 1 || options.ranks_per_unit > 4096) {
    throw Error("--ranks-per-unit must be 1 to 4096 (data-parallel processes per unit)");
  }
  std::vector<SlurmUnit> units;
  for (const PlanUnit& u : plan.units) units.push_back({u.id, u.after});
  const std::string file = (fs::path(dir) / "submit.sh").string();
  {
    std::ofstream out(file);
    out << slurm_submit_script(plan.id, plan.experiment().name,
                               fs::absolute(dir).lexically_normal().string(), units, options);
    if (!out) throw Error("cannot write " + file);
  }
  ::chmod(file.c_str(), 0755);
}

}  // namespace

int command_plan(int argc, char** argv) {
  CliArgs args(argc, argv, 2, {"quick", "slurm"});
  args.check({"out", "device", "seed", "partition", "time", "cpus-per-unit", "gpus-per-unit",
              "engine", "db", "sbatch-options", "ranks-per-unit"});
  const std::string usage = "switchyard-engine plan EXPERIMENT.json --out DIR [--quick] [--slurm]";
  if (args.positional().size() != 1) throw Error("give one experiment file: " + usage);
  const std::string dir = args.required("out");
  if (!args.flag("slurm")) {
    for (const char* name : {"partition", "time", "cpus-per-unit", "gpus-per-unit", "engine", "db",
                             "sbatch-options", "ranks-per-unit"}) {
      if (args.has(name)) throw Error(std::string("--") + name + " goes with --slurm");
    }
  }
  const std::string file = fs::absolute(args.positional()[0]).string();
  nlohmann::json definition = read_json_file(file);
  if (definition.is_object() && args.has("device")) definition["device"] = args.str("device");
  if (definition.is_object() && args.has("seed")) {
    const int64_t seed = args.integer("seed", 0);
    if (seed < 0) throw Error("--seed must be 0 or more");
    definition["seeds"] = nlohmann::json::array({static_cast<uint64_t>(seed)});
  }
  RunnerOptions options;
  options.quick = args.flag("quick");
  const Plan plan = make_plan(definition, file, options);
  write_plan(plan, dir);
  std::cout << "plan " << plan.id << ": " << plan.units.size() << " units in " << dir
            << "/plan.json\n";
  for (const PlanUnit& u : plan.units) {
    std::cout << "  unit " << u.id << "  " << u.title;
    if (!u.after.empty()) {
      std::cout << "  (after";
      for (int64_t a : u.after) std::cout << " " << a;
      std::cout << ")";
    }
    std::cout << "\n";
  }
  if (args.flag("slurm")) {
    write_submit_script(plan, dir, args);
    std::cout << "submit it to Slurm with " << dir << "/submit.sh\n";
  } else {
    std::cout << "run a unit with: switchyard-engine unit " << dir << " ID\n";
  }
  return 0;
}

int command_unit(int argc, char** argv) {
  CliArgs args(argc, argv, 2, {});
  args.check({});
  if (args.positional().size() != 2) {
    throw Error("give the plan folder and a unit id: switchyard-engine unit DIR ID");
  }
  const std::string dir = args.positional()[0];
  const std::string id_text = args.positional()[1];
  if (id_text.empty() || id_text.find_first_not_of("0123456789") != std::string::npos ||
      id_text.size() > 9) {
    throw Error("the unit id must be a whole number as plan.json lists it, not \"" + id_text +
                "\"");
  }
  const int64_t id = std::stoll(id_text);
  const Plan plan = read_plan(dir);
  // Data-parallel ranks (--nproc, srun, torchrun) all train; the first alone writes the bundle.
  const bool writer = dist::init_world().is_primary();
  TerminalPrinter printer(std::cerr);
  RunObserver silent;
  if (writer) std::cerr << "unit " << id << " of plan " << plan.id << std::endl;
  const auto runs = run_unit(plan, dir, id, writer ? static_cast<RunObserver&>(printer) : silent,
                             &cancel_flag(), writer);
  if (!runs.empty() && runs.back().status == store::RunStatus::Cancelled) return 130;
  if (cancel_flag().load()) return 130;
  if (writer) std::cerr << "unit " << id << " finished: " << unit_dir(dir, id) << std::endl;
  return 0;
}

int command_import(int argc, char** argv) {
  CliArgs args(argc, argv, 2, {"check"});
  args.check({"db"});
  if (args.positional().size() != 1) {
    throw Error("give the plan folder: switchyard-engine import DIR [--db FILE | --check]");
  }
  if (args.flag("check") && args.has("db")) throw Error("give --db FILE or --check, not both");
  const std::string dir = args.positional()[0];
  const Plan plan = read_plan(dir);
  if (args.flag("check")) {
    check_plan_bundles(plan, dir);
    std::cout << "all " << plan.units.size() << " units of plan " << plan.id
              << " are complete; import them with switchyard-engine import " << dir << "\n";
    return 0;
  }
  store::Store store = open_run_store(args);
  const ImportOutcome outcome = import_plan(plan, dir, store);
  if (outcome.already) {
    std::cout << "plan " << plan.id << " was imported before, as experiment "
              << outcome.experiment_id << " in " << store.path() << "; nothing changed\n";
    return 0;
  }
  for (const RunProgress& run : outcome.runs) std::cout << format_run(run) << "\n";
  std::cout << format_comparison(outcome.runs) << "imported plan " << plan.id << " ("
            << outcome.runs.size() << " runs) as experiment " << outcome.experiment_id << " into "
            << store.path() << "\n";
  return 0;
}

}  // namespace sy
