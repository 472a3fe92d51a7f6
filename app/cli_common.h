// What several CLI commands share: training options from the command line, the progress printer,
// and cancellation by SIGINT / SIGTERM (checked between training steps).
#pragma once

#include <atomic>
#include <set>
#include <string>

#include "app/cli_args.h"
#include "engine/train/trainer.h"

namespace sy {

// --steps --batch-size --grad-accum --lr --weight-decay --schedule --warmup --max-grad-norm --seed
TrainOptions train_options_from_args(const CliArgs& args, TrainOptions defaults);
extern const std::set<std::string> kTrainOptionNames;

// Prints a progress line to stderr at most every `every_s` seconds, and always on the last step.
StepCallback progress_printer(const std::string& what, double every_s = 2.0);

// Installs the SIGINT / SIGTERM handlers once and returns the flag they set.
const std::atomic<bool>& cancel_flag();

}  // namespace sy
