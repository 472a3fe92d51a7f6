// Bring a user's own task in: Alpaca-style JSON Lines, one example per line, as most instruction
// datasets are published.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/data/task.h"

namespace sy {

// One JSON object per line with "instruction" (string), optional "input" (string, default "") and
// "output" (string); other fields are ignored and blank lines skipped. Throws sy::Error naming the
// file, the line and the field for anything else, when a line is longer than `max_line_bytes`,
// and when the file holds no examples.
constexpr size_t kMaxJsonlLineBytes = 64u << 20;
std::vector<Example> read_jsonl_examples(const std::string& path,
                                         size_t max_line_bytes = kMaxJsonlLineBytes);

// A task with metric "exact". When test_path is empty the train file is split: a deterministic
// shuffle by `seed`, round(test_fraction * n) examples to test, at least one in each split, each
// split in file order. Throws sy::Error when the file has fewer than 2 examples to split or
// test_fraction is not strictly between 0 and 1.
Task task_from_jsonl(const std::string& name, const std::string& train_path,
                     const std::string& test_path, double test_fraction, uint64_t seed);

}  // namespace sy
