// The vocabulary the built-in tasks and the built-in model's pretraining corpus draw from: short,
// lowercase, common English words, so that a byte-level model of ~1M parameters can learn them.
#pragma once

#include <string>
#include <vector>

#include "engine/util/rng.h"

namespace sy {

// About 330 distinct lowercase words of 3 to 7 letters, in alphabetical order.
const std::vector<std::string>& common_words();

// Between min_count and max_count (inclusive) distinct words from common_words(), in random order.
std::vector<std::string> pick_words(Rng& rng, int min_count, int max_count);

// The words with `separator` between them ("a b c" for the default).
std::string join_words(const std::vector<std::string>& words, const std::string& separator = " ");

// The text cut at runs of spaces; empty pieces dropped.
std::vector<std::string> split_words(const std::string& text);

}  // namespace sy
