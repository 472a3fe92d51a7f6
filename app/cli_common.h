// What several CLI commands share: training options from the command line, the progress printer,
// and cancellation by SIGINT / SIGTERM (checked between training steps).
#pragma once

#include <atomic>
#include <set>
#include <string>

#include "app/cli_args.h"
#include "engine/model/weights_dtype.h"
#include "engine/train/trainer.h"

namespace sy {

// --steps --batch-size --grad-accum --lr --weight-decay --schedule --warmup --max-grad-norm --seed
TrainOptions train_options_from_args(const CliArgs& args, TrainOptions defaults);
extern const std::set<std::string> kTrainOptionNames;

// --weights-dtype auto|fp32|bf16|fp16 (default auto): the dtype the model's base weights are
// held in (engine/model/weights_dtype.h).
WeightsDtype weights_dtype_from_args(const CliArgs& args);

// Prints a progress line to stderr at most every `every_s` seconds, and always on the last step.
StepCallback progress_printer(const std::string& what, double every_s = 2.0);

// Turns SIGINT / SIGTERM into the cancel flag: the signals are blocked in this thread and every
// thread it makes from then on, and one thread of its own waits for them. Called first thing in
// main(), before any library makes threads. Before, a signal ran its handler on whichever
// thread it landed on, mid-kernel, and on a Xeon with AVX-512 and AMX ~5 % of cancels during
// training then died of a corrupted heap in the next backward pass (the cause inside the
// interrupted code was not pinned down); with the signals on their own thread, 0 in 100.
void watch_for_cancel();
// The flag the signals set from the first call on (commands call it as training starts); until
// then a signal ends the process the default way, as it does in commands that never call it.
const std::atomic<bool>& cancel_flag();

}  // namespace sy
