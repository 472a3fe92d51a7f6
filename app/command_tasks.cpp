// `switchyard-engine tasks`: the built-in tasks, each with one example.
#include <cstdio>
#include <iostream>

#include "app/commands.h"
#include "engine/data/builtin_tasks.h"

namespace sy {

int command_tasks(int argc, char** argv) {
  CliArgs args(argc, argv, 2, {"examples"});
  args.check({"seed"});
  const uint64_t seed = static_cast<uint64_t>(args.integer("seed", 0));
  for (const auto& info : builtin_tasks()) {
    std::printf("%-14s %s\n", info.name.c_str(), info.description.c_str());
    if (args.flag("examples")) {
      const Task task = make_builtin_task(info.name, seed, 1, 1);
      const Example& e = task.train.front();
      std::printf("    instruction: %s\n    input:       %s\n    output:      %s\n",
                  e.instruction.c_str(), e.input.c_str(), e.output.c_str());
    }
  }
  return 0;
}

}  // namespace sy
