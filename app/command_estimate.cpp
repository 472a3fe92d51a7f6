// `switchyard-engine estimate EXPERIMENT.json`: the memory a run of the experiment needs at its
// peak, as the engine checks it before a run starts (engine/run/memory_estimate.h), beside the
// memory available here: to size an experiment before running it, and for the app's form
// (--stdin: the form's draft on standard input).
#include <filesystem>
#include <iostream>
#include <iterator>

#include <nlohmann/json.hpp>

#include "app/commands.h"
#include "engine/run/experiment.h"
#include "engine/run/memory_estimate.h"
#include "engine/util/device.h"
#include "engine/util/error.h"
#include "engine/util/json_file.h"

namespace sy {

int command_estimate(int argc, char** argv) {
  CliArgs args(argc, argv, 2, {"quick", "json", "stdin"});
  args.check({});
  if (args.positional().size() != 1) {
    throw Error(
        "give one experiment file: switchyard-engine estimate EXPERIMENT.json [--quick] "
        "[--json]");
  }
  const std::string file = std::filesystem::absolute(args.positional()[0]).string();
  // --stdin: a draft (the app's form) read from standard input; FILE is where it lives, for the
  // paths in it.
  nlohmann::json definition;
  if (args.flag("stdin")) {
    const std::string text{std::istreambuf_iterator<char>(std::cin), {}};
    definition = parse_json(text, "the experiment on standard input");
  } else {
    definition = read_json_file(file);
  }
  const Experiment experiment = experiment_from_json(definition, file);
  RunnerOptions options;
  options.quick = args.flag("quick");
  const std::string model_dir = base_model_dir(experiment);
  const MemoryEstimate e =
      estimate_experiment_memory(experiment, options, experiment_tasks(experiment, options));
  // Against the memory of the device the run would use (a GPU's in all, in a CUDA build);
  // unknown where that device is not here (sizing a GPU run on a cluster's login node).
  int64_t available = 0;
  try {
    available = available_memory(pick_device(experiment.device));
  } catch (const Error&) {
  }
  const bool fits = available <= 0 || e.total() <= available;
  if (args.flag("json")) {
    std::cout << nlohmann::json{{"parameters", e.parameters},
                                {"weights_dtype", weights_dtype_name(e.weights_dtype)},
                                {"weights", e.weights},
                                {"training", e.training},
                                {"largest", e.largest},
                                {"activations", e.activations},
                                {"total", e.total()},
                                {"available", available},
                                {"fits", fits}}
                     .dump()
              << "\n";
    return 0;
  }
  std::cout << "model         " << e.parameters << " parameters (" << model_dir << ")\n"
            << "weights       " << format_bytes(e.weights) << " ("
            << weights_dtype_name(e.weights_dtype) << ")\n"
            << "training      " << format_bytes(e.training) << " (" << e.largest << ")\n"
            << "activations   " << format_bytes(e.activations) << "\n"
            << "total         about " << format_bytes(e.total()) << ", an upper bound\n"
            << "available     " << (available > 0 ? format_bytes(available) : "unknown") << "\n"
            << (fits ? "it fits\n" : "it does not fit: run refuses it\n");
  return 0;
}

}  // namespace sy
