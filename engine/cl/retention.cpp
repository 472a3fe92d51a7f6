// Retention: a deterministic uniform sample of a task's training examples, of a size set by a
// fraction with a floor (the paper keeps 0.01 % of each task, which is under one prompt for small
// tasks, hence the floor).
#include "engine/cl/retention.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "engine/util/error.h"
#include "engine/util/rng.h"

namespace sy {

std::vector<size_t> retain_indices(size_t n_examples, double fraction, size_t min_count,
                                   uint64_t seed) {
  if (!(fraction >= 0.0 && fraction <= 1.0)) {
    throw Error("the retention fraction is " + std::to_string(fraction) +
                "; expected a number from 0 to 1.");
  }
  const auto by_fraction =
      static_cast<size_t>(std::llround(fraction * static_cast<double>(n_examples)));
  const size_t count = std::min(n_examples, std::max(min_count, by_fraction));

  // A partial Fisher-Yates shuffle: the first `count` slots end up a uniform sample.
  std::vector<size_t> indices(n_examples);
  for (size_t i = 0; i < n_examples; ++i) indices[i] = i;
  Rng rng(seed);
  for (size_t i = 0; i < count; ++i) {
    const auto j = static_cast<size_t>(
        rng.uniform(static_cast<int64_t>(i), static_cast<int64_t>(n_examples) - 1));
    std::swap(indices[i], indices[j]);
  }
  indices.resize(count);
  std::sort(indices.begin(), indices.end());
  return indices;
}

}  // namespace sy
