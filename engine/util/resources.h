// Where the files Switchyard ships (the built-in base model, the demo experiment) are found, for
// the engine and the GUI alike: torch- and Qt-free, its own library (switchyard_resources).
#pragma once

#include <string>

namespace sy {

// The shipped file or folder `relative` (e.g. "base-model"), looked up in this order:
// $SWITCHYARD_RESOURCES/relative whenever that variable is set; <exe>/../share/switchyard/relative
// when it exists (the installed layout); else resources/relative in the source tree built from.
std::string resource_path(const std::string& relative);

// The demo experiment: resource_path("experiments/demo.json").
std::string demo_experiment_path();

}  // namespace sy
