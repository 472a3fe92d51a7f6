// How an experiment's runs are presented: each run's score matrix and the comparison table on the
// terminal, and the --summary document (docs/experiments.md). Presentation only: the runner
// (engine/run/runner.h) produces the runs.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "engine/run/experiment.h"
#include "engine/run/run_observer.h"

namespace sy {

// The --summary document: {"experiment", "runs": [...]} (docs/experiments.md).
nlohmann::json summary_json(const Experiment& experiment, const std::vector<RunProgress>& runs);
// A plain-text table of one run's score matrix and summary, for the terminal.
std::string format_run(const RunProgress& run);
// One line per run: AP, forgetting, BWT, FWT, router accuracy and time.
std::string format_comparison(const std::vector<RunProgress>& runs);

}  // namespace sy
