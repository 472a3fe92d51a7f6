// Seeds for generated data: a stable hash of a label (a task name, "pretrain-corpus") and the
// user's seed, so that each generator gets its own stream and the data is the same on every
// platform and compiler (std::hash is not).
#pragma once

#include <cstdint>
#include <string_view>

namespace sy {

// FNV-1a (64-bit) over the label's bytes, then over the seed's 8 bytes, least significant first.
uint64_t derive_seed(std::string_view label, uint64_t seed);

}  // namespace sy
