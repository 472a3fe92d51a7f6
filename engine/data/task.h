// A task: a named instruction dataset with train/test splits and a scoring metric.
#pragma once

#include <string>
#include <vector>

namespace sy {

// One Alpaca-style instruction example. `input` may be empty.
struct Example {
  std::string instruction;
  std::string input;
  std::string output;
};

struct Task {
  std::string name;         // e.g. "reverse"
  std::string description;  // one line for `switchyard-engine tasks` and the GUI
  std::string metric;       // "exact" for the built-in tasks; see engine/eval/
  std::vector<Example> train;
  std::vector<Example> test;
};

}  // namespace sy
