// The built-in synthetic instruction tasks: a task sequence that needs no download and trains in
// minutes on a laptop, so anyone can watch a strategy forget.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/data/task.h"

namespace sy {

struct BuiltinTaskInfo {
  std::string name;
  std::string description;  // one line
};

// Every built-in task, in a fixed order (the order of `switchyard-engine tasks`).
const std::vector<BuiltinTaskInfo>& builtin_tasks();

bool is_builtin_task(const std::string& name);

// The task's train and test splits, the same for the same (name, seed) on every platform. No test
// input appears in train, and no input repeats within a split, except in train for `spell` and
// `add`, whose few inputs would otherwise run out. Metric "exact". Throws sy::Error for an unknown
// name (listing the known ones), a negative count, or more test examples than distinct inputs.
Task make_builtin_task(const std::string& name, uint64_t seed, int n_train, int n_test);

}  // namespace sy
