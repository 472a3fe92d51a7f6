// The seeds of a run's random streams, each derived from the run's seed by one named function.
// The formulas are the ones every stored result was made with: changing one changes every score
// matrix, so a new stream gets a new function (derive_seed, engine/data/derive_seed.h, is for
// generated data) and these stay as they are.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sy {

// Training of stage `stage` (0-based; an expert: its task's position): data order, dropout, and
// an expert adapter's initial weights; also the switch network's training after that stage.
inline uint64_t stage_seed(uint64_t run_seed, size_t stage) {
  return run_seed * 1000 + stage;
}

// Which training examples of earlier task `task` replay mixes into later stages.
inline uint64_t replay_sample_seed(uint64_t run_seed, size_t task) {
  return run_seed * 7919 + task;
}

// Which training prompts of the task learned at `stage` switchcit retains for its switch.
inline uint64_t retention_sample_seed(uint64_t run_seed, size_t stage) {
  return run_seed * 31 + stage;
}

}  // namespace sy
