// Fuzz target: an experiment file, through the parser `run`, `plan` and `estimate` use
// (engine/run/experiment.h).
#include <nlohmann/json.hpp>

#include "engine/run/experiment.h"
#include "engine/util/json_file.h"
#include "tests/fuzz/fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = sy::fuzz::as_file(data, size, "experiment.json");
  return sy::fuzz::run([&] { sy::load_experiment(path); });
}
