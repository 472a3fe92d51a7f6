// An experiment split into units that can run anywhere (switchyard-engine plan / unit / import,
// docs/cluster.md): one per per-task expert of oracle and switchcit (and the first-stage expert
// a LoRA seq-lora or replay starts from), one per run of a sequential strategy or multitask, and
// one per seed for the oracle and switchcit runs, which assemble the experts and train the
// switch. A unit lists the units it waits for; ids are numbered so that a unit comes after all of
// them. The plan is written as DIR/plan.json; each unit writes its bundle into DIR/units/ID.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/run/experiment.h"
#include "engine/run/session.h"

namespace sy {

struct PlanUnit {
  enum class Kind { Expert, Runs };
  int64_t id = 0;
  Kind kind = Kind::Runs;
  uint64_t seed = 0;
  // Expert: its one strategy (whose settings train it); Runs: the runs, in the local run's order.
  // Positions in the experiment's "strategies".
  std::vector<size_t> strategies;
  size_t task = 0;             // Expert: the task's position in the sequence
  std::vector<int64_t> after;  // the units it waits for (Runs: the experts it takes)
  // Runs: the experts whose training curve its runs report (those a local run would train in
  // this unit's runs, so that the stored curves are the same).
  std::vector<int64_t> reports;
  // "expert reverse, seed 0" / "seq-ft, seed 0" / "oracle + switchcit, seed 0": made from the
  // experiment when the plan is made or read, for messages and listings.
  std::string title;
};

struct Plan {
  std::string id;               // random, 16 hex digits: what makes an import idempotent
  std::string experiment_file;  // absolute: relative task paths resolve against it
  nlohmann::json definition;    // the experiment as it runs (after command-line overrides)
  RunnerOptions options;
  std::vector<PlanUnit> units;

  // The experiment the units run.
  Experiment experiment() const;
};

// Splits `definition` (read from `file`) into units. Strategy labels must be unique.
Plan make_plan(const nlohmann::json& definition, const std::string& file,
               const RunnerOptions& options);

// DIR/plan.json. A folder that already holds a plan is refused: its bundles belong to that plan.
void write_plan(const Plan& plan, const std::string& dir);
// Reads and checks DIR/plan.json; errors name the file and the field.
Plan read_plan(const std::string& dir);
std::string unit_dir(const std::string& dir, int64_t id);

}  // namespace sy
