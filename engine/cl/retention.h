// Retention: which of a task's training prompts SwitchCIT keeps after the task's stage, to retrain
// the switch on later. Only the prompts (instruction and input) of the chosen examples are kept,
// never their responses: the switch learns which task a request belongs to, not how to answer it,
// and keeping no answers is what separates SwitchCIT from replay.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace sy {

// Indices, ascending, of the examples a task of `n_examples` training examples keeps:
// max(min_count, round(fraction * n_examples)), capped at n_examples, drawn uniformly without
// replacement, the same for the same seed on every platform. Throws sy::Error when `fraction` is
// not in [0, 1].
std::vector<size_t> retain_indices(size_t n_examples, double fraction, size_t min_count,
                                   uint64_t seed);

}  // namespace sy
